"""Bulk import of candidates from rows of text (the CSV import, `manage.py import_candidates`).

Rows are checked with the same rules as a single candidate (validation.py) and written in
batches: one transaction, one data-key insert, one candidate insert and one audit append
per batch, so that a large file imports at thousands of rows per second and an
interrupted import leaves only whole batches behind. Each row still gets its own data key
(P-27) and its own audit event (P-28), and keeps its source (P-06).

Duplicates are looked for in the database and in the file itself. Restricted candidates
(P-23) are never matched: matching is processing, and a restricted record must not be
merged into or used to turn a row away.

The result names rows, columns and reason codes, never a value from the file, so that the
report can be handled without the care personal data needs.
"""

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.services import Actor, PendingEvent, SubjectRef, record_many
from fortrolig.core.bulk import bulk_insert
from fortrolig.core.crypto import clear_key_cache, data_keys_create
from fortrolig.core.models import Agency

from .models import Availability, Candidate, Source
from .selectors import REASON_EMAIL, REASON_NAME_AND_BIRTH_DATE, REASON_PHONE
from .validation import (
    CandidateInput,
    CleanCandidate,
    Problem,
    candidate_check,
    fill_empty,
    name_key,
    names_similar,
)

IMPORT_COLUMNS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "birth_date",
    "national_id",
    "address",
    "postal_code",
    "city",
    "skills",
    "languages",
    "desired_roles",
    "availability",
    "available_from",
    "summary",
    "source_partner",
)
REQUIRED_COLUMNS = ("first_name", "last_name")
LIST_SEPARATOR = ";"
DEFAULT_BATCH_SIZE = 1000
# Above this many new or changed candidates, the search index is rebuilt in bulk.
SEARCH_SCHEDULE_LIMIT = 500
# The first data row is row 2 of the file: row 1 is the header, as a spreadsheet shows it.
FIRST_ROW_NUMBER = 2


class OnDuplicate(models.TextChoices):
    SKIP = "skip", _("Skip the row")
    MERGE = "merge", _("Fill the existing candidate's empty fields from the row")


@dataclass(frozen=True)
class RowProblem:
    """Why a row, or one column of it, was not imported. Holds no value from the row."""

    row: int
    column: str
    code: str
    reason: str | Promise


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    merged: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    created_ids: list[uuid.UUID] = field(default_factory=list)
    merged_ids: set[uuid.UUID] = field(default_factory=set)


MSG_INVALID_DATE = _("Enter the date as YYYY-MM-DD or DD.MM.YYYY.")
MSG_ERASED = _(
    "This person asked to be erased. They cannot be imported again; they may apply themselves."
)
MSG_NO_IDENTIFIER = _(
    "Give an email address, a phone number, a date of birth or a national identity number, "
    "so that the same person is not registered twice."
)
_DUPLICATE_COLUMNS = {
    REASON_EMAIL: "email",
    REASON_PHONE: "phone",
    REASON_NAME_AND_BIRTH_DATE: "birth_date",
}
_DUPLICATE_IN_DATABASE = {
    REASON_EMAIL: _("A candidate with the same email address is already registered."),
    REASON_PHONE: _("A candidate with the same phone number is already registered."),
    REASON_NAME_AND_BIRTH_DATE: _(
        "A candidate with a similar name and the same date of birth is already registered."
    ),
}
_DUPLICATE_IN_FILE = {
    REASON_EMAIL: _("Row %(row)d of this file has the same email address."),
    REASON_PHONE: _("Row %(row)d of this file has the same phone number."),
    REASON_NAME_AND_BIRTH_DATE: _(
        "Row %(row)d of this file has a similar name and the same date of birth."
    ),
}


def _parse_date(value: str) -> date:
    value = value.strip()
    if len(value) == 10 and value[2] == "." and value[5] == ".":
        return date(int(value[6:]), int(value[3:5]), int(value[:2]))
    return date.fromisoformat(value)


def row_to_input(row: Mapping[str, str | None]) -> tuple[CandidateInput, list[Problem]]:
    """A CSV row as candidate input. Dates that cannot be read are problems; everything
    else is checked by `candidate_check`. The source is an import, or a campaign when the
    row names a partner (P-06)."""
    problems: list[Problem] = []

    def text(name: str) -> str:
        return (row.get(name) or "").strip()

    def when(name: str) -> date | None:
        value = text(name)
        if not value:
            return None
        try:
            return _parse_date(value)
        except ValueError:
            problems.append(Problem(name, "invalid_date", MSG_INVALID_DATE))
            return None

    def items(name: str) -> tuple[str, ...]:
        return tuple(text(name).split(LIST_SEPARATOR)) if text(name) else ()

    available_from = when("available_from")
    availability = text("availability").lower()
    if not availability:
        availability = Availability.FROM_DATE if available_from else Availability.UNKNOWN
    partner = text("source_partner")
    data = CandidateInput(
        first_name=text("first_name"),
        last_name=text("last_name"),
        email=text("email"),
        phone=text("phone"),
        birth_date=when("birth_date"),
        national_id=text("national_id"),
        address=text("address"),
        postal_code=text("postal_code"),
        city=text("city"),
        skills=items("skills"),
        languages=items("languages"),
        desired_roles=items("desired_roles"),
        availability=availability,
        available_from=available_from,
        summary=text("summary"),
        source=Source.CAMPAIGN if partner else Source.IMPORT,
        source_partner=partner,
    )
    return data, problems


