"""The access export (P-20): complete, without other people's data, in both languages."""

import datetime as dt
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from fortrolig.accounts.models import Role
from fortrolig.assignments.models import Application
from fortrolig.assignments.pipeline import pipeline_stages_ensure
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor, SubjectRef, actor_for_user, record
from fortrolig.candidates.models import BackgroundCheck, Candidate, Reference
from fortrolig.candidates.services import candidate_create
from fortrolig.candidates.tests.conftest import make_national_id, person
from fortrolig.clients.models import ClientContact
from fortrolig.conftest import login_verified, make_client, make_position, make_staff
from fortrolig.core.crypto import data_key_create
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.vault import vault_store
from fortrolig.documents.models import Document
from fortrolig.privacy.access_export import (
    THIRD_PARTY_FIELDS,
    exported_fields,
    exported_models,
    subject_export,
)
from fortrolig.privacy.datamap import Sensitivity, personal_fields
from fortrolig.privacy.models import (
    Consent,
    DataSubjectRequest,
    LegalHold,
    PaperDocument,
)
from fortrolig.privacy.policy import policy_current
from fortrolig.staffing.models import Employment, PayrollRecord

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STAFF = Actor(type="staff", id=uuid.uuid4())  # type: ignore[arg-type]
REFERENCE_PHONE = "+47 99 88 77 66"
REFERENCE_EMAIL = "per.referanse@example.com"


def _blob(candidate: Candidate, content: bytes) -> str:
    return vault_store(data_key_id=candidate.data_key_id, content=content)


