"""Exports of the processing register (P-02): CSV with a header row, and PDF (WeasyPrint).

Both hold every activity with every field, the responsible person (the daily manager unless
delegated) and the retention period that the retention rules give its clock. Each export is
audited as `privacy.register.exported`.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from fortrolig.audit.services import Actor, record
from fortrolig.core.models import Agency

from .models import LegalBasis, ProcessingActivity
from .policy import category_label, policy_language, retention_of, spans_plain, subject_label
from .register import RegisterRow, register_rows
from .retention_rules import retention_rules


@dataclass(frozen=True)
class ExportField:
    label: str
    value: str


@dataclass(frozen=True)
class ExportRow:
    key: str
    name: str
    fields: list[ExportField]


def _field_label(name: str) -> str:
    label = str(getattr(ProcessingActivity._meta.get_field(name), "verbose_name", name))
    return label[:1].upper() + label[1:]


def _rows(agency: Agency, rows: list[RegisterRow], language: str) -> list[ExportRow]:
    rules = retention_rules(agency.config)
    out: list[ExportRow] = []
    for row in rows:
        activity = row.activity
        try:
            basis = str(LegalBasis(activity.legal_basis).label)
        except ValueError:
            basis = activity.legal_basis
        responsible = row.responsible
        fields = [
            ExportField(_field_label("key"), activity.key),
            ExportField(_field_label("name_nb"), activity.name_nb),
            ExportField(_field_label("name_en"), activity.name_en),
            ExportField(_field_label("purpose_nb"), activity.purpose_nb),
            ExportField(_field_label("purpose_en"), activity.purpose_en),
            ExportField(_field_label("legal_basis"), basis),
            ExportField(_field_label("legal_basis_note_nb"), activity.legal_basis_note_nb),
            ExportField(_field_label("legal_basis_note_en"), activity.legal_basis_note_en),
            ExportField(
                _field_label("data_categories"),
                "; ".join(category_label(c) for c in activity.data_categories),
            ),
            ExportField(
                _field_label("data_subjects"),
                "; ".join(subject_label(s) for s in activity.data_subjects),
            ),
            ExportField(_field_label("recipients_nb"), activity.recipients_nb),
            ExportField(_field_label("recipients_en"), activity.recipients_en),
            ExportField(
                _field_label("retention_clock"),
                spans_plain(retention_of(activity.retention_clock, rules)),
            ),
            ExportField(_field_label("security_measures_nb"), activity.security_measures_nb),
            ExportField(_field_label("security_measures_en"), activity.security_measures_en),
            ExportField(_field_label("responsible_name"), responsible.name),
            ExportField(
                _field_label("responsible_role"),
                responsible.role if responsible.delegated else gettext("Daily manager"),
            ),
        ]
        name = activity.name_en if language == "en" else activity.name_nb
        out.append(ExportRow(key=activity.key, name=name, fields=fields))
    return out


def _safe_cell(value: str) -> str:
    # A spreadsheet runs a cell that starts with one of these as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _audit(*, agency: Agency, actor: Actor, now: datetime, kind: str) -> None:
    record(
        agency=agency,
        actor=actor,
        action="privacy.register.exported",
        purpose=kind,
        now=now,
    )


def register_export_csv(*, agency: Agency, actor: Actor, language: str, now: datetime) -> bytes:
    """The register as CSV (UTF-8 with a byte-order mark, for spreadsheets): a header row,
    then one row per activity."""
    language = policy_language(language)
    with transaction.atomic(), translation.override(language):
        rows = _rows(agency, register_rows(agency=agency), language)
        _audit(agency=agency, actor=actor, now=now, kind="csv")
        out = io.StringIO()
        writer = csv.writer(out)
        header = [f.label for f in rows[0].fields] if rows else _empty_header()
        writer.writerow(header)
        for row in rows:
            writer.writerow([_safe_cell(f.value) for f in row.fields])
    return out.getvalue().encode("utf-8-sig")


def _empty_header() -> list[str]:
    names = (
        "key",
        "name_nb",
        "name_en",
        "purpose_nb",
        "purpose_en",
        "legal_basis",
        "legal_basis_note_nb",
        "legal_basis_note_en",
        "data_categories",
        "data_subjects",
        "recipients_nb",
        "recipients_en",
        "retention_clock",
        "security_measures_nb",
        "security_measures_en",
        "responsible_name",
        "responsible_role",
    )
    return [_field_label(name) for name in names]


def register_export_pdf(*, agency: Agency, actor: Actor, language: str, now: datetime) -> bytes:
    """The register as a PDF document: the agency's name, the date, and every field of
    every activity."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    language = policy_language(language)
    with transaction.atomic(), translation.override(language):
        rows = _rows(agency, register_rows(agency=agency), language)
        _audit(agency=agency, actor=actor, now=now, kind="pdf")
        html = render_to_string(
            "privacy/register_pdf.html",
            {
                "agency": agency,
                "rows": rows,
                "language": language,
                "exported_on": formats.date_format(timezone.localtime(now), "DATE_FORMAT"),
            },
        )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
