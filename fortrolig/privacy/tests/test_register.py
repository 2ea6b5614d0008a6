"""The processing register (P-02): defaults, the responsible person, edits and their audit,
refused input, managers only, and agency isolation."""

import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from fortrolig.accounts.models import Role
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import Actor
from fortrolig.conftest import login_verified, make_staff
from fortrolig.core.errors import NotFound, ValidationFailed
from fortrolig.privacy.datamap import Category, RetentionClock
from fortrolig.privacy.models import LegalBasis, PolicyVersion, ProcessingActivity
from fortrolig.privacy.register import (
    DEFAULT_ACTIVITIES,
    ActivityInput,
    DataSubjectGroup,
    activity_clean,
    activity_input_from,
    activity_responsible,
    processing_activities,
    processing_activities_ensure_defaults,
    processing_activity_create,
    processing_activity_get,
    processing_activity_update,
    processing_register_open,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def actor() -> Actor:
    return Actor.system()


@pytest.fixture
def seeded(agency):
    processing_activities_ensure_defaults(agency=agency, now=NOW)
    return agency


def _activity(agency, key: str = "recruitment") -> ProcessingActivity:
    return ProcessingActivity.objects.get(agency=agency, key=key)


def _snapshot(agency) -> list[tuple]:
    return list(
        ProcessingActivity.objects.filter(agency=agency)
        .order_by("key")
        .values_list("key", "updated_at", *ActivityInput.__dataclass_fields__)
    )


# -- Defaults ---------------------------------------------------------------------------------


def test_p02_defaults_are_seeded_once(agency):
    created = processing_activities_ensure_defaults(agency=agency, now=NOW)
    assert len(created) == len(DEFAULT_ACTIVITIES)
    again = processing_activities_ensure_defaults(agency=agency, now=NOW)
    assert again == []
    assert ProcessingActivity.objects.filter(agency=agency).count() == len(DEFAULT_ACTIVITIES)
    events = AuditEvent.objects.filter(agency=agency, action="privacy.register.created")
    assert events.count() == len(DEFAULT_ACTIVITIES)


def test_p02_seeding_keeps_a_managers_edits_and_adds_only_missing_defaults(seeded, actor):
    activity = _activity(seeded)
    data = replace(activity_input_from(activity), purpose_nb="Vår egen formulering.")
    processing_activity_update(
        agency=seeded, actor=actor, activity_id=activity.id, data=data, now=NOW
    )
    ProcessingActivity.objects.filter(agency=seeded, key="security_audit").delete()
    added = processing_activities_ensure_defaults(agency=seeded, now=NOW)
    assert [a.key for a in added] == ["security_audit"]
    assert _activity(seeded).purpose_nb == "Vår egen formulering."


def test_p02_defaults_cover_a_recruitment_and_staffing_agency():
    keys = {d.key for d in DEFAULT_ACTIVITIES}
    assert {
        "recruitment",
        "client_presentation",
        "background_checks",
        "staffing_payroll",
        "client_relationship",
        "job_alerts_marketing",
        "job_board_website",
        "security_audit",
        "data_subject_requests",
    } <= keys
    for default in DEFAULT_ACTIVITIES:
        # Every default passes the checks a manager's input passes, unchanged.
        assert activity_clean(default.data) == default.data, default.key
        for name in (
            "name_nb",
            "name_en",
            "purpose_nb",
            "purpose_en",
            "recipients_nb",
            "recipients_en",
            "security_measures_nb",
            "security_measures_en",
        ):
            assert getattr(default.data, name).strip(), (default.key, name)
        # Nobody is delegated by default: the daily manager answers for everything.
        assert default.data.responsible_name == ""
    # The payroll activity keeps to the employment clock, background checks to the
    # assignment's end (P-07, P-19).
    by_key = {d.key: d.data for d in DEFAULT_ACTIVITIES}
    assert by_key["staffing_payroll"].retention_clock == RetentionClock.EMPLOYMENT_END
    assert Category.PAYROLL in by_key["staffing_payroll"].data_categories
    assert by_key["background_checks"].retention_clock == RetentionClock.ASSIGNMENT_END
    assert by_key["recruitment"].retention_clock == RetentionClock.LAST_ACTIVITY


def test_p01_defaults_state_no_number_name_or_address():
    # Periods come from the retention rules and people from the agency: a default text
    # that said "two years" or named someone would drift from the configuration.
    for default in DEFAULT_ACTIVITIES:
        for name, value in vars(default.data).items():
            if isinstance(value, str):
                assert not re.search(r"\d", value), (default.key, name)
                assert "@" not in value, (default.key, name)


# -- The responsible person ---------------------------------------------------------------


def test_p02_the_daily_manager_is_responsible_unless_delegated(seeded, actor):
    activity = _activity(seeded)
    responsible = activity_responsible(agency=seeded, activity=activity)
    assert (responsible.name, responsible.delegated) == ("Kari Testleder", False)

    data = replace(
        activity_input_from(activity),
        responsible_name="Ola Testansvarlig",
        responsible_role="Rekrutteringsleder",
    )
    processing_activity_update(
        agency=seeded, actor=actor, activity_id=activity.id, data=data, now=NOW
    )
    responsible = activity_responsible(agency=seeded, activity=_activity(seeded))
    assert responsible == type(responsible)("Ola Testansvarlig", "Rekrutteringsleder", True)

    # Naming the daily manager is no delegation.
    data = replace(data, responsible_name="Kari Testleder", responsible_role="")
    processing_activity_update(
        agency=seeded, actor=actor, activity_id=activity.id, data=data, now=NOW
    )
    assert not activity_responsible(agency=seeded, activity=_activity(seeded)).delegated


def test_p02_register_page_shows_the_daily_manager_as_such(manager_client, agency):
    body = manager_client.get(reverse("privacy:register")).content.decode()
    assert "Kari Testleder" in body
    assert "(daglig leder)" in body


# -- Changes ---------------------------------------------------------------------------------


def test_p02_update_records_the_changed_field_names_only(seeded, actor):
    activity = _activity(seeded)
    data = replace(
        activity_input_from(activity),
        purpose_nb="Vurdere kandidater til stillinger.",
        data_categories=(Category.CONTACT, Category.IDENTITY),
    )
    processing_activity_update(
        agency=seeded, actor=actor, activity_id=activity.id, data=data, now=NOW
    )
    event = AuditEvent.objects.get(agency=seeded, action="privacy.register.updated")
    assert event.subject_id == activity.id
    assert event.fields == ["data_categories", "purpose_nb"]
    # Stored in the order of the categories, whatever order they came in.
    assert _activity(seeded).data_categories == ["identity", "contact"]
    assert _activity(seeded).purpose_nb == "Vurdere kandidater til stillinger."


def test_p02_an_update_without_change_records_nothing(seeded, actor):
    activity = _activity(seeded)
    processing_activity_update(
        agency=seeded,
        actor=actor,
        activity_id=activity.id,
        data=activity_input_from(activity),
        now=NOW,
    )
    assert not AuditEvent.objects.filter(action="privacy.register.updated").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"data_categories": ("identity", "horoscope")}, "data_categories"),
        ({"data_categories": ()}, "data_categories"),
        ({"data_categories": ("not_personal",)}, "data_categories"),
        ({"data_subjects": ("pets",)}, "data_subjects"),
        ({"data_subjects": ()}, "data_subjects"),
        ({"retention_clock": "forever"}, "retention_clock"),
        ({"retention_clock": "none"}, "retention_clock"),
        ({"legal_basis": "because"}, "legal_basis"),
        ({"name_nb": "   "}, "name_nb"),
        ({"purpose_en": ""}, "purpose_en"),
        ({"name_en": "x" * 201}, "name_en"),
        ({"recipients_nb": "null\x00byte"}, "recipients_nb"),
        ({"responsible_role": "Leder"}, "responsible_name"),
        ({"order": -1}, "order"),
    ],
)
def test_p02_bad_input_is_refused_and_changes_nothing(seeded, actor, changes, field):
    activity = _activity(seeded)
    before = _snapshot(seeded)
    versions = PolicyVersion.objects.count()
    data = replace(activity_input_from(activity), purpose_nb="Endret formål.", **changes)
    with pytest.raises(ValidationFailed) as caught:
        processing_activity_update(
            agency=seeded, actor=actor, activity_id=activity.id, data=data, now=NOW
        )
    assert field in caught.value.field_errors
    assert _snapshot(seeded) == before
    assert PolicyVersion.objects.count() == versions
    assert not AuditEvent.objects.filter(action="privacy.register.updated").exists()


