"""Forms of the client pages. They translate posted text into the services' inputs; the
services check the domain rules (organisation number, phone, score, dates) and give the
same messages as the API."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .validation import MSG_PAYMENT_TERMS, MSG_SCORE, MSG_SOURCE


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    org_number = forms.CharField(
        label=_("Organisation number"),
        max_length=20,
        help_text=_("Nine digits, as in the Brønnøysund Register Centre."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    visiting_address = forms.CharField(label=_("Visiting address"), max_length=200, required=False)
    postal_address = forms.CharField(label=_("Postal address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    invoice_email = forms.CharField(
        label=_("Invoice email"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(),
    )
    invoice_reference = forms.CharField(
        label=_("Invoice reference"), max_length=100, required=False
    )
    invoice_address = forms.CharField(label=_("Invoice address"), max_length=300, required=False)
    ehf_invoicing = forms.BooleanField(label=_("Electronic invoice (EHF)"), required=False)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"),
        initial=14,
        error_messages={"invalid": MSG_PAYMENT_TERMS, "required": MSG_PAYMENT_TERMS},
    )

    COMPANY_FIELDS = (
        "name",
        "org_number",
        "visiting_address",
        "postal_address",
        "postal_code",
        "city",
        "website",
    )

    def company_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.COMPANY_FIELDS]

    def invoicing_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.COMPANY_FIELDS]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.CharField(
        label=_("Role"),
        max_length=200,
        required=False,
        help_text=_("For example hiring manager or HR adviser."),
    )
    email = forms.CharField(
        label=_("Email"), max_length=254, required=False, widget=forms.EmailInput()
    )
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)


class AgreementForm(forms.Form):
    terms = forms.CharField(
        label=_("Terms"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    fee_terms = forms.CharField(
        label=_("Fee terms"),
        max_length=300,
        required=False,
        help_text=_("For example a fixed fee or a percentage of the annual salary."),
    )
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=_date_input())
    valid_from = forms.DateField(label=_("Valid from"), widget=_date_input())
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=_date_input())
    file = forms.FileField(
        label=_("Signed agreement"),
        required=False,
        help_text=_("Optional. PDF, DOCX, ODT, RTF, text, JPEG or PNG, at most 20 MB."),
    )


class CreditAssessmentForm(forms.Form):
    assessed_on = forms.DateField(label=_("Assessed on"), widget=_date_input())
    score = forms.IntegerField(
        label=_("Score (0 to 100)"),
        error_messages={"invalid": MSG_SCORE, "required": MSG_SCORE},
        widget=forms.NumberInput(attrs={"min": 0, "max": 100}),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        help_text=_("Who made the assessment, such as a credit agency."),
        error_messages={"required": MSG_SOURCE},
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
