"""P-07 background checks: requested only for a position that requires them, after the
candidate is told; stored encrypted (P-27); destroyed when the assignment ends or the
candidate leaves it, leaving only a dated note. Selectors never cross agencies."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from fortrolig.accounts.models import Role
from fortrolig.assignments import hooks
from fortrolig.assignments.models import Assignment, AssignmentStatus, PipelineStage, StageOutcome
from fortrolig.assignments.pipeline import pipeline_stages_ensure
from fortrolig.assignments.services import application_add, assignment_end
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor, actor_for_user
from fortrolig.candidates import background_checks as bc
from fortrolig.candidates.hooks import background_checks_destroy_on_end
from fortrolig.candidates.models import BackgroundCheck, Candidate, CheckKind, CheckStatus
from fortrolig.candidates.services import CandidateInput, candidate_create
from fortrolig.conftest import make_client, make_position, make_staff
from fortrolig.core import crypto
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.vault import vault_read
from fortrolig.documents.errors import UploadRefused
from fortrolig.documents.tests import corpus
from fortrolig.messaging.models import OutboundEmail

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=3)
MARKER = "Unikt-merke-9c2e ingen merknader i strafferegisteret"
CONTENT = f"Politiattest for Kari Testesen. {MARKER}\n".encode()
DETAILS = "Sjekket mot original, Unikt-merke-4d1b"

_counter = iter(range(1, 1_000_000))


# --- helpers, also used by the view tests -----------------------------------------------


def new_candidate(agency, **overrides) -> Candidate:
    number = next(_counter)
    values: dict[str, Any] = {
        "first_name": "Kari",
        "last_name": f"Testesen{number}",
        "email": f"kari.testesen{number}@example.com",
    }
    values.update(overrides)
    return candidate_create(
        agency=agency,
        actor=Actor.system(),
        data=CandidateInput(**values),
        now=NOW,
        allow_duplicate=True,
    )


def the_client(agency):
    """The agency's one test client (an organisation number is unique per agency)."""
    from fortrolig.clients.models import Client

    return Client.objects.filter(agency=agency).first() or make_client(
        agency, name="Fjordkraft Hemmelig AS"
    )


def new_application(agency, actor, *, candidate=None, position=None, **position_flags):
    """An application of a (new) candidate to a (new) position with the given
    requirements; the police certificate is required unless said otherwise."""
    if position is None:
        flags = {"requires_police_certificate": True, **position_flags}
        position = make_position(agency, client=the_client(agency), **flags)
    candidate = candidate or new_candidate(agency)
    return application_add(
        agency=agency, actor=actor, candidate_id=candidate.id, position_id=position.id, now=NOW
    )


def request_check(agency, actor, application, kind=CheckKind.POLICE_CERTIFICATE, now=NOW):
    return bc.background_check_request(
        agency=agency, actor=actor, application_id=application.id, kind=kind, now=now
    )


def receive(agency, actor, check, content=CONTENT, details=DETAILS, now=NOW):
    return bc.background_check_receive(
        agency=agency,
        actor=actor,
        check_id=check.id,
        filename="Politiattest Kari.txt",
        content=content,
        details=details,
        now=now,
    )


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def events(action: str, subject_id=None) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(action=action)
    if subject_id is not None:
        rows = rows.filter(subject_id=subject_id)
    return list(rows.order_by("seq"))


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def consultant(agency):
    return make_staff(agency, email="konsulent@nordlys.example.com", role=Role.CONSULTANT)


@pytest.fixture
def actor(consultant):
    return actor_for_user(consultant)


@pytest.fixture
def application(agency, actor):
    return new_application(agency, actor)


@pytest.fixture
def requested(agency, actor, application):
    return request_check(agency, actor, application)


@pytest.fixture
def received(agency, actor, requested):
    check = receive(agency, actor, requested)
    return bc.background_check_record_outcome(
        agency=agency,
        actor=actor,
        check_id=check.id,
        outcome="satisfactory",
        outcome_on=dt.date(2026, 3, 2),
        now=NOW,
    )


