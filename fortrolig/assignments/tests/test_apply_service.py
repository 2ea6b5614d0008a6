"""The apply service: an application lands whole, once, and says nothing about who is known
(P-06, P-10, P-15, P-28, P-29). Names are made up; addresses are example.com."""

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, connections

from fortrolig.assignments import apply
from fortrolig.assignments.apply import (
    AdClosed,
    ApplicantInput,
    ad_for_receipt,
    ad_open_for_application,
    application_submit,
)
from fortrolig.assignments.models import (
    AdStatus,
    Application,
    ApplicationSource,
    AssignmentStatus,
    PipelineStage,
)
from fortrolig.assignments.pipeline import pipeline_stages_ensure
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate, Source
from fortrolig.candidates.services import CandidateInput, candidate_create
from fortrolig.conftest import make_agency, make_position, make_published_ad
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.documents.models import Document, DocumentKind
from fortrolig.documents.services import UploadRefused
from fortrolig.documents.tests.corpus import docx_bytes, elf_stub, pdf_bytes
from fortrolig.messaging.models import OutboundEmail

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
KEY = "k" * 43
CV_TEXT = "Erfaren lagermedarbeider med truckførerbevis"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Each test stores its files under its own MEDIA_ROOT, so that "no file left" can be
    checked by listing it."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def applicant(**overrides) -> ApplicantInput:
    values = {
        "first_name": "Kari",
        "last_name": "Søkersen",
        "email": "kari.sokersen@example.com",
        "phone": "912 34 567",
    }
    values.update(overrides)
    return ApplicantInput(**values)


def submit(ad, **overrides):
    values = {
        "ad_id": ad.id,
        "applicant": applicant(),
        "cv_filename": "CV Kari Søkersen.pdf",
        "cv_content": pdf_bytes((CV_TEXT,)),
        "cover_letter": "Jeg vil gjerne jobbe hos dere.",
        "sharing_acknowledged": True,
        "alerts_similar_jobs": False,
        "alerts_same_location": True,
        "submission_key": KEY,
        "now": NOW,
    }
    values.update(overrides)
    return application_submit(**values)


@pytest.fixture
def ad(agency):
    return make_published_ad(agency, code="APPLY001")


def new_ad(agency, *, confidential: bool = False, title: str = "Lagermedarbeider", **extra):
    """Another published ad of the agency, for a position of the agency's one client."""
    from fortrolig.clients.models import Client

    client = Client.objects.filter(agency=agency).first()
    position = make_position(agency, client=client, confidential=confidential, title=title)
    return make_published_ad(agency, position=position, **extra)


def known_candidate(agency, **overrides):
    data: dict[str, Any] = {
        "first_name": "Kari",
        "last_name": "Kjentesen",
        "email": "Kari.Sokersen@example.com",
        "phone": "+4798765432",
        "city": "Tromsø",
    }
    data.update(overrides)
    return candidate_create(
        agency=agency,
        actor=Actor.system(),
        data=CandidateInput(source=Source.CONSULTANT, **data),
        now=NOW - dt.timedelta(days=30),
    )


def counts(agency) -> dict[str, int]:
    return {
        "candidates": Candidate.objects.filter(agency=agency).count(),
        "applications": Application.objects.filter(agency=agency).count(),
        "documents": Document.objects.filter(agency=agency).count(),
        "emails": OutboundEmail.objects.filter(agency=agency).count(),
        "events": AuditEvent.objects.filter(agency=agency).count(),
    }


# --- a new applicant ------------------------------------------------------------------


@pytest.mark.django_db
def test_p06_a_new_email_makes_a_candidate_whose_source_is_the_application(ad, agency):
    receipt = submit(ad)

    candidate = Candidate.objects.get(agency=agency)
    assert candidate.source == Source.APPLICATION
    assert (candidate.first_name, candidate.last_name) == ("Kari", "Søkersen")
    assert candidate.email == "kari.sokersen@example.com"
    assert candidate.phone == "+4791234567"
    assert candidate.last_activity_at == NOW

    application = Application.objects.get(agency=agency)
    assert receipt.application_id == application.id
    assert receipt.ad_id == ad.id
    assert receipt.submission_key == KEY
    assert application.candidate_id == candidate.id
    assert application.position_id == ad.position_id
    assert application.source == ApplicationSource.JOB_BOARD
    assert application.stage == PipelineStage.objects.get(agency=agency, is_initial=True)
    assert application.data_key_id == candidate.data_key_id
    assert application.sharing_acknowledged_at == NOW
    assert (application.alerts_similar_jobs, application.alerts_same_location) == (False, True)
    assert application.submission_key == KEY
    assert application.stage_changed_at == NOW
    stored = Application.objects.get(pk=application.pk)
    assert stored.cover_letter == "Jeg vil gjerne jobbe hos dere."

    document = Document.objects.get(agency=agency)
    assert document.candidate_id == candidate.id
    assert document.kind == DocumentKind.CV
    assert document.filename == "CV Kari Søkersen.pdf"


