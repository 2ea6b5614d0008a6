"""Forms of the register pages. They translate posted text into the services' input; the
services check the domain rules (known categories, clocks and legal bases)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LegalBasis
from .register import ORDER_MAX, REGISTER_CATEGORIES, REGISTER_CLOCKS, DataSubjectGroup

_TEXTAREA = {"rows": 3}


class ActivityForm(forms.Form):
    name_nb = forms.CharField(label=_("Name (Norwegian)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    purpose_nb = forms.CharField(
        label=_("Purpose (Norwegian)"), widget=forms.Textarea(attrs=_TEXTAREA)
    )
    purpose_en = forms.CharField(
        label=_("Purpose (English)"), widget=forms.Textarea(attrs=_TEXTAREA)
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    legal_basis_note_nb = forms.CharField(
        label=_("Legal basis note (Norwegian)"), max_length=300, required=False
    )
    legal_basis_note_en = forms.CharField(
        label=_("Legal basis note (English)"), max_length=300, required=False
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Data categories"),
        choices=[(c.value, c.label) for c in REGISTER_CATEGORIES],
        widget=forms.CheckboxSelectMultiple,
    )
    data_subjects = forms.MultipleChoiceField(
        label=_("Data subjects"),
        choices=DataSubjectGroup.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    recipients_nb = forms.CharField(
        label=_("Recipients (Norwegian)"), required=False, widget=forms.Textarea(attrs=_TEXTAREA)
    )
    recipients_en = forms.CharField(
        label=_("Recipients (English)"), required=False, widget=forms.Textarea(attrs=_TEXTAREA)
    )
    retention_clock = forms.ChoiceField(
        label=_("Retention rule"),
        choices=[(c.value, c.label) for c in REGISTER_CLOCKS],
        help_text=_("The period comes from the agency's retention settings."),
    )
    security_measures_nb = forms.CharField(
        label=_("Security measures (Norwegian)"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )
    security_measures_en = forms.CharField(
        label=_("Security measures (English)"),
        required=False,
        widget=forms.Textarea(attrs=_TEXTAREA),
    )
    responsible_name = forms.CharField(
        label=_("Responsible person"), max_length=200, required=False
    )
    responsible_role = forms.CharField(
        label=_("Responsible person's role"), max_length=200, required=False
    )
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=ORDER_MAX, initial=100)

    def __init__(self, *args: Any, daily_manager_name: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_name"].help_text = _(
            "Leave empty to make the daily manager (%(name)s) responsible."
        ) % {"name": daily_manager_name}


class NewActivityForm(ActivityForm):
    key = forms.SlugField(
        label=_("Key"),
        max_length=60,
        help_text=_("A short code, such as “payroll_outsourcing”. It cannot be changed later."),
    )

    field_order = ["key"]
