"""The access export (P-20): everything held about one person, as JSON, documents and a PDF.

The export walks the data map: every model with a foreign key to the subject's model
(a candidate or a client contact) is exported with every personal field that the map
classifies, except SECRET fields (never exported) and other people's data in the
subject's records (`THIRD_PARTY_FIELDS`). Derived copies (`DERIVED_MODELS`, the search
index) are left out: they hold nothing that the source rows do not.

A reference is another person. The export keeps that the reference exists, their name,
relation and organisation (which the candidate gave us), and leaves out the reference's
own phone and email.

The processing history comes from the audit chain: every event whose subject is the person
or one of their rows, selected through the `audit_subject_idx` index. The events name who
acted by type and ID only: staff members act for the agency, and their identity is the
agency's to give (CJEU C-579/21).
"""

import io
import json
import re
import textwrap
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor, record
from fortrolig.core import crypto
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.models import Agency
from fortrolig.core.vault import vault_read

from .datamap import FieldClass, Sensitivity, personal_fields
from .models import ProcessingActivity
from .policy import category_label, policy_language, policy_path, retention_of, spans_plain
from .retention_rules import retention_rules

SUBJECT_CANDIDATE = "candidate"
SUBJECT_CLIENT_CONTACT = "client_contact"
SUBJECT_EMPLOYEE = "employee"
SUBJECT_MODELS: dict[str, str] = {
    SUBJECT_CANDIDATE: "candidates.candidate",
    SUBJECT_CLIENT_CONTACT: "clients.clientcontact",
    SUBJECT_EMPLOYEE: "staffing.employment",
}
# The register's data-subject group for each kind of subject.
SUBJECT_GROUPS: dict[str, str] = {
    SUBJECT_CANDIDATE: "candidates",
    SUBJECT_CLIENT_CONTACT: "client_contacts",
    SUBJECT_EMPLOYEE: "staffing_employees",
}
# Fields in the subject's records that hold someone else's personal data.
THIRD_PARTY_FIELDS: dict[str, frozenset[str]] = {
    "candidates.reference": frozenset({"phone", "email"}),
}
# Rows of the subject's that hang one level further down: a candidate's payroll records
# belong to their employments.
NESTED_PARENTS: frozenset[str] = frozenset({"staffing.employment"})
# Copies derived from the exported rows (the search index): nothing of their own.
DERIVED_MODELS: frozenset[str] = frozenset({"search.candidatesearchentry"})

MSG_SUBJECT_TYPE = _("Unknown kind of subject.")
DATATILSYNET_URL = "https://www.datatilsynet.no/"


@dataclass(frozen=True)
class ExportResult:
    json_bytes: bytes
    zip_bytes: bytes
    pdf_bytes: bytes | None
    field_names: tuple[str, ...] = ()
    file_count: int = 0


@dataclass
class _Row:
    model: str
    label: str
    id: str
    fields: dict[str, Any]
    display: list[tuple[str, str]]
    file: str = ""


@dataclass
class _Collected:
    subject: models.Model
    rows: list[_Row] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    categories: set[str] = field(default_factory=set)
    field_names: set[str] = field(default_factory=set)
    ids_by_type: dict[str, set[uuid.UUID]] = field(default_factory=dict)


def exported_models(subject_type: str) -> list[tuple[type[models.Model], str]]:
    """The models whose rows belong to a subject of `subject_type`: the subject's own model
    (with an empty link name), every model with a foreign key to it that has personal
    fields, except derived copies, and the models under a NESTED_PARENTS model (with a
    lookup such as `employment__candidate`). Raises ValidationFailed for an unknown subject
    type."""
    label = SUBJECT_MODELS.get(subject_type)
    if label is None:
        raise ValidationFailed(MSG_SUBJECT_TYPE)
    target = apps.get_model(label)
    out: list[tuple[type[models.Model], str]] = [(target, "")]
    out += _linked(target, "")
    for parent, link in list(out[1:]):
        if parent._meta.label_lower in NESTED_PARENTS:
            out += _linked(parent, f"__{link}")
    return out


def _linked(target: type[models.Model], suffix: str) -> list[tuple[type[models.Model], str]]:
    """Every model with personal fields and a foreign key to `target`, with the lookup from
    it to the subject (the key's name, then `suffix`)."""
    found = []
    for model in apps.get_models():
        if model._meta.label_lower in DERIVED_MODELS or not personal_fields(model):
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model is target:
                found.append((model, f.name + suffix))
    return found


