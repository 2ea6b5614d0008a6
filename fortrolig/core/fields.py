"""An encrypted model field for sensitive values (P-27).

The column holds a ciphertext under the row's data key (`data_key` foreign key on the
model). Rows load without decrypting; the value is decrypted when the attribute is first
read, so that a list of rows whose keys were destroyed still loads, and reading the erased
value raises KeyDestroyed with a clear message.
"""

from typing import Any

from django import forms
from django.core import checks
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from . import crypto


class _DecryptingAttribute(DeferredAttribute):
    # A data descriptor (it defines __set__), so that reads go through __get__ even when
    # the value sits in the instance's __dict__.
    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, crypto.Ciphertext):
            value = crypto.decrypt(value).decode("utf-8")
            instance.__dict__[self.field.attname] = value
        return value


class EncryptedTextField(models.BinaryField):
    """Text encrypted under the row's data key. Cannot be filtered on or bulk-updated."""

    descriptor_class = _DecryptingAttribute
    # For django-stubs: the attribute holds text, not the bytes of the column.
    _pyi_private_set_type: str | None
    _pyi_private_get_type: str | None  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("editable", True)
        super().__init__(*args, **kwargs)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        model = getattr(self, "model", None)
        if model is not None and not model._meta.abstract:
            names = {f.name for f in model._meta.get_fields()}
            if "data_key" not in names:
                errors.append(
                    checks.Error(
                        "An EncryptedTextField needs a `data_key` foreign key on its model.",
                        obj=self,
                        id="fortrolig.E001",
                    )
                )
        return errors

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return crypto.Ciphertext(bytes(value))

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, str | crypto.Ciphertext):
            return value
        return str(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # Read the raw slot, not the attribute: an unchanged value stays the same ciphertext
        # and is never decrypted just to be saved again.
        value = model_instance.__dict__.get(self.attname)
        if value is None or isinstance(value, crypto.Ciphertext):
            return value
        key_id = model_instance.data_key_id  # type: ignore[attr-defined]
        if key_id is None:
            raise ValueError("a row with encrypted fields needs a data key before it is saved")
        ciphertext = crypto.Ciphertext(
            crypto.encrypt(data_key_id=key_id, plaintext=str(value).encode("utf-8"))
        )
        return ciphertext

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if isinstance(value, str):
            # Only save() encrypts; update() and filters would otherwise write or compare
            # plaintext.
            raise TypeError("encrypted fields are written through save() and cannot be queried")
        return super().get_db_prep_value(value, connection, prepared)

    def value_to_string(self, obj: models.Model) -> str:
        return ""

    def formfield(self, **kwargs: Any) -> Any:
        defaults: dict[str, Any] = {"form_class": forms.CharField}
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)