def build_full_candidate(agency, *, documents: int = 2):
    """A candidate with every classified personal field of every related model filled."""
    staff = make_staff(agency, email=f"saksbehandler{uuid.uuid4().hex[:6]}@example.com")
    candidate = candidate_create(
        agency=agency,
        actor=STAFF,
        data=person(
            national_id=make_national_id(dt.date(1990, 5, 17)),
            address="Testveien 1",
            postal_code="5003",
            summary="Erfaren lagermedarbeider.",
            languages=("norsk", "engelsk"),
            desired_roles=("Lagerleder",),
            available_from=dt.date(2026, 4, 1),
            availability="from_date",
        ),
        now=NOW,
    )
    candidate.source = "campaign"
    candidate.source_partner = "Testpartner AS"
    candidate.restricted = True
    candidate.erase_after = NOW + dt.timedelta(days=700)
    candidate.save()
    Reference.objects.create(
        agency=agency,
        candidate=candidate,
        name="Per Referanse",
        relation="Tidligere leder",
        organisation="Testfirma AS",
        phone=REFERENCE_PHONE,
        email=REFERENCE_EMAIL,
        may_ask_about="Arbeidsinnsats",
    )
    originals: dict[str, bytes] = {}
    for n in range(documents):
        content = f"%PDF-1.4 dokument {n} for test".encode()
        filename = f"cv-{n}.pdf"
        originals[filename] = content
        Document.objects.create(
            agency=agency,
            candidate=candidate,
            data_key_id=candidate.data_key_id,
            kind="cv",
            filename=filename,
            content_type="application/pdf",
            size=len(content),
            blob_name=_blob(candidate, content),
            content_hash=uuid.uuid4().hex,
            extracted_text=f"dokument {n}",
            uploaded_by=staff,
        )
    stage = pipeline_stages_ensure(agency=agency, now=NOW)
    client = make_client(agency)
    application = Application.objects.create(
        agency=agency,
        candidate=candidate,
        position=make_position(agency, client=client),
        stage=stage,
        source="consultant",
        data_key_id=candidate.data_key_id,
        cover_letter="Jeg søker.",
        sharing_acknowledged_at=NOW,
        alerts_similar_jobs=True,
        alerts_same_location=True,
        submission_key=uuid.uuid4().hex,
        stage_changed_at=NOW,
    )
    check_content = b"%PDF-1.4 politiattest"
    originals["politiattest.pdf"] = check_content
    BackgroundCheck.objects.create(
        agency=agency,
        candidate=candidate,
        application=application,
        data_key_id=candidate.data_key_id,
        kind="police_certificate",
        status="received",
        requested_at=NOW,
        notice_sent_at=NOW,
        requested_by=staff,
        received_at=NOW,
        filename="politiattest.pdf",
        content_type="application/pdf",
        size=len(check_content),
        blob_name=_blob(candidate, check_content),
        details="Ingen merknader.",
        outcome="satisfactory",
        outcome_on=dt.date(2026, 3, 1),
        destroyed_at=NOW,
        erase_after=NOW + dt.timedelta(days=30),
    )
    version = policy_current(agency=agency, now=NOW)
    Consent.objects.create(
        agency=agency,
        candidate=candidate,
        purpose="client_presentation",
        client=client,
        scope=["cv"],
        policy_version=version,
        channel="portal",
        given_at=NOW,
        expires_at=NOW + dt.timedelta(days=365),
        withdrawn_at=NOW + dt.timedelta(days=1),
    )
    LegalHold.objects.create(
        agency=agency,
        candidate=candidate,
        reason="Tvist",
        set_at=NOW,
        set_by=staff,
        released_at=NOW,
        released_by=staff,
    )
    PaperDocument.objects.create(
        agency=agency,
        candidate=candidate,
        kind="cv",
        received_on=dt.date(2026, 2, 1),
        storage_location="Arkivskap 3",
        scanned_at=NOW,
        shredded_at=NOW,
        shredded_by=staff,
        registered_by=staff,
    )
    DataSubjectRequest.objects.create(
        agency=agency,
        kind="access",
        channel="email",
        subject_type="candidate",
        subject_id=candidate.id,
        candidate=candidate,
        received_at=NOW,
        due_on=dt.date(2026, 4, 2),
        identity_verified_by=staff,
        details="Jeg vil se mine data.",
        response="Vedlagt.",
        handled_by=staff,
    )
    employment = Employment.objects.create(
        agency=agency,
        data_key=data_key_create(agency=agency),
        candidate=candidate,
        assignment=application.position.assignment,
        employee_name="Kari Nordmann",
        email="kari.nordmann@example.com",
        national_id=candidate.national_id,
        position_percentage=80,
        salary_basis="monthly",
        salary_amount=41500,
        started_on=dt.date(2025, 1, 6),
        ended_on=dt.date(2026, 1, 31),
        erase_after=NOW + dt.timedelta(days=2000),
    )
    PayrollRecord.objects.create(
        agency=agency,
        employment=employment,
        period=dt.date(2026, 1, 1),
        paid_on=dt.date(2026, 1, 25),
        gross_pay=33200,
        position_percentage=80,
        hours=130,
        erase_after=NOW + dt.timedelta(days=2000),
    )
    return Candidate.objects.get(pk=candidate.pk), originals


@pytest.mark.django_db
def test_p20_employee_export_holds_the_employment_and_payroll(agency):
    candidate, _originals = build_full_candidate(agency)
    employment = Employment.objects.get(candidate=candidate)
    doc = json.loads(_export(agency, employment.id, subject_type="employee").json_bytes)
    rows_by_model: dict[str, list[dict]] = {}
    for row in doc["data"]:
        rows_by_model.setdefault(row["model"], []).append(row)
    assert set(rows_by_model) == {"staffing.employment", "staffing.payrollrecord"}
    for model, _link in exported_models("employee"):
        label = model._meta.label_lower
        for name in exported_fields(model):
            assert any(not _empty(r["fields"].get(name)) for r in rows_by_model[label]), name
    assert rows_by_model["staffing.employment"][0]["fields"]["national_id"] == (
        candidate.national_id
    )
    # Art. 15: the purpose is the staffing and payroll activity of the register.
    assert any("a-melding" in p["name"] for p in doc["purposes"]), doc["purposes"]
    assert doc["source"]