def exported_fields(model: type[models.Model]) -> dict[str, FieldClass]:
    """The personal fields of `model` that the export holds: all but SECRET fields and
    other people's data."""
    excluded = THIRD_PARTY_FIELDS.get(model._meta.label_lower, frozenset())
    return {
        name: fc
        for name, fc in personal_fields(model).items()
        if fc.sensitivity != Sensitivity.SECRET and name not in excluded
    }


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def _display(value: Any, model_field: Any, obj: models.Model) -> str:
    if value is None or value == "" or value == [] or value == ():
        return "-"
    if model_field.choices:
        shown = getattr(obj, f"get_{model_field.name}_display")()
        return str(shown)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _safe_filename(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f]", "", base).strip(". ")
    return base[:120] or "document"


def _subject_type_of(agency: Agency, subject_id: uuid.UUID) -> str:
    for subject_type, label in SUBJECT_MODELS.items():
        model = apps.get_model(label)
        if model._default_manager.filter(agency=agency, pk=subject_id).exists():
            return subject_type
    raise NotFound()


def _collect(agency: Agency, subject_type: str, subject_id: uuid.UUID) -> _Collected:
    models_ = exported_models(subject_type)
    subject_model = models_[0][0]
    # Restricted candidates are included: their own access export is allowed (P-23).
    subject = subject_model._default_manager.filter(agency=agency, pk=subject_id).first()
    if subject is None:
        raise NotFound()
    out = _Collected(subject=subject)
    for model, link in models_:
        if link:
            rows = list(
                model._default_manager.filter(agency=agency, **{link: subject}).order_by(
                    "created_at", "pk"
                )
            )
        else:
            rows = [subject]
        fields_ = exported_fields(model)
        label_lower = model._meta.label_lower
        for obj in rows:
            out.ids_by_type.setdefault(label_lower, set()).add(obj.pk)
            values: dict[str, Any] = {}
            display: list[tuple[str, str]] = []
            for name, fc in fields_.items():
                model_field = model._meta.get_field(name)
                attname = getattr(model_field, "attname", name)
                try:
                    value = getattr(obj, attname)
                except crypto.KeyDestroyed:
                    value = None
                values[name] = _json_value(value)
                if value not in (None, "", [], ()):
                    out.categories.add(fc.category)
                out.field_names.add(name)
                verbose = str(getattr(model_field, "verbose_name", name))
                display.append(
                    (verbose[:1].upper() + verbose[1:], _display(value, model_field, obj))
                )
            row = _Row(
                model=label_lower,
                label=str(model._meta.verbose_name).capitalize(),
                id=str(obj.pk),
                fields=values,
                display=display,
            )
            blob_name = getattr(obj, "blob_name", "") if "blob_name" in fields_ else ""
            if blob_name:
                try:
                    content = vault_read(name=blob_name)
                except (crypto.KeyDestroyed, FileNotFoundError, OSError):
                    content = None
                if content is not None:
                    try:
                        filename = str(getattr(obj, "filename", "") or "")
                    except crypto.KeyDestroyed:
                        filename = ""
                    path = f"documents/{len(out.files) + 1}-{_safe_filename(filename)}"
                    out.files.append((path, content))
                    row.file = path
            out.rows.append(row)
    return out


@dataclass(frozen=True)
class _Event:
    occurred_at: datetime
    actor_type: str
    actor_id: str
    action: str
    subject_type: str
    subject_id: str
    fields: list[str]
    purpose: str


def _history(agency: Agency, ids_by_type: dict[str, set[uuid.UUID]]) -> list[_Event]:
    # One (agency, subject_type, subject_id IN ...) branch per model: each is a range scan
    # of audit_subject_idx, so the cost follows the person's events, not the table.
    condition = Q()
    for subject_type, ids in ids_by_type.items():
        condition |= Q(subject_type=subject_type, subject_id__in=ids)
    rows = (
        AuditEvent.objects.filter(condition, agency=agency)
        .order_by("seq")
        .values_list(
            "occurred_at",
            "actor_type",
            "actor_id",
            "action",
            "subject_type",
            "subject_id",
            "fields",
            "purpose",
        )
    )
    return [
        _Event(
            occurred_at=r[0],
            actor_type=r[1],
            actor_id=str(r[2] or ""),
            action=r[3],
            subject_type=r[4],
            subject_id=str(r[5] or ""),
            fields=list(r[6] or []),
            purpose=r[7],
        )
        for r in rows
    ]


