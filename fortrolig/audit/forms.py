from django import forms
from django.utils.translation import gettext_lazy as _


class EventFilterForm(forms.Form):
    actor_id = forms.UUIDField(label=_("Actor ID"), required=False)
    subject_id = forms.UUIDField(label=_("Subject ID"), required=False)
    action = forms.CharField(label=_("Action"), required=False, max_length=100)
    date_from = forms.DateField(
        label=_("From date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
