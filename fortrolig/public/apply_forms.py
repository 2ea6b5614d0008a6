"""The public apply form. It turns posted text into the apply service's input; the service
checks the domain rules (email, phone, the file's content)."""

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fortrolig.assignments.apply import (
    COVER_LETTER_MAX_CHARS,
    MSG_ACKNOWLEDGE,
    MSG_EMAIL_REQUIRED,
    MSG_LETTER_TOO_LONG,
    OpenAd,
)

HONEYPOT_FIELD = "website"

MSG_CV_REQUIRED = _("Choose the file with your CV.")


class ApplyForm(forms.Form):
    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        error_messages={"required": MSG_EMAIL_REQUIRED},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    cv = forms.FileField(
        label=_("CV"),
        error_messages={"required": MSG_CV_REQUIRED},
        help_text=_(
            "A PDF, Word (DOCX), OpenDocument (ODT), RTF or plain text file, at most 20 MB."
        ),
        widget=forms.FileInput(
            attrs={
                "accept": ".pdf,.docx,.odt,.rtf,.txt,application/pdf,"
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
                "application/vnd.oasis.opendocument.text,application/rtf,text/plain"
            }
        ),
    )
    cover_letter = forms.CharField(
        label=_("Application letter"),
        required=False,
        max_length=COVER_LETTER_MAX_CHARS,
        error_messages={"max_length": MSG_LETTER_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    sharing_acknowledged = forms.BooleanField(
        error_messages={"required": MSG_ACKNOWLEDGE},
    )
    alerts_similar_jobs = forms.BooleanField(label=_("Email me about similar jobs"), required=False)
    alerts_same_location = forms.BooleanField(required=False)
    # The honeypot: hidden from people (visually and from screen readers) and left out of
    # the tab order, so that only a program that fills every field fills it.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, ad: OpenAd, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Named in the user's language when the form is made, within the request.
        acknowledgement = self.fields["sharing_acknowledged"]
        if ad.client_name:
            acknowledgement.label = gettext(
                "I agree that %(agency)s may share my CV and the details I give here with "
                "its client %(client)s, for this recruitment."
            ) % {"agency": ad.agency_name, "client": ad.client_name}
        else:
            acknowledgement.label = gettext(
                "I agree that %(agency)s may share my CV and the details I give here with "
                "the client for this recruitment."
            ) % {"agency": ad.agency_name}
        location = self.fields["alerts_same_location"]
        if ad.location:
            location.label = gettext("Email me about new jobs in %(location)s") % {
                "location": ad.location
            }
        else:
            location.label = gettext("Email me about new jobs in the same area")

    def honeypot_filled(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())
