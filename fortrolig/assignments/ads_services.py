"""Writes of job ads and their publication record (P-13, P-14, P-15).

Every service runs in one transaction, locks the ad it changes, and records an audit event
(`ad.*`) in that transaction. Bad input raises ValidationFailed and changes nothing.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fortrolig.audit.services import Actor, SubjectRef, record
from fortrolig.core.clock import require_aware
from fortrolig.core.errors import Conflict, NotFound, ValidationFailed
from fortrolig.core.models import Agency

from .ads import (
    AdLanguage,
    EmploymentType,
    ad_public_url,
    code_generate,
    text_names_client,
    url_is_http,
    url_key,
)
from .models import AdPublication, AdStatus, AssignmentStatus, Channel, JobAd, Position

__all__ = [
    "AdInput",
    "AdNotEditable",
    "AssignmentEnded",
    "ClientNamedInAd",
    "ad_close",
    "ad_create",
    "ad_publish",
    "ad_update",
    "publication_add",
    "publication_remove",
]

TITLE_MAX = 200
BODY_MAX = 20_000
LOCATION_MAX = 200
URL_MAX = 500
CHANNEL_NAME_MAX = 100
CODE_ATTEMPTS = 10
AD_FIELDS = ("title", "body", "location", "employment_type", "language", "apply_by")


@dataclass(frozen=True)
class AdInput:
    """What a consultant writes in an ad."""

    title: str
    body: str
    location: str = ""
    employment_type: str = ""
    language: str = AdLanguage.NB
    apply_by: date | None = None


class AssignmentEnded(Conflict):
    code = "assignment_ended"
    default_message = _("The assignment has ended: its positions cannot be advertised.")


class AdNotEditable(Conflict):
    code = "ad_not_editable"
    default_message = _("A closed ad cannot be changed.")


class ClientNamedInAd(ValidationFailed):
    """P-15: the ad would tell candidates who the confidential client is."""

    code = "client_name_confidential"
    default_message = _(
        "The ad names the client, but the client is confidential in this assignment. "
        "Remove the client's name from the ad, or release the name first."
    )


MSG_NAMES_CLIENT = _("Candidates must not learn the client's name from this field.")


def _today(now: datetime) -> date:
    return timezone.localdate(require_aware(now))


def _clean(data: AdInput, *, today: date, check_deadline: bool) -> AdInput:
    """`data` with whitespace trimmed, or ValidationFailed naming each bad field."""
    errors: dict[str, list[str]] = {}
    title = " ".join(data.title.split())
    body = data.body.strip().replace("\r\n", "\n")
    location = " ".join(data.location.split())
    if not title:
        errors["title"] = [str(_("Give the ad a title."))]
    elif len(title) > TITLE_MAX:
        errors["title"] = [str(_("The title can be at most 200 characters."))]
    if not body:
        errors["body"] = [str(_("Write the text of the ad."))]
    elif len(body) > BODY_MAX:
        errors["body"] = [str(_("The text can be at most 20,000 characters."))]
    if len(location) > LOCATION_MAX:
        errors["location"] = [str(_("The location can be at most 200 characters."))]
    if data.employment_type and data.employment_type not in EmploymentType.values:
        errors["employment_type"] = [str(_("Choose one of the employment types."))]
    if data.language not in AdLanguage.values:
        errors["language"] = [str(_("Choose Norwegian or English."))]
    if check_deadline and data.apply_by is not None and data.apply_by < today:
        errors["apply_by"] = [str(_("The application deadline cannot be in the past."))]
    if errors:
        raise ValidationFailed(field_errors=errors)
    return AdInput(
        title=title,
        body=body,
        location=location,
        employment_type=data.employment_type,
        language=data.language,
        apply_by=data.apply_by,
    )


def _check_client_hidden(ad: JobAd) -> None:
    """Raise ClientNamedInAd when the ad names a client that candidates must not know."""
    assignment = ad.position.assignment
    if not assignment.client_name_hidden:
        return
    name = assignment.client.name
    fields = [f for f in ("title", "body", "location") if text_names_client(name, getattr(ad, f))]
    if fields:
        raise ClientNamedInAd(field_errors={f: [str(MSG_NAMES_CLIENT)] for f in fields})


def _locked_ad(agency: Agency, ad_id: uuid.UUID) -> JobAd:
    ad = (
        JobAd.objects.select_for_update(of=("self",))
        .select_related("position__assignment__client")
        .filter(agency=agency, pk=ad_id)
        .first()
    )
    if ad is None:
        raise NotFound()
    return ad


def ad_create(
    *, agency: Agency, actor: Actor, position_id: uuid.UUID, data: AdInput, now: datetime
) -> JobAd:
    """Draft an ad for one of the agency's positions, with a new verification code.

    Raises NotFound for another agency's position, AssignmentEnded, and ValidationFailed.
    """
    clean = _clean(data, today=_today(now), check_deadline=True)
    with transaction.atomic():
        position = (
            Position.objects.select_related("assignment")
            .filter(agency=agency, pk=position_id)
            .first()
        )
        if position is None:
            raise NotFound()
        if position.assignment.status == AssignmentStatus.ENDED:
            raise AssignmentEnded()
        ad = JobAd(agency=agency, position=position, status=AdStatus.DRAFT)
        for name in AD_FIELDS:
            setattr(ad, name, getattr(clean, name))
        _save_with_new_code(ad)
        record(
            agency=agency,
            actor=actor,
            action="ad.created",
            subject=ad,
            fields=[n for n in AD_FIELDS if getattr(clean, n)],
            now=now,
        )
    return ad


def _save_with_new_code(ad: JobAd) -> None:
    """Insert `ad` under a code no other ad has. With 32^8 codes a collision is rare; a
    taken code, or one taken at the same moment by another transaction, is drawn again."""
    for _attempt in range(CODE_ATTEMPTS):
        code = code_generate()
        if JobAd.objects.filter(verification_code=code).exists():
            continue
        ad.verification_code = code
        try:
            with transaction.atomic():
                ad.save(force_insert=True)
        except IntegrityError:
            if JobAd.objects.filter(verification_code=code).exists():
                continue
            raise
        return
    raise RuntimeError("no free verification code found")


def ad_update(
    *, agency: Agency, actor: Actor, ad_id: uuid.UUID, data: AdInput, now: datetime
) -> JobAd:
    """Change the text of a draft or published ad; its code stays. A published ad is
    checked again for the confidential client's name (P-15).

    Raises NotFound, AdNotEditable (closed), ValidationFailed and ClientNamedInAd.
    """
    with transaction.atomic():
        ad = _locked_ad(agency, ad_id)
        if ad.status == AdStatus.CLOSED:
            raise AdNotEditable()
        # A deadline already in the past may stay as it is; a new one must be ahead.
        clean = _clean(data, today=_today(now), check_deadline=data.apply_by != ad.apply_by)
        changed = [n for n in AD_FIELDS if getattr(clean, n) != getattr(ad, n)]
        if not changed:
            return ad
        for name in changed:
            setattr(ad, name, getattr(clean, name))
        if ad.status == AdStatus.PUBLISHED:
            _check_client_hidden(ad)
        ad.save(update_fields=[*changed, "updated_at"])
        record(agency=agency, actor=actor, action="ad.updated", subject=ad, fields=changed, now=now)
    return ad


def ad_publish(*, agency: Agency, actor: Actor, ad_id: uuid.UUID, now: datetime) -> JobAd:
    """Publish a draft on the agency's job board, and record that publication on the
    agency's own site (P-14).

    Raises NotFound, Conflict (not a draft), AssignmentEnded, ValidationFailed (the
    deadline has passed) and ClientNamedInAd (P-15).
    """
    today = _today(now)
    with transaction.atomic():
        ad = _locked_ad(agency, ad_id)
        if ad.status != AdStatus.DRAFT:
            raise Conflict(_("Only a draft can be published."), code="ad_not_draft")
        if ad.position.assignment.status == AssignmentStatus.ENDED:
            raise AssignmentEnded()
        if ad.apply_by is not None and ad.apply_by < today:
            raise ValidationFailed(
                _("The application deadline has passed. Change it before publishing."),
                field_errors={"apply_by": [str(_("The deadline has passed."))]},
            )
        _check_client_hidden(ad)
        ad.status = AdStatus.PUBLISHED
        ad.published_at = now
        ad.save(update_fields=["status", "published_at", "updated_at"])
        url = ad_public_url(ad.id)
        publication = AdPublication.objects.create(
            agency=agency,
            ad=ad,
            channel=Channel.OWN_SITE,
            url=url,
            url_key=url_key(url),
            published_on=today,
        )
        record(
            agency=agency,
            actor=actor,
            action="ad.published",
            subject=ad,
            fields=["status", "published_at"],
            now=now,
        )
        record(
            agency=agency,
            actor=actor,
            action="ad.publication_added",
            subject=publication,
            fields=["channel", "url", "published_on"],
            now=now,
        )
    return ad


def ad_close(*, agency: Agency, actor: Actor, ad_id: uuid.UUID, now: datetime) -> JobAd:
    """Close a published ad: it leaves the job board, and its page on the agency's own site
    is recorded as removed today. Publications elsewhere stay as recorded until a
    consultant records their removal.

    Raises NotFound, and Conflict for a draft or an ad already closed.
    """
    today = _today(now)
    with transaction.atomic():
        ad = _locked_ad(agency, ad_id)
        if ad.status != AdStatus.PUBLISHED:
            raise Conflict(_("Only a published ad can be closed."), code="ad_not_published")
        ad.status = AdStatus.CLOSED
        ad.closed_at = now
        ad.save(update_fields=["status", "closed_at", "updated_at"])
        own = AdPublication.objects.filter(
            agency=agency,
            ad=ad,
            url_key=url_key(ad_public_url(ad.id)),
            removed_on__isnull=True,
            published_on__lte=today,
        )
        removed = list(own.values_list("id", flat=True))
        own.update(removed_on=today, updated_at=now)
        record(
            agency=agency,
            actor=actor,
            action="ad.closed",
            subject=ad,
            fields=["status", "closed_at"],
            now=now,
        )
        for publication_id in removed:
            record(
                agency=agency,
                actor=actor,
                action="ad.publication_removed",
                subject=_publication_ref(publication_id),
                fields=["removed_on"],
                now=now,
            )
    return ad


def _publication_ref(publication_id: uuid.UUID) -> SubjectRef:
    return SubjectRef(type=AdPublication._meta.label_lower, id=publication_id)


def publication_add(
    *,
    agency: Agency,
    actor: Actor,
    ad_id: uuid.UUID,
    channel: str,
    url: str,
    published_on: date | None,
    channel_name: str = "",
    removed_on: date | None = None,
    now: datetime,
) -> AdPublication:
    """Record that the agency published the ad at `url` (P-14). `other` needs the name of
    the channel. An address already recorded for this ad is refused.

    Raises NotFound, Conflict (a draft: publish it first) and ValidationFailed.
    """
    require_aware(now)
    errors: dict[str, list[str]] = {}
    url = url.strip()
    channel_name = " ".join(channel_name.split())
    key = ""
    if channel not in Channel.values:
        errors["channel"] = [str(_("Choose a channel."))]
    elif channel == Channel.OTHER and not channel_name:
        errors["channel_name"] = [str(_("Name the channel."))]
    if len(channel_name) > CHANNEL_NAME_MAX:
        errors["channel_name"] = [str(_("The channel name can be at most 100 characters."))]
    if channel != Channel.OTHER:
        # The channel's own name is enough; a stray name would only confuse the record.
        channel_name = ""
    if not url:
        errors["url"] = [str(_("Give the address of the published ad."))]
    elif len(url) > URL_MAX:
        errors["url"] = [str(_("The address can be at most 500 characters."))]
    elif not url_is_http(url) or not _url_valid(url):
        errors["url"] = [str(_("Give a full web address starting with https:// or http://."))]
    else:
        key = url_key(url)
    if published_on is None:
        errors["published_on"] = [str(_("Give the date it was published."))]
    elif removed_on is not None and removed_on < published_on:
        errors["removed_on"] = [str(_("The ad cannot be removed before it was published."))]
    if errors:
        raise ValidationFailed(field_errors=errors)
    assert published_on is not None
    with transaction.atomic():
        ad = _locked_ad(agency, ad_id)
        if ad.status == AdStatus.DRAFT:
            raise Conflict(
                _("Publish the ad before recording where else it is published."),
                code="ad_not_published",
            )
        if AdPublication.objects.filter(agency=agency, ad=ad, url_key=key).exists():
            raise ValidationFailed(
                field_errors={"url": [str(_("This address is already recorded for the ad."))]}
            )
        publication = AdPublication.objects.create(
            agency=agency,
            ad=ad,
            channel=channel,
            channel_name=channel_name,
            url=url,
            url_key=key,
            published_on=published_on,
            removed_on=removed_on,
        )
        fields = ["channel", "url", "published_on"]
        fields += ["channel_name"] if channel_name else []
        fields += ["removed_on"] if removed_on else []
        record(
            agency=agency,
            actor=actor,
            action="ad.publication_added",
            subject=publication,
            fields=fields,
            now=now,
        )
    return publication


def _url_valid(url: str) -> bool:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except Exception:  # any refusal means "not a web address"
        return False
    return True


def publication_remove(
    *,
    agency: Agency,
    actor: Actor,
    ad_id: uuid.UUID,
    publication_id: uuid.UUID,
    removed_on: date | None = None,
    now: datetime,
) -> AdPublication:
    """Record that the ad was taken down from one channel on `removed_on` (today when not
    given). The record is kept: /verify/ then says the ad was published there until that
    date.

    Raises NotFound, Conflict (already removed) and ValidationFailed.
    """
    removed_on = removed_on or _today(now)
    with transaction.atomic():
        ad = _locked_ad(agency, ad_id)
        publication = (
            AdPublication.objects.select_for_update()
            .filter(agency=agency, ad=ad, pk=publication_id)
            .first()
        )
        if publication is None:
            raise NotFound()
        if publication.removed_on is not None:
            raise Conflict(
                _("This publication is already recorded as removed."), code="already_removed"
            )
        if removed_on < publication.published_on:
            raise ValidationFailed(
                field_errors={
                    "removed_on": [str(_("The ad cannot be removed before it was published."))]
                }
            )
        publication.removed_on = removed_on
        publication.save(update_fields=["removed_on", "updated_at"])
        record(
            agency=agency,
            actor=actor,
            action="ad.publication_removed",
            subject=publication,
            fields=["removed_on"],
            now=now,
        )
    return publication
