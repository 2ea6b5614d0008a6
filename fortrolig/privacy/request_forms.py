"""Forms of the data-subject request pages (P-24, P-21, P-25). They translate posted text
into the services' inputs; the services hold the rules and give the messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import IdentityMethod, RequestChannel, RequestKind, RequestSubjectType
from .requests import (
    MSG_CHANNEL,
    MSG_CODE,
    MSG_IDENTITY,
    MSG_KIND,
    MSG_MONTHS,
    MSG_REASON,
    MSG_RESPONSE,
    MSG_STATUS,
    MSG_SUBJECT_TYPE,
    ResponseRule,
)

_BLANK = [("", "---------")]
MSG_SUBJECT_ID = _("Give the ID of the person the request is about.")
_STAFF_METHODS = [
    (value, label) for value, label in IdentityMethod.choices if value != IdentityMethod.EMAIL_CODE
]


class RequestRegisterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("The person asks for"),
        choices=[*_BLANK, *RequestKind.choices],
        error_messages={"required": MSG_KIND, "invalid_choice": MSG_KIND},
    )
    marketing = forms.BooleanField(
        label=_("The objection is to marketing (job alerts): stop it at once"),
        required=False,
    )
    channel = forms.ChoiceField(
        label=_("Received by"),
        choices=[*_BLANK, *RequestChannel.choices],
        error_messages={"required": MSG_CHANNEL, "invalid_choice": MSG_CHANNEL},
    )
    subject_type = forms.ChoiceField(
        label=_("About"),
        choices=[*_BLANK, *RequestSubjectType.choices],
        error_messages={"required": MSG_SUBJECT_TYPE, "invalid_choice": MSG_SUBJECT_TYPE},
    )
    subject_id = forms.UUIDField(
        label=_("The person's ID"),
        help_text=_("Open the request from the person's page to fill this in."),
        error_messages={"required": MSG_SUBJECT_ID, "invalid": MSG_SUBJECT_ID},
    )
    identity_method = forms.ChoiceField(
        label=_("Identity checked by"),
        choices=[("", _("Not yet checked")), *_STAFF_METHODS],
        required=False,
        help_text=_(
            "For a request by email from an address that is not verified, leave this empty: "
            "a code is sent to the address on file."
        ),
        error_messages={"invalid_choice": MSG_IDENTITY},
    )
    details = forms.CharField(
        label=_("What the person asks"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class IdentityCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the email"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": MSG_CODE},
    )


class IdentityVerifyForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Identity checked by"),
        choices=[*_BLANK, *_STAFF_METHODS],
        error_messages={"required": MSG_IDENTITY, "invalid_choice": MSG_IDENTITY},
    )


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Extend by"),
        choices=[(1, _("One month")), (2, _("Two months"))],
        coerce=int,
        error_messages={"required": MSG_MONTHS, "invalid_choice": MSG_MONTHS},
    )
    reason = forms.CharField(
        label=_("Reason, sent to the person"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": MSG_REASON},
    )


class RespondForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("done", _("Answered")), ("refused", _("Refused"))],
        error_messages={"required": MSG_STATUS, "invalid_choice": MSG_STATUS},
    )
    rule = forms.ChoiceField(
        label=_("Rule that limits the right"),
        choices=[("", _("None: the request is met in full")), *ResponseRule.choices],
        required=False,
        help_text=_("Required for a refusal; its wording is added to the answer."),
    )
    response = forms.CharField(
        label=_("Answer to the person"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": MSG_RESPONSE},
    )


class RectifyForm(forms.Form):
    """The candidate fields most often corrected; only those filled in are changed."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("Location"), max_length=100, required=False)