@pytest.mark.django_db
def test_p28_the_application_is_audited_with_field_names_only(ad, agency):
    submit(ad, cover_letter="")
    # The first consent of an agency seeds its register and publishes its policy version;
    # those events are about the agency, not the applicant.
    events = [
        event
        for event in AuditEvent.objects.filter(agency=agency).order_by("seq")
        if not event.action.startswith(("privacy.register.", "privacy.policy."))
    ]
    actions = [event.action for event in events]
    assert actions == [
        "candidate.created",
        "candidate.document.uploaded",
        "application.submitted",
        "privacy.consent.given",
        "messaging.email.queued",
    ]
    submitted = events[2]
    assert submitted.actor_type == "system"
    assert submitted.purpose == "job_board"
    assert submitted.subject_id == Application.objects.get().id
    assert set(submitted.fields) == {
        "alerts_same_location",
        "candidate",
        "position",
        "sharing_acknowledged_at",
        "source",
        "stage",
    }
    text = repr([(e.action, e.fields, e.purpose) for e in events])
    assert "Kari" not in text and "example.com" not in text


@pytest.mark.django_db
def test_an_empty_letter_stores_none(ad):
    submit(ad, cover_letter="   ")
    assert Application.objects.get().cover_letter is None


# --- a known email --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_known_email_joins_that_candidate_without_overwriting_its_details(ad, agency):
    known = known_candidate(agency)
    before = counts(agency)

    receipt = submit(ad)

    assert Candidate.objects.filter(agency=agency).count() == before["candidates"]
    application = Application.objects.get(pk=receipt.application_id)
    assert application.candidate_id == known.id
    known.refresh_from_db()
    # What the applicant typed did not replace what the agency has.
    assert (known.last_name, known.phone, known.city) == ("Kjentesen", "+4798765432", "Tromsø")
    assert known.source == Source.CONSULTANT
    # The application is the candidate's activity, and the CV is theirs now.
    assert known.last_activity_at == NOW
    assert Document.objects.filter(candidate=known, kind=DocumentKind.CV).count() == 1


@pytest.mark.django_db
def test_known_and_unknown_emails_get_equal_receipts_and_equal_emails(agency):
    ad = new_ad(agency, code="APPLY002")
    known_candidate(agency, email="kjent@example.com")
    known = submit(ad, applicant=applicant(email="kjent@example.com"), submission_key="a" * 43)
    new = submit(ad, applicant=applicant(email="ny@example.com"), submission_key="b" * 43)
    # Only the tokens differ: the key the form carried and the row made.
    assert {k for k, v in vars(known).items() if vars(new)[k] != v} == {
        "application_id",
        "submission_key",
    }
    first, second = OutboundEmail.objects.order_by("created_at")
    assert (first.subject, first.body_text, first.body_html) == (
        second.subject,
        second.body_text,
        second.body_html,
    )


@pytest.mark.django_db
def test_bad_input_is_refused_alike_for_known_and_unknown_emails(ad, agency):
    known_candidate(agency)
    for email in ("kari.sokersen@example.com", "ukjent@example.com"):
        with pytest.raises(ValidationFailed) as refused:
            submit(ad, applicant=applicant(email=email, phone="12"))
        assert set(refused.value.field_errors) == {"phone"}
    assert Application.objects.count() == 0


@pytest.mark.django_db
def test_a_restricted_candidate_is_not_matched(ad, agency):
    restricted = known_candidate(agency)
    Candidate.objects.filter(pk=restricted.pk).update(restricted=True)
    receipt = submit(ad)
    application = Application.objects.get(pk=receipt.application_id)
    assert application.candidate_id != restricted.id
    assert not Document.objects.filter(candidate=restricted).exists()


# --- the same position, the same form -------------------------------------------------