def test_p02_errors_are_clear_bokmal(seeded, actor):
    activity = _activity(seeded)
    data = replace(
        activity_input_from(activity), data_categories=("horoscope",), retention_clock="forever"
    )
    with translation.override("nb"), pytest.raises(ValidationFailed) as caught:
        processing_activity_update(
            agency=seeded, actor=actor, activity_id=activity.id, data=data, now=NOW
        )
    errors = caught.value.field_errors
    assert errors["data_categories"] == ["Velg minst én kategori av opplysninger fra listen."]
    assert errors["retention_clock"] == ["Velg en av lagringsreglene i listen."]


def test_p02_create_an_activity(seeded, actor):
    data = ActivityInput(
        name_nb="Lønnskjøring hos ekstern leverandør",
        name_en="Payroll run by an outside provider",
        purpose_nb="Lønnsutbetaling.",
        purpose_en="Paying salaries.",
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        data_categories=(Category.PAYROLL, Category.IDENTITY),
        data_subjects=(DataSubjectGroup.STAFFING_EMPLOYEES,),
        retention_clock=RetentionClock.EMPLOYMENT_END,
        order=45,
    )
    activity = processing_activity_create(
        agency=seeded, actor=actor, key="payroll_provider", data=data, now=NOW
    )
    assert activity.data_categories == ["identity", "payroll"]
    assert AuditEvent.objects.filter(
        action="privacy.register.created", subject_id=activity.id
    ).exists()
    with pytest.raises(ValidationFailed) as caught:
        processing_activity_create(
            agency=seeded, actor=actor, key="payroll_provider", data=data, now=NOW
        )
    assert "key" in caught.value.field_errors
    with pytest.raises(ValidationFailed) as caught:
        processing_activity_create(
            agency=seeded, actor=actor, key="Ikke gyldig!", data=data, now=NOW
        )
    assert "key" in caught.value.field_errors


