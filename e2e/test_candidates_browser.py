"""A consultant searches, opens a candidate and uploads a CV, in a real browser."""

import io
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfWriter

from fortrolig.audit.services import actor_for_user
from fortrolig.candidates.services import CandidateInput, candidate_create
from fortrolig.conftest import make_agency, make_staff
from fortrolig.core import clock

pytestmark = pytest.mark.browser

PASSWORD = "riktig-passord-123"


def _pdf(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    path = tmp_path / "CV Ingrid Prøvesen.pdf"
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())
    return path


def test_p05_consultant_searches_opens_a_candidate_and_uploads_a_cv(
    live_server, page, staff_login, transactional_db, tmp_path
):
    agency = make_agency()
    user = make_staff(agency, email="radgiver@nordlys.example.com", password=PASSWORD)
    device = TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)
    for first, last, summary in [
        ("Ingrid", "Prøvesen", "Sykepleier med erfaring fra akuttmottak."),
        ("Lars", "Eksempelsen", "Regnskapsfører og økonom."),
    ]:
        candidate_create(
            agency=agency,
            actor=actor_for_user(user),
            data=CandidateInput(first_name=first, last_name=last, summary=summary, city="Bergen"),
            now=clock.now(),
        )

    staff_login(live_server.url, email=user.email, password=PASSWORD, device=device)
    page.get_by_role("link", name="Kandidater").click()
    page.get_by_role("heading", name="Kandidater", level=1).wait_for()

    # Search as you type: the results change without a page load.
    page.get_by_role("searchbox", name="Søk").fill("Ingrid")
    page.locator("#results").get_by_text("Lars Eksempelsen").wait_for(state="detached")
    page.get_by_role("link", name="Ingrid Prøvesen").click()
    page.get_by_role("heading", name="Ingrid Prøvesen", level=1).wait_for()

    page.get_by_label("Dokumenttype").select_option("cv")
    page.get_by_label(re.compile(r"^Fil\b")).set_input_files(str(_pdf(tmp_path)))
    page.get_by_role("button", name="Last opp").click()
    page.get_by_role("link", name="CV Ingrid Prøvesen.pdf").wait_for()
    page.get_by_text("Dokumentet er lastet opp.").wait_for()
