"""The data map (P-03): every model field is classified, personal or not.

Each app declares its fields in its own `datamap.py` with `classify(...)`; the privacy app
loads them all at start-up. A test walks every installed model and fails, naming the
field, when a field has no classification. The access export, erasure and the policy page
walk this map, so a new field cannot be forgotten by any of them.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    NOT_PERSONAL = "not_personal", _("Not personal data")
    IDENTITY = "identity", _("Identity")
    CONTACT = "contact", _("Contact details")
    NATIONAL_ID = "national_id", _("National identity number")
    PROFESSIONAL = "professional", _("CV, skills and work history")
    DOCUMENT = "document", _("Documents")
    BACKGROUND_CHECK = "background_check", _("Background checks")
    PAYROLL = "payroll", _("Salary and payroll")
    COMMUNICATION = "communication", _("Communication")
    ACCOUNT = "account", _("Login and account")
    SECURITY_LOG = "security_log", _("Security log")
    TECHNICAL = "technical", _("Technical identifiers")
    CONSENT = "consent", _("Consents and choices")


class Sensitivity(models.TextChoices):
    NONE = "none", _("None")
    NORMAL = "normal", _("Normal")
    # Encrypted at rest under the subject's data key (P-27).
    SENSITIVE = "sensitive", _("Sensitive")
    # Secrets: password hashes, TOTP keys. Never exported, never shown.
    SECRET = "secret", _("Secret")


class RetentionClock(models.TextChoices):
    NONE = "none", _("Not personal data")
    LAST_ACTIVITY = "last_activity", _("Last application or activity")
    CONSENT_EXPIRY = "consent_expiry", _("End of consent")
    ASSIGNMENT_END = "assignment_end", _("End of the assignment")
    EMPLOYMENT_END = "employment_end", _("End of employment plus the accounting period")
    AGREEMENT_END = "agreement_end", _("End of the client agreement")
    LINK_EXPIRY = "link_expiry", _("Expiry of the link")
    MEMBERSHIP = "membership", _("While the staff account exists")
    SECURITY_LOG = "security_log", _("Security log period")
    OUTBOX = "outbox", _("Outbox period")
    SESSION = "session", _("End of the session")
    # Audit events are kept: they hold only IDs, which resolve to nobody after erasure.
    AUDIT_TRAIL = "audit_trail", _("Kept as the audit trail (IDs only)")
    # Key material whose destruction is the erasure itself.
    KEY_LIFETIME = "key_lifetime", _("Until the subject is erased")


@dataclass(frozen=True)
class FieldClass:
    personal: bool
    category: Category
    sensitivity: Sensitivity
    clock: RetentionClock


NOT_PERSONAL = FieldClass(False, Category.NOT_PERSONAL, Sensitivity.NONE, RetentionClock.NONE)


def personal(
    category: Category,
    clock: RetentionClock,
    sensitivity: Sensitivity = Sensitivity.NORMAL,
) -> FieldClass:
    return FieldClass(True, category, sensitivity, clock)


_registry: dict[str, dict[str, FieldClass]] = {}


def classify(model_label: str, fields: dict[str, FieldClass]) -> None:
    """Declare the classification of a model's fields. `model_label` is `app_label.Model`."""
    entry = _registry.setdefault(model_label.lower(), {})
    for name, field_class in fields.items():
        if name in entry and entry[name] != field_class:
            raise ValueError(f"{model_label}.{name} is classified twice, differently")
        entry[name] = field_class


def model_field_names(model: type[models.Model]) -> list[str]:
    """The fields of a model that hold data: concrete fields and many-to-many fields."""
    names = [f.name for f in model._meta.concrete_fields]
    names += [f.name for f in model._meta.many_to_many]
    return names


def classification(model: type[models.Model], field_name: str) -> FieldClass | None:
    return _registry.get(model._meta.label_lower, {}).get(field_name)


def personal_fields(model: type[models.Model]) -> dict[str, FieldClass]:
    entry = _registry.get(model._meta.label_lower, {})
    return {name: fc for name, fc in entry.items() if fc.personal}


def unclassified_fields() -> list[str]:
    """Every `app_label.Model.field` of an installed model that has no classification."""
    missing: list[str] = []
    for model in apps.get_models():
        entry = _registry.get(model._meta.label_lower, {})
        missing += [
            f"{model._meta.label}.{name}" for name in model_field_names(model) if name not in entry
        ]
    return missing


def stale_classifications() -> list[str]:
    """Classifications naming a model or field that no longer exists."""
    stale: list[str] = []
    for label, entry in _registry.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            stale.append(label)
            continue
        names = set(model_field_names(model))
        stale += [f"{label}.{name}" for name in entry if name not in names]
    return stale
