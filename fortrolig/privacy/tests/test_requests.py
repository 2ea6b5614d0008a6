"""Data-subject requests (P-24, P-21, P-25): due dates, extensions, the identity code, the
queue, objections and rectification. Names are made up; addresses are example.com."""

import hashlib
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import translation

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import actor_for_user
from fortrolig.candidates.models import Candidate
from fortrolig.clients.models import ClientContact
from fortrolig.conftest import make_client, make_staff
from fortrolig.core.crypto import data_key_create
from fortrolig.core.errors import Conflict, NotFound, Throttled, ValidationFailed
from fortrolig.messaging.models import OutboundEmail
from fortrolig.privacy import requests as svc
from fortrolig.privacy.consents import consent_give, consent_is_active
from fortrolig.privacy.models import (
    ConsentChannel,
    ConsentPurpose,
    DataSubjectRequest,
    PolicyVersion,
    RequestEvent,
    RequestStatus,
)

# 09:30 UTC on 2 March 2026 is 10:30 in Oslo.
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ON_FILE = "kari.testesen@example.com"


def make_candidate(agency, *, email: str = ON_FILE, first_name: str = "Kari") -> Candidate:
    return Candidate.objects.create(
        agency=agency,
        data_key=data_key_create(agency=agency),
        first_name=first_name,
        last_name="Testesen",
        email=email,
        source="consultant",
        last_activity_at=NOW,
    )


def make_policy(agency) -> PolicyVersion:
    return PolicyVersion.objects.create(
        agency=agency,
        number=1,
        published_at=datetime(2025, 1, 1, tzinfo=UTC),
        content_hash=hashlib.sha256(str(agency.id).encode()).hexdigest(),
        text_nb="Personvernerklæring",
        text_en="Privacy policy",
    )


@pytest.fixture
def manager(agency):
    return make_staff(agency, email="leder@nordlys.example.com", role=Role.MANAGER)


@pytest.fixture
def actor(manager):
    return actor_for_user(manager)


@pytest.fixture
def candidate(agency):
    return make_candidate(agency)


def register(agency, actor, subject_id, **kwargs) -> DataSubjectRequest:
    values = {
        "agency": agency,
        "actor": actor,
        "kind": "access",
        "channel": "phone",
        "subject_type": "candidate",
        "subject_id": subject_id,
        "details": "",
        "identity_method": "document_seen",
        "now": NOW,
    }
    values.update(kwargs)
    return svc.request_register(**values)


def sent_code(request_id: uuid.UUID) -> str:
    email = OutboundEmail.objects.get(template="privacy.request_code")
    match = re.search(r"\b(\d{6})\b", email.body_text)
    assert match is not None
    return match.group(1)


# --- due dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime(2026, 3, 2, 9, 30, tzinfo=UTC), date(2026, 4, 2)),
        (datetime(2026, 1, 31, 12, 0, tzinfo=UTC), date(2026, 2, 28)),
        (datetime(2028, 1, 31, 12, 0, tzinfo=UTC), date(2028, 2, 29)),
        (datetime(2026, 3, 31, 12, 0, tzinfo=UTC), date(2026, 4, 30)),
        (datetime(2026, 12, 15, 12, 0, tzinfo=UTC), date(2027, 1, 15)),
        (datetime(2028, 2, 29, 12, 0, tzinfo=UTC), date(2028, 3, 29)),
    ],
)
def test_p24_due_on_is_the_same_day_next_month_or_its_last_day(received, due):
    assert svc.request_due_on(received) == due


