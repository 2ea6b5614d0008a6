"""A manager registers an erasure request from a candidate's page and carries it out, in a
real browser: the candidate is gone, the employment and its payroll are kept under their
rules and named in the answer, and the receipt is emailed (P-19, P-22, P-24, P-25)."""

import io
import re
from datetime import date

import pytest
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfWriter

from fortrolig.accounts.models import Role
from fortrolig.assignments.models import AssignmentKind
from fortrolig.audit.models import AuditEvent
from fortrolig.audit.services import actor_for_user
from fortrolig.candidates.models import Candidate
from fortrolig.candidates.services import CandidateInput, candidate_create
from fortrolig.conftest import make_agency, make_position, make_staff
from fortrolig.core import clock
from fortrolig.documents.services import document_upload
from fortrolig.messaging.models import OutboundEmail
from fortrolig.privacy.models import (
    DataSubjectRequest,
    IdentityMethod,
    RequestChannel,
    RequestKind,
    RequestStatus,
    RequestSubjectType,
)
from fortrolig.staffing.models import Employment, PayrollRecord
from fortrolig.staffing.services import (
    EmploymentInput,
    PayrollInput,
    employment_start,
    payroll_record_add,
)

pytestmark = pytest.mark.browser

PASSWORD = "riktig-passord-123"
FIRST, LAST = "Sigrid", "Slettesen"
FULL_NAME = f"{FIRST} {LAST}"
EMAIL = "sigrid.slettesen@example.com"


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _employed_candidate(agency, user):
    """A candidate with a CV, employed on a staffing assignment with one month's pay."""
    actor = actor_for_user(user)
    now = clock.now()
    candidate = candidate_create(
        agency=agency,
        actor=actor,
        data=CandidateInput(first_name=FIRST, last_name=LAST, email=EMAIL, city="Bergen"),
        now=now,
    )
    document_upload(
        agency=agency,
        actor=actor,
        candidate_id=candidate.id,
        kind="cv",
        filename="CV.pdf",
        content=_pdf(),
        now=now,
    )
    assignment = make_position(agency, assignment_title="Bemanning av lager").assignment
    assignment.kind = AssignmentKind.STAFFING
    assignment.save(update_fields=["kind"])
    employment = employment_start(
        agency=agency,
        actor=actor,
        data=EmploymentInput(
            candidate_id=candidate.id,
            assignment_id=assignment.id,
            position_percentage="80",
            salary_basis="monthly",
            salary_amount="41 500,00",
            started_on=date(2026, 1, 5),
        ),
        now=now,
    )
    payroll_record_add(
        agency=agency,
        actor=actor,
        employment_id=employment.id,
        data=PayrollInput(period=date(2026, 1, 1), paid_on=date(2026, 1, 25), gross_pay="33200"),
        now=now,
    )
    return candidate, employment


def _no_name_in_url(page) -> None:
    url = page.url.lower()
    for part in (FIRST, LAST, EMAIL, "sigrid", "slettesen"):
        assert part.lower() not in url, "personal data in the URL"


