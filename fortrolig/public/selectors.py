"""Reads for the public pages. These show only what an agency publishes about itself.

The reads here span agencies, on purpose: the job board lists every agency's open ads.
They select only the fields that an ad publishes, never a draft, and never the name of a
client that is confidential (P-15): the database hands back an empty name for such a
client, so the name cannot reach a public page by mistake.
"""

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Case, CharField, ExpressionWrapper, F, Q, Value, When
from django.db.models.query import QuerySet
from django.utils import timezone
from django.utils.text import Truncator

from fortrolig.assignments.ads import (
    SCHEMA_EMPLOYMENT_TYPES,
    EmploymentType,
    ad_public_url,
    code_display,
    employment_type_label,
)
from fortrolig.assignments.models import AdStatus, JobAd
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import NotFound
from fortrolig.core.models import Agency


@dataclass(frozen=True)
class AgencyListing:
    name: str
    contact_email: str


def agency_directory() -> list[AgencyListing]:
    """Every agency's name and public contact address, by name.

    The one read that spans agencies, on purpose: it lists what each agency publishes,
    and selects nothing else, so that no other field can reach the public page.
    """
    rows = Agency.objects.order_by("name").values_list("name", "contact_email")
    return [AgencyListing(name=name, contact_email=email) for name, email in rows]


# The job board

BOARD_PAGE_SIZE = 20
QUERY_MAX_WORDS = 8
EXCERPT_WORDS = 40

_CLIENT_HIDDEN = Q(
    position__assignment__confidential_client=True,
    position__assignment__client_name_released_at__isnull=True,
)
# The client's name where candidates may know it, else "" (P-15).
_CLIENT_SHOWN = Case(
    When(_CLIENT_HIDDEN, then=Value("")),
    default=F("position__assignment__client__name"),
    output_field=CharField(),
)
_PUBLIC_COLUMNS = (
    "id",
    "title",
    "body",
    "location",
    "employment_type",
    "language",
    "apply_by",
    "published_at",
    "closed_at",
    "status",
    "verification_code",
    "agency__name",
    "agency__slug",
    "agency__contact_email",
    "client_shown",
    "client_hidden",
)


def _public_ads() -> QuerySet[JobAd]:
    return JobAd.objects.filter(status__in=(AdStatus.PUBLISHED, AdStatus.CLOSED)).annotate(
        client_shown=_CLIENT_SHOWN,
        client_hidden=ExpressionWrapper(_CLIENT_HIDDEN, output_field=BooleanField()),
    )


def _open_ads(today: date) -> QuerySet[JobAd]:
    """Published, not closed, and the deadline (if any) not passed."""
    return _public_ads().filter(
        Q(apply_by__isnull=True) | Q(apply_by__gte=today), status=AdStatus.PUBLISHED
    )


@dataclass(frozen=True)
class BoardQuery:
    text: str = ""
    location: str = ""
    agency: str = ""  # the agency's short name (slug)
    page: int = 1


@dataclass(frozen=True)
class BoardRow:
    id: uuid.UUID
    title: str
    excerpt: str
    location: str
    employment_type_label: str
    language: str
    apply_by: date | None
    published_at: datetime
    agency_name: str
    client_name: str  # "" while the client is confidential
    client_hidden: bool


@dataclass(frozen=True)
class BoardAgency:
    slug: str
    name: str


@dataclass(frozen=True)
class Board:
    rows: list[BoardRow]
    total: int
    page: int
    pages: int
    # For the filters: the places and agencies that have open ads.
    locations: list[str]
    agencies: list[BoardAgency]
    # Every agency, with its public contact address.
    directory: list[AgencyListing]


def _case_variants(word: str) -> set[str]:
    # SQLite's LIKE ignores case for ASCII letters only; try the usual spellings so that
    # "ålesund" finds "Ålesund". PostgreSQL compares in upper case and needs no help.
    if connection.vendor != "sqlite":
        return {word}
    return {word, word.lower(), word.upper(), word.capitalize()}


def _contains(fields: tuple[str, ...], word: str) -> Q:
    condition = Q()
    for variant in _case_variants(word):
        for field in fields:
            condition |= Q(**{f"{field}__icontains": variant})
    return condition


def _words(text: str) -> list[str]:
    words = [word.strip(".,;:!?\"'()") for word in text.split()]
    return [word for word in words if word][:QUERY_MAX_WORDS]


