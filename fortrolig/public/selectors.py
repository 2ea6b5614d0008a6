"""Reads for the public pages. These show only what an agency publishes about itself."""

from dataclasses import dataclass

from fortrolig.core.models import Agency


@dataclass(frozen=True)
class AgencyListing:
    name: str
    contact_email: str


def agency_directory() -> list[AgencyListing]:
    """Every agency's name and public contact address, by name.

    The one read that spans agencies, on purpose: it lists what each agency publishes,
    and selects nothing else, so that no other field can reach the public page.
    """
    rows = Agency.objects.order_by("name").values_list("name", "contact_email")
    return [AgencyListing(name=name, contact_email=email) for name, email in rows]
