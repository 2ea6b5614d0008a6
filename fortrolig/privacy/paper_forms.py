"""Forms of the paper register (P-30). They translate posted text into the services'
inputs; the services hold the rules and give the messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PaperKind
from .paper import LOCATION_MAX, MSG_CANDIDATE, MSG_KIND, MSG_LOCATION, MSG_RECEIVED_ON


class PaperRegisterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of paper document"),
        choices=[("", "---------"), *PaperKind.choices],
        error_messages={"required": MSG_KIND, "invalid_choice": MSG_KIND},
    )
    received_on = forms.DateField(
        label=_("Received on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": MSG_RECEIVED_ON, "invalid": MSG_RECEIVED_ON},
    )
    storage_location = forms.CharField(
        label=_("Locked away in"),
        max_length=LOCATION_MAX,
        help_text=_("For example: the locked cabinet in room 2, drawer B."),
        error_messages={"required": MSG_LOCATION, "max_length": MSG_LOCATION},
    )
    # Set when the register is opened from a candidate's page.
    candidate = forms.UUIDField(
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": MSG_CANDIDATE},
    )


class PaperScanForm(forms.Form):
    file = forms.FileField(
        label=_("Scan"),
        error_messages={"required": _("Choose the file to upload.")},
    )