def board(*, query: BoardQuery, now: datetime) -> Board:
    """One page of the open ads of every agency, newest first. Every word of `query.text`
    must be in the title, the text or the location; `location` narrows by place, and
    `agency` to one agency's ads."""
    today = timezone.localdate(require_aware(now))
    ads = _open_ads(today)
    filters = _open_ads(today)
    for word in _words(query.text):
        ads = ads.filter(_contains(("title", "body", "location"), word))
    if query.location.strip():
        ads = ads.filter(_contains(("location",), " ".join(query.location.split())))
    if query.agency:
        ads = ads.filter(agency__slug=query.agency)
    total = ads.count()
    pages = max(1, math.ceil(total / BOARD_PAGE_SIZE))
    page = min(max(1, query.page), pages)
    start = (page - 1) * BOARD_PAGE_SIZE
    values = ads.order_by("-published_at", "id").values(*_PUBLIC_COLUMNS)
    rows = [_row(v) for v in values[start : start + BOARD_PAGE_SIZE]]
    locations = sorted(
        set(filters.exclude(location="").values_list("location", flat=True)),
        key=str.casefold,
    )
    agencies = [
        BoardAgency(slug=slug, name=name)
        for slug, name in filters.order_by("agency__name")
        .values_list("agency__slug", "agency__name")
        .distinct()
    ]
    return Board(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        locations=locations,
        agencies=agencies,
        directory=agency_directory(),
    )


def _row(values: dict[str, Any]) -> BoardRow:
    return BoardRow(
        id=values["id"],
        title=values["title"],
        excerpt=Truncator(" ".join(values["body"].split())).words(EXCERPT_WORDS),
        location=values["location"],
        employment_type_label=employment_type_label(values["employment_type"]),
        language=values["language"],
        apply_by=values["apply_by"],
        published_at=values["published_at"],
        agency_name=values["agency__name"],
        client_name=values["client_shown"],
        client_hidden=values["client_hidden"],
    )


# One ad's page


@dataclass(frozen=True)
class PublicAd:
    id: uuid.UUID
    title: str
    body: str
    location: str
    employment_type: str
    employment_type_label: str
    language: str
    apply_by: date | None
    published_at: datetime
    closed_at: datetime | None
    code: str  # as printed: ABCD-EFGH
    agency_name: str
    agency_contact_email: str
    client_name: str  # "" while the client is confidential (P-15)
    client_hidden: bool
    # Open for applications: published, not closed, deadline not passed.
    is_open: bool
    url: str


def public_ad_get(*, ad_id: uuid.UUID, now: datetime) -> PublicAd:
    """A published or closed ad, as the public may see it. Raises NotFound for a draft or
    an unknown id."""
    today = timezone.localdate(require_aware(now))
    values = _public_ads().filter(pk=ad_id).values(*_PUBLIC_COLUMNS).first()
    if values is None:
        raise NotFound()
    apply_by = values["apply_by"]
    return PublicAd(
        id=values["id"],
        title=values["title"],
        body=values["body"],
        location=values["location"],
        employment_type=values["employment_type"],
        employment_type_label=employment_type_label(values["employment_type"]),
        language=values["language"],
        apply_by=apply_by,
        published_at=values["published_at"],
        closed_at=values["closed_at"],
        code=code_display(values["verification_code"]),
        agency_name=values["agency__name"],
        agency_contact_email=values["agency__contact_email"],
        client_name=values["client_shown"],
        client_hidden=values["client_hidden"],
        is_open=values["status"] == AdStatus.PUBLISHED and (apply_by is None or apply_by >= today),
        url=ad_public_url(values["id"]),
    )


def job_posting(ad: PublicAd) -> dict[str, Any]:
    """The schema.org JobPosting of an open ad, as a dict for JSON-LD.

    The hiring organisation is the client where candidates may know it, and the agency
    while the client is confidential (P-15). The identifier is the verification code.
    """
    tz = timezone.get_current_timezone()
    data: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": ad.title,
        "description": ad.body,
        "datePosted": timezone.localtime(ad.published_at, tz).date().isoformat(),
        "hiringOrganization": {
            "@type": "Organization",
            "name": ad.client_name if ad.client_name and not ad.client_hidden else ad.agency_name,
        },
        "identifier": {"@type": "PropertyValue", "name": ad.agency_name, "value": ad.code},
        "directApply": True,
        "url": ad.url,
    }
    if ad.apply_by is not None:
        end_of_day = timezone.make_aware(datetime.combine(ad.apply_by, time(23, 59, 59)), tz)
        data["validThrough"] = end_of_day.isoformat()
    if ad.employment_type in EmploymentType.values:
        data["employmentType"] = SCHEMA_EMPLOYMENT_TYPES[EmploymentType(ad.employment_type)]
    if ad.location:
        data["jobLocation"] = {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": ad.location,
                "addressCountry": "NO",
            },
        }
    return data