@pytest.mark.django_db
def test_a_second_application_for_the_same_position_keeps_one_and_adds_the_cv(ad, agency):
    first = submit(ad)
    second = submit(
        ad,
        submission_key="s" * 43,
        cv_content=docx_bytes("Ny versjon av CV-en"),
        cv_filename="cv.docx",
        alerts_similar_jobs=True,
    )
    assert second.application_id == first.application_id
    assert Application.objects.filter(agency=agency).count() == 1
    assert Document.objects.filter(agency=agency, kind=DocumentKind.CV).count() == 2
    application = Application.objects.get()
    assert application.alerts_similar_jobs is True
    # The first form's key stays the application's.
    assert application.submission_key == KEY
    assert AuditEvent.objects.filter(action="application.resubmitted").count() == 1
    assert OutboundEmail.objects.count() == 2


@pytest.mark.django_db
def test_the_same_file_again_is_not_stored_twice_and_sends_nothing(ad, agency, media_root):
    submit(ad)
    files = stored_files(media_root)
    before = counts(agency)
    # The form was shown again (a new key) and sent with the same file.
    again = submit(ad, submission_key="t" * 43)
    assert again.application_id == Application.objects.get().id
    assert counts(agency) == before
    assert stored_files(media_root) == files


@pytest.mark.django_db
def test_a_known_candidate_s_same_cv_for_another_position_is_kept_once(ad, agency):
    submit(ad)
    other_ad = new_ad(agency, title="Truckfører")
    submit(other_ad, submission_key="u" * 43)
    assert Application.objects.count() == 2
    assert Document.objects.count() == 1
    assert OutboundEmail.objects.count() == 2


@pytest.mark.django_db
def test_the_same_submission_key_twice_lands_once(ad, agency, media_root):
    first = submit(ad)
    before, files = counts(agency), stored_files(media_root)
    second = submit(ad)
    assert second == first
    assert counts(agency) == before
    assert stored_files(media_root) == files


@pytest.mark.django_db
def test_a_submission_key_is_per_agency(ad, agency, other_agency):
    other_ad = make_published_ad(other_agency, code="APPLY003")
    submit(ad)
    submit(other_ad)
    assert Application.objects.filter(agency=other_agency).count() == 1


# --- refusals: nothing stored ---------------------------------------------------------


@pytest.mark.django_db
def test_p29_a_refused_file_stores_nothing_at_all(ad, agency, media_root):
    before = counts(agency)
    with pytest.raises(UploadRefused) as refused:
        submit(ad, cv_content=elf_stub(), cv_filename="cv.pdf")
    assert refused.value.code == "upload_executable"
    assert "program" in str(refused.value.message)
    assert counts(agency) == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_refused_file_from_a_known_email_changes_nothing(ad, agency, media_root):
    known = known_candidate(agency)
    before = counts(agency)
    with pytest.raises(UploadRefused):
        submit(ad, cv_content=b"")
    assert counts(agency) == before
    known.refresh_from_db()
    assert known.last_activity_at == NOW - dt.timedelta(days=30)
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_a_failure_after_the_upload_leaves_no_row_and_no_file(ad, agency, media_root, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("mail system down")

    monkeypatch.setattr(apply, "email_queue", broken)
    before = counts(agency)
    with pytest.raises(RuntimeError):
        submit(ad)
    assert counts(agency) == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_without_the_acknowledgement_nothing_is_stored(ad, agency, media_root):
    before = counts(agency)
    with pytest.raises(ValidationFailed) as refused:
        submit(ad, sharing_acknowledged=False)
    assert set(refused.value.field_errors) == {"sharing_acknowledged"}
    assert counts(agency) == before
    assert stored_files(media_root) == []


@pytest.mark.django_db
def test_every_field_problem_is_reported_at_once(ad):
    with pytest.raises(ValidationFailed) as refused:
        submit(
            ad,
            applicant=applicant(first_name=" ", email="", phone="abc"),
            cover_letter="x" * 20_001,
            sharing_acknowledged=False,
            submission_key="short",
        )
    assert set(refused.value.field_errors) == {
        "first_name",
        "email",
        "phone",
        "cover_letter",
        "sharing_acknowledged",
        "submission_key",
    }
    assert Candidate.objects.count() == 0


@pytest.mark.django_db
def test_an_invalid_email_is_refused(ad):
    with pytest.raises(ValidationFailed) as refused:
        submit(ad, applicant=applicant(email="ikke-en-adresse"))
    assert set(refused.value.field_errors) == {"email"}


# --- which ads take applications ------------------------------------------------------


@pytest.mark.django_db
def test_only_published_open_ads_take_applications(agency):
    open_ad = new_ad(agency, apply_by=dt.date(2026, 3, 2))
    assert ad_open_for_application(ad_id=open_ad.id, now=NOW).title == open_ad.title

    past = new_ad(agency, apply_by=dt.date(2026, 3, 1))
    closed = new_ad(agency, status=AdStatus.CLOSED, closed_at=NOW)
    for ad in (past, closed):
        with pytest.raises(AdClosed):
            ad_open_for_application(ad_id=ad.id, now=NOW)
        with pytest.raises(AdClosed):
            submit(ad)
        # The receipt page still names it.
        assert ad_for_receipt(ad_id=ad.id, now=NOW).id == ad.id

    draft = new_ad(agency, status=AdStatus.DRAFT, published_at=None)
    future = new_ad(agency, published_at=NOW + dt.timedelta(hours=1))
    for ad in (draft, future):
        with pytest.raises(NotFound):
            ad_open_for_application(ad_id=ad.id, now=NOW)
        with pytest.raises(NotFound):
            submit(ad)
    with pytest.raises(NotFound):
        ad_open_for_application(ad_id=closed.position_id, now=NOW)
    assert Application.objects.count() == 0


@pytest.mark.django_db
def test_an_ad_of_an_ended_assignment_takes_no_applications(ad):
    assignment = ad.position.assignment
    assignment.status = AssignmentStatus.ENDED
    assignment.ended_at = NOW
    assignment.save()
    with pytest.raises(AdClosed):
        ad_open_for_application(ad_id=ad.id, now=NOW)


@pytest.mark.django_db
def test_the_deadline_is_a_date_in_oslo(agency):
    ad = new_ad(agency, apply_by=dt.date(2026, 3, 2))
    # 23:30 UTC on 2 March is already 3 March in Oslo.
    with pytest.raises(AdClosed):
        ad_open_for_application(ad_id=ad.id, now=dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC))


