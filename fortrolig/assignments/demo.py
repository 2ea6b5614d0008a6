"""Made-up demo clients, assignments, published ads and applications for `seed_demo`.

Company names and people are invented; addresses use example.com. Idempotent: a client that
exists (by organisation number) is left alone with everything hung on it.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate
from fortrolig.candidates.validation import email_hash
from fortrolig.clients.models import Client
from fortrolig.clients.services import (
    agreement_create,
    client_contact_add,
    client_create,
    credit_assessment_record,
)
from fortrolig.clients.validation import AgreementInput, ClientInput, ContactInput
from fortrolig.core.models import Agency

from .ads import EmploymentType
from .ads_services import AdInput, ad_create, ad_publish, publication_add
from .models import AssignmentKind, Channel
from .services import AssignmentInput, PositionInput, application_add, assignment_create


@dataclass(frozen=True)
class DemoBusiness:
    client: ClientInput
    contact: ContactInput
    credit_score: int
    assignment_title: str
    kind: str
    confidential: bool
    position: PositionInput
    ad_text: str
    employment_type: str
    finn_url: str
    applicant_emails: tuple[str, ...]


DEMO_BUSINESS = (
    DemoBusiness(
        client=ClientInput(
            name="Fjordlys Energi AS",
            org_number="889640782",
            visiting_address="Kaigaten 1",
            postal_code="5015",
            city="Bergen",
            invoice_email="faktura@fjordlys.example.com",
            invoice_reference="Innkjøp 4411",
        ),
        contact=ContactInput(
            name="Siri Kontaktsen",
            role="HR-leder",
            email="siri.kontaktsen@fjordlys.example.com",
            is_primary=True,
        ),
        credit_score=78,
        assignment_title="Rekruttering av backend-utvikler",
        kind=AssignmentKind.RECRUITMENT,
        # The client's name stays hidden from candidates until a consultant releases it.
        confidential=True,
        position=PositionInput(
            title="Backend-utvikler", location="Trondheim", requires_credit_check=True
        ),
        ad_text=(
            "Vår kunde, et energiselskap i vekst, søker en backend-utvikler som liker "
            "Python, Django og PostgreSQL. Du blir del av et lite team som bygger "
            "tjenester for kunder over hele landet."
        ),
        employment_type=EmploymentType.FULL_TIME,
        finn_url="https://www.finn.no/job/fulltime/ad.html?finnkode=100000001",
        applicant_emails=("amira.testdatter@example.com",),
    ),
    DemoBusiness(
        client=ClientInput(
            name="Nordkapp Logistikk AS",
            org_number="912345688",
            visiting_address="Havnegata 12",
            postal_code="9750",
            city="Honningsvåg",
            invoice_email="regnskap@nordkapp-logistikk.example.com",
        ),
        contact=ContactInput(
            name="Per Oppdragsen",
            role="Driftssjef",
            email="per.oppdragsen@nordkapp-logistikk.example.com",
            is_primary=True,
        ),
        # Under the default threshold (50): the client needs prepayment (P-08).
        credit_score=38,
        assignment_title="Innleie av lagermedarbeidere",
        kind=AssignmentKind.STAFFING,
        confidential=False,
        position=PositionInput(
            title="Lagermedarbeider",
            location="Oslo",
            openings=3,
            requires_police_certificate=True,
        ),
        ad_text=(
            "Nordkapp Logistikk AS trenger strukturerte lagermedarbeidere til "
            "sesongtopp. Truckførerbevis er en fordel. Politiattest kreves."
        ),
        employment_type=EmploymentType.TEMPORARY,
        finn_url="https://www.finn.no/job/parttime/ad.html?finnkode=100000002",
        applicant_emails=("lars.eksempelsen@example.com",),
    ),
)


def demo_business_seed(*, agency: Agency, now: datetime) -> int:
    """Create the demo clients that do not exist yet, each with a contact, an agreement, a
    credit assessment, an open assignment with a published ad, and applications from demo
    candidates. Returns how many clients were created."""
    actor = Actor.system()
    today = now.date()
    created = 0
    for demo in DEMO_BUSINESS:
        if Client.objects.filter(agency=agency, org_number=demo.client.org_number).exists():
            continue
        client = client_create(agency=agency, actor=actor, data=demo.client, now=now)
        client_contact_add(
            agency=agency, actor=actor, client_id=client.id, data=demo.contact, now=now
        )
        agreement_create(
            agency=agency,
            actor=actor,
            client_id=client.id,
            data=AgreementInput(
                terms="Rammeavtale om rekruttering og bemanning.",
                fee_terms="20 % av første årslønn; timepris etter prisliste.",
                signed_on=today - timedelta(days=30),
                valid_from=today - timedelta(days=30),
                valid_until=date(today.year + 2, 12, 31),
            ),
            now=now,
        )
        credit_assessment_record(
            agency=agency,
            actor=actor,
            client_id=client.id,
            assessed_on=today - timedelta(days=7),
            score=demo.credit_score,
            source="Eksempel Kreditt AS",
            now=now,
        )
        assignment = assignment_create(
            agency=agency,
            actor=actor,
            data=AssignmentInput(
                client_id=client.id,
                title=demo.assignment_title,
                kind=demo.kind,
                starts_on=today - timedelta(days=14),
                ends_on=today + timedelta(days=180),
                confidential_client=demo.confidential,
            ),
            positions=[demo.position],
            now=now,
        )
        position = assignment.positions.get()
        ad = ad_create(
            agency=agency,
            actor=actor,
            position_id=position.id,
            data=AdInput(
                title=demo.position.title,
                body=demo.ad_text,
                location=demo.position.location,
                employment_type=demo.employment_type,
                apply_by=today + timedelta(days=45),
            ),
            now=now,
        )
        ad_publish(agency=agency, actor=actor, ad_id=ad.id, now=now)
        publication_add(
            agency=agency,
            actor=actor,
            ad_id=ad.id,
            channel=Channel.FINN,
            url=demo.finn_url,
            published_on=today,
            now=now,
        )
        for email in demo.applicant_emails:
            candidate = Candidate.objects.filter(
                agency=agency, email_hash=email_hash(email)
            ).first()
            if candidate is not None:
                application_add(
                    agency=agency,
                    actor=actor,
                    candidate_id=candidate.id,
                    position_id=position.id,
                    now=now,
                )
        created += 1
    return created