# -- Agency isolation --------------------------------------------------------------------------


def test_p02_selectors_keep_to_the_agency(seeded, other_agency, actor):
    processing_activities_ensure_defaults(agency=other_agency, now=NOW)
    theirs = _activity(other_agency)
    assert all(a.agency_id == seeded.id for a in processing_activities(agency=seeded))
    assert all(
        r.activity.agency_id == seeded.id
        for r in processing_register_open(agency=seeded, now=NOW).rows
    )
    with pytest.raises(NotFound):
        processing_activity_get(agency=seeded, activity_id=theirs.id)
    with pytest.raises(NotFound):
        processing_activity_update(
            agency=seeded,
            actor=actor,
            activity_id=theirs.id,
            data=replace(activity_input_from(theirs), purpose_nb="Kapret."),
            now=NOW,
        )
    assert _activity(other_agency).purpose_nb == theirs.purpose_nb


def test_p02_another_agencys_activity_is_not_found_on_the_page(
    manager_client, agency, other_agency
):
    processing_activities_ensure_defaults(agency=other_agency, now=NOW)
    theirs = _activity(other_agency)
    url = reverse("privacy:activity_edit", kwargs={"activity_id": theirs.id})
    assert manager_client.get(url).status_code == 404
    form = _form(activity_input_from(theirs), purpose_nb="Kapret.")
    assert manager_client.post(url, form).status_code == 404
    assert _activity(other_agency).purpose_nb == theirs.purpose_nb
    body = manager_client.get(reverse("privacy:register")).content.decode()
    assert str(theirs.id) not in body
    missing = reverse("privacy:activity_edit", kwargs={"activity_id": uuid.uuid4()})
    assert manager_client.get(missing).status_code == 404


# -- Pages: managers only ----------------------------------------------------------------------


def _form(data: ActivityInput, **overrides) -> dict:
    values = {name: getattr(data, name) for name in ActivityInput.__dataclass_fields__}
    values.update(overrides)
    form = {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}
    return {k: v for k, v in form.items() if v is not None}


def _staff_urls(agency) -> list[tuple[str, str]]:
    processing_activities_ensure_defaults(agency=agency, now=NOW)
    activity = _activity(agency)
    return [
        ("get", reverse("privacy:register")),
        ("get", reverse("privacy:activity_create")),
        ("get", reverse("privacy:activity_edit", kwargs={"activity_id": activity.id})),
        ("post", reverse("privacy:activity_edit", kwargs={"activity_id": activity.id})),
        ("post", reverse("privacy:register_csv")),
        ("post", reverse("privacy:register_pdf")),
        ("get", reverse("privacy:policy")),
        ("get", reverse("privacy:policy_version", kwargs={"number": 1})),
    ]


def test_p02_consultants_are_refused(consultant_client, agency):
    urls = _staff_urls(agency)
    before = _snapshot(agency)
    for method, url in urls:
        response = getattr(consultant_client, method)(url, {"purpose_nb": "x"})
        assert response.status_code == 403, url
    assert _snapshot(agency) == before
    assert not AuditEvent.objects.filter(action="privacy.register.exported").exists()


def test_p02_anonymous_visitors_are_sent_to_the_login(client, agency):
    for method, url in _staff_urls(agency):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/login" in response["Location"]


