"""Client endpoints of the API: list and search, create, read and update client companies,
their contact people, credit assessments and prepayment (P-04, P-08), and the agreements'
metadata.

Every endpoint reads `request.agency` (set from the bearer token) and acts as the token
(audit actor type API). Another agency's client answers 404, as one that does not exist.
Reading contact people is recorded per person (P-28). Errors use the shared JSON shape;
none of them repeats a submitted value.
"""

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fortrolig.clients.models import Agreement, Client, ClientContact, CreditAssessment
from fortrolig.clients.selectors import (
    agreement_list,
    client_contacts_open,
    client_get,
    client_list,
    credit_assessment_list,
)
from fortrolig.clients.services import (
    ClientInput,
    ContactInput,
    client_contact_add,
    client_create,
    client_prepayment_received,
    client_update,
    credit_assessment_record,
)
from fortrolig.core import clock

from .api import api
from .schemas import ErrorOut
from .services import api_actor

router = Router(tags=["clients"])


class ClientIn(Schema):
    """A client company's details. Fields left out get their empty value."""

    name: str = Field(..., min_length=1, max_length=200)
    org_number: str = Field(
        ..., max_length=20, description="Norwegian organisation number; spaces are ignored."
    )
    visiting_address: str = Field("", max_length=200)
    postal_address: str = Field("", max_length=200)
    postal_code: str = Field("", max_length=10)
    city: str = Field("", max_length=100)
    website: str = Field("", max_length=200)
    invoice_email: str = Field("", max_length=254)
    invoice_reference: str = Field("", max_length=100)
    invoice_address: str = Field("", max_length=300)
    ehf_invoicing: bool = False
    payment_terms_days: int = Field(14, ge=0, le=365)


class ClientOut(Schema):
    id: uuid.UUID
    name: str
    org_number: str
    visiting_address: str
    postal_address: str
    postal_code: str
    city: str
    website: str
    invoice_email: str
    invoice_reference: str
    invoice_address: str
    ehf_invoicing: bool
    payment_terms_days: int
    prepayment_required: bool = Field(
        description="True after a credit score under the agency's threshold, until "
        "prepayment is recorded as received (P-08). Do not start work while it is true."
    )
    prepayment_received_at: datetime | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ClientPageOut(Schema):
    items: list[ClientOut]
    total: int
    page: int
    pages: int
    page_size: int


class ClientListIn(Schema):
    q: str = Field(
        "", max_length=200, description="Part of the name, or the start of the org number."
    )
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=100)


class ContactIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    role: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40, description="Norwegian, or with country code.")
    is_primary: bool = Field(False, description="Replaces the client's current primary contact.")


class ContactOut(Schema):
    id: uuid.UUID
    name: str
    role: str
    email: str
    phone: str
    is_primary: bool
    ended_at: datetime | None
    created_at: datetime


class ContactListIn(Schema):
    include_ended: bool = Field(False, description="Also people who are no longer contacts.")


class CreditAssessmentIn(Schema):
    assessed_on: date = Field(description="The date of the assessment; not in the future.")
    score: int = Field(..., ge=0, le=100)
    source: str = Field(..., max_length=200, description="Who made the assessment.")
    note: str = Field("", max_length=500)


class CreditAssessmentOut(Schema):
    id: uuid.UUID
    assessed_on: date
    score: int
    source: str
    note: str
    threshold: int = Field(description="The agency's threshold when it was recorded.")
    below_threshold: bool
    created_at: datetime


class CreditAssessmentResultOut(CreditAssessmentOut):
    prepayment_required: bool = Field(description="The client's prepayment flag afterwards.")


class AgreementOut(Schema):
    """An agreement's terms and dates. The signed file itself is downloaded on the staff
    pages; its name is not given here."""

    id: uuid.UUID
    terms: str
    fee_terms: str
    signed_on: date | None
    valid_from: date
    valid_until: date | None
    has_file: bool
    content_type: str
    size: int | None
    created_at: datetime


def _actor(request: HttpRequest) -> Any:
    return api_actor(request.api_token)  # type: ignore[attr-defined]


def _agency(request: HttpRequest) -> Any:
    return request.agency  # type: ignore[attr-defined]


def _client_out(client: Client) -> dict[str, Any]:
    return {name: getattr(client, name) for name in ClientOut.model_fields}


def _contact_out(contact: ClientContact) -> dict[str, Any]:
    return {name: getattr(contact, name) for name in ContactOut.model_fields}


def _assessment_out(assessment: CreditAssessment) -> dict[str, Any]:
    return {name: getattr(assessment, name) for name in CreditAssessmentOut.model_fields}


def _agreement_out(agreement: Agreement) -> dict[str, Any]:
    values = {
        name: getattr(agreement, name)
        for name in AgreementOut.model_fields
        if name not in ("has_file",)
    }
    values["has_file"] = bool(agreement.blob_name)
    return values


@router.get(
    "/clients",
    response={200: ClientPageOut, 400: ErrorOut, 401: ErrorOut},
    summary="List or search clients",
)
def client_list_endpoint(request: HttpRequest, filters: Query[ClientListIn]) -> dict[str, Any]:
    """The agency's clients by name, narrowed by `q` (part of the name, or the start of
    the organisation number)."""
    page = client_list(
        agency=_agency(request), query=filters.q, page=filters.page, page_size=filters.page_size
    )
    return {
        "items": [_client_out(client) for client in page.rows],
        "total": page.total,
        "page": page.page,
        "pages": page.pages,
        "page_size": page.page_size,
    }


