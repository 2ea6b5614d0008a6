"""The public apply flow: which ads take applications, and one application landing whole
(P-06, P-10, P-15, P-28, P-29).

An application from the job board arrives from someone the system does not know. So:

- it lands whole or not at all: candidate, application, CV and the confirmation email in
  one transaction, and no stored file outlives a rollback;
- the same form sent twice (a double click, a resend) lands once: its `submission_key`
  is unique per agency;
- an email address the agency already knows joins that candidate, but what a stranger
  types never overwrites the stored details, and the applicant gets exactly the same
  answer either way, so the form cannot be used to find out whether someone is known;
- the confirmation email carries nothing the applicant typed and nothing sensitive (P-10).
"""

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.services import Actor, record
from fortrolig.candidates.models import Candidate, Source
from fortrolig.candidates.selectors import REASON_EMAIL, candidate_duplicates
from fortrolig.candidates.services import (
    CandidateInput,
    candidate_activity_record,
    candidate_create,
)
from fortrolig.candidates.validation import MSG_CONTROL_CHARACTERS, candidate_clean
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import ApplicationError, NotFound, ValidationFailed
from fortrolig.core.models import Agency
from fortrolig.core.vault import vault_delete
from fortrolig.documents.checks import Verdict
from fortrolig.documents.models import Document, DocumentKind
from fortrolig.documents.selectors import document_list
from fortrolig.documents.services import document_upload, upload_check
from fortrolig.messaging.services import RecipientRestricted, email_queue
from fortrolig.privacy.consents import consent_give
from fortrolig.privacy.models import ConsentChannel, ConsentPurpose
from fortrolig.privacy.policy import policy_path

from .models import AdStatus, Application, ApplicationSource, AssignmentStatus, JobAd
from .pipeline import pipeline_stages_ensure

__all__ = [
    "CONFIRMATION_TEMPLATE",
    "AdClosed",
    "ApplicantInput",
    "OpenAd",
    "SubmissionReceipt",
    "ad_for_receipt",
    "ad_open_for_application",
    "application_submit",
]

CONFIRMATION_TEMPLATE = "application.received"
# Every event of the flow names it, so that the audit trail tells job-board applications
# from a consultant's work.
PURPOSE = "job_board"
COVER_LETTER_MAX_CHARS = 20_000
# A random key made when the form is shown: URL-safe base64 or hex, never personal data.
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MSG_ACKNOWLEDGE = _(
    "To apply, confirm that your CV and details may be shared with the client for this recruitment."
)
MSG_EMAIL_REQUIRED = _("Enter your email address, so that we can reach you.")
MSG_LETTER_TOO_LONG = _("The application letter is too long: use at most 20,000 characters.")
MSG_FORM_EXPIRED = _("The form has expired. Send it again.")


class AdClosed(ApplicationError):
    """The ad exists but no longer takes applications (closed, or past its deadline)."""

    status = 410
    code = "ad_closed"
    default_message = _("This position is no longer open for applications.")


@dataclass(frozen=True)
class OpenAd:
    """What the apply form shows about an ad: only what the agency publishes. The client
    is named only when the assignment does not hide it (P-15)."""

    id: uuid.UUID
    title: str
    location: str
    apply_by: date | None
    agency_name: str
    agency_slug: str
    agency_contact_email: str
    client_name: str  # empty while the client is confidential
    retention_months: int


@dataclass(frozen=True)
class ApplicantInput:
    first_name: str
    last_name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class SubmissionReceipt:
    """The outcome of a submission. It is the same whether the email was known or new,
    and the same again for a resend of the same form; it holds no personal data."""

    ad_id: uuid.UUID
    application_id: uuid.UUID
    submission_key: str


# --- reads ----------------------------------------------------------------------------


def _ad_row(ad_id: uuid.UUID, now: datetime) -> JobAd:
    # Any agency's ad: the ID comes from the public URL. Drafts and ads not yet public are
    # not found at all.
    ad = (
        JobAd.objects.select_related("agency", "position__assignment__client")
        .filter(
            pk=ad_id,
            status__in=(AdStatus.PUBLISHED, AdStatus.CLOSED),
            published_at__isnull=False,
            published_at__lte=now,
        )
        .first()
    )
    if ad is None:
        raise NotFound()
    return ad


def _is_open(ad: JobAd, now: datetime) -> bool:
    return (
        ad.status == AdStatus.PUBLISHED
        and ad.closed_at is None
        and (ad.apply_by is None or ad.apply_by >= timezone.localdate(now))
        and ad.position.assignment.status == AssignmentStatus.OPEN
    )


