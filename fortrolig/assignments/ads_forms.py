"""Forms of the staff pages for job ads. They translate posted text into the services'
inputs; the services check the domain rules (deadlines, channels, addresses, P-15)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .ads import AdLanguage, EmploymentType
from .models import AdStatus, Channel, Position

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AdForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text of the ad"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("What candidates read: the job, the requirements, and what is offered."),
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    employment_type = forms.ChoiceField(
        label=_("Employment type"),
        choices=[("", _("Not stated")), *EmploymentType.choices],
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language of the ad"), choices=AdLanguage.choices, initial=AdLanguage.NB
    )
    apply_by = forms.DateField(label=_("Application deadline"), required=False, widget=_DATE)


class AdCreateForm(AdForm):
    position = forms.ChoiceField(label=_("Position"))

    field_order = ["position"]

    def __init__(self, *args: Any, positions: list[Position], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["position"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—")] + [
            (str(p.id), f"{p.title} · {p.assignment.title} ({p.assignment.client.name})")
            for p in positions
        ]


class PublicationForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    channel_name = forms.CharField(
        label=_("Name of the channel"),
        max_length=100,
        required=False,
        help_text=_("Needed when the channel is Other."),
    )
    url = forms.CharField(
        label=_("Address of the published ad"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    published_on = forms.DateField(label=_("Published on"), widget=_DATE)
    removed_on = forms.DateField(label=_("Removed on"), required=False, widget=_DATE)


class PublicationRemoveForm(forms.Form):
    removed_on = forms.DateField(label=_("Removed on"), required=False, widget=_DATE)


class AdFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *AdStatus.choices]
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
