"""Merging two records of the same person."""

import uuid
from datetime import date, timedelta

import pytest

from fortrolig.audit.models import AuditEvent
from fortrolig.candidates.models import Availability, Candidate, Reference
from fortrolig.candidates.services import (
    ReferenceInput,
    candidate_merge,
    reference_add,
)
from fortrolig.core.crypto import KeyDestroyed, decrypt
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.core.models import DataKey

from .conftest import NOW, make_national_id, person

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n170\n%%EOF\n"
)


def _pair(create):
    keep = create(
        person(
            email="kari.testesen@example.com",
            phone="",
            city="",
            skills=("Python",),
            summary="",
        )
    )
    merged = create(
        person(
            email="kari.privat@example.com",
            phone="912 34 567",
            city="Bergen",
            skills=("python", "Rust"),
            summary="Utvikler med ti års erfaring.",
            national_id=make_national_id(date(1990, 5, 17)),
            availability=Availability.IMMEDIATELY,
        ),
        allow_duplicate=True,
    )
    return keep, merged


def _upload(agency, actor, candidate, name: str, content: bytes):
    from fortrolig.documents.models import DocumentKind
    from fortrolig.documents.services import document_upload

    return document_upload(
        agency=agency,
        actor=actor,
        candidate_id=candidate.id,
        kind=DocumentKind.CV,
        filename=name,
        content=content,
        now=NOW,
    )


def test_merge_fills_empty_fields_and_joins_lists(create, agency, staff_actor):
    keep, merged = _pair(create)
    number = merged.national_id
    result = candidate_merge(
        agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=merged.id, now=NOW
    )
    assert result.id == keep.id
    keep.refresh_from_db()
    # Kept: its own email. Filled: what it lacked.
    assert keep.email == "kari.testesen@example.com"
    assert keep.phone == "+4791234567"
    assert keep.phone_hash == merged.phone_hash
    assert keep.city == "Bergen"
    assert keep.summary == "Utvikler med ti års erfaring."
    assert keep.skills == ["Python", "Rust"]
    assert keep.availability == Availability.IMMEDIATELY
    # Re-encrypted under the kept candidate's own key.
    assert Candidate.objects.get(pk=keep.id).national_id == number
    assert not Candidate.objects.filter(pk=merged.id).exists()


def test_p27_merge_destroys_the_merged_candidates_key(create, agency, staff_actor):
    keep, merged = _pair(create)
    merged_key_id = merged.data_key_id
    candidate_merge(agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=merged.id, now=NOW)
    key = DataKey.objects.get(pk=merged_key_id)
    assert key.wrapped_key is None and key.destroyed_at == NOW
    assert DataKey.objects.get(pk=keep.data_key_id).wrapped_key is not None


def test_p28_merge_is_recorded_on_both_candidates(create, agency, staff_actor):
    keep, merged = _pair(create)
    candidate_merge(agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=merged.id, now=NOW)
    kept_event = AuditEvent.objects.get(action="candidate.merged", subject_id=keep.id)
    removed_event = AuditEvent.objects.get(action="candidate.merged", subject_id=merged.id)
    assert kept_event.actor_id == staff_actor.id
    assert {"phone", "city", "summary", "skills", "national_id"} <= set(kept_event.fields)
    assert removed_event.fields == []
    text = repr(AuditEvent.objects.filter(action="candidate.merged").values())
    assert "Bergen" not in text and "example.com" not in text


def test_merge_moves_references(create, agency, staff_actor):
    keep, merged = _pair(create)
    reference = reference_add(
        agency=agency,
        actor=staff_actor,
        candidate_id=merged.id,
        data=ReferenceInput(name="Per Referansesen"),
        now=NOW,
    )
    candidate_merge(agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=merged.id, now=NOW)
    assert Reference.objects.get(pk=reference.id).candidate_id == keep.id


