"""Forms of the staffing pages. They translate posted text into the services' inputs; the
services check the rules (percentage, amounts, dates, the assignment) and give the same
messages as the API. Numbers are taken as text, so that "37,5" as typed in Norway reaches
the service, which explains what is wrong with it."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fortrolig.assignments.models import Assignment

from .models import SalaryBasis


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _number_input() -> forms.TextInput:
    return forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})


class EmploymentStartForm(forms.Form):
    assignment = forms.ChoiceField(label=_("Staffing assignment"))
    position_percentage = forms.CharField(
        label=_("Position percentage"),
        max_length=20,
        required=False,
        help_text=_("Above 0 and at most 100, for example 100 or 37,5."),
        widget=_number_input(),
    )
    salary_basis = forms.ChoiceField(label=_("Salary basis"), choices=SalaryBasis.choices)
    salary_amount = forms.CharField(
        label=_("Salary (NOK)"),
        max_length=20,
        required=False,
        help_text=_("The monthly salary or the hourly wage, in kroner."),
        widget=_number_input(),
    )
    started_on = forms.DateField(label=_("Start date"), required=False, widget=_date_input())

    def __init__(self, *args: Any, assignments: Iterable[Assignment] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignment"].choices = [  # type: ignore[attr-defined]
            ("", "-"),
            *((str(a.id), f"{a.title} ({a.client.name})") for a in assignments),
        ]


class EmploymentEndForm(forms.Form):
    ended_on = forms.DateField(
        label=_("Last day of employment"), required=False, widget=_date_input()
    )


class PayrollForm(forms.Form):
    period = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("The month the pay is for."),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=_date_input())
    gross_pay = forms.CharField(
        label=_("Gross pay (NOK)"), max_length=20, required=False, widget=_number_input()
    )
    hours = forms.CharField(
        label=_("Hours"),
        max_length=20,
        required=False,
        help_text=_("Hours worked in the month, if paid by the hour."),
        widget=_number_input(),
    )


class PageForm(forms.Form):
    page = forms.IntegerField(min_value=1, required=False)