def _nothing_stored(application) -> None:
    assert not BackgroundCheck.objects.filter(application=application).exists()
    assert not OutboundEmail.objects.exists()
    assert not events("candidate.background_check.requested")


# --- request ----------------------------------------------------------------------------


def test_p07_a_check_is_refused_for_a_position_that_does_not_require_it(agency, actor, application):
    with pytest.raises(bc.CheckNotRequired) as refused:
        request_check(agency, actor, application, kind=CheckKind.CREDIT_CHECK)
    assert "P-07" in str(refused.value.message)
    _nothing_stored(application)


def test_p07_a_position_that_requires_nothing_allows_no_check(agency, actor):
    application = new_application(agency, actor, requires_police_certificate=False)
    for kind in CheckKind.values:
        with pytest.raises(bc.CheckNotRequired):
            request_check(agency, actor, application, kind=kind)
    _nothing_stored(application)


def test_p07_the_refusal_names_the_rule_in_norwegian(agency, actor, application):
    with pytest.raises(bc.CheckNotRequired) as refused, translation.override("nb"):
        request_check(agency, actor, application, kind=CheckKind.SECURITY_CLEARANCE)
    with translation.override("nb"):
        message = str(refused.value.message)
    assert "krever ikke" in message and "P-07" in message


def test_p07_the_candidate_is_told_first_in_the_same_transaction(
    agency, actor, consultant, application
):
    check = request_check(agency, actor, application)

    assert check.status == CheckStatus.REQUESTED
    assert check.requested_at == NOW and check.notice_sent_at == NOW
    assert check.requested_by_id == consultant.id
    assert check.data_key_id == application.candidate.data_key_id
    email = OutboundEmail.objects.get()
    assert email.recipient == application.candidate.email
    assert email.template == "background_check.notice"
    # The email was queued before the check existed, in the same chain of events.
    [queued] = events("messaging.email.queued")
    [requested] = events("candidate.background_check.requested", check.id)
    assert queued.seq < requested.seq
    assert requested.actor_id == consultant.id
    assert requested.fields == sorted(
        ["kind", "status", "requested_at", "notice_sent_at", "requested_by"]
    )


def test_p07_the_notice_says_which_check_for_which_recruitment_and_where_to_reply(
    agency, actor, application
):
    request_check(agency, actor, application)
    email = OutboundEmail.objects.get()
    assert email.language == "nb"
    body = email.body_text
    assert "Politiattest" in body
    assert application.position.title in body
    assert "Fjordkraft Hemmelig AS" in body  # not confidential: the client is named
    assert agency.contact_email in body
    assert f"{settings.PUBLIC_BASE_URL}/personvern/{agency.slug}/" in body
    assert agency.name in email.subject
    assert "e-post" in body  # "do not send it by email", in Norwegian


def test_p07_p10_the_notice_holds_nothing_sensitive(agency, actor):
    candidate = new_candidate(agency, national_id="", phone="912 34 567")
    application = new_application(agency, actor, candidate=candidate)
    check = request_check(agency, actor, application)
    email = OutboundEmail.objects.get()
    for part in (email.subject, email.body_text, email.body_html):
        assert candidate.last_name not in part
        assert "912" not in part
        assert str(check.id) not in part
        assert str(candidate.id) not in part


def test_p15_the_notice_does_not_name_a_confidential_client(agency, actor):
    position = make_position(
        agency,
        client=make_client(agency, name="Fjordkraft Hemmelig AS"),
        confidential=True,
        requires_security_clearance=True,
    )
    application = new_application(agency, actor, position=position)
    request_check(agency, actor, application, kind=CheckKind.SECURITY_CLEARANCE)
    email = OutboundEmail.objects.get()
    for part in (email.subject, email.body_text, email.body_html):
        assert "Fjordkraft" not in part
    assert "Sikkerhetsklarering" in email.body_text


