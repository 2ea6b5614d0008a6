"""Made-up demo candidates with a CV each, for `seed_demo`. Names and addresses are
invented; emails use example.com."""

from datetime import datetime

from fortrolig.audit.services import Actor
from fortrolig.core.models import Agency
from fortrolig.documents.models import DocumentKind
from fortrolig.documents.services import document_upload

from .models import Availability, Source
from .selectors import candidate_duplicates
from .services import CandidateInput, candidate_create

DEMO_CANDIDATES = (
    (
        CandidateInput(
            first_name="Ingrid",
            last_name="Prøvesen",
            email="ingrid.provesen@example.com",
            city="Bergen",
            skills=("akuttmedisin", "intensiv", "veiledning"),
            languages=("norsk", "engelsk"),
            desired_roles=("sykepleier",),
            availability=Availability.NOTICE_PERIOD,
            summary="Sykepleier med åtte års erfaring fra akuttmottak og intensivavdeling.",
            source=Source.APPLICATION,
        ),
        "Ingrid Prøvesen\nSykepleier\n\nErfaring\n2017-2025: Sykepleier, akuttmottak, "
        "Haukeland (eksempel)\nVeileder for nyutdannede sykepleiere.\n",
    ),
    (
        CandidateInput(
            first_name="Lars",
            last_name="Eksempelsen",
            email="lars.eksempelsen@example.com",
            city="Oslo",
            skills=("regnskap", "årsoppgjør", "Excel"),
            languages=("norsk",),
            desired_roles=("regnskapsfører", "økonomimedarbeider"),
            availability=Availability.IMMEDIATELY,
            summary="Autorisert regnskapsfører med erfaring fra byrå og industri.",
            source=Source.CONSULTANT,
        ),
        "Lars Eksempelsen\nRegnskapsfører\n\nÅrsoppgjør, mva-rapportering og lønn for små "
        "og mellomstore bedrifter.\n",
    ),
    (
        CandidateInput(
            first_name="Amira",
            last_name="Testdatter",
            email="amira.testdatter@example.com",
            city="Trondheim",
            skills=("Python", "Django", "PostgreSQL"),
            languages=("norsk", "engelsk", "arabisk"),
            desired_roles=("utvikler",),
            availability=Availability.IMMEDIATELY,
            summary="Backend developer who has built booking and payroll systems.",
            source=Source.CAMPAIGN,
            source_partner="Eksempel Media AS",
        ),
        "Amira Testdatter\nSoftware developer\n\nFive years of Python and Django; "
        "developers' mentor; PostgreSQL performance work.\n",
    ),
)


def demo_candidates_seed(*, agency: Agency, now: datetime) -> int:
    """Create the demo candidates that do not exist yet, each with a CV. Returns how many
    were created; a second run creates none."""
    actor = Actor.system()
    created = 0
    for data, cv_text in DEMO_CANDIDATES:
        if candidate_duplicates(agency=agency, data=data):
            continue
        candidate = candidate_create(agency=agency, actor=actor, data=data, now=now)
        document_upload(
            agency=agency,
            actor=actor,
            candidate_id=candidate.id,
            kind=DocumentKind.CV,
            filename=f"CV {candidate.full_name}.txt",
            content=cv_text.encode("utf-8"),
            now=now,
        )
        created += 1
    return created
