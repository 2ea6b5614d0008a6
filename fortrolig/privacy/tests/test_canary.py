"""The canary test (P-22): a unique marker in every personal field, document and file of a
candidate; after the erasure it is nowhere: not in any table, not in the raw SQLite file,
not in any stored file, not in the search index. The audit chain still verifies."""

import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.conftest import make_position
from fortrolig.core.models import DataKey
from fortrolig.privacy.erasure import subject_erase
from fortrolig.privacy.models import ErasureReceipt, PaperDocument
from fortrolig.search.models import CandidateSearchEntry

from .test_erasure_support import (
    NOW,
    database_hits,
    make_canary,
    media_hits,
    raw_file_hits,
    sqlite_database_files,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor() -> Actor:
    return Actor(type=ActorType.STAFF, id=uuid.uuid4())


def test_p22_canary_is_found_nowhere_after_erasure(
    agency, actor, django_capture_on_commit_callbacks
):
    position = make_position(agency)
    canary = make_canary(agency, actor, position=position, documents=2)
    control = make_canary(agency, actor, position=position)
    key_id = canary.candidate.data_key_id
    # The search works: the marker is there before the erasure.
    before = database_hits(canary.needles)
    assert "candidates_candidate" in before
    assert CandidateSearchEntry._meta.db_table in before
    assert all(default_storage.exists(blob) for blob in canary.blobs)

    with django_capture_on_commit_callbacks(execute=True):
        receipt = subject_erase(
            agency=agency,
            actor=actor,
            subject_type="candidate",
            subject_id=canary.candidate.id,
            request_id=canary.request.id if canary.request else None,
            now=NOW,
        )

    assert database_hits(canary.needles) == {}
    assert media_hits(canary.needles) == []
    assert not any(default_storage.exists(blob) for blob in canary.blobs)
    # Crypto-shredded: the key that could decrypt any copy of the blobs is gone.
    key = DataKey.objects.get(pk=key_id)
    assert key.wrapped_key is None
    assert key.destroyed_at is not None
    assert not CandidateSearchEntry.objects.filter(candidate_id=canary.candidate.id).exists()
    # The paper register keeps its entry, without the person (P-30).
    assert PaperDocument.objects.filter(agency=agency, candidate__isnull=True).count() == 1
    # The other candidate is untouched: the search would have found a leftover.
    assert "candidates_candidate" in database_hits([control.marker])
    assert receipt.subject_id == canary.candidate.id
    assert ErasureReceipt.objects.filter(pk=receipt.pk).exists()

    event = AuditEvent.objects.get(action="privacy.subject.erased")
    assert event.subject_id == canary.candidate.id
    assert event.purpose == "data_subject_request"
    call_command("audit_verify")


def test_p22_canary_client_contact(agency, actor, django_capture_on_commit_callbacks):
    from fortrolig.clients.models import ClientContact
    from fortrolig.clients.validation import contact_email_hash
    from fortrolig.conftest import make_client

    marker = "zq" + uuid.uuid4().hex
    client = make_client(agency)
    email = f"{marker}@example.com"
    contact = ClientContact.objects.create(
        agency=agency,
        client=client,
        name=f"{marker}name",
        role=f"{marker}role",
        email=email,
        email_hash=contact_email_hash(email),
        phone="+4791234567",
    )
    with django_capture_on_commit_callbacks(execute=True):
        receipt = subject_erase(
            agency=agency,
            actor=actor,
            subject_type="client_contact",
            subject_id=contact.id,
            request_id=None,
            now=NOW,
        )
    assert receipt.erased["clients.ClientContact"] == 1
    assert database_hits([marker]) == {}
    call_command("audit_verify")


@pytest.fixture(params=["delete", "wal"])
def sqlite_file(request, transactional_db):
    """The SQLite test database as a file, in each journal mode (production runs WAL), and
    with `secure_delete` off until the erasure: some SQLite builds have it on by default,
    which would hide an erasure that forgot to turn it on. Both are put back after."""
    if connection.vendor != "sqlite":
        pytest.skip("the raw database file is checked on SQLite; PostgreSQL has no one file")
    if not sqlite_database_files():
        pytest.skip("the SQLite test database is in memory: there is no file to read")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        (journal_mode,) = cursor.fetchone()
        cursor.execute("PRAGMA secure_delete")
        (secure_delete,) = cursor.fetchone()
        cursor.execute(f"PRAGMA journal_mode = {request.param}")
        cursor.execute("PRAGMA secure_delete = OFF")
    yield request.param
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA journal_mode = {journal_mode}")
        cursor.execute(f"PRAGMA secure_delete = {int(secure_delete)}")


@pytest.mark.django_db(transaction=True)
def test_p22_canary_is_not_in_the_raw_sqlite_file_after_erasure(sqlite_file, agency, actor):
    """The tables can be clean while the file still holds the bytes: in a freed page, in
    the free space of a page, in an old FTS5 segment or in the journal. Committed data
    (a transactional test), read from the file itself after a checkpoint. A hit names the
    file, the page and the table or index that holds it. (`sqlite_file` asks for
    `transactional_db` by name, so that the project's fixture lifts the audit trigger for
    the flush after the test.)"""
    position = make_position(agency)
    canary = make_canary(agency, actor, position=position, documents=2)
    control = make_canary(agency, actor, position=position)
    # The check can fail: the committed marker is in the file before the erasure.
    before = raw_file_hits(canary.needles)
    assert canary.marker in before, before

    subject_erase(
        agency=agency,
        actor=actor,
        subject_type="candidate",
        subject_id=canary.candidate.id,
        request_id=canary.request.id if canary.request else None,
        now=NOW,
    )

    assert raw_file_hits(canary.needles) == {}
    # The other candidate is still in the file: the read sees committed data.
    assert control.marker in raw_file_hits([control.marker])


def test_p22_request_erasure_sends_a_receipt_and_the_outbox_forgets_the_address(
    agency, actor, django_capture_on_commit_callbacks, mailoutbox
):
    from fortrolig.messaging.models import OutboundEmail
    from fortrolig.privacy.models import RequestStatus
    from fortrolig.privacy.requests import request_erase

    canary = make_canary(agency, actor)
    assert canary.request is not None
    canary.request.status = RequestStatus.OPEN
    canary.request.identity_method = "document_seen"
    canary.request.identity_verified_at = NOW
    canary.request.save()

    with django_capture_on_commit_callbacks(execute=True):
        answered = request_erase(agency=agency, actor=actor, request_id=canary.request.id, now=NOW)
    assert answered.status == RequestStatus.DONE
    receipt = ErasureReceipt.objects.get(request=canary.request)
    # The person got the receipt: the date, the reference, and nothing about them.
    [message] = mailoutbox
    assert message.to == [canary.email]
    assert str(receipt.id) in message.body
    assert not any(needle.lower() in message.body.lower() for needle in canary.needles)
    # Once sent, the outbox keeps the email without the address; nothing of the person is
    # left anywhere.
    sent = OutboundEmail.objects.get(template="privacy.erasure_receipt")
    assert sent.status == OutboundEmail.Status.SENT
    assert sent.recipient == ""
    assert database_hits(canary.needles) == {}
    call_command("audit_verify")