def _open_ad(ad: JobAd) -> OpenAd:
    assignment = ad.position.assignment
    return OpenAd(
        id=ad.id,
        title=ad.title,
        location=ad.location,
        apply_by=ad.apply_by,
        agency_name=ad.agency.name,
        agency_slug=ad.agency.slug,
        agency_contact_email=ad.agency.contact_email,
        client_name="" if assignment.client_name_hidden else assignment.client.name,
        retention_months=ad.agency.config.candidate_retention_months,
    )


def ad_open_for_application(*, ad_id: uuid.UUID, now: datetime) -> OpenAd:
    """The public details of a published ad that takes applications now.

    Raises NotFound for an unknown ad, a draft or an ad not yet published, and AdClosed
    for an ad that is closed, past its deadline or whose assignment has ended.
    """
    require_aware(now)
    ad = _ad_row(ad_id, now)
    if not _is_open(ad, now):
        raise AdClosed()
    return _open_ad(ad)


def ad_for_receipt(*, ad_id: uuid.UUID, now: datetime) -> OpenAd:
    """The public details of an ad that has been published, open or closed since: the
    receipt page still names it after the deadline. Raises NotFound."""
    require_aware(now)
    return _open_ad(_ad_row(ad_id, now))


# --- the submission -------------------------------------------------------------------


@dataclass(frozen=True)
class _Clean:
    first_name: str
    last_name: str
    email: str
    phone: str
    cover_letter: str


def _checked(
    *,
    applicant: ApplicantInput,
    cover_letter: str,
    sharing_acknowledged: bool,
    key: str,
    today: date,
) -> _Clean:
    """Every field checked before anything is stored, known email or not: an error that
    only a new applicant could get would tell who is known."""
    errors: dict[str, list[str]] = {}
    try:
        clean = candidate_clean(
            CandidateInput(
                first_name=applicant.first_name,
                last_name=applicant.last_name,
                email=applicant.email,
                phone=applicant.phone,
                source=Source.APPLICATION,
            ),
            today=today,
        )
    except ValidationFailed as error:
        errors.update({name: list(messages) for name, messages in error.field_errors.items()})
        clean = None
    if not applicant.email.strip():
        errors.setdefault("email", []).append(str(MSG_EMAIL_REQUIRED))
    letter = cover_letter.strip()
    if len(letter) > COVER_LETTER_MAX_CHARS:
        errors["cover_letter"] = [str(MSG_LETTER_TOO_LONG)]
    elif _CONTROL.search(letter):
        errors["cover_letter"] = [str(MSG_CONTROL_CHARACTERS)]
    if not sharing_acknowledged:
        errors["sharing_acknowledged"] = [str(MSG_ACKNOWLEDGE)]
    if not SUBMISSION_KEY.match(key):
        errors["submission_key"] = [str(MSG_FORM_EXPIRED)]
    if errors:
        raise ValidationFailed(field_errors=errors)
    assert clean is not None  # candidate_clean raised otherwise, with field errors
    return _Clean(
        first_name=clean.first_name,
        last_name=clean.last_name,
        email=clean.email,
        phone=clean.phone,
        cover_letter=letter,
    )


def application_submit(
    *,
    ad_id: uuid.UUID,
    applicant: ApplicantInput,
    cv_filename: str,
    cv_content: bytes,
    cover_letter: str,
    sharing_acknowledged: bool,
    alerts_similar_jobs: bool,
    alerts_same_location: bool,
    submission_key: str,
    now: datetime,
    language: str = "nb",
) -> SubmissionReceipt:
    """Receive one application from the job board, whole or not at all.

    A new email address makes a candidate with source `application` (P-06); a known one
    (an unrestricted candidate of the ad's agency with that email) joins that candidate
    and leaves its stored details as they are. The CV is checked by content and stored
    encrypted (P-29); the same file is not stored twice for one candidate. A candidate
    already in this position's pipeline keeps the one application and gets the new CV. A
    submission key seen before returns the first receipt and changes nothing.

    After the commit the applicant gets a confirmation in `language` that holds nothing
    they typed and nothing sensitive (P-10); a resend that adds nothing sends none, and
    nor does an address of a restricted candidate (P-23), with the same receipt.

    Raises NotFound and AdClosed for the ad, ValidationFailed with field errors (also for
    a missing acknowledgement), and UploadRefused for a refused file. Nothing is stored
    in any of these cases, no file either.
    """
    require_aware(now)
    ad = _ad_row(ad_id, now)
    if not _is_open(ad, now):
        raise AdClosed()
    clean = _checked(
        applicant=applicant,
        cover_letter=cover_letter,
        sharing_acknowledged=sharing_acknowledged,
        key=submission_key,
        today=timezone.localdate(now),
    )
    # The content check runs a sandboxed subprocess: do it before the transaction, so that
    # the agency's audit-chain lock is not held while it runs (bench/apply_load.py).
    verdict = upload_check(content=cv_content)
    submission = _Submission(
        ad=ad,
        clean=clean,
        cv_filename=cv_filename,
        cv_content=cv_content,
        cv_verdict=verdict,
        alerts_similar_jobs=alerts_similar_jobs,
        alerts_same_location=alerts_same_location,
        key=submission_key,
        language=language if language in {code for code, _name in settings.LANGUAGES} else "nb",
        now=now,
    )
    # A second attempt only after a unique constraint refused the first (the same form, or
    # the same person for the same position, sent at the very same time): it finds what
    # the other one stored.
    for attempt in (1, 2):
        try:
            return submission.run()
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class _SameFile(Exception):
    """The candidate has this exact file already: undo the upload."""