def test_p15_a_released_client_is_named(agency, actor):
    position = make_position(
        agency,
        client=make_client(agency, name="Fjordkraft Hemmelig AS"),
        confidential=True,
        requires_credit_check=True,
    )
    Assignment.objects.filter(pk=position.assignment_id).update(client_name_released_at=NOW)
    application = new_application(agency, actor, position=position)
    request_check(agency, actor, application, kind=CheckKind.CREDIT_CHECK)
    assert "Fjordkraft Hemmelig AS" in OutboundEmail.objects.get().body_text


def test_p07_a_candidate_without_email_cannot_be_told_so_nothing_is_requested(agency, actor):
    application = new_application(agency, actor, candidate=new_candidate(agency, email=""))
    with pytest.raises(bc.CandidateWithoutEmail):
        request_check(agency, actor, application)
    _nothing_stored(application)


def test_p23_no_check_for_a_restricted_candidate(agency, actor, application):
    Candidate.objects.filter(pk=application.candidate_id).update(restricted=True)
    with pytest.raises(bc.CheckCandidateRestricted):
        request_check(agency, actor, application)
    _nothing_stored(application)


def test_p07_no_check_once_the_assignment_has_ended(agency, actor, application):
    Assignment.objects.filter(pk=application.position.assignment_id).update(
        status=AssignmentStatus.ENDED, ended_at=NOW
    )
    with pytest.raises(bc.CheckAssignmentEnded):
        request_check(agency, actor, application)
    _nothing_stored(application)


def test_p07_no_check_for_a_candidate_who_left_the_recruitment(agency, actor, application):
    pipeline_stages_ensure(agency=agency, now=NOW)
    rejected = PipelineStage.objects.get(agency=agency, outcome=StageOutcome.REJECTED)
    type(application).objects.filter(pk=application.pk).update(stage=rejected)
    with pytest.raises(bc.CandidateLeftRecruitment):
        request_check(agency, actor, application)
    _nothing_stored(application)


def test_a_check_is_requested_once_per_application_and_kind(agency, actor, requested):
    with pytest.raises(bc.CheckAlreadyRequested):
        request_check(agency, actor, requested.application)
    assert BackgroundCheck.objects.count() == 1
    assert OutboundEmail.objects.count() == 1


def test_an_unknown_kind_is_refused_with_a_clear_message(agency, actor, application):
    with pytest.raises(ValidationFailed) as refused, translation.override("nb"):
        request_check(agency, actor, application, kind="dna_test")
    assert refused.value.field_errors == {"kind": ["Velg en av bakgrunnssjekkene i listen."]}
    _nothing_stored(application)


def test_another_agency_cannot_request_a_check(agency, other_agency, actor, application):
    outsider = actor_for_user(make_staff(other_agency, email="radgiver@fjellet.example.com"))
    with pytest.raises(NotFound):
        request_check(other_agency, outsider, application)
    _nothing_stored(application)


# --- receive, outcome, read -------------------------------------------------------------


def test_p27_the_document_and_details_are_stored_encrypted(agency, actor, requested, media_root):
    check = receive(agency, actor, requested)
    check.refresh_from_db()

    assert check.status == CheckStatus.RECEIVED
    assert check.received_at == NOW
    [blob] = stored_files(media_root)
    raw_blob = blob.read_bytes()
    assert MARKER.encode() not in raw_blob and b"Kari" not in raw_blob
    assert crypto.ciphertext_key_id(raw_blob) == check.data_key_id
    assert vault_read(name=check.blob_name) == CONTENT
    assert check.filename == "Politiattest Kari.txt"
    assert check.details == DETAILS
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT filename, details FROM candidates_backgroundcheck WHERE id = %s",
            [check.id.hex],
        )
        raw_filename, raw_details = (bytes(value) for value in cursor.fetchone())
    assert b"Kari" not in raw_filename and b"Unikt-merke" not in raw_details
    [event] = events("candidate.background_check.received", check.id)
    assert event.fields == sorted(["status", "received_at", "filename", "content", "details"])