def _is_disclosure(event: _Event) -> bool:
    return event.action.startswith("sharing.") or event.purpose == "disclosure"


def _activities(agency: Agency, subject_type: str, language: str) -> list[dict[str, Any]]:
    rules = retention_rules(agency.config)
    group = SUBJECT_GROUPS[subject_type]
    out: list[dict[str, Any]] = []
    for activity in ProcessingActivity.objects.filter(agency=agency).order_by("order", "name_nb"):
        if group not in (activity.data_subjects or []):
            continue
        en = language == "en"
        out.append(
            {
                "key": activity.key,
                "name": activity.name_en if en else activity.name_nb,
                "purpose": activity.purpose_en if en else activity.purpose_nb,
                "legal_basis": str(activity.get_legal_basis_display()),
                "categories": [category_label(c) for c in activity.data_categories or []],
                "recipients": activity.recipients_en if en else activity.recipients_nb,
                "retention": spans_plain(retention_of(activity.retention_clock, rules)),
            }
        )
    return out


def _source(subject_type: str, subject: models.Model) -> str:
    if subject_type == SUBJECT_CANDIDATE:
        shown = str(subject.get_source_display())  # type: ignore[attr-defined]
        partner = getattr(subject, "source_partner", "")
        return f"{shown} ({partner})" if partner else shown
    if subject_type == SUBJECT_EMPLOYEE:
        return gettext(
            "Registered by the agency when it employed you, from your candidate profile and "
            "the payroll."
        )
    return gettext("Registered by the agency as a contact person at a client company.")


def _rights() -> list[str]:
    return [
        gettext("You may ask for access to the data we hold about you (Art. 15)."),
        gettext("You may ask us to correct inaccurate data (Art. 16)."),
        gettext("You may ask us to erase your data (Art. 17)."),
        gettext("You may ask us to restrict the processing (Art. 18)."),
        gettext("You may receive your data in a machine-readable format (Art. 20)."),
        gettext("You may object to processing based on legitimate interests (Art. 21)."),
        gettext("You may withdraw a consent at any time, without affecting earlier processing."),
    ]


def _document(
    agency: Agency,
    subject_type: str,
    collected: _Collected,
    history: list[_Event],
    language: str,
    now: datetime,
) -> dict[str, Any]:
    subject = collected.subject
    disclosures = [e for e in history if _is_disclosure(e)]
    erase_after = getattr(subject, "erase_after", None)
    return {
        "format": "fortrolig.access_export/1",
        "generated_at": now.isoformat(),
        "language": language,
        "controller": {
            "name": agency.name,
            "privacy_policy": policy_path(agency_slug=agency.slug, language=language),
        },
        "subject": {"type": subject_type, "id": str(subject.pk)},
        "source": _source(subject_type, subject),
        "purposes": _activities(agency, subject_type, language),
        "categories": sorted(category_label(c) for c in collected.categories),
        "recipients": {
            "disclosures": [
                {
                    "at": e.occurred_at.isoformat(),
                    "action": e.action,
                    "subject_type": e.subject_type,
                    "subject_id": e.subject_id,
                    "purpose": e.purpose,
                }
                for e in disclosures
            ],
            "note": gettext("No disclosures recorded.") if not disclosures else "",
        },
        "retention": {
            "erase_after": _json_value(erase_after),
        },
        "rights": _rights(),
        "complaint": {
            "authority": "Datatilsynet",
            "url": DATATILSYNET_URL,
            "text": gettext(
                "You have the right to complain to the Norwegian Data Protection Authority "
                "(Datatilsynet)."
            ),
        },
        "data": [
            {
                "model": r.model,
                "id": r.id,
                "fields": r.fields,
                **({"file": r.file} if r.file else {}),
            }
            for r in collected.rows
        ],
        "processing_history": [
            {
                "at": e.occurred_at.isoformat(),
                "actor_type": e.actor_type,
                "actor_id": e.actor_id,
                "action": e.action,
                "subject_type": e.subject_type,
                "subject_id": e.subject_id,
                "fields": e.fields,
                "purpose": e.purpose,
            }
            for e in history
        ],
        "left_out": gettext(
            "Other people's personal data in your records, such as a reference's phone and "
            "email, is left out. Secrets such as password hashes are never exported. The "
            "search index is a copy of the data above and is not listed."
        ),
    }


