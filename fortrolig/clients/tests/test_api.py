"""The client endpoints of the API (/api/v1/clients)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from fortrolig.api.tests.conftest import bearer
from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.clients.models import Client, ClientContact, CreditAssessment

from .conftest import BAD_ORG_NUMBER

pytestmark = pytest.mark.django_db

URL = "/api/v1/clients"
NEW = {
    "name": "Fjordkraft Testkunde AS",
    "org_number": "889 640 782",
    "city": "Bergen",
    "invoice_email": "faktura@fjordkraft-test.example.com",
    "payment_terms_days": 30,
}


@pytest.fixture
def api_client(client, agency):
    from fortrolig.api.services import api_token_create

    _token, plaintext = api_token_create(
        agency=agency, name="Integrasjon", created_by=None, now=timezone.now()
    )
    client.defaults.update(bearer(plaintext))
    return client


def _post(http, url, data=None):
    return http.post(url, json.dumps(data or {}), content_type="application/json")


def _put(http, url, data):
    return http.put(url, json.dumps(data), content_type="application/json")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    return error


@pytest.fixture
def created(api_client) -> dict:
    response = _post(api_client, URL, NEW)
    assert response.status_code == 201, response.content
    return response.json()


def test_p04_create_read_update_and_search(api_client, agency, created):
    assert created["org_number"] == "889640782"
    assert created["prepayment_required"] is False
    url = f"{URL}/{created['id']}"
    assert api_client.get(url).json()["name"] == "Fjordkraft Testkunde AS"
    updated = _put(api_client, url, {**NEW, "city": "Oslo", "postal_code": "0150"})
    assert updated.status_code == 200
    assert updated.json()["city"] == "Oslo"
    _post(api_client, URL, {**NEW, "name": "Havbruk Testkunde AS", "org_number": "912345688"})
    page = api_client.get(URL, {"q": "havbruk"}).json()
    assert [item["name"] for item in page["items"]] == ["Havbruk Testkunde AS"]
    assert api_client.get(URL).json()["total"] == 2
    event = AuditEvent.objects.get(action="client.created", subject_id=created["id"])
    assert event.actor_type == ActorType.API


def test_bad_input_gives_the_shared_error_shape(api_client, created):
    error = _error(
        _post(api_client, URL, {**NEW, "org_number": BAD_ORG_NUMBER}), 400, "validation_failed"
    )
    assert list(error["fields"]) == ["org_number"]
    assert BAD_ORG_NUMBER not in json.dumps(error)
    duplicate = _error(_post(api_client, URL, NEW), 400, "validation_failed")
    assert list(duplicate["fields"]) == ["org_number"]
    assert Client.objects.count() == 1
    missing = _error(_post(api_client, URL, {"org_number": "889640782"}), 400, "validation_failed")
    assert "name" in missing["fields"]


def test_contacts_are_added_and_listed_with_audit(api_client, created):
    url = f"{URL}/{created['id']}/contacts"
    response = _post(
        api_client,
        url,
        {"name": "Hilde Kontaktsen", "role": "HR-rådgiver", "email": "hilde@example.com"},
    )
    assert response.status_code == 201
    contact_id = response.json()["id"]
    listed = api_client.get(url).json()
    assert [c["name"] for c in listed] == ["Hilde Kontaktsen"]
    assert AuditEvent.objects.filter(
        action="client.contact.viewed", subject_id=contact_id, actor_type=ActorType.API
    ).exists()
    bad = _error(_post(api_client, url, {"name": "Per", "phone": "12"}), 400, "validation_failed")
    assert list(bad["fields"]) == ["phone"]
    assert ClientContact.objects.count() == 1


def test_p08_credit_assessment_and_prepayment(api_client, agency, created):
    agency.settings = {"client_credit_threshold": 70}
    agency.save()
    url = f"{URL}/{created['id']}"
    today = timezone.localdate().isoformat()
    response = _post(
        api_client,
        f"{url}/credit-assessments",
        {"assessed_on": today, "score": 65, "source": "Bisnode"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["threshold"] == 70 and body["below_threshold"] is True
    assert body["prepayment_required"] is True
    assert api_client.get(url).json()["prepayment_required"] is True
    assert len(api_client.get(f"{url}/credit-assessments").json()) == 1

    received = _post(api_client, f"{url}/prepayment-received")
    assert received.status_code == 200
    assert received.json()["prepayment_required"] is False
    _error(_post(api_client, f"{url}/prepayment-received"), 409, "prepayment_not_required")


@pytest.mark.parametrize(
    "payload",
    [
        {"score": 150, "source": "Bisnode"},
        {"score": 40, "source": "  "},
        {"score": 40, "source": "Bisnode", "future": True},
        {"score": 40},
    ],
)
def test_p08_bad_assessments_change_nothing(api_client, created, payload):
    payload = dict(payload)
    day = timezone.localdate() + timedelta(days=2 if payload.pop("future", False) else 0)
    payload["assessed_on"] = day.isoformat()
    response = _post(api_client, f"{URL}/{created['id']}/credit-assessments", payload)
    _error(response, 400, "validation_failed")
    assert not CreditAssessment.objects.exists()
    assert Client.objects.get().prepayment_required is False


def test_agreements_list_metadata_only(api_client, agency, created):
    from datetime import date

    from fortrolig.audit.services import Actor
    from fortrolig.clients.services import AgreementInput, agreement_create

    agreement_create(
        agency=agency,
        actor=Actor.system(),
        client_id=created["id"],
        data=AgreementInput(terms="Rammeavtale.", valid_from=date(2026, 1, 1)),
        now=timezone.now(),
    )
    [item] = api_client.get(f"{URL}/{created['id']}/agreements").json()
    assert item["terms"] == "Rammeavtale." and item["has_file"] is False
    assert "filename" not in item and "blob_name" not in item


def test_another_agencys_client_is_404_everywhere(api_client, other_agency):
    theirs = Client.objects.create(agency=other_agency, name="Andres AS", org_number="912345696")
    url = f"{URL}/{theirs.id}"
    _error(api_client.get(url), 404, "not_found")
    _error(_put(api_client, url, NEW), 404, "not_found")
    _error(api_client.get(f"{url}/contacts"), 404, "not_found")
    _error(_post(api_client, f"{url}/contacts", {"name": "Ola"}), 404, "not_found")
    _error(api_client.get(f"{url}/agreements"), 404, "not_found")
    _error(api_client.get(f"{url}/credit-assessments"), 404, "not_found")
    today = timezone.localdate().isoformat()
    _error(
        _post(
            api_client,
            f"{url}/credit-assessments",
            {"assessed_on": today, "score": 1, "source": "X"},
        ),
        404,
        "not_found",
    )
    _error(_post(api_client, f"{url}/prepayment-received"), 404, "not_found")
    assert api_client.get(URL).json()["total"] == 0
    theirs.refresh_from_db()
    assert theirs.name == "Andres AS" and not theirs.prepayment_required


def test_without_a_token_it_is_401(client, agency):
    _error(client.get(URL), 401, "not_authenticated")