@dataclass(eq=False)
class _Target:
    """A candidate that a row can match: a stored candidate (`stored_id`), or an earlier
    row of the batch that will be created (`clean`). A row merged into it adds its email,
    phone, birth date and name, so that later rows match on those too."""

    order: int
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    births: set[date] = field(default_factory=set)
    names: list[str] = field(default_factory=list)
    stored_id: uuid.UUID | None = None
    row: int = 0
    clean: CleanCandidate | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def absorb(self, *, email: str, phone: str, birth: date | None, name: str) -> None:
        if email:
            self.emails.add(email)
        if phone:
            self.phones.add(phone)
        if birth is not None:
            self.births.add(birth)
        if name not in self.names:
            self.names.append(name)

    def reasons(self, clean: CleanCandidate, key: str) -> tuple[str, ...]:
        found: list[str] = []
        if clean.email_hash and clean.email_hash in self.emails:
            found.append(REASON_EMAIL)
        if clean.phone_hash and clean.phone_hash in self.phones:
            found.append(REASON_PHONE)
        if clean.birth_date in self.births and any(names_similar(n, key) for n in self.names):
            found.append(REASON_NAME_AND_BIRTH_DATE)
        return tuple(found)


class _Index:
    """Targets by email hash, phone hash and birth date, for matching a row."""

    def __init__(self) -> None:
        self.by_email: dict[str, list[_Target]] = defaultdict(list)
        self.by_phone: dict[str, list[_Target]] = defaultdict(list)
        self.by_birth_date: dict[date, list[_Target]] = defaultdict(list)
        self.count = 0

    def add(
        self,
        target: _Target | None,
        *,
        email: str,
        phone: str,
        birth: date | None,
        name: str,
        **kwargs: Any,
    ) -> _Target:
        if target is None:
            self.count += 1
            target = _Target(order=self.count, **kwargs)
        if email and email not in target.emails:
            self.by_email[email].append(target)
        if phone and phone not in target.phones:
            self.by_phone[phone].append(target)
        if birth is not None and birth not in target.births:
            self.by_birth_date[birth].append(target)
        target.absorb(email=email, phone=phone, birth=birth, name=name)
        return target

    def best_match(self, clean: CleanCandidate, key: str) -> tuple[_Target, tuple[str, ...]] | None:
        """The target the row duplicates, and why: a stored candidate before a row of the
        file, the most recently active stored candidate first."""
        seen: set[int] = set()
        matches: list[tuple[_Target, tuple[str, ...]]] = []
        for bucket in (
            self.by_email.get(clean.email_hash, ()) if clean.email_hash else (),
            self.by_phone.get(clean.phone_hash, ()) if clean.phone_hash else (),
            self.by_birth_date.get(clean.birth_date, ()) if clean.birth_date else (),
        ):
            for target in bucket:
                if target.order in seen:
                    continue
                seen.add(target.order)
                reasons = target.reasons(clean, key)
                if reasons:
                    matches.append((target, reasons))
        if not matches:
            return None
        return min(matches, key=lambda match: (match[0].stored_id is None, match[0].order))


def _any_of(**values: set[Any]) -> Q:
    """Rows whose column equals one of the given values, for any of the columns. On
    PostgreSQL as `column = ANY(array)`: one parameter per column instead of thousands,
    which the driver would otherwise parse into the statement batch after batch."""
    condition = Q()
    for column, wanted in values.items():
        if not wanted:
            continue
        if connection.vendor == "postgresql":
            # The column name comes from the model, never from input; the values are a
            # bound parameter.
            field = Candidate._meta.get_field(column)
            assert isinstance(field, models.Field)
            name = connection.ops.quote_name(str(field.column))
            condition |= Q(
                RawSQL(  # noqa: S611
                    f"{name} = ANY(%s)", [list(wanted)], output_field=models.BooleanField()
                )
            )
        else:
            condition |= Q(**{f"{column}__in": wanted})
    return condition