HISTORY_WIDTH = 104


def _history_text(history: list[_Event]) -> str:
    """The processing history as fixed-width lines, for a person to read.

    Repeats of the same action by the same actor on the same kind of record on the same day
    become one line, with the time span and the number of times: a hundred views in a
    morning read as one line, not a hundred. The JSON keeps every event. The lines are
    wrapped here: WeasyPrint lays out one preformatted block far faster than thousands of
    table rows or wrapped paragraphs."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for e in history:
        local = timezone.localtime(e.occurred_at)
        key = (
            local.date(),
            e.actor_type,
            e.actor_id,
            e.action,
            e.purpose,
            tuple(e.fields),
            e.subject_type,
        )
        group = groups.get(key)
        if group is None:
            groups[key] = [local, local, 1]
        else:
            group[1] = local
            group[2] += 1
    lines: list[str] = []
    for (_day, actor_type, actor_id, action, purpose, fields, _type), group in groups.items():
        first, last, count = group
        when = formats.date_format(first, "SHORT_DATETIME_FORMAT")
        if count > 1:
            when += "-" + formats.time_format(last, "TIME_FORMAT")
        line = f"{when}  {actor_type} {actor_id[:8]}  {action}"
        if purpose:
            line += f" ({purpose})"
        if fields:
            line += "  " + ", ".join(fields)
        if count > 1:
            line += f"  x{count}"
        if len(line) <= HISTORY_WIDTH:
            lines.append(line)
        else:
            lines += textwrap.wrap(line, HISTORY_WIDTH, subsequent_indent=" " * 18)
    return "\n".join(lines)


def _pdf(
    doc: dict[str, Any], collected: _Collected, history: list[_Event], agency: Agency, now: datetime
) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = render_to_string(
        "privacy/export/subject.html",
        {
            "agency": agency,
            "doc": doc,
            "rows": collected.rows,
            "history": history,
            "history_text": _history_text(history),
            "disclosures": [e for e in history if _is_disclosure(e)],
            "exported_on": formats.date_format(timezone.localtime(now), "DATETIME_FORMAT"),
        },
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def subject_export(
    *,
    agency: Agency,
    actor: Actor,
    subject_type: str | None,
    subject_id: uuid.UUID,
    language: str,
    now: datetime,
    include_pdf: bool = True,
) -> ExportResult:
    """Everything held about a candidate or client contact of `agency` (P-20): the JSON
    document, a zip of export.json, the documents (and export.pdf), and the PDF.

    Records `privacy.subject.exported` with the exported field names, in the same
    transaction. `subject_type` None means: a candidate or else a client contact with that
    ID. Raises ValidationFailed for an unknown subject type and NotFound for a subject
    outside the agency.
    """
    language = policy_language(language)
    with transaction.atomic(), translation.override(language):
        if subject_type is None:
            subject_type = _subject_type_of(agency, subject_id)
        collected = _collect(agency, subject_type, subject_id)
        history = _history(agency, collected.ids_by_type)
        doc = _document(agency, subject_type, collected, history, language, now)
        record(
            agency=agency,
            actor=actor,
            action="privacy.subject.exported",
            subject=collected.subject,
            fields=sorted(collected.field_names),
            purpose="pdf" if include_pdf else "json",
            now=now,
        )
        json_bytes = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
        pdf_bytes = _pdf(doc, collected, history, agency, now) if include_pdf else None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.json", json_bytes)
        if pdf_bytes is not None:
            archive.writestr("export.pdf", pdf_bytes)
        for path, content in collected.files:
            archive.writestr(path, content)
    return ExportResult(
        json_bytes=json_bytes,
        zip_bytes=buffer.getvalue(),
        pdf_bytes=pdf_bytes,
        field_names=tuple(sorted(collected.field_names)),
        file_count=len(collected.files),
    )
