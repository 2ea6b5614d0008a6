"""Reads that shape data for the candidate pages (the forms' initial values, the merge
screen). Thin wrappers over the candidates selectors; no domain rules here."""

import uuid
from dataclasses import dataclass
from typing import Any

from fortrolig.core.models import Agency

from . import selectors, services
from .models import Candidate


def candidate_form_initial(*, candidate: Candidate) -> dict[str, Any]:
    """The edit form's initial values. The national identity number is left out on
    purpose: it is shown masked, and an empty field keeps the stored value."""
    return {
        "first_name": candidate.first_name,
        "last_name": candidate.last_name,
        "email": candidate.email,
        "phone": candidate.phone,
        "birth_date": candidate.birth_date,
        "address": candidate.address,
        "postal_code": candidate.postal_code,
        "city": candidate.city,
        "skills": candidate.skills,
        "languages": candidate.languages,
        "desired_roles": candidate.desired_roles,
        "availability": candidate.availability,
        "available_from": candidate.available_from,
        "summary": candidate.summary,
        "source": candidate.source,
        "source_partner": candidate.source_partner,
    }


@dataclass(frozen=True)
class MergeScreen:
    candidate: Candidate
    matches: list[Any]


def merge_screen(*, agency: Agency, candidate_id: uuid.UUID) -> MergeScreen:
    candidate = selectors.candidate_get(agency=agency, candidate_id=candidate_id)
    data = services.CandidateInput(
        first_name=candidate.first_name,
        last_name=candidate.last_name,
        email=candidate.email,
        phone=candidate.phone,
        birth_date=candidate.birth_date,
    )
    matches = selectors.candidate_duplicates(agency=agency, data=data, exclude_id=candidate.id)
    return MergeScreen(candidate=candidate, matches=matches)
