"""The candidate search index: one row per candidate, a projection of the candidate and the
extracted text of their documents, kept current by `services.search_index_refresh`.

PostgreSQL keeps weighted tsvectors in `search_vector` (GIN index) and `profile_vector`, a
trigram index on the name and a GIN index on the skill keys (migration 0002). SQLite leaves
the vectors empty and keeps two FTS5 tables over this one instead (same migration), kept in
sync by triggers, so that even a cascade delete leaves no stale index entry behind. A later
migration that makes SQLite rebuild this table (most ALTERs do) drops those triggers with
the old table and must install them again (schema.SQLITE_INSTALL).
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from fortrolig.candidates.models import Availability, Candidate, Source
from fortrolig.core.models import Agency


class CandidateSearchEntry(models.Model):
    """What search may see of one candidate. Holds plaintext personal data, including the
    text of their documents: it is removed with the candidate (CASCADE) and left out
    altogether while the candidate's processing is restricted (P-23).

    The integer primary key is the FTS5 rowid on SQLite.
    """

    # No index of its own: search_entry_list_idx starts with the agency.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="+")
    full_name = models.CharField(max_length=201)
    # Desired roles, skills and languages (tsvector weight B).
    roles_text = models.TextField(blank=True)
    # Summary and location (weight C).
    summary_text = models.TextField(blank=True)
    # The extracted text of every document whose extraction is done (weight D).
    documents_text = models.TextField(blank=True)
    skills = models.JSONField(default=list, blank=True)
    # The skills lower-cased, for an exact, case-insensitive filter.
    skill_keys = models.JSONField(default=list, blank=True)
    city = models.CharField(max_length=100, blank=True)
    availability = models.CharField(
        max_length=20, choices=Availability.choices, default=Availability.UNKNOWN
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    # A restricted candidate has no entry; the flag is a second guard for the short time
    # between a restriction and the refresh that removes the entry.
    restricted = models.BooleanField(default=False)
    last_activity_at = models.DateTimeField()
    # PostgreSQL only (NULL on SQLite), computed by a trigger (schema.py). search_vector
    # holds everything, weighted: names A, roles and skills B, summary and location C,
    # documents D; its GIN index finds the matches. profile_vector holds only A to C: small
    # enough to stay in the row, so that ranking never decompresses a CV (selectors.py).
    search_vector = SearchVectorField(null=True, blank=True)
    profile_vector = SearchVectorField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["agency", "restricted", "-last_activity_at", "id"],
                name="search_entry_list_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"search entry {self.pk}"