@pytest.mark.django_db
def test_p15_a_confidential_client_is_not_named(agency):
    hidden = new_ad(agency, confidential=True)
    named = new_ad(agency)
    assert ad_open_for_application(ad_id=hidden.id, now=NOW).client_name == ""
    assert ad_open_for_application(ad_id=named.id, now=NOW).client_name == (
        named.position.assignment.client.name
    )
    assignment = hidden.position.assignment
    assignment.client_name_released_at = NOW
    assignment.save()
    assert ad_open_for_application(ad_id=hidden.id, now=NOW).client_name != ""


@pytest.mark.django_db
def test_another_agency_s_data_is_untouched(ad, agency, other_agency):
    theirs = known_candidate(other_agency)
    their_ad = make_published_ad(other_agency, code="APPLY004")
    before = counts(other_agency)

    submit(ad)

    assert counts(other_agency) == before
    theirs.refresh_from_db()
    assert theirs.last_activity_at == NOW - dt.timedelta(days=30)
    mine = Application.objects.get(agency=agency)
    assert mine.candidate_id != theirs.id
    assert mine.candidate.agency_id == agency.id
    assert not Application.objects.filter(position=their_ad.position).exists()


# --- the confirmation email -----------------------------------------------------------


@pytest.mark.django_db
def test_p10_the_confirmation_is_queued_once_and_holds_nothing_sensitive(agency):
    ad = new_ad(agency, confidential=True)
    client_name = ad.position.assignment.client.name
    submit(
        ad,
        applicant=applicant(first_name="Kari", last_name="Søkersen", phone="912 34 567"),
        cover_letter="Mitt fødselsnummer er 17059012345",
        language="en",
    )
    email = OutboundEmail.objects.get(agency=agency)
    assert email.recipient == "kari.sokersen@example.com"
    assert email.template == "application.received"
    assert email.language == "en"
    for body in (email.body_text, email.body_html):
        # Names the reply channel, what happens next, retention and the privacy notice.
        assert agency.contact_email in body
        assert "A consultant" in body
        assert "24 months" in body
        assert settings.PUBLIC_BASE_URL + f"/personvern/{agency.slug}/?lang=en" in body
        assert ad.title in body
        # Nothing the applicant typed, nothing from the CV, no client name.
        for secret in ("Kari", "Søkersen", "912", "17059012345", "fødselsnummer", client_name):
            assert secret not in body
        assert CV_TEXT not in body
    assert agency.name in email.subject
    assert "Kari" not in email.subject


