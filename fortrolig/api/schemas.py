"""The shapes the API reads and writes."""

import uuid
from datetime import date, datetime

from ninja import Field, Schema
from pydantic import ValidationInfo, field_validator


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorDetail


class AgencyOut(Schema):
    name: str
    slug: str
    org_number: str
    contact_email: str


class AuditEventOut(Schema):
    id: uuid.UUID
    seq: int
    occurred_at: datetime
    actor_type: str
    actor_id: uuid.UUID | None
    action: str
    subject_type: str
    subject_id: uuid.UUID | None
    fields: list[str]
    purpose: str


class AuditEventFilterIn(Schema):
    actor_id: uuid.UUID | None = Field(None, description="Only events by this actor.")
    subject_id: uuid.UUID | None = Field(None, description="Only events about this subject.")
    action: str = Field(
        "",
        max_length=100,
        pattern=r"^[a-z0-9_.]*$",
        description="Only events whose action starts with this code, e.g. 'messaging.'.",
    )
    date_from: date | None = Field(None, description="Only events on or after this date.")
    date_to: date | None = Field(None, description="Only events on or before this date.")

    @field_validator("date_to")
    @classmethod
    def _dates_in_order(cls, value: date | None, info: ValidationInfo) -> date | None:
        # Reported on date_to, so that the error names a field the client sent.
        date_from = info.data.get("date_from")
        if value and date_from and date_from > value:
            raise ValueError("date_to must not be before date_from")
        return value