def test_p02_an_admin_may_edit_the_register(client, agency):
    login_verified(client, make_staff(agency, email="admin@nordlys.example.com", role=Role.ADMIN))
    assert client.get(reverse("privacy:register")).status_code == 200


def test_p02_register_page_lists_every_activity(manager_client, agency):
    response = manager_client.get(reverse("privacy:register"))
    assert response.status_code == 200
    body = response.content.decode()
    for default in DEFAULT_ACTIVITIES:
        assert default.data.name_nb in body
    assert "24 måneder etter siste søknad eller aktivitet" in body
    assert reverse("privacy:register_csv") in body
    assert reverse("privacy:register_pdf") in body


def test_p02_edit_form_saves_and_publishes_a_new_policy_version(manager_client, agency):
    manager_client.get(reverse("privacy:policy"))
    assert PolicyVersion.objects.filter(agency=agency).count() == 1
    activity = _activity(agency)
    url = reverse("privacy:activity_edit", kwargs={"activity_id": activity.id})
    page = manager_client.get(url)
    assert page.status_code == 200
    assert activity.purpose_nb in page.content.decode()
    with time_machine.travel(NOW, tick=False):
        response = manager_client.post(
            url,
            _form(
                activity_input_from(activity),
                purpose_nb="Finne de rette kandidatene.",
                responsible_name="Ola Testansvarlig",
                responsible_role="Fagansvarlig",
            ),
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:register")
    activity = _activity(agency)
    assert activity.purpose_nb == "Finne de rette kandidatene."
    assert activity.responsible_name == "Ola Testansvarlig"
    latest = PolicyVersion.objects.filter(agency=agency).latest("number")
    assert latest.number == 2
    assert latest.published_at == NOW
    assert "Finne de rette kandidatene." in latest.text_nb
    assert "Ola Testansvarlig" in latest.text_nb


def test_p02_bad_form_input_keeps_what_was_typed_and_changes_nothing(manager_client, agency):
    manager_client.get(reverse("privacy:register"))
    activity = _activity(agency)
    before = _snapshot(agency)
    url = reverse("privacy:activity_edit", kwargs={"activity_id": activity.id})
    response = manager_client.post(
        url,
        _form(
            activity_input_from(activity),
            purpose_nb="Mitt nye formål som ikke skal lagres",
            name_en="",
            data_categories=["identity", "horoscope"],
            retention_clock="forever",
        ),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mitt nye formål som ikke skal lagres" in body
    assert "Feltet er påkrevet." in body or "Dette feltet er påkrevd." in body
    assert "horoscope" in body  # Django's own message names the refused choice
    assert 'role="alert"' in body
    assert _snapshot(agency) == before


def test_p02_role_without_a_name_is_refused_on_the_page(manager_client, agency):
    manager_client.get(reverse("privacy:register"))
    activity = _activity(agency)
    before = _snapshot(agency)
    url = reverse("privacy:activity_edit", kwargs={"activity_id": activity.id})
    response = manager_client.post(
        url, _form(activity_input_from(activity), responsible_role="Fagansvarlig")
    )
    assert response.status_code == 200
    assert "Oppgi navnet på den ansvarlige" in response.content.decode()
    assert _snapshot(agency) == before


def test_p02_create_form(manager_client, agency):
    manager_client.get(reverse("privacy:register"))
    form = _form(
        activity_input_from(_activity(agency)),
        name_nb="Videointervju",
        name_en="Video interviews",
    )
    response = manager_client.post(reverse("privacy:activity_create"), {**form, "key": "video"})
    assert response.status_code == 302
    assert _activity(agency, "video").name_en == "Video interviews"
    again = manager_client.post(reverse("privacy:activity_create"), {**form, "key": "video"})
    assert again.status_code == 200
    assert "Protokollen har allerede en behandlingsaktivitet med denne nøkkelen." in (
        again.content.decode()
    )


def test_p02_version_history_is_per_agency(manager_client, agency, other_agency):
    from fortrolig.privacy.policy import policy_publish

    policy_publish(agency=other_agency, now=NOW)
    other_agency.contact_email = "ny@fjellet.example.com"
    other_agency.save()
    policy_publish(agency=other_agency, now=NOW)
    assert manager_client.get(reverse("privacy:policy")).status_code == 200
    assert (
        manager_client.get(reverse("privacy:policy_version", kwargs={"number": 1})).status_code
        == 200
    )
    theirs = reverse("privacy:policy_version", kwargs={"number": 2})
    assert manager_client.get(theirs).status_code == 404