@pytest.mark.django_db
def test_the_confirmation_names_the_agency_s_retention_and_is_bokmal_by_default(agency):
    agency.settings = {"candidate_retention_months": 12}
    agency.save()
    ad = new_ad(agency)
    submit(ad)
    email = OutboundEmail.objects.get()
    assert email.language == "nb"
    assert "12" in email.body_text


@pytest.mark.django_db
def test_an_unsupported_language_falls_back_to_bokmal(ad):
    submit(ad, language="xx")
    assert OutboundEmail.objects.get().language == "nb"


@pytest.mark.django_db
def test_the_confirmation_is_sent_after_the_commit_only(ad, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(ad)
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kari.sokersen@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        submit(ad)
    assert len(mail.outbox) == 1


# --- at the same time, on PostgreSQL ---------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="parallel transactions need PostgreSQL"
)


def _ad_of_new_agency(code: str):
    agency = make_agency()
    # The stages exist already, as they do once an agency has an assignment: creating
    # them locks the agency row and would serialise the first submissions by itself.
    pipeline_stages_ensure(agency=agency, now=NOW)
    return make_published_ad(agency, code=code)


def _in_threads(count: int, work) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results.append(work(index))
        except BaseException as exc:  # collected and asserted on in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


@postgres_only
def test_the_same_form_sent_four_times_at_once_lands_once(transactional_db, media_root):
    ad = _ad_of_new_agency("APPLY005")
    results, errors = _in_threads(4, lambda index: submit(ad))
    assert not errors, errors
    assert len(set(results)) == 1
    assert Application.objects.count() == 1
    assert Candidate.objects.count() == 1
    assert Document.objects.count() == 1
    assert OutboundEmail.objects.count() == 1
    assert len(stored_files(media_root)) == 1


@postgres_only
def test_same_key_with_different_emails_at_once_lands_once(transactional_db, media_root):
    ad = _ad_of_new_agency("APPLY006")
    results, errors = _in_threads(
        3, lambda index: submit(ad, applicant=applicant(email=f"person{index}@example.com"))
    )
    assert not errors, errors
    assert len({receipt.application_id for receipt in results}) == 1
    assert Application.objects.count() == 1
    assert Candidate.objects.count() == 1
    assert len(stored_files(media_root)) == 1


@postgres_only
def test_one_new_person_applying_twice_at_once_becomes_one_candidate(transactional_db, media_root):
    ad = _ad_of_new_agency("APPLY007")
    _results, errors = _in_threads(3, lambda index: submit(ad, submission_key=f"{index}" * 43))
    assert not errors, errors
    assert Candidate.objects.count() == 1
    assert Application.objects.count() == 1
    # The same file each time: stored once.
    assert Document.objects.count() == 1
    assert len(stored_files(media_root)) == 1


@postgres_only
def test_many_people_at_once_each_land_once(transactional_db, media_root):
    ad = _ad_of_new_agency("APPLY008")
    _results, errors = _in_threads(
        6,
        lambda index: submit(
            ad,
            applicant=applicant(email=f"person{index}@example.com"),
            submission_key=f"{index}" * 43,
        ),
    )
    assert not errors, errors
    assert Application.objects.count() == 6
    assert Candidate.objects.count() == 6
    assert Document.objects.count() == 6
    assert OutboundEmail.objects.count() == 6
    assert len(stored_files(media_root)) == 6


@pytest.mark.django_db
def test_p16_ticked_job_alerts_are_recorded_as_a_consent_with_the_policy_version(agency, ad):
    from fortrolig.privacy.models import Consent, ConsentChannel, ConsentPurpose

    submit(ad, alerts_similar_jobs=True, alerts_same_location=False)
    consent = Consent.objects.get(agency=agency)
    assert consent.purpose == ConsentPurpose.JOB_ALERTS
    assert consent.channel == ConsentChannel.JOB_BOARD
    assert consent.scope["alerts"] == ["similar_jobs"]
    assert consent.policy_version.agency_id == agency.id
    assert consent.withdrawn_at is None


@pytest.mark.django_db
def test_p16_no_alert_ticked_records_no_consent(agency, ad):
    from fortrolig.privacy.models import Consent

    submit(ad, alerts_similar_jobs=False, alerts_same_location=False)
    assert not Consent.objects.exists()