def test_p24_due_on_uses_the_oslo_date_around_midnight():
    # 23:30 UTC on 31 January is 00:30 on 1 February in Oslo.
    assert svc.request_due_on(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == date(2026, 3, 1)
    # 22:30 UTC on 30 April is 00:30 on 1 May in Oslo (summer time).
    assert svc.request_due_on(datetime(2026, 4, 30, 22, 30, tzinfo=UTC)) == date(2026, 6, 1)
    assert svc.request_due_on(datetime(2026, 4, 30, 21, 30, tzinfo=UTC)) == date(2026, 5, 30)


def test_p24_naive_time_is_refused():
    with pytest.raises(ValueError):
        svc.request_due_on(datetime(2026, 1, 1, 12, 0))


# --- registering --------------------------------------------------------------------------


@pytest.mark.django_db
def test_p24_register_with_identity_opens_the_request(agency, actor, manager, candidate):
    request = register(agency, actor, candidate.id, details="Ønsker innsyn.")
    assert request.status == RequestStatus.OPEN
    assert request.due_on == date(2026, 4, 2)
    assert request.identity_verified_by_id == manager.id
    assert request.identity_verified_at == NOW
    assert request.candidate_id == candidate.id
    actions = list(RequestEvent.objects.filter(request=request).values_list("action", flat=True))
    assert actions == ["registered", "identity.verified"]
    events = AuditEvent.objects.filter(agency=agency, subject_id=request.id)
    assert {e.action for e in events} == {
        "privacy.request.registered",
        "privacy.request.identity_verified",
    }
    # Codes and field names only.
    assert all("Ønsker" not in str(e.fields) for e in events)


@pytest.mark.django_db
def test_p24_register_refuses_bad_input_and_stores_nothing(agency, actor, candidate):
    with pytest.raises(ValidationFailed) as caught:
        register(agency, actor, candidate.id, kind="wishes", channel="pigeon")
    assert set(caught.value.field_errors) == {"kind", "channel"}
    with pytest.raises(ValidationFailed):
        register(agency, actor, candidate.id, identity_method="email_code", channel="email")
    with pytest.raises(ValidationFailed):
        register(agency, actor, candidate.id, details="x" * 5001)
    assert DataSubjectRequest.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="privacy.request").count() == 0


@pytest.mark.django_db
def test_p24_register_for_another_agencys_person_is_not_found(agency, other_agency, actor):
    stranger = make_candidate(other_agency)
    with pytest.raises(NotFound):
        register(agency, actor, stranger.id)
    with pytest.raises(NotFound):
        register(agency, actor, uuid.uuid4(), subject_type="employee")
    assert DataSubjectRequest.objects.count() == 0


@pytest.mark.django_db
def test_p24_register_about_a_client_contact(agency, actor):
    contact = ClientContact.objects.create(
        agency=agency, client=make_client(agency), name="Per Kontakt", email="per@example.com"
    )
    request = register(agency, actor, contact.id, subject_type="client_contact")
    assert request.client_contact_id == contact.id
    assert request.candidate_id is None


# --- the identity code --------------------------------------------------------------------


