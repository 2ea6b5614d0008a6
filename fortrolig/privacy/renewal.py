"""Renewal (P-18): before a candidate's deadline, ask by email whether to keep the data.

At each of the agency's `renewal_notice_days` (30 and 7) before the deadline, the candidate
gets an email with a signed link and nothing else about them. A yes through the link
extends the deadline by `renewal_extension_months` (24): it records a storage-extension
consent (channel: link in an email) that ends that many calendar months after the deadline
the link was sent for, and the deadline moves there. Silence lets the data go.

Each notice is sent once per deadline. The record of it is the audit event
`retention.renewal.notice_queued` (purpose `notice_<days>`) about the candidate, written
with the email: a notice counts as sent for the current deadline when such an event exists
from the start of its window (the deadline minus its days) on. A new deadline (after an
application, say) opens new windows, so the candidate is asked again before that one.

The link holds only the candidate's ID and the deadline it renews, signed with the site's
secret (Django's signing, own salt): it cannot be forged or pointed at someone else, it
expires with the deadline, and once used it shows that the data is already kept longer.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.models import ActorType, AuditEvent
from fortrolig.audit.services import Actor, SubjectRef, record
from fortrolig.candidates.models import Candidate
from fortrolig.core import clock
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import ApplicationError
from fortrolig.core.models import Agency, JobRun

from .consents import consent_give
from .datamap import RetentionClock
from .models import ConsentChannel, ConsentPurpose
from .retention import CANDIDATE_SUBJECT, candidate_deadline_current
from .retention_rules import RetentionRule

__all__ = [
    "NOTICE_ACTION",
    "RenewalLinkExpired",
    "RenewalLinkInvalid",
    "RenewalState",
    "renewal_confirm",
    "renewal_link",
    "renewal_notices_send",
    "renewal_preview",
    "renewal_token_make",
    "renewal_token_read",
]

SALT = "fortrolig.privacy.renewal"
NOTICE_ACTION = "retention.renewal.notice_queued"
# The job's name on the dashboard of scheduled jobs (core.selectors.SCHEDULED_JOBS).
JOB_NAME = "retention_renewal_notices"
TEMPLATE = "retention.renewal_notice"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class RenewalLinkInvalid(ApplicationError):
    status = 404
    code = "renewal_link_invalid"
    default_message = _(
        "This link is not valid. It may have been copied incompletely, or the information "
        "it was about has been erased."
    )


class RenewalLinkExpired(ApplicationError):
    status = 410
    code = "renewal_link_expired"
    default_message = _(
        "This link has expired: the date it asked about has passed. Contact the agency if "
        "you have questions about your information."
    )


# --- the signed link ----------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalClaim:
    candidate_id: uuid.UUID
    deadline: datetime


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def renewal_token_make(*, candidate_id: uuid.UUID, deadline: datetime) -> str:
    """A signed, URL-safe token naming the candidate and the deadline it renews."""
    require_aware(deadline, name="deadline")
    return signing.dumps({"c": candidate_id.hex, "d": _micros(deadline)}, salt=SALT)


def renewal_token_read(*, token: str) -> RenewalClaim:
    """The claim in a token. Raises RenewalLinkInvalid for a forged, altered or malformed
    token."""
    try:
        data = signing.loads(token, salt=SALT)
        return RenewalClaim(
            candidate_id=uuid.UUID(hex=data["c"]),
            deadline=_EPOCH + int(data["d"]) * _MICROSECOND,
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise RenewalLinkInvalid() from None


def renewal_link(*, token: str, language: str) -> str:
    """The absolute address of the renewal page for a token."""
    path = reverse("renewal:confirm", kwargs={"token": token})
    return f"{settings.PUBLIC_BASE_URL}{path}?lang={language}"


# --- the page -----------------------------------------------------------------------------


class RenewalStatus:
    OPEN = "open"
    EXTENDED = "extended"
    ALREADY = "already"


@dataclass(frozen=True)
class RenewalState:
    """What the renewal page shows: the agency and dates, nothing about the person."""

    status: str
    agency_name: str
    agency_email: str
    # The deadline now in force (after a yes: the new one).
    deadline: datetime
    # For an open link: the deadline a yes gives.
    extended_to: datetime | None
    extension_months: int


def _extended(deadline: datetime, agency: Agency) -> datetime:
    # Calendar months in the agency's time zone, as every other period (retention.py).
    rule = RetentionRule(
        RetentionClock.CONSENT_EXPIRY, months=agency.config.renewal_extension_months
    )
    local = deadline.astimezone(timezone.get_default_timezone())
    return rule.deadline(local).astimezone(UTC)


def _state(claim: RenewalClaim, now: datetime, *, lock: bool) -> tuple[Candidate, RenewalState]:
    candidates = Candidate.objects.select_related("agency").only(
        "id",
        "agency_id",
        "last_activity_at",
        "erase_after",
        "agency__name",
        "agency__contact_email",
        "agency__settings",
    )
    if lock:
        candidates = candidates.select_for_update(of=("self",))
    candidate = candidates.filter(pk=claim.candidate_id).first()
    if candidate is None:
        raise RenewalLinkInvalid()
    agency = candidate.agency
    current = candidate_deadline_current(candidate=candidate).at
    months = agency.config.renewal_extension_months
    if current > claim.deadline:
        status, extended_to = RenewalStatus.ALREADY, None
    elif now >= claim.deadline:
        raise RenewalLinkExpired()
    else:
        status, extended_to = RenewalStatus.OPEN, _extended(claim.deadline, agency)
    return candidate, RenewalState(
        status=status,
        agency_name=agency.name,
        agency_email=agency.contact_email,
        deadline=current,
        extended_to=extended_to,
        extension_months=months,
    )


def renewal_preview(*, token: str, now: datetime) -> RenewalState:
    """What the link offers at `now`. Changes nothing (mail scanners open links).
    Raises RenewalLinkInvalid and RenewalLinkExpired."""
    require_aware(now)
    claim = renewal_token_read(token=token)
    return _state(claim, now, lock=False)[1]


def renewal_confirm(*, token: str, now: datetime) -> RenewalState:
    """The candidate's yes: extend the deadline the link was sent for by the agency's
    extension, recording a storage-extension consent by the candidate (channel: email
    link). Safe to send twice: a link whose deadline was already extended (or moved later
    otherwise) changes nothing and says so.

    Raises RenewalLinkInvalid (forged, or the candidate is gone) and RenewalLinkExpired
    (the deadline has passed).
    """
    require_aware(now)
    claim = renewal_token_read(token=token)
    with transaction.atomic():
        candidate, state = _state(claim, now, lock=True)
        if state.status != RenewalStatus.OPEN or state.extended_to is None:
            return state
        consent_give(
            agency=candidate.agency,
            actor=Actor(type=ActorType.CANDIDATE, id=candidate.id),
            candidate_id=candidate.id,
            purpose=ConsentPurpose.STORAGE_EXTENSION,
            channel=ConsentChannel.EMAIL_LINK,
            expires_at=state.extended_to,
            scope={"renewal": True},
            now=now,
        )
        return RenewalState(
            status=RenewalStatus.EXTENDED,
            agency_name=state.agency_name,
            agency_email=state.agency_email,
            deadline=state.extended_to,
            extended_to=None,
            extension_months=state.extension_months,
        )


# --- the notices --------------------------------------------------------------------------


@dataclass
class NoticeReport:
    queued: int = 0
    # Due a notice but without an email address, or restricted (P-23: not emailed).
    not_emailed: int = 0


def _notice_purpose(days: int) -> str:
    return f"notice_{days}"


def renewal_notices_send(*, now: datetime, language: str | None = None) -> NoticeReport:
    """Queue the renewal emails that are due at `now`, each once per deadline (the daily
    job). For every candidate whose deadline falls within the largest notice period, the
    deadline is computed again first, so that a stale one does not send a wrong date; then
    the most urgent notice whose window has opened is sent unless it was sent already.
    A restricted candidate (P-23) and one without an address get none.
    """
    require_aware(now)
    language = language or settings.LANGUAGE_CODE
    report = NoticeReport()
    run = JobRun.objects.create(job=JOB_NAME, started_at=clock.now())
    try:
        for agency in Agency.objects.order_by("slug"):
            days = sorted({int(d) for d in agency.config.renewal_notice_days if int(d) > 0})
            if not days:
                continue
            horizon = now + timedelta(days=days[-1])
            ids = list(
                Candidate.objects.filter(
                    agency=agency, erase_after__gt=now, erase_after__lte=horizon
                ).values_list("id", flat=True)
            )
            for candidate_id in ids:
                _notice_one(agency, candidate_id, days, now, language, report)
    except BaseException:
        JobRun.objects.filter(pk=run.pk).update(
            status=JobRun.Status.FAILED, finished_at=clock.now()
        )
        raise
    JobRun.objects.filter(pk=run.pk).update(
        status=JobRun.Status.SUCCEEDED,
        finished_at=clock.now(),
        summary={"queued": report.queued, "not_emailed": report.not_emailed},
    )
    return report


def _notice_one(
    agency: Agency,
    candidate_id: uuid.UUID,
    days: list[int],
    now: datetime,
    language: str,
    report: NoticeReport,
) -> None:
    from fortrolig.messaging.services import RecipientRestricted, email_queue

    from .retention import candidate_erase_after_refresh

    with transaction.atomic():
        deadline = candidate_erase_after_refresh(candidate_id=candidate_id, now=now)
        if deadline is None or deadline <= now:
            return
        local_deadline = deadline.astimezone(timezone.get_default_timezone())
        opened = [d for d in days if local_deadline - timedelta(days=d) <= now]
        if not opened:
            return
        notice = min(opened)
        window_start = local_deadline - timedelta(days=notice)
        already = AuditEvent.objects.filter(
            agency=agency,
            subject_type=CANDIDATE_SUBJECT,
            subject_id=candidate_id,
            action=NOTICE_ACTION,
            purpose=_notice_purpose(notice),
            occurred_at__gte=window_start,
        ).exists()
        if already:
            return
        candidate = (
            Candidate.objects.filter(agency=agency, pk=candidate_id)
            .only("id", "email", "restricted")
            .first()
        )
        if candidate is None:
            return
        if candidate.restricted or not candidate.email:
            report.not_emailed += 1
            return
        token = renewal_token_make(candidate_id=candidate_id, deadline=deadline)
        deadline_day: date = local_deadline.date()
        try:
            email_queue(
                agency=agency,
                to=candidate.email,
                template=TEMPLATE,
                context={
                    "agency_name": agency.name,
                    "deadline": deadline_day,
                    "extension_months": agency.config.renewal_extension_months,
                    "link": renewal_link(token=token, language=language),
                    "reply_email": agency.contact_email,
                },
                language=language,
                now=now,
                actor=Actor.system(),
            )
        except RecipientRestricted:
            # The address is also a restricted candidate's (P-23): no notice, and the rest
            # of the batch goes on. Nothing was stored for this one.
            report.not_emailed += 1
            return
        record(
            agency=agency,
            actor=Actor.system(),
            action=NOTICE_ACTION,
            subject=SubjectRef(type=CANDIDATE_SUBJECT, id=candidate_id),
            fields=["email"],
            purpose=_notice_purpose(notice),
            now=now,
        )
        report.queued += 1
