"""Showing a service's refusal on a Django form."""

from collections.abc import Callable

from django import forms

from .errors import ApplicationError, ValidationFailed


def form_errors_attach(
    form: forms.BaseForm, error: ValidationFailed, *, also_at_top: bool = False
) -> None:
    """Put a service's field errors on the form's fields (at the top for a field the form
    does not show), and the general message at the top when there are no field errors or
    when `also_at_top` asks for it. The form keeps what the user typed."""
    for name, messages in error.field_errors.items():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    if also_at_top or not error.field_errors:
        form.add_error(None, str(error.message))


def form_submit(form: forms.BaseForm, action: Callable[[], object]) -> bool:
    """Run the service call of a valid form. Returns True when it went through; when the
    service refuses, puts its reasons on the form (which keeps what was typed) and returns
    False."""
    try:
        action()
    except ValidationFailed as error:
        form_errors_attach(form, error)
    except ApplicationError as error:
        form.add_error(None, str(error.message))
    else:
        return True
    return False