def _export(agency, subject_id, *, language="nb", subject_type="candidate", pdf=False):
    return subject_export(
        agency=agency,
        actor=STAFF,
        subject_type=subject_type,
        subject_id=subject_id,
        language=language,
        now=NOW,
        include_pdf=pdf,
    )


def _empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


@pytest.mark.django_db
def test_p20_export_holds_every_classified_field_with_a_value(agency):
    candidate, originals = build_full_candidate(agency)
    # A restricted candidate's own access export is allowed (P-23).
    assert candidate.restricted
    result = _export(agency, candidate.id)
    doc = json.loads(result.json_bytes)
    rows_by_model: dict[str, list[dict]] = {}
    for row in doc["data"]:
        rows_by_model.setdefault(row["model"], []).append(row)
    for model, _link in exported_models("candidate"):
        label = model._meta.label_lower
        # A new model that holds the candidate's data must be filled here, and exported.
        assert rows_by_model.get(label), f"no {label} in the export"
        excluded = THIRD_PARTY_FIELDS.get(label, frozenset())
        for name, fc in personal_fields(model).items():
            if fc.sensitivity == Sensitivity.SECRET or name in excluded:
                assert all(name not in r["fields"] for r in rows_by_model[label])
                continue
            # Every field is filled in at least one row, so a new field fails this test.
            with_value = [r for r in rows_by_model[label] if not _empty(r["fields"].get(name))]
            assert with_value, f"{label}.{name} has no value in the export"
        for row in rows_by_model[label]:
            obj = model._default_manager.get(pk=row["id"])
            for name in exported_fields(model):
                field = model._meta.get_field(name)
                value = getattr(obj, getattr(field, "attname", name))
                if not _empty(value):
                    assert not _empty(row["fields"][name]), f"{label}.{name} lost"
    assert doc["data"][0]["fields"]["national_id"] == candidate.national_id
    assert doc["data"][0]["fields"]["first_name"] == "Kari"
    # The payroll records under the candidate's employment are theirs too.
    assert rows_by_model["staffing.payrollrecord"][0]["fields"]["gross_pay"]
    with zipfile.ZipFile(io.BytesIO(result.zip_bytes)) as archive:
        names = archive.namelist()
        assert "export.json" in names
        files = {n.split("-", 1)[1]: archive.read(n) for n in names if n.startswith("documents/")}
    assert files == originals


@pytest.mark.django_db
def test_p20_secret_fields_are_never_exported():
    for subject_type in ("candidate", "client_contact"):
        for model, _link in exported_models(subject_type):
            for name, fc in personal_fields(model).items():
                if fc.sensitivity == Sensitivity.SECRET:
                    assert name not in exported_fields(model)


@pytest.mark.django_db
def test_p20_other_peoples_data_is_left_out(agency):
    candidate, _ = build_full_candidate(agency, documents=0)
    result = _export(agency, candidate.id, pdf=True)
    text = result.json_bytes.decode()
    assert REFERENCE_PHONE not in text
    assert REFERENCE_EMAIL not in text
    assert "Per Referanse" in text
    pdf_text = _pdf_text(result.pdf_bytes)
    assert "99 88 77 66" not in pdf_text
    assert REFERENCE_EMAIL not in pdf_text


@pytest.mark.django_db
def test_p20_another_agencys_data_is_never_included(agency, other_agency):
    candidate, _ = build_full_candidate(agency, documents=1)
    other, _ = build_full_candidate(other_agency, documents=1)
    record(agency=other_agency, actor=STAFF, action="candidate.viewed", subject=other, now=NOW)
    with pytest.raises(NotFound):
        _export(agency, other.id)
    doc = json.loads(_export(agency, candidate.id).json_bytes)
    ids = {row["id"] for row in doc["data"]}
    other_ids = {str(other.id)} | {
        str(pk) for pk in Document.objects.filter(candidate=other).values_list("pk", flat=True)
    }
    assert not ids & other_ids
    assert all(e["subject_id"] != str(other.id) for e in doc["processing_history"])