def test_p22_p25_manager_erases_an_employed_candidate_on_request_and_the_employment_is_kept(
    live_server, page, staff_login, transactional_db
):
    agency = make_agency()
    user = make_staff(
        agency, email="leder@nordlys.example.com", role=Role.MANAGER, password=PASSWORD
    )
    device = TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)
    candidate, employment = _employed_candidate(agency, user)
    candidate_url = f"{live_server.url}/staff/candidates/{candidate.id}/"

    staff_login(live_server.url, email=user.email, password=PASSWORD, device=device)

    # 1. The candidate's page, with its document; the request is registered from there.
    page.goto(candidate_url)
    page.get_by_role("heading", name=FULL_NAME, level=1).wait_for()
    page.get_by_role("link", name="CV.pdf").wait_for()
    _no_name_in_url(page)
    page.get_by_role("link", name="Registrer en personvernforespørsel").click()
    page.get_by_role("heading", name="Registrer en forespørsel", level=1).wait_for()
    _no_name_in_url(page)
    # The link fills in who the request is about.
    assert page.get_by_label(re.compile(r"^Personens ID\b")).input_value() == str(candidate.id)
    assert page.get_by_label(re.compile(r"^Gjelder\b")).input_value() == "candidate"

    page.get_by_label(re.compile(r"^Personen ber om\b")).select_option("erasure")
    page.get_by_label(re.compile(r"^Mottatt via\b")).select_option("letter")
    page.get_by_label(re.compile(r"^Identitet kontrollert ved\b")).select_option("document_seen")
    page.get_by_label(re.compile(r"^Hva personen ber om\b")).fill("Ber om sletting, brev mottatt.")
    page.get_by_role("button", name="Registrer", exact=True).click()

    # 2. The request's page: registered, verified, and the erasure can be carried out.
    page.get_by_text("Forespørselen er registrert.").wait_for()
    _no_name_in_url(page)
    request = DataSubjectRequest.objects.get()
    assert page.url == f"{live_server.url}/staff/requests/{request.id}/"
    assert request.kind == "erasure"
    assert request.identity_method == "document_seen"
    assert request.status == RequestStatus.OPEN

    erase = page.get_by_role("button", name="Slett opplysningene")
    # Keyboard reachable: a real submit button in a form that posts.
    assert erase.evaluate("b => b.tagName") == "BUTTON"
    assert erase.get_attribute("type") == "submit"
    assert erase.evaluate("b => b.form !== null && b.form.method === 'post'")
    erase.focus()
    page.keyboard.press("Enter")

    # 3. Done, and the answer names what is kept and why.
    page.get_by_text("Opplysningene er slettet og forespørselen besvart.").wait_for()
    _no_name_in_url(page)
    assert page.get_by_test_id("status").inner_text().strip() == "Besvart"
    answer = page.get_by_test_id("response").inner_text()
    assert "bokføringsloven" in answer.lower(), answer
    assert re.search(r"pågående avtale", answer, re.I), answer
    assert page.get_by_role("button", name="Slett opplysningene").count() == 0
    assert FULL_NAME not in page.content()

    # 4. The candidate is gone; the employment stays, without a link to the candidate.
    response = page.goto(candidate_url)
    assert response is not None and response.status == 404
    assert not Candidate.objects.filter(pk=candidate.id).exists()
    page.goto(f"{live_server.url}/staff/staffing/{employment.id}/")
    page.get_by_role("heading", name=FULL_NAME, level=1).wait_for()
    page.get_by_role("heading", name="Ansettelse").wait_for()
    assert page.get_by_test_id("ended-on").inner_text().strip() == "Pågår"
    assert page.get_by_test_id("payroll-row").count() == 1
    assert page.get_by_role("link", name="Åpne kandidaten").count() == 0
    assert f"/staff/candidates/{candidate.id}/" not in page.content()
    _no_name_in_url(page)
    assert Employment.objects.get(pk=employment.id).candidate_id is None
    assert PayrollRecord.objects.filter(employment_id=employment.id).count() == 1

    # 5. The receipt in the outbox. Celery runs eagerly in tests, so it has gone already,
    # and once sent the outbox has forgotten the address.
    receipt = OutboundEmail.objects.get(template="privacy.erasure_receipt")
    assert receipt.status == "sent", f"receipt not sent: {receipt.status}"
    page.goto(f"{live_server.url}/staff/outbox/")
    page.get_by_role("heading", name="Utboks", level=1).wait_for()
    row = page.locator(f'tr[data-email-id="{receipt.id}"]')
    row.get_by_role("link", name=re.compile("^Kvittering")).wait_for()
    assert row.get_by_text("adressen er slettet").count() == 1
    assert EMAIL not in page.content()
    assert FULL_NAME not in page.content()
    _no_name_in_url(page)

    # 6. One audit event for the erasure, naming no one.
    events = AuditEvent.objects.filter(action="privacy.subject.erased", subject_id=candidate.id)
    assert events.count() == 1
    recorded = repr(list(events.values("subject_type", "fields", "purpose")))
    assert FIRST not in recorded and LAST not in recorded and EMAIL not in recorded


ENGLISH_CHOICES = {
    "kind": dict(RequestKind.choices),
    "channel": dict(RequestChannel.choices),
    "subject_type": dict(RequestSubjectType.choices),
    "identity_method": dict(IdentityMethod.choices),
}


def test_p24_the_request_form_and_page_speak_norwegian(
    live_server, page, staff_login, transactional_db
):
    agency = make_agency()
    user = make_staff(
        agency, email="leder@nordlys.example.com", role=Role.MANAGER, password=PASSWORD
    )
    device = TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)
    candidate = candidate_create(
        agency=agency,
        actor=actor_for_user(user),
        data=CandidateInput(first_name=FIRST, last_name=LAST, email=EMAIL, city="Bergen"),
        now=clock.now(),
    )
    staff_login(live_server.url, email=user.email, password=PASSWORD, device=device)
    page.goto(
        f"{live_server.url}/staff/requests/new/?subject_type=candidate&subject_id={candidate.id}"
    )
    page.get_by_role("heading", name="Registrer en forespørsel", level=1).wait_for()
    untranslated = []
    for name, choices in ENGLISH_CHOICES.items():
        for option in page.locator(f'select[name="{name}"] option').all():
            value = option.get_attribute("value") or ""
            with translation.override("en"):
                english = str(choices[value]) if value else ""
            # "Portal" is the same word in bokmål.
            if value and value != "portal" and option.inner_text().strip() == english:
                untranslated.append(f"{name}={value}")
    page.locator('select[name="kind"]').select_option("erasure")
    page.locator('select[name="channel"]').select_option("letter")
    page.locator('select[name="identity_method"]').select_option("document_seen")
    page.get_by_role("button", name="Registrer", exact=True).click()
    page.get_by_text("Forespørselen er registrert.").wait_for()
    heading = page.get_by_role("heading", level=1).inner_text()
    status = page.get_by_test_id("status").inner_text().strip()
    assert untranslated == [], untranslated
    assert "Erasure" not in heading, heading
    assert status == "Åpen", status
