"""Exports of the processing register (P-02): CSV with a header row and PDF, each with every
activity and every field, audited, for managers only, and within the agency."""

import csv
import io
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.privacy.exports import register_export_csv, register_export_pdf
from fortrolig.privacy.models import ProcessingActivity
from fortrolig.privacy.register import (
    DEFAULT_ACTIVITIES,
    activity_input_from,
    processing_activities_ensure_defaults,
    processing_activity_update,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

HEADER_NB = [
    "Nøkkel",
    "Navn (norsk)",
    "Navn (engelsk)",
    "Formål (norsk)",
    "Formål (engelsk)",
    "Behandlingsgrunnlag",
    "Merknad om behandlingsgrunnlaget (norsk)",
    "Merknad om behandlingsgrunnlaget (engelsk)",
    "Kategorier av opplysninger",
    "Registrerte",
    "Mottakere (norsk)",
    "Mottakere (engelsk)",
    "Lagringsregel",
    "Sikkerhetstiltak (norsk)",
    "Sikkerhetstiltak (engelsk)",
    "Ansvarlig",
    "Den ansvarliges rolle",
]


@pytest.fixture
def seeded(agency):
    processing_activities_ensure_defaults(agency=agency, now=NOW)
    return agency


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _delegate(agency, key: str, name: str, role: str) -> None:
    activity = ProcessingActivity.objects.get(agency=agency, key=key)
    processing_activity_update(
        agency=agency,
        actor=Actor.system(),
        activity_id=activity.id,
        data=replace(activity_input_from(activity), responsible_name=name, responsible_role=role),
        now=NOW,
    )


def test_p02_csv_has_a_header_row_and_every_field_of_every_activity(seeded):
    _delegate(seeded, "staffing_payroll", "Per Testlønn", "Lønnsansvarlig")
    content = register_export_csv(agency=seeded, actor=Actor.system(), language="nb", now=NOW)
    header, *rows = _csv_rows(content)
    assert header == HEADER_NB
    assert [row[0] for row in rows] == [d.key for d in DEFAULT_ACTIVITIES]
    by_key = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    for default in DEFAULT_ACTIVITIES:
        row = by_key[default.key]
        data = default.data
        assert row["Navn (norsk)"] == data.name_nb
        assert row["Navn (engelsk)"] == data.name_en
        assert row["Formål (norsk)"] == data.purpose_nb
        assert row["Formål (engelsk)"] == data.purpose_en
        assert row["Mottakere (norsk)"] == data.recipients_nb
        assert row["Sikkerhetstiltak (engelsk)"] == data.security_measures_en
        assert row["Merknad om behandlingsgrunnlaget (norsk)"] == data.legal_basis_note_nb
    recruitment = by_key["recruitment"]
    assert recruitment["Lagringsregel"] == "24 måneder etter siste søknad eller aktivitet"
    assert recruitment["Behandlingsgrunnlag"].startswith("Avtale")
    assert "Fødselsnummer" in recruitment["Kategorier av opplysninger"]
    assert recruitment["Registrerte"] == "Kandidater; Referanser"
    # The daily manager unless delegated, and shown as such.
    assert (recruitment["Ansvarlig"], recruitment["Den ansvarliges rolle"]) == (
        "Kari Testleder",
        "Daglig leder",
    )
    payroll = by_key["staffing_payroll"]
    assert (payroll["Ansvarlig"], payroll["Den ansvarliges rolle"]) == (
        "Per Testlønn",
        "Lønnsansvarlig",
    )
    assert payroll["Lagringsregel"] == (
        "5 år etter utgangen av regnskapsåret da hver utbetaling ble gjort"
    )
    event = AuditEvent.objects.get(agency=seeded, action="privacy.register.exported")
    assert event.purpose == "csv"


def test_p02_csv_follows_the_retention_settings(seeded):
    seeded.settings = {"candidate_retention_months": 18}
    seeded.save()
    content = register_export_csv(agency=seeded, actor=Actor.system(), language="en", now=NOW)
    header, *rows = _csv_rows(content)
    assert header[0] == "Key"
    recruitment = next(row for row in rows if row[0] == "recruitment")
    assert "18 months after the last application or activity" in recruitment


def test_p02_csv_cells_cannot_run_as_formulas(seeded):
    activity = ProcessingActivity.objects.get(agency=seeded, key="recruitment")
    processing_activity_update(
        agency=seeded,
        actor=Actor.system(),
        activity_id=activity.id,
        data=replace(activity_input_from(activity), purpose_nb="=HYPERLINK(0)"),
        now=NOW,
    )
    _header, *rows = _csv_rows(
        register_export_csv(agency=seeded, actor=Actor.system(), language="nb", now=NOW)
    )
    assert "'=HYPERLINK(0)" in next(row for row in rows if row[0] == "recruitment")


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text)