def test_merge_keeps_every_document_readable_under_the_kept_candidate(create, agency, staff_actor):
    from fortrolig.documents.selectors import document_list
    from fortrolig.documents.services import document_open

    keep, merged = _pair(create)
    _upload(agency, staff_actor, keep, "cv-kari.pdf", PDF)
    contents = {
        "cv-privat.pdf": PDF.replace(b"612 792", b"595 842"),
        "attest.txt": "Attest for Kari Testesen: pålitelig.\n".encode(),
    }
    for name, content in contents.items():
        _upload(agency, staff_actor, merged, name, content)
    candidate_merge(agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=merged.id, now=NOW)
    documents = document_list(agency=agency, candidate_id=keep.id)
    assert len(documents) == 3
    for document in documents:
        assert document.candidate_id == keep.id
        assert document.data_key_id == keep.data_key_id
        opened = document_open(agency=agency, actor=staff_actor, document_id=document.id, now=NOW)
        if opened.filename in contents:
            assert opened.content == contents[opened.filename]
    assert document_list(agency=agency, candidate_id=merged.id) == []


def test_merge_leaves_nothing_readable_under_the_merged_key(create, agency, staff_actor):
    keep, merged = _pair(create)
    stored = Candidate.objects.filter(pk=merged.id).values_list("national_id", flat=True).get()
    assert isinstance(stored, bytes)
    raw = bytes(stored)
    candidate_merge(agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=merged.id, now=NOW)
    with pytest.raises(KeyDestroyed):
        decrypt(raw)


def test_merge_keeps_the_restriction_and_the_later_activity(create, agency, staff_actor):
    keep, merged = _pair(create)
    later = NOW + timedelta(days=40)
    Candidate.objects.filter(pk=merged.id).update(restricted=True, last_activity_at=later)
    candidate_merge(agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=merged.id, now=NOW)
    keep.refresh_from_db()
    assert keep.restricted
    assert keep.last_activity_at == later


def test_merge_keeps_the_kept_source(create, agency, staff_actor):
    from fortrolig.candidates.models import Source

    keep = create(person(source=Source.APPLICATION))
    merged = create(
        person(source=Source.CAMPAIGN, source_partner="Sosialt Byrå AS"), allow_duplicate=True
    )
    candidate_merge(agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=merged.id, now=NOW)
    keep.refresh_from_db()
    assert (keep.source, keep.source_partner) == (Source.APPLICATION, "")


def test_merge_refuses_one_candidate_twice(create, agency, staff_actor):
    keep = create()
    with pytest.raises(ValidationFailed):
        candidate_merge(
            agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=keep.id, now=NOW
        )
    assert Candidate.objects.filter(pk=keep.id).exists()


def test_merge_never_crosses_agencies(create, agency, other_agency, staff_actor):
    keep = create()
    theirs = create(in_agency=other_agency)
    for keep_id, merge_id in [(keep.id, theirs.id), (theirs.id, keep.id)]:
        with pytest.raises(NotFound):
            candidate_merge(
                agency=agency, actor=staff_actor, keep_id=keep_id, merge_id=merge_id, now=NOW
            )
    with pytest.raises(NotFound):
        candidate_merge(
            agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=uuid.uuid4(), now=NOW
        )
    assert Candidate.objects.filter(pk=theirs.id).exists()
    assert not AuditEvent.objects.filter(action="candidate.merged").exists()


def test_merge_schedules_search_refresh_and_removal(
    create, agency, staff_actor, monkeypatch, django_capture_on_commit_callbacks
):
    from fortrolig.search import services as search_services

    keep, merged = _pair(create)
    calls: list[tuple[str, uuid.UUID]] = []
    monkeypatch.setattr(
        search_services,
        "search_index_schedule",
        lambda *, candidate_id: calls.append(("refresh", candidate_id)),
    )
    monkeypatch.setattr(
        search_services,
        "search_index_remove",
        lambda *, candidate_id: calls.append(("remove", candidate_id)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        candidate_merge(
            agency=agency, actor=staff_actor, keep_id=keep.id, merge_id=merged.id, now=NOW
        )
    assert ("refresh", keep.id) in calls
    assert ("remove", merged.id) in calls
