"""Job ad endpoints of the API: ads, their publication record, and the public verification
check (P-13, P-14, P-15).

Every endpoint except `/verify` reads `request.agency` (set from the bearer token) and acts
as the token; another agency's ad answers 404. `/verify` needs no token: it answers what
the public page /verify/ answers.
"""

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fortrolig.assignments import ads_selectors, ads_services
from fortrolig.assignments.ads import AdLanguage, EmploymentType, ad_public_url, code_display
from fortrolig.assignments.models import AdPublication, AdStatus, Channel, JobAd
from fortrolig.core import clock

from .api import api
from .schemas import ErrorOut
from .services import api_actor

router = Router(tags=["ads"])


class AdIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=20_000, description="The text of the ad.")
    location: str = Field("", max_length=200)
    employment_type: EmploymentType | None = None
    language: AdLanguage = AdLanguage.NB
    apply_by: date | None = Field(None, description="The application deadline.")


class AdCreateIn(AdIn):
    position_id: uuid.UUID = Field(..., description="A position of an open assignment.")


class AdOut(Schema):
    id: uuid.UUID
    position_id: uuid.UUID
    title: str
    body: str
    location: str
    employment_type: str
    language: str
    apply_by: date | None
    status: AdStatus
    published_at: datetime | None
    closed_at: datetime | None
    verification_code: str = Field(description="As printed on the ad: ABCD-EFGH.")
    public_url: str = Field(description="The ad's page on the job board (when published).")
    client_name_hidden: bool = Field(
        description="The client is confidential: candidates do not see its name (P-15)."
    )
    created_at: datetime
    updated_at: datetime


class AdPageOut(Schema):
    items: list[AdOut]
    total: int
    page: int
    pages: int


class AdListIn(Schema):
    status: AdStatus | None = None
    page: int = Field(1, ge=1)


class PublicationIn(Schema):
    channel: Channel
    channel_name: str = Field("", max_length=100, description="Required for channel 'other'.")
    url: str = Field(..., min_length=1, max_length=500, description="An http(s) address.")
    published_on: date
    removed_on: date | None = None


class PublicationRemoveIn(Schema):
    removed_on: date | None = Field(None, description="Today when left out.")


class PublicationOut(Schema):
    id: uuid.UUID
    channel: Channel
    channel_name: str
    url: str
    published_on: date
    removed_on: date | None


class VerifyIn(Schema):
    code: str = Field("", max_length=40, description="The verification code, e.g. ABCD-EFGH.")
    url: str = Field("", max_length=2000, description="The address where the ad was found.")


class VerifiedPublicationOut(Schema):
    channel: Channel
    channel_label: str
    url: str
    published_on: date
    removed_on: date | None
    active: bool


class VerifyOut(Schema):
    outcome: str = Field(
        description="published_here, was_published_here, not_authorised, genuine or unknown."
    )
    code: str
    agency_name: str
    ad_title: str
    ad_url: str = Field(description="The ad's page on the job board while it is open.")
    closed_on: date | None
    match: VerifiedPublicationOut | None = Field(
        description="The publication at the address asked about."
    )
    publications: list[VerifiedPublicationOut] = Field(
        description="Every place where the agency published the ad."
    )


def _actor(request: HttpRequest) -> Any:
    return api_actor(request.api_token)  # type: ignore[attr-defined]


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


def _out(ad: JobAd) -> dict[str, Any]:
    return {
        "id": ad.id,
        "position_id": ad.position_id,
        "title": ad.title,
        "body": ad.body,
        "location": ad.location,
        "employment_type": ad.employment_type,
        "language": ad.language,
        "apply_by": ad.apply_by,
        "status": ad.status,
        "published_at": ad.published_at,
        "closed_at": ad.closed_at,
        "verification_code": code_display(ad.verification_code),
        "public_url": ad_public_url(ad.id) if ad.status != AdStatus.DRAFT else "",
        "client_name_hidden": ad.position.assignment.client_name_hidden,
        "created_at": ad.created_at,
        "updated_at": ad.updated_at,
    }


def _publication_out(publication: AdPublication) -> dict[str, Any]:
    return {
        "id": publication.id,
        "channel": publication.channel,
        "channel_name": publication.channel_name,
        "url": publication.url,
        "published_on": publication.published_on,
        "removed_on": publication.removed_on,
    }


def _input(payload: AdIn) -> ads_services.AdInput:
    return ads_services.AdInput(
        title=payload.title,
        body=payload.body,
        location=payload.location,
        employment_type=payload.employment_type or "",
        language=payload.language,
        apply_by=payload.apply_by,
    )


_READ = {200: AdOut, 401: ErrorOut, 404: ErrorOut}
_WRITE = {200: AdOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut}


@router.get("/ads", response={200: AdPageOut, 400: ErrorOut, 401: ErrorOut}, summary="List ads")
def ad_list(request: HttpRequest, filters: Query[AdListIn]) -> dict[str, Any]:
    """The agency's ads, newest first, 25 a page."""
    page = ads_selectors.ad_list(
        agency=_agency(request), status=filters.status or "", page=filters.page
    )
    return {
        "items": [_out(ad) for ad in page.rows],
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
    }


