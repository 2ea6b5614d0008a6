"""The data map (P-03): no model field may be left unclassified."""

from django.apps import apps
from django.db import models

from fortrolig.privacy import datamap
from fortrolig.privacy.datamap import (
    NOT_PERSONAL,
    Category,
    RetentionClock,
    Sensitivity,
    classification,
    personal,
)


def test_p03_every_field_of_every_installed_model_is_classified():
    missing = datamap.unclassified_fields()
    assert not missing, "Classify these fields in their app's datamap.py: " + ", ".join(missing)


def test_p03_no_classification_names_a_field_that_does_not_exist():
    assert not datamap.stale_classifications()


def test_p03_the_check_fails_for_a_new_unclassified_field():
    class Probe(models.Model):
        secret_hobby = models.CharField(max_length=10)

        class Meta:
            app_label = "privacy"

    try:
        assert "privacy.Probe.secret_hobby" in datamap.unclassified_fields()
    finally:
        # Forget the probe model again so that other tests see the real registry.
        del apps.all_models["privacy"]["probe"]
        apps.clear_cache()


def test_p03_encrypted_fields_are_classified_sensitive():
    from fortrolig.core.fields import EncryptedTextField

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found = classification(model, field.name)
                assert found is not None and found.sensitivity == Sensitivity.SENSITIVE, (
                    f"{model._meta.label}.{field.name}"
                )


def test_p03_personal_fields_have_a_retention_clock_and_other_fields_none():
    for model in apps.get_models():
        for name in datamap.model_field_names(model):
            found = classification(model, name)
            if found is None:
                continue
            if found.personal:
                assert found.clock != RetentionClock.NONE, f"{model._meta.label}.{name}"
                assert found.category != Category.NOT_PERSONAL, f"{model._meta.label}.{name}"
            else:
                assert found == NOT_PERSONAL, f"{model._meta.label}.{name}"


def test_p03_conflicting_classifications_are_refused():
    datamap.classify("privacy.ProbeTwo", {"x": NOT_PERSONAL})
    try:
        try:
            datamap.classify(
                "privacy.ProbeTwo", {"x": personal(Category.CONTACT, RetentionClock.LAST_ACTIVITY)}
            )
        except ValueError as exc:
            assert "classified twice" in str(exc)
        else:
            raise AssertionError("a conflicting classification was accepted")
    finally:
        datamap._registry.pop("privacy.probetwo", None)