@pytest.mark.django_db
def test_p20_unknown_subject_type_is_refused(agency):
    with pytest.raises(ValidationFailed):
        _export(agency, uuid.uuid4(), subject_type="staff")


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(page.extract_text() or "" for page in reader.pages)


HEADINGS = {
    "en": [
        "Purposes of the processing",
        "Categories of personal data",
        "Recipients",
        "Retention",
        "Your rights",
        "Datatilsynet",
        "Source of the data",
        "Processing history",
    ],
    "nb": [
        "Formål med behandlingen",
        "Kategorier av personopplysninger",
        "Mottakere",
        "Lagringstid",
        "Dine rettigheter",
        "Datatilsynet",
        "Kilden til opplysningene",
        "Behandlingshistorikk",
    ],
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "en"])
def test_p20_pdf_has_every_art15_heading(agency, language):
    candidate, _ = build_full_candidate(agency, documents=1)
    record(agency=agency, actor=STAFF, action="candidate.viewed", subject=candidate, now=NOW)
    result = _export(agency, candidate.id, language=language, pdf=True)
    text = " ".join(_pdf_text(result.pdf_bytes).split())
    for heading in HEADINGS[language]:
        assert heading in text, heading
    assert "candidate.viewed" in text
    doc = json.loads(result.json_bytes)
    assert doc["language"] == language
    assert doc["source"]
    assert doc["complaint"]["authority"] == "Datatilsynet"
    assert doc["recipients"]["note"]
    with zipfile.ZipFile(io.BytesIO(result.zip_bytes)) as archive:
        assert archive.read("export.pdf") == result.pdf_bytes


@pytest.mark.django_db
def test_p20_processing_history_covers_the_persons_rows(agency):
    candidate, _ = build_full_candidate(agency, documents=1)
    document = Document.objects.get(candidate=candidate)
    record(agency=agency, actor=STAFF, action="candidate.viewed", subject=candidate, now=NOW)
    record(
        agency=agency, actor=STAFF, action="candidate.document.viewed", subject=document, now=NOW
    )
    record(
        agency=agency,
        actor=STAFF,
        action="sharing.presentation.sent",
        subject=SubjectRef(type="candidates.candidate", id=candidate.id),
        purpose="disclosure",
        now=NOW,
    )
    doc = json.loads(_export(agency, candidate.id).json_bytes)
    actions = [e["action"] for e in doc["processing_history"]]
    assert "candidate.viewed" in actions
    assert "candidate.document.viewed" in actions
    assert [d["action"] for d in doc["recipients"]["disclosures"]] == ["sharing.presentation.sent"]
    assert doc["recipients"]["note"] == ""


@pytest.mark.django_db
def test_p20_export_is_audited_with_field_names_only(agency):
    candidate, _ = build_full_candidate(agency, documents=0)
    _export(agency, candidate.id)
    event = AuditEvent.objects.get(action="privacy.subject.exported")
    assert event.subject_id == candidate.id
    assert "national_id" in event.fields
    stored = json.dumps(event.fields) + event.purpose
    assert "Kari" not in stored and "example.com" not in stored


@pytest.mark.django_db
def test_p20_client_contact_export(agency):
    client = make_client(agency)
    contact = ClientContact.objects.create(
        agency=agency,
        client=client,
        name="Ola Kontakt",
        role="HR-sjef",
        email="ola.kontakt@example.com",
        phone="+47 22 33 44 55",
    )
    doc = json.loads(_export(agency, contact.id, subject_type="client_contact").json_bytes)
    assert doc["data"][0]["fields"]["name"] == "Ola Kontakt"
    assert doc["data"][0]["fields"]["email"] == "ola.kontakt@example.com"