@router.post(
    "/ads",
    response={201: AdOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Draft an ad",
)
def ad_create(request: HttpRequest, payload: AdCreateIn) -> Status[dict[str, Any]]:
    """A draft ad for a position of an open assignment, with a new verification code.
    A position of an ended assignment answers 409."""
    ad = ads_services.ad_create(
        agency=_agency(request),
        actor=_actor(request),
        position_id=payload.position_id,
        data=_input(payload),
        now=clock.now(),
    )
    return Status(201, _out(ad))


@router.get("/ads/{ad_id}", response=_READ, summary="Read an ad")
def ad_read(request: HttpRequest, ad_id: uuid.UUID) -> dict[str, Any]:
    return _out(ads_selectors.ad_get(agency=_agency(request), ad_id=ad_id))


@router.put("/ads/{ad_id}", response=_WRITE, summary="Change an ad")
def ad_update(request: HttpRequest, ad_id: uuid.UUID, payload: AdIn) -> dict[str, Any]:
    """Replace the text of a draft or published ad. A closed ad answers 409; a published ad
    that would name a confidential client answers 400 (P-15)."""
    ad = ads_services.ad_update(
        agency=_agency(request),
        actor=_actor(request),
        ad_id=ad_id,
        data=_input(payload),
        now=clock.now(),
    )
    return _out(ad)


@router.post("/ads/{ad_id}/publish", response=_WRITE, summary="Publish an ad")
def ad_publish(request: HttpRequest, ad_id: uuid.UUID) -> dict[str, Any]:
    """Publish a draft on the job board; the job board is recorded as its first
    publication (P-14). An ad that names a confidential client answers 400 (P-15)."""
    ad = ads_services.ad_publish(
        agency=_agency(request), actor=_actor(request), ad_id=ad_id, now=clock.now()
    )
    return _out(ad)


@router.post("/ads/{ad_id}/close", response=_WRITE, summary="Close an ad")
def ad_close(request: HttpRequest, ad_id: uuid.UUID) -> dict[str, Any]:
    """Take a published ad off the job board."""
    ad = ads_services.ad_close(
        agency=_agency(request), actor=_actor(request), ad_id=ad_id, now=clock.now()
    )
    return _out(ad)


@router.get(
    "/ads/{ad_id}/publications",
    response={200: list[PublicationOut], 401: ErrorOut, 404: ErrorOut},
    summary="List where an ad is published",
)
def publication_list(request: HttpRequest, ad_id: uuid.UUID) -> list[dict[str, Any]]:
    publications = ads_selectors.ad_publications(agency=_agency(request), ad_id=ad_id)
    return [_publication_out(publication) for publication in publications]


@router.post(
    "/ads/{ad_id}/publications",
    response={201: PublicationOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Record a publication",
)
def publication_add(
    request: HttpRequest, ad_id: uuid.UUID, payload: PublicationIn
) -> Status[dict[str, Any]]:
    """Record that the agency published the ad at an address (P-14). An address already
    recorded for the ad answers 400; a draft answers 409."""
    publication = ads_services.publication_add(
        agency=_agency(request),
        actor=_actor(request),
        ad_id=ad_id,
        channel=payload.channel,
        channel_name=payload.channel_name,
        url=payload.url,
        published_on=payload.published_on,
        removed_on=payload.removed_on,
        now=clock.now(),
    )
    return Status(201, _publication_out(publication))


@router.post(
    "/ads/{ad_id}/publications/{publication_id}/remove",
    response={200: PublicationOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Record that a publication was taken down",
)
def publication_remove(
    request: HttpRequest,
    ad_id: uuid.UUID,
    publication_id: uuid.UUID,
    payload: PublicationRemoveIn | None = None,
) -> dict[str, Any]:
    """The record is kept with its removal date: the verification then says the ad was
    published there until that date."""
    publication = ads_services.publication_remove(
        agency=_agency(request),
        actor=_actor(request),
        ad_id=ad_id,
        publication_id=publication_id,
        removed_on=payload.removed_on if payload else None,
        now=clock.now(),
    )
    return _publication_out(publication)


def _verified(publication: ads_selectors.VerifiedPublication | None) -> dict[str, Any] | None:
    if publication is None:
        return None
    return {
        "channel": publication.channel,
        "channel_label": publication.channel_label,
        "url": publication.url,
        "published_on": publication.published_on,
        "removed_on": publication.removed_on,
        "active": publication.active,
    }


@router.get(
    "/verify",
    auth=None,
    response={200: VerifyOut, 400: ErrorOut},
    summary="Check a verification code or an address (public)",
)
def verify(request: HttpRequest, params: Query[VerifyIn]) -> dict[str, Any]:
    """Is this ad genuine, and did the agency publish it at this address? Give the code,
    the address, or both (P-13, P-14). Needs no token. A draft's code is unknown."""
    result = ads_selectors.verify_check(code=params.code, url=params.url, now=clock.now())
    return {
        "outcome": result.outcome,
        "code": result.code,
        "agency_name": result.agency_name,
        "ad_title": result.ad_title,
        "ad_url": ad_public_url(result.ad_id) if result.ad_id and result.ad_open else "",
        "closed_on": result.closed_on,
        "match": _verified(result.match),
        "publications": [_verified(p) for p in result.publications],
    }


api.add_router("/", router)