@pytest.mark.django_db
def test_p24_email_request_without_identity_sends_a_code_to_the_address_on_file(
    agency, actor, candidate, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = register(
            agency,
            actor,
            candidate.id,
            channel="email",
            identity_method=None,
            details="Sendt fra annen.adresse@example.com",
        )
    assert request.status == RequestStatus.AWAITING_IDENTITY
    assert request.verification_code_expires_at == NOW + timedelta(days=7)
    email = OutboundEmail.objects.get(template="privacy.request_code")
    assert email.recipient == ON_FILE
    code = sent_code(request.id)
    # Stored as a keyed hash, never as the code.
    assert request.verification_code_hash and code not in request.verification_code_hash
    # Nothing about the person in the email.
    for text in (email.subject, email.body_text, email.body_html):
        assert "Kari" not in text and "Testesen" not in text and ON_FILE not in text
    assert [m.to for m in mail.outbox] == [[ON_FILE]]


@pytest.mark.django_db
def test_p24_email_request_without_an_address_on_file_is_refused(agency, actor):
    nobody = make_candidate(agency, email="")
    with pytest.raises(ValidationFailed):
        register(agency, actor, nobody.id, channel="email", identity_method=None)
    assert DataSubjectRequest.objects.count() == 0
    assert OutboundEmail.objects.count() == 0


@pytest.mark.django_db
def test_p24_right_code_opens_the_request(agency, actor, candidate):
    request = register(agency, actor, candidate.id, channel="email", identity_method=None)
    code = sent_code(request.id)
    opened = svc.request_identity_confirm(
        agency=agency, actor=actor, request_id=request.id, code=code, now=NOW + timedelta(hours=1)
    )
    assert opened.status == RequestStatus.OPEN
    assert opened.identity_method == "email_code"
    assert opened.verification_code_hash == ""
    with pytest.raises(Conflict):
        svc.request_identity_confirm(
            agency=agency, actor=actor, request_id=request.id, code=code, now=NOW
        )


@pytest.mark.django_db
def test_p24_wrong_codes_are_counted_and_locked_after_five(agency, actor, candidate):
    request = register(agency, actor, candidate.id, channel="email", identity_method=None)
    code = sent_code(request.id)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(4):
        with pytest.raises(ValidationFailed):
            svc.request_identity_confirm(
                agency=agency, actor=actor, request_id=request.id, code=wrong, now=NOW
            )
    with pytest.raises(Throttled):
        svc.request_identity_confirm(
            agency=agency, actor=actor, request_id=request.id, code=wrong, now=NOW
        )
    request.refresh_from_db()
    assert request.verification_attempts == 5
    # Even the right code is refused now.
    with pytest.raises(Throttled):
        svc.request_identity_confirm(
            agency=agency, actor=actor, request_id=request.id, code=code, now=NOW
        )
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING_IDENTITY


@pytest.mark.django_db
def test_p24_expired_code_is_refused(agency, actor, candidate):
    request = register(agency, actor, candidate.id, channel="email", identity_method=None)
    code = sent_code(request.id)
    with pytest.raises(svc.CodeExpired):
        svc.request_identity_confirm(
            agency=agency,
            actor=actor,
            request_id=request.id,
            code=code,
            now=NOW + timedelta(days=7, seconds=1),
        )
    request.refresh_from_db()
    assert request.status == RequestStatus.AWAITING_IDENTITY


@pytest.mark.django_db
def test_p24_identity_confirm_for_another_agency_is_not_found(
    agency, other_agency, actor, candidate
):
    request = register(agency, actor, candidate.id, channel="email", identity_method=None)
    with pytest.raises(NotFound):
        svc.request_identity_confirm(
            agency=other_agency, actor=actor, request_id=request.id, code="123456", now=NOW
        )


@pytest.mark.django_db
def test_p24_staff_can_verify_identity_another_way(agency, actor, candidate):
    request = register(agency, actor, candidate.id, channel="letter", identity_method=None)
    assert request.status == RequestStatus.AWAITING_IDENTITY
    assert OutboundEmail.objects.count() == 0
    with pytest.raises(ValidationFailed):
        svc.request_identity_verify(
            agency=agency, actor=actor, request_id=request.id, method="email_code", now=NOW
        )
    opened = svc.request_identity_verify(
        agency=agency, actor=actor, request_id=request.id, method="document_seen", now=NOW
    )
    assert opened.status == RequestStatus.OPEN


# --- extensions ---------------------------------------------------------------------------


def extend(agency, actor, request, **kwargs):
    values = {
        "agency": agency,
        "actor": actor,
        "request_id": request.id,
        "reason": "Mange forespørsler samtidig.",
        "months": 2,
        "now": NOW + timedelta(days=10),
    }
    values.update(kwargs)
    return svc.request_extend(**values)


@pytest.mark.django_db
def test_p24_extension_queues_a_notice_without_personal_data(agency, actor, candidate):
    request = register(agency, actor, candidate.id)
    extended = extend(agency, actor, request)
    assert extended.status == RequestStatus.EXTENDED
    assert extended.extended_due_on == date(2026, 6, 2)
    assert extended.extension_notice_at == NOW + timedelta(days=10)
    email = OutboundEmail.objects.get(template="privacy.request_extended")
    assert email.recipient == ON_FILE
    assert "Mange forespørsler samtidig." in email.body_text
    for text in (email.subject, email.body_text, email.body_html):
        assert "Kari" not in text and "Testesen" not in text and ON_FILE not in text
    assert RequestEvent.objects.filter(request=request, action="extended").exists()


@pytest.mark.django_db
def test_p24_extension_on_the_due_date_in_oslo_is_allowed(agency, actor, candidate):
    request = register(agency, actor, candidate.id)
    # 21:59 UTC on 2 April is 23:59 in Oslo, still the due date.
    extended = extend(
        agency, actor, request, months=1, now=datetime(2026, 4, 2, 21, 59, tzinfo=UTC)
    )
    assert extended.extended_due_on == date(2026, 5, 2)


@pytest.mark.django_db
def test_p24_extension_after_the_due_date_is_refused(agency, actor, candidate):
    request = register(agency, actor, candidate.id)
    # 22:01 UTC on 2 April is 00:01 on 3 April in Oslo.
    with pytest.raises(svc.ExtensionNotAllowed):
        extend(agency, actor, request, now=datetime(2026, 4, 2, 22, 1, tzinfo=UTC))
    request.refresh_from_db()
    assert request.extended_due_on is None
    assert OutboundEmail.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("months", [0, 3, -1, True])
def test_p24_extension_by_other_than_one_or_two_months_is_refused(agency, actor, candidate, months):
    request = register(agency, actor, candidate.id)
    with pytest.raises(ValidationFailed) as caught:
        extend(agency, actor, request, months=months)
    assert "months" in caught.value.field_errors
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN and request.extended_due_on is None


@pytest.mark.django_db
def test_p24_extension_without_a_reason_is_refused(agency, actor, candidate):
    request = register(agency, actor, candidate.id)
    with pytest.raises(ValidationFailed) as caught:
        extend(agency, actor, request, reason="   ")
    assert "reason" in caught.value.field_errors
    assert OutboundEmail.objects.count() == 0


@pytest.mark.django_db
def test_p24_second_extension_and_extension_while_awaiting_identity_are_refused(
    agency, actor, candidate
):
    request = register(agency, actor, candidate.id)
    extend(agency, actor, request, months=1)
    with pytest.raises(svc.ExtensionNotAllowed):
        extend(agency, actor, request, months=1)
    waiting = register(agency, actor, candidate.id, channel="letter", identity_method=None)
    with pytest.raises(svc.ExtensionNotAllowed):
        extend(agency, actor, waiting)
    assert OutboundEmail.objects.filter(template="privacy.request_extended").count() == 1


@pytest.mark.django_db
def test_p24_extension_of_another_agencys_request_is_not_found(
    agency, other_agency, actor, candidate
):
    request = register(agency, actor, candidate.id)
    with pytest.raises(NotFound):
        extend(other_agency, actor, request)


# --- answering ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_p25_refusal_must_name_the_rule(agency, actor, candidate):
    request = register(agency, actor, candidate.id, kind="erasure")
    with pytest.raises(ValidationFailed) as caught:
        svc.request_respond(
            agency=agency,
            actor=actor,
            request_id=request.id,
            status="refused",
            response="Vi kan ikke slette lønnsdata.",
            now=NOW,
        )
    assert "rule" in caught.value.field_errors
    with pytest.raises(ValidationFailed):
        svc.request_respond(
            agency=agency,
            actor=actor,
            request_id=request.id,
            status="refused",
            response="Nei.",
            rule="because",
            now=NOW,
        )
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN and request.response == ""
    answered = svc.request_respond(
        agency=agency,
        actor=actor,
        request_id=request.id,
        status="refused",
        response="Vi kan ikke slette lønnsdata ennå.",
        rule="bokforingsloven_13",
        now=NOW,
    )
    assert answered.status == RequestStatus.REFUSED
    assert "bokføringsloven" in answered.response.lower()
    event = AuditEvent.objects.get(
        subject_id=request.id, action="privacy.request.responded_refused"
    )
    assert event.purpose == "bokforingsloven_13"
    with pytest.raises(svc.RequestClosed):
        svc.request_respond(
            agency=agency,
            actor=actor,
            request_id=request.id,
            status="done",
            response="Likevel.",
            now=NOW,
        )


@pytest.mark.django_db
def test_p24_answer_needs_a_verified_identity(agency, actor, candidate):
    request = register(agency, actor, candidate.id, channel="letter", identity_method=None)
    with pytest.raises(svc.IdentityNotVerified):
        svc.request_respond(
            agency=agency,
            actor=actor,
            request_id=request.id,
            status="done",
            response="Ja.",
            now=NOW,
        )
    # A refusal because the person could not be identified is possible.
    refused = svc.request_respond(
        agency=agency,
        actor=actor,
        request_id=request.id,
        status="refused",
        response="Vi fikk ikke bekreftet hvem du er.",
        rule="not_identified",
        now=NOW,
    )
    assert refused.status == RequestStatus.REFUSED


# --- the queue ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_p24_queue_sorts_by_due_date_and_flags_overdue(agency, other_agency, actor, candidate):
    late = register(agency, actor, candidate.id, now=NOW - timedelta(days=40))
    soon = register(agency, actor, candidate.id, now=NOW - timedelta(days=5))
    extended = register(agency, actor, candidate.id, now=NOW - timedelta(days=20))
    extend(agency, actor, extended, now=NOW - timedelta(days=19))
    answered = register(agency, actor, candidate.id, now=NOW - timedelta(days=60))
    svc.request_respond(
        agency=agency, actor=actor, request_id=answered.id, status="done", response="Ok.", now=NOW
    )
    register(other_agency, actor, make_candidate(other_agency).id)

    with translation.override("en"):
        rows = svc.requests_queue(agency=agency, now=NOW)
    assert [row.request.id for row in rows] == [late.id, soon.id, extended.id]
    assert [row.overdue for row in rows] == [True, False, False]
    # Received 10 February, due 10 March, extended by two months.
    assert rows[2].due == date(2026, 5, 10)
    assert rows[2].done == ["Registered", "Identity verified", "Deadline extended, notice sent"]
    everything = svc.requests_queue(agency=agency, now=NOW, include_closed=True)
    assert answered.id in {row.request.id for row in everything}
    assert not next(row for row in everything if row.request.id == answered.id).overdue


@pytest.mark.django_db
def test_p24_overdue_is_judged_by_the_oslo_date(agency, actor, candidate):
    request = register(agency, actor, candidate.id)  # due 2 April
    # 21:59 UTC on 2 April is still 2 April in Oslo.
    [row] = svc.requests_queue(agency=agency, now=datetime(2026, 4, 2, 21, 59, tzinfo=UTC))
    assert not row.overdue
    [row] = svc.requests_queue(agency=agency, now=datetime(2026, 4, 2, 22, 1, tzinfo=UTC))
    assert row.overdue and row.request.id == request.id


@pytest.mark.django_db
def test_p24_request_open_is_scoped_and_audited(agency, other_agency, actor, candidate):
    request = register(agency, actor, candidate.id)
    detail = svc.request_open(agency=agency, actor=actor, request_id=request.id, now=NOW)
    assert detail.can_extend and not detail.overdue
    assert AuditEvent.objects.filter(subject_id=request.id, action="privacy.request.viewed")
    with pytest.raises(NotFound):
        svc.request_open(agency=other_agency, actor=actor, request_id=request.id, now=NOW)


# --- objection ----------------------------------------------------------------------------


def other_agency_of(agency):
    from fortrolig.conftest import make_agency

    return make_agency("sorlys", index=7)


@pytest.mark.django_db
def test_p24_objection_to_marketing_takes_effect_at_once(agency, actor, candidate):
    policy = make_policy(agency)
    consent_give(
        agency=agency,
        actor=actor,
        purpose=ConsentPurpose.JOB_ALERTS,
        channel=ConsentChannel.JOB_BOARD,
        now=NOW - timedelta(days=3),
        candidate_id=candidate.id,
        policy_version=policy,
    )
    request = register(
        agency,
        actor,
        candidate.id,
        kind="objection",
        channel="email",
        identity_method=None,
        marketing=True,
    )
    assert request.status == RequestStatus.DONE
    assert request.responded_at == NOW and request.response
    assert not consent_is_active(
        agency=agency, now=NOW, purpose=ConsentPurpose.JOB_ALERTS, candidate_id=candidate.id
    )
    assert RequestEvent.objects.filter(
        request=request, action="objection.marketing_applied"
    ).exists()
    assert AuditEvent.objects.filter(action="privacy.consent.withdrawn").count() == 1
    # No code needed to stop marketing.
    assert OutboundEmail.objects.count() == 0
    # The address is on the suppression list, as a keyed hash only, and stays there after
    # the person is erased.
    from fortrolig.messaging.models import Suppression
    from fortrolig.messaging.suppression import email_suppressed
    from fortrolig.privacy.erasure import subject_erase

    assert email_suppressed(agency=agency, email=candidate.email.upper())
    entry = Suppression.objects.get(agency=agency)
    assert candidate.email.split("@")[0] not in entry.email_hash
    assert not email_suppressed(agency=other_agency_of(agency), email=candidate.email)
    subject_erase(
        agency=agency,
        actor=actor,
        subject_type="candidate",
        subject_id=candidate.id,
        request_id=None,
        now=NOW,
    )
    assert email_suppressed(agency=agency, email=candidate.email)


@pytest.mark.django_db
def test_p24_other_objection_waits_for_the_manager(agency, actor, candidate):
    request = register(agency, actor, candidate.id, kind="objection", details="Profilering")
    assert request.status == RequestStatus.OPEN
    assert request.responded_at is None


# --- rectification ------------------------------------------------------------------------


@pytest.mark.django_db
def test_p21_rectification_changes_the_candidate_and_is_audited_against_the_request(
    agency, actor, candidate
):
    request = register(agency, actor, candidate.id, kind="rectification")
    svc.request_rectify(
        agency=agency,
        actor=actor,
        request_id=request.id,
        changes={"city": "Tromsø", "last_name": "Nordmann"},
        now=NOW,
    )
    candidate.refresh_from_db()
    assert (candidate.city, candidate.last_name) == ("Tromsø", "Nordmann")
    event = AuditEvent.objects.get(subject_id=request.id, action="privacy.request.rectified")
    assert event.fields == ["city", "last_name"]
    assert AuditEvent.objects.filter(subject_id=candidate.id, action="candidate.updated").exists()


@pytest.mark.django_db
def test_p21_rectification_refuses_bad_input_and_changes_nothing(agency, actor, candidate):
    request = register(agency, actor, candidate.id, kind="rectification")
    with pytest.raises(ValidationFailed):
        svc.request_rectify(agency=agency, actor=actor, request_id=request.id, changes={}, now=NOW)
    with pytest.raises(ValidationFailed):
        svc.request_rectify(
            agency=agency, actor=actor, request_id=request.id, changes={"source": "x"}, now=NOW
        )
    with pytest.raises(ValidationFailed):
        svc.request_rectify(
            agency=agency,
            actor=actor,
            request_id=request.id,
            changes={"city": "Bodø", "email": "ikke-en-adresse"},
            now=NOW,
        )
    candidate.refresh_from_db()
    assert candidate.city == "" and candidate.email == ON_FILE
    assert not RequestEvent.objects.filter(request=request, action="rectified").exists()
    access = register(agency, actor, candidate.id, kind="access")
    with pytest.raises(svc.RectificationNotPossible):
        svc.request_rectify(
            agency=agency, actor=actor, request_id=access.id, changes={"city": "Bodø"}, now=NOW
        )