@router.post(
    "/clients",
    response={201: ClientOut, 400: ErrorOut, 401: ErrorOut},
    summary="Register a client",
)
def client_create_endpoint(request: HttpRequest, payload: ClientIn) -> Status[dict[str, Any]]:
    """Register a client company. An invalid or already registered organisation number
    answers 400 with the error under `org_number`."""
    client = client_create(
        agency=_agency(request),
        actor=_actor(request),
        data=ClientInput(**payload.model_dump()),
        now=clock.now(),
    )
    return Status(201, _client_out(client))


@router.get(
    "/clients/{client_id}",
    response={200: ClientOut, 401: ErrorOut, 404: ErrorOut},
    summary="Read a client",
)
def client_read_endpoint(request: HttpRequest, client_id: uuid.UUID) -> dict[str, Any]:
    """One client company, with its prepayment flag (P-08)."""
    return _client_out(client_get(agency=_agency(request), client_id=client_id))


@router.put(
    "/clients/{client_id}",
    response={200: ClientOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Replace a client's details",
)
def client_update_endpoint(
    request: HttpRequest, client_id: uuid.UUID, payload: ClientIn
) -> dict[str, Any]:
    """Replace every detail; fields left out get their empty value. The prepayment flag
    is changed only by credit assessments and recorded prepayments."""
    client = client_update(
        agency=_agency(request),
        actor=_actor(request),
        client_id=client_id,
        data=ClientInput(**payload.model_dump()),
        now=clock.now(),
    )
    return _client_out(client)


@router.get(
    "/clients/{client_id}/contacts",
    response={200: list[ContactOut], 401: ErrorOut, 404: ErrorOut},
    summary="List a client's contact people",
)
def client_contact_list_endpoint(
    request: HttpRequest, client_id: uuid.UUID, filters: Query[ContactListIn]
) -> list[dict[str, Any]]:
    """The client's contact people, primary first. Each person listed is recorded in the
    audit trail as read by this token (P-28)."""
    contacts = client_contacts_open(
        agency=_agency(request),
        actor=_actor(request),
        client_id=client_id,
        now=clock.now(),
        include_ended=filters.include_ended,
    )
    return [_contact_out(contact) for contact in contacts]


@router.post(
    "/clients/{client_id}/contacts",
    response={201: ContactOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Add a contact person",
)
def client_contact_add_endpoint(
    request: HttpRequest, client_id: uuid.UUID, payload: ContactIn
) -> Status[dict[str, Any]]:
    contact = client_contact_add(
        agency=_agency(request),
        actor=_actor(request),
        client_id=client_id,
        data=ContactInput(**payload.model_dump()),
        now=clock.now(),
    )
    return Status(201, _contact_out(contact))


@router.get(
    "/clients/{client_id}/credit-assessments",
    response={200: list[CreditAssessmentOut], 401: ErrorOut, 404: ErrorOut},
    summary="List a client's credit assessments",
)
def client_credit_list_endpoint(request: HttpRequest, client_id: uuid.UUID) -> list[dict[str, Any]]:
    """Newest first, each with the threshold that was in force."""
    assessments = credit_assessment_list(agency=_agency(request), client_id=client_id)
    return [_assessment_out(assessment) for assessment in assessments]


@router.post(
    "/clients/{client_id}/credit-assessments",
    response={201: CreditAssessmentResultOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    summary="Record a credit assessment",
)
def client_credit_add_endpoint(
    request: HttpRequest, client_id: uuid.UUID, payload: CreditAssessmentIn
) -> Status[dict[str, Any]]:
    """Record a dated score from a named source (P-08). A score under the agency's
    threshold marks the client as requiring prepayment; one at or above it clears the
    mark. The answer gives the client's flag afterwards."""
    assessment = credit_assessment_record(
        agency=_agency(request),
        actor=_actor(request),
        client_id=client_id,
        assessed_on=payload.assessed_on,
        score=payload.score,
        source=payload.source,
        note=payload.note,
        now=clock.now(),
    )
    values = _assessment_out(assessment)
    values["prepayment_required"] = assessment.client.prepayment_required
    return Status(201, values)


@router.post(
    "/clients/{client_id}/prepayment-received",
    response={200: ClientOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Record that prepayment was received",
)
def client_prepayment_received_endpoint(
    request: HttpRequest, client_id: uuid.UUID
) -> dict[str, Any]:
    """Clear the client's prepayment flag (P-08). A client that does not require
    prepayment answers 409."""
    client = client_prepayment_received(
        agency=_agency(request), actor=_actor(request), client_id=client_id, now=clock.now()
    )
    return _client_out(client)


@router.get(
    "/clients/{client_id}/agreements",
    response={200: list[AgreementOut], 401: ErrorOut, 404: ErrorOut},
    summary="List a client's agreements",
)
def client_agreement_list_endpoint(
    request: HttpRequest, client_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Terms, dates and whether a signed file is stored; newest first."""
    agreements = agreement_list(agency=_agency(request), client_id=client_id)
    return [_agreement_out(agreement) for agreement in agreements]


api.add_router("/", router)