@pytest.mark.django_db
def test_p20_command_writes_a_zip(agency, tmp_path):
    candidate, originals = build_full_candidate(agency, documents=1)
    out = tmp_path / "export.zip"
    stdout = io.StringIO()
    call_command(
        "dsr_export",
        "--agency",
        agency.slug,
        "--subject",
        str(candidate.id),
        "--out",
        str(out),
        "--lang",
        "en",
        stdout=stdout,
    )
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert {"export.json", "export.pdf"} <= set(names)
        assert json.loads(archive.read("export.json"))["language"] == "en"
        assert len([n for n in names if n.startswith("documents/")]) == len(originals)
    assert "Kari" not in stdout.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("agency_slug", "subject", "message"),
    [
        ("ukjent", None, "no agency"),
        (None, "ikke-en-id", "must be an ID"),
        (None, str(uuid.uuid4()), "no candidate or client contact"),
    ],
)
def test_p20_command_fails_clearly(agency, other_agency, tmp_path, agency_slug, subject, message):
    other, _ = build_full_candidate(other_agency, documents=0)
    out = tmp_path / "export.zip"
    with pytest.raises(CommandError, match=message):
        call_command(
            "dsr_export",
            "--agency",
            agency_slug or agency.slug,
            "--subject",
            subject or str(other.id),
            "--out",
            str(out),
        )
    assert not out.exists()
    if message != "must be an ID":
        # Another agency's candidate is not found either.
        with pytest.raises(CommandError, match="no candidate"):
            call_command(
                "dsr_export",
                "--agency",
                agency.slug,
                "--subject",
                str(other.id),
                "--out",
                str(out),
            )


@pytest.mark.django_db
def test_p20_staff_action_downloads_the_zip(agency, other_agency, client):
    manager = make_staff(agency, email="leder@example.com", role=Role.MANAGER)
    login_verified(client, manager)
    candidate, _ = build_full_candidate(agency, documents=1)
    other, _ = build_full_candidate(other_agency, documents=0)
    url = f"/staff/export/candidate/{candidate.id}/"
    assert client.get(url).status_code == 405
    response = client.post(url, {"lang": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert str(candidate.id) in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "export.pdf" in archive.namelist()
    event = AuditEvent.objects.get(action="privacy.subject.exported")
    assert event.actor_id == actor_for_user(manager).id
    assert client.post(f"/staff/export/candidate/{other.id}/").status_code == 404


@pytest.mark.django_db
def test_p20_staff_action_is_for_managers_only(agency, consultant_client):
    candidate, _ = build_full_candidate(agency, documents=0)
    response = consultant_client.post(f"/staff/export/candidate/{candidate.id}/")
    assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="privacy.subject.exported").exists()


@pytest.mark.django_db
def test_p20_pdf_groups_repeats_of_a_day_and_the_json_keeps_every_event(agency):
    from datetime import timedelta

    from django.db import transaction

    candidate, _ = build_full_candidate(agency, documents=0)
    other_staff = Actor(type="staff", id=uuid.uuid4())  # type: ignore[arg-type]
    with transaction.atomic():
        for minute in range(40):
            record(
                agency=agency,
                actor=STAFF,
                action="candidate.viewed",
                subject=candidate,
                now=NOW + timedelta(minutes=minute),
            )
        # Someone else's view, and the next day's, stay lines of their own.
        record(
            agency=agency,
            actor=other_staff,
            action="candidate.viewed",
            subject=candidate,
            now=NOW + timedelta(minutes=5),
        )
        record(
            agency=agency,
            actor=STAFF,
            action="candidate.viewed",
            subject=candidate,
            now=NOW + timedelta(days=1),
        )
    result = _export(agency, candidate.id, pdf=True)
    doc = json.loads(result.json_bytes)
    views = [e for e in doc["processing_history"] if e["action"] == "candidate.viewed"]
    assert len(views) == 42
    text = _pdf_text(result.pdf_bytes)
    assert "x40" in text
    assert text.count("candidate.viewed") == 3
    # 10:30 to 11:09 Oslo time on the first day, one line.
    assert "10:30-11:09" in text.replace(" ", "")