def test_p29_a_refused_file_stores_nothing(agency, actor, requested, media_root):
    with pytest.raises(UploadRefused):
        receive(agency, actor, requested, content=corpus.elf_stub())
    requested.refresh_from_db()
    assert requested.status == CheckStatus.REQUESTED and requested.blob_name == ""
    assert stored_files(media_root) == []
    assert not events("candidate.background_check.received")


def test_a_failed_transaction_removes_the_blob(agency, actor, requested, media_root, monkeypatch):
    def failing_record(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(bc, "record", failing_record)
    with pytest.raises(RuntimeError):
        receive(agency, actor, requested)
    requested.refresh_from_db()
    assert requested.status == CheckStatus.REQUESTED
    assert stored_files(media_root) == []


def test_details_too_long_are_refused_and_nothing_is_stored(agency, actor, requested, media_root):
    with pytest.raises(ValidationFailed) as refused, translation.override("nb"):
        receive(agency, actor, requested, details="x" * 5_001)
    assert "5 000" in refused.value.field_errors["details"][0]
    assert stored_files(media_root) == []


def test_a_document_is_received_once(agency, actor, received, media_root):
    with pytest.raises(bc.CheckAlreadyReceived):
        receive(agency, actor, received)
    assert len(stored_files(media_root)) == 1


def test_the_outcome_is_recorded_and_audited(agency, actor, received):
    assert received.outcome == "satisfactory"
    assert received.outcome_on == dt.date(2026, 3, 2)
    [event] = events("candidate.background_check.outcome_recorded", received.id)
    assert event.fields == ["outcome", "outcome_on"]
    # The same again changes nothing.
    bc.background_check_record_outcome(
        agency=agency,
        actor=actor,
        check_id=received.id,
        outcome="satisfactory",
        outcome_on=dt.date(2026, 3, 2),
        now=NOW,
    )
    assert len(events("candidate.background_check.outcome_recorded")) == 1


@pytest.mark.parametrize(
    ("outcome", "outcome_on", "field"),
    [
        ("excellent", dt.date(2026, 3, 1), "outcome"),
        ("satisfactory", dt.date(2026, 3, 3), "outcome_on"),
        ("satisfactory", None, "outcome_on"),
    ],
)
def test_a_bad_outcome_changes_nothing(agency, actor, requested, outcome, outcome_on, field):
    with pytest.raises(ValidationFailed) as refused, translation.override("nb"):
        bc.background_check_record_outcome(
            agency=agency,
            actor=actor,
            check_id=requested.id,
            outcome=outcome,
            outcome_on=outcome_on,
            now=NOW,
        )
    assert list(refused.value.field_errors) == [field]
    message = refused.value.field_errors[field][0]
    assert "tilfredsstillende" in message or "fremtiden" in message
    requested.refresh_from_db()
    assert requested.outcome == "" and requested.outcome_on is None


def test_open_decrypts_the_document_and_records_who_read_it(agency, actor, consultant, received):
    opened = bc.background_check_open(agency=agency, actor=actor, check_id=received.id, now=LATER)
    assert opened.content == CONTENT
    assert opened.filename == "Politiattest Kari.txt"
    [event] = events("candidate.background_check.viewed", received.id)
    assert event.fields == ["content", "filename"] and event.actor_id == consultant.id


def test_read_shows_the_details_and_records_it(agency, actor, received):
    reading = bc.background_check_read(agency=agency, actor=actor, check_id=received.id, now=LATER)
    assert reading.details == DETAILS
    [event] = events("candidate.background_check.viewed", received.id)
    assert "details" in event.fields and "filename" in event.fields


def test_a_requested_check_has_no_document_to_open(agency, actor, requested):
    with pytest.raises(bc.CheckNoDocument):
        bc.background_check_open(agency=agency, actor=actor, check_id=requested.id, now=NOW)


def test_another_agency_can_neither_receive_nor_read_nor_record(
    agency, other_agency, actor, requested, received, media_root
):
    outsider = actor_for_user(make_staff(other_agency, email="radgiver@fjellet.example.com"))
    before = AuditEvent.objects.count()
    with pytest.raises(NotFound):
        receive(other_agency, outsider, requested)
    with pytest.raises(NotFound):
        bc.background_check_record_outcome(
            agency=other_agency,
            actor=outsider,
            check_id=received.id,
            outcome="not_satisfactory",
            outcome_on=dt.date(2026, 3, 1),
            now=NOW,
        )
    for read in (bc.background_check_open, bc.background_check_read):
        with pytest.raises(NotFound):
            read(agency=other_agency, actor=outsider, check_id=received.id, now=NOW)
    with pytest.raises(NotFound):
        bc.background_check_get(agency=other_agency, check_id=received.id)
    with pytest.raises(NotFound):
        bc.background_checks_for_candidate(
            agency=other_agency, actor=outsider, candidate_id=received.candidate_id, now=NOW
        )
    assert AuditEvent.objects.count() == before
    received.refresh_from_db()
    assert received.outcome == "satisfactory"
    assert len(stored_files(media_root)) == 1


# --- destruction ------------------------------------------------------------------------


def test_p07_the_destroy_hook_is_registered():
    assert background_checks_destroy_on_end in hooks.assignment_ended_hooks()


def _assert_only_the_note_remains(check: BackgroundCheck, *, when: dt.datetime) -> None:
    check.refresh_from_db()
    assert check.status == CheckStatus.DESTROYED
    assert check.filename is None and check.details is None
    assert check.blob_name == "" and check.content_type == "" and check.size is None
    assert check.destroyed_at == when and check.erase_after == when
    # The dated note.
    assert check.kind == CheckKind.POLICE_CERTIFICATE
    assert check.outcome == "satisfactory" and check.outcome_on == dt.date(2026, 3, 2)
    assert check.requested_at == NOW


def test_p07_ending_the_assignment_destroys_the_document_and_details(
    agency, actor, received, media_root, django_capture_on_commit_callbacks
):
    assert len(stored_files(media_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assignment_end(
            agency=agency,
            actor=actor,
            assignment_id=received.application.position.assignment_id,
            now=LATER,
        )
    _assert_only_the_note_remains(received, when=LATER)
    assert stored_files(media_root) == []
    [event] = events("candidate.background_check.destroyed", received.id)
    assert event.fields == ["content", "details", "filename"]
    assert event.purpose == "assignment_ended"
    # The note is still there to read, with nothing secret in it.
    reading = bc.background_check_read(agency=agency, actor=actor, check_id=received.id, now=LATER)
    assert reading.filename is None and reading.details is None
    with pytest.raises(bc.CheckDestroyed):
        bc.background_check_open(agency=agency, actor=actor, check_id=received.id, now=LATER)


def test_p07_the_blob_stays_until_the_end_commits(
    agency, actor, received, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assignment_end(
            agency=agency,
            actor=actor,
            assignment_id=received.application.position.assignment_id,
            now=LATER,
        )
    # The row no longer points at the blob; the file goes only with the commit.
    received.refresh_from_db()
    assert received.blob_name == ""
    assert len(stored_files(media_root)) == 1
    for callback in callbacks:
        callback()
    assert stored_files(media_root) == []


def test_p07_a_rolled_back_end_keeps_the_document(
    agency, actor, received, media_root, django_capture_on_commit_callbacks
):
    class LaterHookFailed(Exception):
        pass

    def failing(*, agency, actor, assignment, now):
        raise LaterHookFailed()

    with (
        hooks.assignment_ended_hook_registered(failing),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(LaterHookFailed),
    ):
        assignment_end(
            agency=agency,
            actor=actor,
            assignment_id=received.application.position.assignment_id,
            now=LATER,
        )
    received.refresh_from_db()
    assert received.status == CheckStatus.RECEIVED
    assert received.details == DETAILS
    assert vault_read(name=received.blob_name) == CONTENT
    assert len(stored_files(media_root)) == 1
    assert not events("candidate.background_check.destroyed")


def test_p07_ending_one_assignment_leaves_the_checks_of_another(
    agency, actor, received, django_capture_on_commit_callbacks
):
    other = request_check(agency, actor, new_application(agency, actor))
    with django_capture_on_commit_callbacks(execute=True):
        assignment_end(
            agency=agency,
            actor=actor,
            assignment_id=received.application.position.assignment_id,
            now=LATER,
        )
    other.refresh_from_db()
    assert other.status == CheckStatus.REQUESTED


def test_p07_leaving_the_recruitment_destroys_the_checks_of_that_application(
    agency, actor, received, media_root, django_capture_on_commit_callbacks
):
    # Another application of the same candidate keeps its check.
    other = request_check(
        agency, actor, new_application(agency, actor, candidate=received.candidate)
    )
    with django_capture_on_commit_callbacks(execute=True):
        count = bc.background_checks_destroy_for_application(
            agency=agency, actor=actor, application_id=received.application_id, now=LATER
        )
    assert count == 1
    _assert_only_the_note_remains(received, when=LATER)
    assert stored_files(media_root) == []
    [event] = events("candidate.background_check.destroyed")
    assert event.purpose == "candidate_left"
    other.refresh_from_db()
    assert other.status == CheckStatus.REQUESTED
    # Twice is harmless.
    assert (
        bc.background_checks_destroy_for_application(
            agency=agency, actor=actor, application_id=received.application_id, now=LATER
        )
        == 0
    )


def test_destroying_for_another_agency_s_application_does_nothing(
    agency, other_agency, actor, received
):
    assert (
        bc.background_checks_destroy_for_application(
            agency=other_agency, actor=actor, application_id=received.application_id, now=LATER
        )
        == 0
    )
    received.refresh_from_db()
    assert received.status == CheckStatus.RECEIVED


def test_p07_a_destroyed_check_can_no_longer_be_changed(agency, actor, received):
    bc.background_checks_destroy_for_application(
        agency=agency, actor=actor, application_id=received.application_id, now=LATER
    )
    with pytest.raises(bc.CheckDestroyed):
        receive(agency, actor, received)
    with pytest.raises(bc.CheckDestroyed):
        bc.background_check_record_outcome(
            agency=agency,
            actor=actor,
            check_id=received.id,
            outcome="not_satisfactory",
            outcome_on=dt.date(2026, 3, 2),
            now=LATER,
        )


def test_p07_destroy_due_is_a_safety_net(
    agency, other_agency, actor, received, media_root, django_capture_on_commit_callbacks
):
    # Due: erase_after has passed.
    BackgroundCheck.objects.filter(pk=received.pk).update(erase_after=NOW)
    # Due: its assignment ended without the hook (a row changed behind the service's back).
    ended = request_check(agency, actor, new_application(agency, actor))
    Assignment.objects.filter(pk=ended.application.position.assignment_id).update(
        status=AssignmentStatus.ENDED, ended_at=NOW
    )
    # Not due: an open assignment, and a deadline still ahead; another agency's due check.
    kept = request_check(agency, actor, new_application(agency, actor))
    ahead = request_check(agency, actor, new_application(agency, actor))
    BackgroundCheck.objects.filter(pk=ahead.pk).update(erase_after=LATER + dt.timedelta(days=1))
    outsider = actor_for_user(make_staff(other_agency, email="radgiver@fjellet.example.com"))
    foreign = request_check(other_agency, outsider, new_application(other_agency, outsider))
    BackgroundCheck.objects.filter(pk=foreign.pk).update(erase_after=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        assert bc.background_check_destroy_due(now=LATER, batch_size=2) == 2
        assert bc.background_check_destroy_due(now=LATER, batch_size=2) == 1
        assert bc.background_check_destroy_due(now=LATER, batch_size=2) == 0

    statuses = dict(BackgroundCheck.objects.values_list("id", "status"))
    assert statuses[received.id] == statuses[ended.id] == statuses[foreign.id] == "destroyed"
    assert statuses[kept.id] == statuses[ahead.id] == "requested"
    assert stored_files(media_root) == []
    destroyed = events("candidate.background_check.destroyed")
    assert {event.purpose for event in destroyed} == {"retention"}
    assert {event.agency_id for event in destroyed} == {agency.id, other_agency.id}
    assert all(event.actor_type == "system" for event in destroyed)


# --- the candidate's checks -------------------------------------------------------------


def test_the_candidate_s_checks_offer_only_the_required_kinds_not_yet_requested(
    agency, actor, consultant
):
    candidate = new_candidate(agency)
    both = new_application(
        agency, actor, candidate=candidate, requires_credit_check=True
    )  # police + credit
    new_application(agency, actor, candidate=candidate, requires_police_certificate=False)
    request_check(agency, actor, both)

    page = bc.background_checks_for_candidate(
        agency=agency, actor=actor, candidate_id=candidate.id, now=NOW
    )
    # The application whose position requires nothing is left out.
    [row] = page.applications
    assert [kind for kind, _label in row.required_kinds] == ["police_certificate", "credit_check"]
    assert [kind for kind, _label in row.requestable_kinds] == ["credit_check"]
    assert row.open and len(row.checks) == 1
    listed = events("candidate.background_check.listed")
    assert [event.subject_id for event in listed] == [row.checks[0].id]
    assert events("candidate.viewed", candidate.id)[-1].purpose == "background_checks"


def test_a_closed_application_offers_nothing_and_says_why(agency, actor, received):
    Candidate.objects.filter(pk=received.candidate_id).update(restricted=True)
    page = bc.background_checks_for_candidate(
        agency=agency, actor=actor, candidate_id=received.candidate_id, now=NOW
    )
    [row] = page.applications
    assert not row.open and row.requestable_kinds == []
    assert "begrenset" in row.closed_reason


def test_p07_the_notice_renders_in_bokmal_and_english_with_the_privacy_link():
    from fortrolig.messaging import registry

    template = registry.get_template(bc.NOTICE_TEMPLATE)
    context: dict[str, registry.ContextValue] = {
        "agency_name": "Nordlys & Fjell AS",
        "check_kind": CheckKind.POLICE_CERTIFICATE.label,
        "position_title": "Lagermedarbeider",
        "client_name": "",
        "reply_email": "personvern@nordlys.example.com",
        "link": "https://jobb.example.com/personvern/",
    }
    nb = registry.render(template, context, language="nb")
    en = registry.render(template, context, language="en")
    assert nb.subject == "Før en bakgrunnssjekk \u2013 Nordlys & Fjell AS"
    assert en.subject == "Before a background check \u2013 Nordlys & Fjell AS"
    assert "denne bakgrunnssjekken: Politiattest." in nb.body_text
    assert "this background check: Police certificate." in en.body_text
    assert " hos " not in nb.body_text  # no client named
    for rendered in (nb, en):
        assert "https://jobb.example.com/personvern/" in rendered.body_text
        assert 'href="https://jobb.example.com/personvern/"' in rendered.body_html
        assert "&amp;" not in rendered.body_text and "Nordlys &amp; Fjell AS" in rendered.body_html


def test_p07_moving_a_candidate_to_a_not_going_further_stage_destroys_their_checks(
    agency, actor, received, media_root, django_capture_on_commit_callbacks
):
    from fortrolig.assignments.models import PipelineStage, StageOutcome
    from fortrolig.assignments.services import application_move

    rejected = PipelineStage.objects.get(agency=agency, outcome=StageOutcome.REJECTED)
    with django_capture_on_commit_callbacks(execute=True):
        application_move(
            agency=agency,
            actor=actor,
            application_id=received.application_id,
            stage_id=rejected.id,
            now=LATER,
        )
    _assert_only_the_note_remains(received, when=LATER)
    assert stored_files(media_root) == []