class _NameKeys:
    """`name_key` with a memory for one import: every stored candidate that shares a birth
    date with a row is folded, and names repeat a great deal. Kept per import rather than
    process-wide, so that no name outlives the import in memory."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], str] = {}

    def key(self, first_name: str, last_name: str) -> str:
        found = self._keys.get((first_name, last_name))
        if found is None:
            found = self._keys[(first_name, last_name)] = name_key(first_name, last_name)
        return found


def _load_stored(
    *, agency: Agency, checked: list[tuple[int, CleanCandidate]], names: _NameKeys
) -> _Index:
    """One query for every unrestricted candidate that a row of the batch could match."""
    emails = {c.email_hash for _row, c in checked if c.email_hash}
    phones = {c.phone_hash for _row, c in checked if c.phone_hash}
    births = {c.birth_date for _row, c in checked if c.birth_date}
    index = _Index()
    if not (emails or phones or births):
        return index
    rows = (
        Candidate.objects.filter(agency=agency, restricted=False)
        .filter(_any_of(email_hash=emails, phone_hash=phones, birth_date=births))
        .order_by("-last_activity_at", "id")
        .values_list("id", "email_hash", "phone_hash", "birth_date", "first_name", "last_name")
    )
    for pk, e_hash, p_hash, birth, first, last in rows:
        index.add(
            None,
            email=e_hash,
            phone=p_hash,
            birth=birth,
            name=names.key(first, last),
            stored_id=pk,
        )
    return index


def candidates_import(
    *,
    agency: Agency,
    rows: Iterable[Mapping[str, str | None]],
    actor: Actor,
    now: datetime,
    on_duplicate: str = OnDuplicate.SKIP,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], object] | None = None,
) -> ImportResult:
    """Import candidates from rows keyed by the names in IMPORT_COLUMNS.

    Each batch of `batch_size` rows commits on its own. A row with a problem is left out
    and reported; a duplicate (of a stored candidate or of an earlier row) is skipped and
    reported, or with `on_duplicate="merge"` fills the empty fields of the candidate it
    duplicates. `progress` is called with the number of rows done after each batch.
    Importing the same file twice creates nothing the second time. Search is brought up to
    date at the end (if the import stops early, rebuild the agency's search index).

    Raises ValueError for an unknown `on_duplicate` or a batch size below 1.
    """
    if on_duplicate not in OnDuplicate.values:
        raise ValueError("on_duplicate must be 'skip' or 'merge'")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    result = ImportResult()
    names = _NameKeys()
    batch: list[tuple[int, Mapping[str, str | None]]] = []
    for number, row in enumerate(rows, start=FIRST_ROW_NUMBER):
        batch.append((number, row))
        if len(batch) >= batch_size:
            _import_batch(agency, actor, now, batch, on_duplicate, result, names)
            if progress is not None:
                progress(len(batch))
            batch = []
    if batch:
        _import_batch(agency, actor, now, batch, on_duplicate, result, names)
        if progress is not None:
            progress(len(batch))
    _refresh_search(agency, [*result.created_ids, *result.merged_ids])
    return result


def _import_batch(
    agency: Agency,
    actor: Actor,
    now: datetime,
    batch: list[tuple[int, Mapping[str, str | None]]],
    on_duplicate: str,
    result: ImportResult,
    names: _NameKeys,
) -> None:
    today = now.date()
    checked: list[tuple[int, CleanCandidate]] = []
    for number, row in batch:
        result.rows += 1
        data, problems = row_to_input(row)
        clean, more = candidate_check(data, today=today)
        problems += more
        if not (problems or clean.email or clean.phone or clean.birth_date):
            # Without any of these a row cannot be matched, so a second run of the same
            # file would register the person again.
            problems.append(Problem("email", "no_identifier", MSG_NO_IDENTIFIER))
        if problems:
            result.rejected += 1
            result.problems += [RowProblem(number, p.field, p.code, p.message) for p in problems]
        else:
            checked.append((number, clean))

    checked = _refuse_erased(agency, checked, result)
    index = _load_stored(agency=agency, checked=checked, names=names)
    new: list[_Target] = []
    merges: dict[uuid.UUID, list[CleanCandidate]] = defaultdict(list)

    for number, clean in checked:
        key = names.key(clean.first_name, clean.last_name)
        identifiers: dict[str, Any] = {
            "email": clean.email_hash,
            "phone": clean.phone_hash,
            "birth": clean.birth_date,
            "name": key,
        }
        match = index.best_match(clean, key)
        if match is None:
            new.append(index.add(None, **identifiers, row=number, clean=clean))
            continue
        target, reasons = match
        if on_duplicate == OnDuplicate.SKIP:
            result.duplicates += 1
            for reason in reasons:
                message = (
                    _DUPLICATE_IN_DATABASE[reason]
                    if target.stored_id is not None
                    else _lazy_format(_DUPLICATE_IN_FILE[reason], row=target.row)
                )
                result.problems.append(
                    RowProblem(number, _DUPLICATE_COLUMNS[reason], f"duplicate_{reason}", message)
                )
            continue
        result.merged += 1
        if target.stored_id is not None:
            merges[target.stored_id].append(clean)
        elif target.clean is not None:
            fill_empty(target.clean, clean)
        # What the row adds can make later rows match the same candidate.
        index.add(target, **identifiers)

    with transaction.atomic():
        events = _create(agency, now, new)
        events += _merge_into_stored(agency, now, merges)
        record_many(agency=agency, actor=actor, events=events, now=now)
    # Each new data key was unwrapped to encrypt its row: forget them batch by batch, so
    # that a large import does not hold every key in memory.
    clear_key_cache()
    result.created += len(new)
    result.created_ids += [target.id for target in new]
    result.merged_ids.update(merges)


def _refuse_erased(
    agency: Agency, checked: list[tuple[int, CleanCandidate]], result: ImportResult
) -> list[tuple[int, CleanCandidate]]:
    """Leave out rows whose email belongs to a person erased on request (P-22): an import
    must not bring them back. One query per batch, through the keyed hash."""
    from fortrolig.privacy.models import ErasedIdentity

    hashes = {clean.email_hash for _row, clean in checked if clean.email_hash}
    if not hashes:
        return checked
    erased = set(
        ErasedIdentity.objects.filter(agency=agency, email_hash__in=hashes).values_list(
            "email_hash", flat=True
        )
    )
    if not erased:
        return checked
    kept = []
    for number, clean in checked:
        if clean.email_hash in erased:
            result.rejected += 1
            result.problems.append(RowProblem(number, "email", "erased_person", MSG_ERASED))
        else:
            kept.append((number, clean))
    return kept


def _lazy_format(message: str | Promise, **values: int) -> str:
    # Formatted in the language active for the import: the report is written in it.
    return str(message) % values


def _create(agency: Agency, now: datetime, new: list[_Target]) -> list[PendingEvent]:
    if not new:
        return []
    keys = data_keys_create(agency=agency, count=len(new))
    rows: list[dict[str, Any]] = []
    events = []
    for entry, data_key in zip(new, keys, strict=True):
        clean = entry.clean
        assert clean is not None  # a new candidate always has its row's values
        values = {name: getattr(clean, name) for name in CleanCandidate.STORED}
        values.update(
            id=entry.id,
            agency_id=agency.id,
            data_key_id=data_key.id,
            national_id=clean.national_id or None,
            last_activity_at=now,
            created_at=now,
            updated_at=now,
        )
        rows.append(values)
        events.append(
            PendingEvent(
                action="candidate.imported",
                subject=_subject(entry.id),
                fields=tuple(clean.filled_fields()),
                purpose="import",
            )
        )
    # COPY on PostgreSQL; every value prepared as save() would (encrypted, JSON).
    bulk_insert(Candidate, [Candidate(**values) for values in rows])
    return events


def _merge_into_stored(
    agency: Agency, now: datetime, merges: dict[uuid.UUID, list[CleanCandidate]]
) -> list[PendingEvent]:
    events: list[PendingEvent] = []
    if not merges:
        return events
    stored = Candidate.objects.select_for_update().filter(agency=agency, pk__in=list(merges))
    for candidate in stored:
        changed: list[str] = []
        for clean in merges[candidate.id]:
            changed += [name for name in fill_empty(candidate, clean) if name not in changed]
        if changed:
            candidate.save(update_fields=[*changed, "updated_at"])
        events.append(
            PendingEvent(
                action="candidate.updated",
                subject=_subject(candidate.id),
                fields=tuple(changed),
                purpose="import_merge",
            )
        )
    return events


def _subject(candidate_id: uuid.UUID) -> SubjectRef:
    return SubjectRef(type="candidates.candidate", id=candidate_id)


def _refresh_search(agency: Agency, candidate_ids: list[uuid.UUID]) -> None:
    """Bring search up to date with the import, in the background: a refresh task per
    candidate for a small import, one rebuild of the agency's index for a large one (a task
    per row would cost more than the import itself)."""
    from fortrolig.search.services import search_index_schedule

    from .tasks import candidates_search_rebuild_task

    if not candidate_ids:
        return
    with transaction.atomic():
        if len(candidate_ids) > SEARCH_SCHEDULE_LIMIT:
            agency_id = str(agency.id)
            transaction.on_commit(lambda: candidates_search_rebuild_task.delay(agency_id))
            return
        for candidate_id in candidate_ids:
            search_index_schedule(candidate_id=candidate_id)


__all__ = [
    "IMPORT_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportResult",
    "OnDuplicate",
    "RowProblem",
    "candidates_import",
    "row_to_input",
]
