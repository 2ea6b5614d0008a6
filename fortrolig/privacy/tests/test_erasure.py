"""Erasure on request (P-22, P-25): the receipt, the erased identity, and the limits."""

import json
import uuid

import pytest

from fortrolig.audit.models import ActorType
from fortrolig.audit.services import Actor
from fortrolig.candidates.imports import MSG_ERASED, candidates_import
from fortrolig.candidates.models import Candidate
from fortrolig.candidates.validation import email_hash
from fortrolig.conftest import make_agency
from fortrolig.core.errors import NotFound
from fortrolig.privacy.erasure import (
    RULE_LEGAL_CLAIMS,
    ErasureLimited,
    subject_erase,
)
from fortrolig.privacy.models import ErasedIdentity, ErasureReceipt

from .test_erasure_support import NOW, make_canary

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor() -> Actor:
    return Actor(type=ActorType.STAFF, id=uuid.uuid4())


def _erase(agency, actor, canary, request=True):
    return subject_erase(
        agency=agency,
        actor=actor,
        subject_type="candidate",
        subject_id=canary.candidate.id,
        request_id=canary.request.id if request and canary.request else None,
        now=NOW,
    )


def test_p22_receipt_counts_request_and_no_personal_data(agency, actor):
    canary = make_canary(agency, actor, documents=3)
    receipt = _erase(agency, actor, canary)
    assert canary.request is not None
    assert receipt.request_id == canary.request.id
    assert receipt.erased["candidates.Candidate"] == 1
    assert receipt.erased["documents.Document"] == 3
    assert receipt.erased["candidates.Reference"] == 1
    assert receipt.erased["assignments.Application"] == 1
    assert receipt.erased["blobs"] == 4
    assert receipt.erased["data_keys"] == 1
    assert receipt.erased["messaging.OutboundEmail"] == 1
    assert receipt.kept == []
    stored = ErasureReceipt.objects.get(pk=receipt.pk)
    text = json.dumps([stored.erased, stored.kept]).lower()
    for needle in canary.needles:
        assert needle.lower() not in text
    assert not Candidate.objects.filter(pk=canary.candidate.id).exists()


def test_p22_email_hash_kept_and_import_refused(agency, actor):
    canary = make_canary(agency, actor)
    _erase(agency, actor, canary, request=False)
    assert ErasedIdentity.objects.filter(
        agency=agency, email_hash=email_hash(canary.email)
    ).exists()
    result = candidates_import(
        agency=agency,
        rows=[{"first_name": "Kari", "last_name": "Testesen", "email": canary.email.upper()}],
        actor=actor,
        now=NOW,
    )
    assert result.created == 0
    assert result.rejected == 1
    [problem] = result.problems
    assert problem.code == "erased_person"
    assert problem.column == "email"
    assert problem.reason == MSG_ERASED


def test_p25_legal_hold_stops_the_erasure_and_names_the_rule(agency, actor):
    from fortrolig.audit.services import actor_for_user
    from fortrolig.conftest import make_staff
    from fortrolig.privacy.legal_holds import legal_hold_set

    canary = make_canary(agency, actor)
    manager = make_staff(agency, email="leder@example.com")
    legal_hold_set(
        agency=agency,
        actor=actor_for_user(manager),
        candidate_id=canary.candidate.id,
        reason="Tvist om honorar",
        now=NOW,
    )
    with pytest.raises(ErasureLimited) as caught:
        _erase(agency, actor, canary)
    assert caught.value.rules == [RULE_LEGAL_CLAIMS]
    # Nothing changed.
    assert Candidate.objects.filter(pk=canary.candidate.id).exists()
    assert not ErasureReceipt.objects.exists()


def test_p22_other_agency_is_not_found(agency, actor):
    canary = make_canary(agency, actor)
    other = make_agency("fjellvind", index=1)
    with pytest.raises(NotFound):
        subject_erase(
            agency=other,
            actor=actor,
            subject_type="candidate",
            subject_id=canary.candidate.id,
            request_id=None,
            now=NOW,
        )
    assert Candidate.objects.filter(pk=canary.candidate.id).exists()