def test_p02_pdf_holds_the_agency_the_date_and_every_activity(seeded):
    _delegate(seeded, "background_checks", "Per Testsjekk", "Sikkerhetsansvarlig")
    content = register_export_pdf(agency=seeded, actor=Actor.system(), language="nb", now=NOW)
    text = _pdf_text(content)
    assert "Behandlingsprotokoll" in text
    assert seeded.name in text
    assert seeded.org_number in text
    assert "2. mars 2026" in text
    for default in DEFAULT_ACTIVITIES:
        assert default.key in text
        assert default.data.name_nb in text
        assert re.sub(r"\s+", " ", default.data.name_en) in text
    for label in HEADER_NB:
        assert label in text
    assert "24 måneder etter siste søknad eller aktivitet" in text
    assert "Per Testsjekk" in text
    assert "Kari Testleder" in text
    event = AuditEvent.objects.get(agency=seeded, action="privacy.register.exported")
    assert event.purpose == "pdf"


def test_p02_exports_keep_to_the_agency(seeded, other_agency):
    processing_activities_ensure_defaults(agency=other_agency, now=NOW)
    theirs = ProcessingActivity.objects.get(agency=other_agency, key="recruitment")
    ProcessingActivity.objects.filter(pk=theirs.pk).update(name_nb="Fjellets egen rekruttering")
    content = register_export_csv(agency=seeded, actor=Actor.system(), language="nb", now=NOW)
    assert "Fjellets egen rekruttering" not in content.decode("utf-8-sig")
    _header, *rows = _csv_rows(content)
    assert len(rows) == len(DEFAULT_ACTIVITIES)
    pdf = _pdf_text(
        register_export_pdf(agency=seeded, actor=Actor.system(), language="nb", now=NOW)
    )
    assert "Fjellets egen rekruttering" not in pdf
    assert other_agency.name not in pdf


def test_p02_export_buttons_download_files(manager_client, agency):
    manager_client.get(reverse("privacy:register"))
    with time_machine.travel(NOW, tick=False):
        response = manager_client.post(reverse("privacy:register_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="behandlingsprotokoll-nordlys-2026-03-02.csv"'
    )
    _header, *rows = _csv_rows(response.content)
    assert len(rows) == len(DEFAULT_ACTIVITIES)
    response = manager_client.post(reverse("privacy:register_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Behandlingsprotokoll" in _pdf_text(response.content)
    assert AuditEvent.objects.filter(action="privacy.register.exported").count() == 2


def test_p02_exports_are_posted_not_fetched(manager_client, agency):
    # An export is audited: a link preview or a prefetch must not cause one.
    assert manager_client.get(reverse("privacy:register_csv")).status_code == 405
    assert manager_client.get(reverse("privacy:register_pdf")).status_code == 405
    assert not AuditEvent.objects.filter(action="privacy.register.exported").exists()


def test_p02_consultants_cannot_export(consultant_client, agency):
    assert consultant_client.post(reverse("privacy:register_csv")).status_code == 403
    assert consultant_client.post(reverse("privacy:register_pdf")).status_code == 403
    assert not AuditEvent.objects.filter(action="privacy.register.exported").exists()
