"""Reads of the outbox, always within one agency. Reading an email shows its recipient and
content, so each read is recorded in the audit trail (P-28)."""

import uuid
from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db import transaction

from fortrolig.audit.services import Actor, record
from fortrolig.core.errors import NotFound
from fortrolig.core.models import Agency

from .models import OutboundEmail

PAGE_SIZE = 50


def email_page(
    *, agency: Agency, actor: Actor, page_number: str | int | None, now: datetime
) -> Page[OutboundEmail]:
    """One page of the agency's outbox, newest first. An invalid page number gives the
    nearest valid page."""
    with transaction.atomic():
        emails = (
            OutboundEmail.objects.filter(agency=agency)
            .only(
                "id",
                "created_at",
                "recipient",
                "template",
                "language",
                "subject",
                "status",
                "attempts",
                "sent_at",
                "last_error",
            )
            .order_by("-created_at", "-id")
        )
        page = Paginator(emails, PAGE_SIZE).get_page(page_number)
        # Evaluate inside the transaction, so the event describes exactly what was shown.
        page.object_list = list(page.object_list)
        if page.object_list:
            record(
                agency=agency,
                actor=actor,
                action="messaging.outbox.viewed",
                fields=("recipient", "subject"),
                now=now,
            )
    return page


def email_get(*, agency: Agency, email_id: uuid.UUID, actor: Actor, now: datetime) -> OutboundEmail:
    """One email of the agency's outbox, with its bodies.

    Raises NotFound when the agency has no such email (also when another agency has it).
    """
    with transaction.atomic():
        email = OutboundEmail.objects.filter(agency=agency, pk=email_id).first()
        if email is None:
            raise NotFound()
        record(
            agency=agency,
            actor=actor,
            action="messaging.email.viewed",
            subject=email,
            fields=("recipient", "subject", "body_text", "body_html"),
            now=now,
        )
    return email
