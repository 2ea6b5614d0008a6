"""The security page, roles and the agency switcher."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from fortrolig.accounts.models import Membership, Role
from fortrolig.accounts.permissions import SESSION_AGENCY_KEY
from fortrolig.audit.models import AuditEvent

from .helpers import staff_with_totp, verified_login

pytestmark = pytest.mark.django_db


def test_p26_end_all_sessions_logs_out_every_session(agency, consultant, frozen):
    user, device = consultant
    here, elsewhere = Client(), Client()
    verified_login(here, user, device)
    verified_login(elsewhere, user, device)
    assert elsewhere.get(reverse("core:dashboard")).status_code == 200

    response = here.post(reverse("accounts:sessions_end_all"))

    assert response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in here.session
    assert elsewhere.get(reverse("core:dashboard"))["Location"].startswith(
        reverse("accounts:login")
    )
    user.refresh_from_db()
    assert user.session_generation == 1
    event = AuditEvent.objects.get(action="account.sessions_ended")
    assert (event.agency_id, event.actor_id, event.subject_id) == (agency.id, user.pk, user.pk)


def test_end_all_sessions_is_post_only(client, consultant, frozen):
    user, device = consultant
    verified_login(client, user, device)
    assert client.get(reverse("accounts:sessions_end_all")).status_code == 405


def test_p26_new_recovery_codes_replace_the_old_ones(
    client, consultant, frozen, django_capture_on_commit_callbacks, mailoutbox
):
    user, device = consultant
    static = StaticDevice.objects.create(user=user, name="Recovery codes")
    StaticToken.objects.create(device=static, token="gammel22")
    verified_login(client, user, device)
    page = client.get(reverse("accounts:security")).content.decode()
    assert "Du har 1 ubrukt reservekode." in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:recovery_codes_regenerate"))

    tokens = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(tokens) == 10
    assert "gammel22" not in tokens
    assert all(token in response.content.decode() for token in tokens)
    assert StaticDevice.objects.filter(user=user).get() == static
    assert AuditEvent.objects.filter(action="account.recovery_codes_replaced").count() == 1
    # The user is told by email, in their language, and the email holds no code (P-10).
    [mail] = mailoutbox
    assert mail.to == [user.email]
    assert mail.subject == "Reservekodene dine i Fortrolig er laget på nytt"
    assert "/staff/security/" in mail.body
    assert not any(token in mail.body for token in tokens)
    assert not any(token in str(mail.alternatives) for token in tokens)


def test_p26_security_page_needs_two_factors(client, consultant):
    user, _device = consultant
    client.force_login(user)  # password only: no OTP device in the session
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_consultant_cannot_open_the_managers_audit_page(client, consultant, frozen):
    user, device = consultant
    verified_login(client, user, device)

    response = client.get("/staff/audit/")

    assert response.status_code == 403
    assert "Du har ikke tilgang til dette." in response.content.decode()


def test_manager_can_open_the_audit_page(client, agency, frozen):
    manager, device = staff_with_totp(agency, "leder@nordlys.example.com", Role.MANAGER)
    verified_login(client, manager, device)
    assert client.get("/staff/audit/").status_code == 200


def test_agency_switch_to_a_member_agency(client, agency, other_agency, consultant, frozen):
    user, device = consultant
    Membership.objects.create(user=user, agency=other_agency, role=Role.MANAGER)
    verified_login(client, user, device)
    page = client.get(reverse("core:dashboard")).content.decode()
    assert 'name="agency"' in page
    assert other_agency.name in page

    response = client.post(reverse("accounts:agency_switch"), {"agency": str(other_agency.id)})

    assert response["Location"] == reverse("core:dashboard")
    assert client.session[SESSION_AGENCY_KEY] == str(other_agency.id)
    # The role follows the agency: a manager there may open the audit page.
    assert client.get("/staff/audit/").status_code == 200


def test_agency_switch_refuses_an_agency_the_user_is_not_a_member_of(
    client, agency, other_agency, consultant, frozen
):
    user, device = consultant
    verified_login(client, user, device)

    response = client.post(reverse("accounts:agency_switch"), {"agency": str(other_agency.id)})

    assert response.status_code == 403
    assert SESSION_AGENCY_KEY not in client.session
    page = client.get(reverse("core:dashboard")).content.decode()
    assert other_agency.name not in page


def test_agency_switch_refuses_nonsense(client, consultant, frozen):
    user, device = consultant
    verified_login(client, user, device)
    response = client.post(reverse("accounts:agency_switch"), {"agency": "ikke-en-id"})
    assert response.status_code == 400
    assert SESSION_AGENCY_KEY not in client.session
