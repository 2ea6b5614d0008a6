"""Forms of the background-check pages (P-07). They translate posted text into the
services' inputs; the services hold the rules (which kinds a position allows, the state of
a check)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .background_checks import DETAILS_MAX, MSG_DETAILS, MSG_KIND, MSG_OUTCOME, MSG_OUTCOME_ON
from .models import CheckKind, CheckOutcome


class CheckRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Background check"),
        choices=CheckKind.choices,
        error_messages={"required": MSG_KIND, "invalid_choice": MSG_KIND},
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Shown: only the kinds the position requires and that are not requested yet. A
        # posted form accepts every known kind, so that the service can refuse one the
        # position does not require with the rule's own message.
        if kinds is not None:
            self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


class CheckReceiveForm(forms.Form):
    file = forms.FileField(
        label=_("Document"),
        error_messages={"required": _("Choose the file to upload.")},
    )
    details = forms.CharField(
        label=_("Details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": DETAILS_MAX}),
        help_text=_(
            "Only what the assessment needs. Stored encrypted, and destroyed with the "
            "document when the assignment ends."
        ),
        max_length=DETAILS_MAX,
        error_messages={"max_length": MSG_DETAILS},
    )


class CheckOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=CheckOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": MSG_OUTCOME, "invalid_choice": MSG_OUTCOME},
    )
    outcome_on = forms.DateField(
        label=_("Checked on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": MSG_OUTCOME_ON, "invalid": MSG_OUTCOME_ON},
    )
