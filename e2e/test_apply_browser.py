"""A candidate finds an ad on the public job board and applies with a CV; the consultant
sees the application on the position's board and moves it, in a real browser."""

import io
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfWriter

from fortrolig.assignments.models import Application
from fortrolig.audit.models import AuditEvent
from fortrolig.conftest import (
    make_agency,
    make_client,
    make_position,
    make_published_ad,
    make_staff,
)

pytestmark = pytest.mark.browser

PASSWORD = "riktig-passord-123"


def _cv(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "CV Kari Søkersen.pdf"
    path.write_bytes(out.getvalue())
    return path


def test_p06_a_candidate_applies_on_the_job_board_and_the_consultant_sees_it_on_the_board(
    live_server, browser, page, staff_login, transactional_db, tmp_path
):
    agency = make_agency()
    user = make_staff(agency, email="radgiver@nordlys.example.com", password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)
    position = make_position(agency, title="Lagermedarbeider", location="Bergen")
    make_published_ad(agency, position=position)
    other = make_published_ad(
        agency,
        position=make_position(
            agency,
            client=make_client(agency, name="Havbris Regnskap AS", index=1),
            title="Regnskapsfører",
            location="Oslo",
            assignment_title="Rekruttering av regnskapsfører",
        ),
        body="Vi søker en regnskapsfører med erfaring fra årsoppgjør.",
    )

    # The candidate, in English, with cookies of their own.
    context = browser.new_context(locale="en-GB")
    candidate = context.new_page()
    candidate.set_default_timeout(15_000)
    candidate.goto(f"{live_server.url}/")
    candidate.get_by_role("heading", name="Vacant positions", level=1).wait_for()
    candidate.get_by_role("searchbox", name="Search").fill("lager")
    candidate.get_by_role("searchbox", name="Search").press("Enter")
    candidate.get_by_role("link", name=other.title).wait_for(state="detached")
    candidate.get_by_role("link", name="Lagermedarbeider").click()
    candidate.get_by_role("heading", name="Lagermedarbeider", level=1).wait_for()
    candidate.get_by_role("link", name="Apply").click()

    candidate.get_by_role("textbox", name="First name").fill("Kari")
    candidate.get_by_role("textbox", name="Last name").fill("Søkersen")
    candidate.get_by_role("textbox", name="Email").fill("kari.sokersen@example.com")
    candidate.get_by_label(re.compile(r"^CV")).set_input_files(str(_cv(tmp_path)))
    # Without the acknowledgement the form refuses and keeps what was typed.
    candidate.get_by_role("button", name="Send application").click()
    candidate.get_by_role("alert").first.wait_for()
    assert candidate.get_by_role("textbox", name="First name").input_value() == "Kari"
    assert Application.objects.count() == 0

    candidate.get_by_label(re.compile(r"^CV")).set_input_files(str(_cv(tmp_path)))
    candidate.get_by_label(re.compile(r"^I agree that")).check()
    candidate.get_by_role("button", name="Send application").click()
    candidate.get_by_text(re.compile("your application has been received", re.I)).wait_for()
    context.close()

    application = Application.objects.get()
    assert application.position_id == position.id
    assert application.sharing_acknowledged_at is not None

    # The consultant finds it on the board and moves it on; the move is audited.
    staff_login(live_server.url, email=user.email, password=PASSWORD, device=device)
    page.get_by_role("link", name="Oppdrag", exact=True).click()
    page.get_by_role("link", name=position.assignment.title).click()
    page.get_by_role("link", name="Åpne tavlen").first.click()
    page.get_by_role("heading", name="Lagermedarbeider", level=1).wait_for()
    card = page.get_by_test_id("card").filter(has_text="Kari Søkersen")
    card.wait_for()
    card.get_by_label("Flytt til").select_option(label="Intervju")
    card.get_by_role("button", name=re.compile("^Flytt")).click()
    interview = page.locator(
        "section", has=page.get_by_role("heading", name=re.compile("^Intervju"))
    )
    interview.get_by_role("link", name="Kari Søkersen").wait_for()
    assert AuditEvent.objects.filter(action="application.stage_changed").count() == 1