@dataclass
class _Submission:
    ad: JobAd
    clean: _Clean
    cv_filename: str
    cv_content: bytes
    cv_verdict: Verdict
    alerts_similar_jobs: bool
    alerts_same_location: bool
    key: str
    language: str
    now: datetime
    # Blobs written in this attempt: a rollback removes their rows but not the files.
    blobs: list[str] = field(default_factory=list)

    def run(self) -> SubmissionReceipt:
        self.blobs = []
        try:
            with transaction.atomic():
                return self._land()
        except BaseException:
            for name in self.blobs:
                vault_delete(name=name)
            raise

    @property
    def agency(self) -> Agency:
        return self.ad.agency

    def _receipt(self, application: Application) -> SubmissionReceipt:
        return SubmissionReceipt(
            ad_id=self.ad.id, application_id=application.id, submission_key=self.key
        )

    def _land(self) -> SubmissionReceipt:
        agency, now = self.agency, self.now
        _serialise_per_email(agency, self.clean.email)
        done = Application.objects.filter(agency=agency, submission_key=self.key).first()
        if done is not None:
            return self._receipt(done)
        stage = pipeline_stages_ensure(agency=agency, now=now)
        actor = Actor.system()
        candidate = _known_candidate(agency, self.clean.email)
        if candidate is None:
            candidate = candidate_create(
                agency=agency,
                actor=actor,
                data=CandidateInput(
                    first_name=self.clean.first_name,
                    last_name=self.clean.last_name,
                    email=self.clean.email,
                    phone=self.clean.phone,
                    source=Source.APPLICATION,
                ),
                now=now,
                # Matching by phone or name is for a consultant to judge and merge; a
                # stranger's form must neither be refused nor learn about a match.
                allow_duplicate=True,
            )
        cv_added = self._cv_store(candidate, actor)
        application = (
            Application.objects.select_for_update()
            .filter(agency=agency, candidate=candidate, position_id=self.ad.position_id)
            .first()
        )
        if application is None:
            application = self._application_create(candidate, stage.id, actor)
            notify = True
        else:
            notify = self._application_update(application, actor, cv_added=cv_added)
        _candidate_touched(candidate.id, now)
        if notify:
            self._confirmation_queue()
        return self._receipt(application)

    def _cv_store(self, candidate: Candidate, actor: Actor) -> bool:
        """Store the CV for the candidate unless they have the same file already. Returns
        whether it was stored. Raises UploadRefused."""
        try:
            with transaction.atomic():
                document = document_upload(
                    agency=self.agency,
                    actor=actor,
                    candidate_id=candidate.id,
                    kind=DocumentKind.CV,
                    filename=self.cv_filename,
                    content=self.cv_content,
                    now=self.now,
                    checked=self.cv_verdict,
                )
                self.blobs.append(document.blob_name)
                if _has_same_file(self.agency, candidate.id, document):
                    raise _SameFile()
        except _SameFile:
            # The savepoint is rolled back, with the upload's event and queued tasks.
            vault_delete(name=self.blobs.pop())
            return False
        return True

    def _application_create(
        self, candidate: Candidate, stage_id: uuid.UUID, actor: Actor
    ) -> Application:
        letter = self.clean.cover_letter
        application = Application.objects.create(
            agency=self.agency,
            candidate=candidate,
            position_id=self.ad.position_id,
            stage_id=stage_id,
            source=ApplicationSource.JOB_BOARD,
            data_key_id=candidate.data_key_id,
            cover_letter=letter or None,
            sharing_acknowledged_at=self.now,
            alerts_similar_jobs=self.alerts_similar_jobs,
            alerts_same_location=self.alerts_same_location,
            submission_key=self.key,
            stage_changed_at=self.now,
        )
        fields = ["candidate", "position", "stage", "source", "sharing_acknowledged_at"]
        fields += ["cover_letter"] if letter else []
        fields += ["alerts_similar_jobs"] if self.alerts_similar_jobs else []
        fields += ["alerts_same_location"] if self.alerts_same_location else []
        record(
            agency=self.agency,
            actor=actor,
            action="application.submitted",
            subject=application,
            fields=fields,
            purpose=PURPOSE,
            now=self.now,
        )
        self._alerts_consent_record(candidate.id, actor, fields)
        return application

    def _alerts_consent_record(
        self, candidate_id: uuid.UUID, actor: Actor, chosen_fields: list[str]
    ) -> None:
        """Job alerts are a purpose of their own (P-16): a ticked choice is a consent,
        recorded with the policy version the applicant saw and the job-board channel."""
        kinds = [
            name.removeprefix("alerts_")
            for name in ("alerts_similar_jobs", "alerts_same_location")
            if name in chosen_fields
        ]
        if kinds:
            consent_give(
                agency=self.agency,
                actor=actor,
                purpose=ConsentPurpose.JOB_ALERTS,
                channel=ConsentChannel.JOB_BOARD,
                candidate_id=candidate_id,
                scope={"alerts": kinds, "position": str(self.ad.position_id)},
                now=self.now,
            )

    def _application_update(
        self, application: Application, actor: Actor, *, cv_added: bool
    ) -> bool:
        """Apply a second application for the same position to the one there is: fill what
        is empty and add alert choices, never overwrite. Returns whether anything new
        arrived (a new CV or a change)."""
        changed: list[str] = []
        if application.sharing_acknowledged_at is None:
            application.sharing_acknowledged_at = self.now
            changed.append("sharing_acknowledged_at")
        if self.clean.cover_letter and not application.cover_letter:
            application.cover_letter = self.clean.cover_letter
            changed.append("cover_letter")
        if self.alerts_similar_jobs and not application.alerts_similar_jobs:
            application.alerts_similar_jobs = True
            changed.append("alerts_similar_jobs")
        if self.alerts_same_location and not application.alerts_same_location:
            application.alerts_same_location = True
            changed.append("alerts_same_location")
        if changed:
            application.save(update_fields=[*changed, "updated_at"])
        if not (changed or cv_added):
            return False
        self._alerts_consent_record(application.candidate_id, actor, changed)
        record(
            agency=self.agency,
            actor=actor,
            action="application.resubmitted",
            subject=application,
            fields=[*changed, *(["documents"] if cv_added else [])],
            purpose=PURPOSE,
            now=self.now,
        )
        return True

    def _confirmation_queue(self) -> None:
        # Only what the agency wrote or configured: nothing the applicant typed reaches
        # the email (a stranger may have typed someone else's address), no client name
        # (P-15) and nothing sensitive (P-10).
        agency = self.agency
        try:
            email_queue(
                agency=agency,
                to=self.clean.email,
                template=CONFIRMATION_TEMPLATE,
                context={
                    "agency_name": agency.name,
                    "ad_title": self.ad.title,
                    "reply_email": agency.contact_email,
                    "retention_months": agency.config.candidate_retention_months,
                    "link": settings.PUBLIC_BASE_URL
                    + policy_path(agency_slug=agency.slug, language=self.language),
                },
                language=self.language,
                now=self.now,
                actor=Actor.system(),
            )
        except RecipientRestricted:
            # The address is a restricted candidate's (P-23): no email. The applicant gets
            # the same receipt as anyone else, so the form tells no one of the restriction.
            return


def _serialise_per_email(agency: Agency, email: str) -> None:
    """On PostgreSQL, make submissions with one email address for one agency take turns
    until commit, so that two at the same moment cannot both make a new candidate. SQLite
    serialises every writing transaction anyway."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"apply\x00{agency.id}\x00{email}".encode(), digest_size=8)
    lock_id = int.from_bytes(digest.digest(), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def _known_candidate(agency: Agency, email: str) -> Candidate | None:
    """The agency's candidate with this email address (by keyed hash), the most recently
    active one if several. A restricted candidate is never matched (P-23)."""
    matches = candidate_duplicates(
        agency=agency, data=CandidateInput(first_name="", last_name="", email=email)
    )
    for match in matches:
        if REASON_EMAIL in match.reasons:
            return match.candidate
    return None


def _has_same_file(agency: Agency, candidate_id: uuid.UUID, document: Document) -> bool:
    return any(
        other.id != document.id and other.content_hash == document.content_hash
        for other in document_list(agency=agency, candidate_id=candidate_id)
    )


def _candidate_touched(candidate_id: uuid.UUID, now: datetime) -> None:
    """An application is the candidate's activity (the retention clock, P-18)."""
    candidate_activity_record(candidate_id=candidate_id, now=now)
