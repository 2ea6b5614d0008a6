"""Input forms for login, enrolment and the agency switcher. Validation of shape only."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PasswordLoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=1024,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    # Not inputmode=numeric: recovery codes contain letters.
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "autocapitalize": "off",
                "spellcheck": "false",
            }
        ),
    )


class AgencySwitchForm(forms.Form):
    agency = forms.UUIDField(label=_("Agency"))
