"""Forms of the assignment pages. They translate posted text into the services' inputs; the
services check the domain rules (the client belongs to the agency, the end is not before
the start, the stage is the agency's)."""

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AssignmentKind, AssignmentStatus, StageOutcome
from .services import AssignmentInput, PositionInput

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssignmentForm(forms.Form):
    client = forms.TypedChoiceField(label=_("Client"), coerce=str)
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind of assignment"),
        choices=AssignmentKind.choices,
        initial=AssignmentKind.RECRUITMENT,
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    responsible = forms.ChoiceField(label=_("Responsible consultant"), required=False)
    confidential_client = forms.BooleanField(
        label=_("Confidential client"),
        required=False,
        help_text=_(
            "Candidates are not told who the client is, in ads or on their pages, until a "
            "consultant releases the name."
        ),
    )
    starts_on = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Planned end date"), required=False, widget=DATE_WIDGET)

    def __init__(
        self,
        *args: Any,
        clients: list[tuple[str, str]],
        people: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("Choose a client")), *clients]  # type: ignore[attr-defined]
        self.fields["responsible"].choices = [("", _("Nobody yet")), *people]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The planned end date cannot be before the start date."))
        return data

    def to_input(self) -> AssignmentInput:
        data = self.cleaned_data
        return AssignmentInput(
            client_id=_uuid(data["client"]),
            title=data["title"],
            kind=data["kind"],
            description=data.get("description", ""),
            responsible_id=_uuid(data.get("responsible") or ""),
            confidential_client=data.get("confidential_client", False),
            starts_on=data["starts_on"],
            ends_on=data.get("ends_on"),
        )


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


class PositionForm(forms.Form):
    title = forms.CharField(label=_("Position title"), max_length=200)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    openings = forms.IntegerField(
        label=_("Number of openings"), min_value=1, max_value=999, initial=1
    )
    requires_police_certificate = forms.BooleanField(
        label=_("Requires a police certificate"), required=False
    )
    requires_security_clearance = forms.BooleanField(
        label=_("Requires security clearance"), required=False
    )
    requires_credit_check = forms.BooleanField(label=_("Requires a credit check"), required=False)

    def to_input(self) -> PositionInput:
        data = self.cleaned_data
        return PositionInput(
            title=data["title"],
            location=data.get("location", ""),
            openings=data["openings"],
            requires_police_certificate=data.get("requires_police_certificate", False),
            requires_security_clearance=data.get("requires_security_clearance", False),
            requires_credit_check=data.get("requires_credit_check", False),
        )


class FirstPositionForm(PositionForm):
    """The optional first position on the new-assignment page: left empty, no position is
    created."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["openings"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title"):
            others = ("location", "requires_police_certificate", "requires_security_clearance")
            if any(data.get(name) for name in (*others, "requires_credit_check")):
                self.add_error("title", _("Give the position a title, or leave it all empty."))
        if data.get("openings") is None:
            data["openings"] = 1
        return data

    @property
    def is_empty(self) -> bool:
        return not self.cleaned_data.get("title")


class AssignmentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *AssignmentStatus.choices],
    )
    client = forms.TypedChoiceField(label=_("Client"), required=False, coerce=str)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, clients: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", _("Any")), *clients]  # type: ignore[attr-defined]


class MoveForm(forms.Form):
    stage = forms.UUIDField(label=_("Move to"))


class AddCandidateForm(forms.Form):
    candidate = forms.UUIDField(widget=forms.HiddenInput)


class CandidateSearchForm(forms.Form):
    q = forms.CharField(label=_("Find a candidate"), max_length=200, required=False)


class StageForm(forms.Form):
    name_nb = forms.CharField(label=_("Name in Norwegian"), max_length=100)
    name_en = forms.CharField(label=_("Name in English"), max_length=100)


class StageCreateForm(StageForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=StageOutcome.choices, initial=StageOutcome.OPEN
    )


class StageShiftForm(forms.Form):
    by = forms.TypedChoiceField(choices=[("-1", "-1"), ("1", "1")], coerce=int)
