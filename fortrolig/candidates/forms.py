"""Forms of the candidate pages. They translate posted text into the services' inputs;
the services validate the domain rules (national identity number, phone, duplicates)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fortrolig.documents.models import DocumentKind

from .models import Availability, Source


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.replace(";", ",").split(",") if part.strip())


class ListField(forms.CharField):
    """Comma-separated words, such as skills, as a tuple of strings."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> tuple[str, ...]:  # type: ignore[override]
        return _split(super().to_python(value) or "")


class CandidateForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    birth_date = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    national_id = forms.CharField(
        label=_("National identity number"),
        max_length=20,
        required=False,
        help_text=_("Stored encrypted and shown masked. Leave empty to keep the stored one."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("Location"), max_length=100, required=False)
    skills = ListField(label=_("Skills"), required=False, help_text=_("Separate with commas."))
    languages = ListField(
        label=_("Languages"), required=False, help_text=_("Separate with commas.")
    )
    desired_roles = ListField(
        label=_("Desired roles"), required=False, help_text=_("Separate with commas.")
    )
    availability = forms.ChoiceField(
        label=_("Availability"), choices=Availability.choices, initial=Availability.UNKNOWN
    )
    available_from = forms.DateField(
        label=_("Available from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    summary = forms.CharField(
        label=_("Profile summary"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.CONSULTANT)
    source_partner = forms.CharField(
        label=_("Campaign partner"),
        max_length=200,
        required=False,
        help_text=_("Required when the source is a campaign."),
    )
    # Set when the consultant has seen the likely duplicates and still wants a new record.
    allow_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File"))


class ReferenceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    relation = forms.CharField(label=_("Relation to the candidate"), max_length=200, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    may_ask_about = forms.CharField(
        label=_("May be asked about"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    skills = ListField(label=_("Skills"), required=False)
    city = forms.CharField(label=_("Location"), required=False, max_length=100)
    availability = forms.ChoiceField(
        label=_("Availability"),
        required=False,
        choices=[("", _("Any")), *Availability.choices],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("Any")), *Source.choices]
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class MergeForm(forms.Form):
    merge_id = forms.UUIDField(widget=forms.HiddenInput)
