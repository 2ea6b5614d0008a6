"""Helpers for the client tests. Companies and people are made up; addresses are
example.com."""

import io
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pypdf import PdfWriter

from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor
from fortrolig.clients.services import ClientInput, ContactInput, client_contact_add, client_create
from fortrolig.conftest import CLIENT_ORG_NUMBERS

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
# An organisation number whose check digit is wrong.
BAD_ORG_NUMBER = "889640783"


def company(**overrides: Any) -> ClientInput:
    values: dict[str, Any] = {
        "name": "Fjordkraft Testkunde AS",
        "org_number": "889 640 782",
        "visiting_address": "Strandkaien 1",
        "postal_code": "5013",
        "city": "Bergen",
        "invoice_email": "Faktura@Fjordkraft-test.example.com",
        "invoice_reference": "PO-1234",
        "payment_terms_days": 30,
    }
    values.update(overrides)
    return ClientInput(**values)


def person(**overrides: Any) -> ContactInput:
    values: dict[str, Any] = {
        "name": "Hilde Kontaktsen",
        "role": "HR-rådgiver",
        "email": "Hilde.Kontaktsen@example.com",
        "phone": "912 34 567",
    }
    values.update(overrides)
    return ContactInput(**values)


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def staff_actor() -> Actor:
    return Actor(type=ActorType.STAFF, id=uuid.uuid4())


@pytest.fixture
def new_client(agency, staff_actor):
    """Register a client through the service, in `agency` or the agency given."""

    def _create(data: ClientInput | None = None, *, in_agency=None, index: int = 0, **overrides):
        if data is None:
            overrides.setdefault("org_number", CLIENT_ORG_NUMBERS[index])
            data = company(**overrides)
        return client_create(agency=in_agency or agency, actor=staff_actor, data=data, now=NOW)

    return _create


@pytest.fixture
def new_contact(agency, staff_actor):
    def _add(client, *, in_agency=None, **overrides):
        return client_contact_add(
            agency=in_agency or agency,
            actor=staff_actor,
            client_id=client.id,
            data=person(**overrides),
            now=NOW,
        )

    return _add
