"""Restriction of processing (P-23): a restricted candidate is stored but left out of search,
lists and imports' matching; lifting tells the person first."""

import uuid

import pytest

from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.candidates.imports import candidates_import
from fortrolig.candidates.models import Candidate
from fortrolig.conftest import make_agency
from fortrolig.core.errors import NotFound
from fortrolig.messaging.models import OutboundEmail
from fortrolig.privacy import restriction
from fortrolig.privacy.restriction import subject_restrict, subject_restriction_lift
from fortrolig.search.models import CandidateSearchEntry
from fortrolig.search.selectors import CandidateSearchQuery, candidate_search

from .test_erasure_support import NOW, make_canary

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor() -> Actor:
    return Actor(type=ActorType.STAFF, id=uuid.uuid4())


def _found(agency, text=""):
    page = candidate_search(agency=agency, query=CandidateSearchQuery(text=text))
    return {row.candidate_id for row in page.rows}


def test_p23_restricted_candidate_left_out_of_search_and_list(agency, actor):
    canary = make_canary(agency, actor)
    assert canary.candidate.id in _found(agency)
    assert canary.candidate.id in _found(agency, canary.marker + "first")
    subject_restrict(agency=agency, actor=actor, candidate_id=canary.candidate.id, now=NOW)
    assert Candidate.objects.get(pk=canary.candidate.id).restricted
    assert not CandidateSearchEntry.objects.filter(candidate_id=canary.candidate.id).exists()
    assert canary.candidate.id not in _found(agency)
    assert canary.candidate.id not in _found(agency, canary.marker + "first")
    event = AuditEvent.objects.get(action=restriction.RESTRICTED_ACTION)
    assert event.subject_id == canary.candidate.id
    assert event.fields == ["restricted"]


def test_p23_restricted_candidate_left_out_of_import_matching(agency, actor):
    canary = make_canary(agency, actor)
    subject_restrict(agency=agency, actor=actor, candidate_id=canary.candidate.id, now=NOW)
    result = candidates_import(
        agency=agency,
        rows=[{"first_name": "Kari", "last_name": "Testesen", "email": canary.email}],
        actor=actor,
        now=NOW,
    )
    # Not matched (so not merged into): the restricted record is not processed.
    assert result.duplicates == 0
    assert result.merged == 0
    restricted = Candidate.objects.get(pk=canary.candidate.id)
    assert restricted.restricted
    assert restricted.first_name == canary.marker + "first"


def test_p23_lift_queues_the_notice_before_the_flag_changes(agency, actor, monkeypatch):
    canary = make_canary(agency, actor)
    subject_restrict(agency=agency, actor=actor, candidate_id=canary.candidate.id, now=NOW)
    seen = []
    real = restriction.email_queue

    def spy(**kwargs):
        # The flag is still set when the notice is queued.
        seen.append(Candidate.objects.get(pk=canary.candidate.id).restricted)
        return real(**kwargs)

    monkeypatch.setattr(restriction, "email_queue", spy)
    before = OutboundEmail.objects.filter(template="privacy.restriction_lift_notice").count()
    subject_restriction_lift(
        agency=agency, actor=actor, candidate_id=canary.candidate.id, language="nb", now=NOW
    )
    assert seen == [True]
    email = OutboundEmail.objects.filter(template="privacy.restriction_lift_notice").get()
    assert before == 0
    assert email.recipient == canary.email
    assert canary.marker not in email.body_text
    assert not Candidate.objects.get(pk=canary.candidate.id).restricted
    assert canary.candidate.id in _found(agency)
    assert AuditEvent.objects.filter(action=restriction.LIFTED_ACTION).count() == 1


def test_p23_lift_fails_without_the_notice_changes_nothing(agency, actor, monkeypatch):
    canary = make_canary(agency, actor)
    subject_restrict(agency=agency, actor=actor, candidate_id=canary.candidate.id, now=NOW)

    def broken(**kwargs):
        raise RuntimeError("mail down")

    monkeypatch.setattr(restriction, "email_queue", broken)
    with pytest.raises(RuntimeError):
        subject_restriction_lift(
            agency=agency, actor=actor, candidate_id=canary.candidate.id, language="nb", now=NOW
        )
    assert Candidate.objects.get(pk=canary.candidate.id).restricted


def test_p23_other_agency_is_not_found(agency, actor):
    canary = make_canary(agency, actor)
    other = make_agency("fjellvind", index=1)
    with pytest.raises(NotFound):
        subject_restrict(agency=other, actor=actor, candidate_id=canary.candidate.id, now=NOW)
    with pytest.raises(NotFound):
        subject_restriction_lift(
            agency=other, actor=actor, candidate_id=canary.candidate.id, language="nb", now=NOW
        )
    assert not Candidate.objects.get(pk=canary.candidate.id).restricted
