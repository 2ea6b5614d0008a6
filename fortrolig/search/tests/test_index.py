"""Keeping the index current: refresh, remove, rebuild, scheduling after commit."""

import uuid

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from fortrolig.candidates.models import Candidate
from fortrolig.core.crypto import data_key_destroy
from fortrolig.core.models import DataKey
from fortrolig.documents.models import Document, ExtractionStatus
from fortrolig.search.models import CandidateSearchEntry
from fortrolig.search.selectors import CandidateSearchQuery, candidate_search
from fortrolig.search.services import (
    search_index_rebuild,
    search_index_refresh,
    search_index_remove,
    search_index_schedule,
)

from .helpers import make_candidate, make_document


def found(agency, text):
    page = candidate_search(agency=agency, query=CandidateSearchQuery(text=text))
    return [row.full_name for row in page.rows]


def test_refresh_writes_the_entry(agency):
    kari = make_candidate(
        agency,
        "Kari",
        "Nordmann",
        city="Bergen",
        skills=["Python", " SQL ", ""],
        desired_roles=["Utvikler"],
        languages=["Norsk"],
        summary="Erfaren.",
    )
    make_document(kari, "Første CV")
    make_document(kari, "Andre CV")
    make_document(kari, "ikke ferdig", status=ExtractionStatus.PENDING)

    entry = CandidateSearchEntry.objects.get(candidate=kari)
    assert entry.agency_id == agency.id
    assert entry.full_name == "Kari Nordmann"
    assert entry.skills == ["Python", "SQL"]
    assert entry.skill_keys == ["python", "sql"]
    assert entry.roles_text == "Utvikler\nPython\nSQL\nNorsk"
    assert entry.summary_text == "Bergen\nErfaren."
    assert entry.documents_text == "Første CV\n\nAndre CV"
    assert (entry.search_vector is not None) == (connection.vendor == "postgresql")


def test_refresh_is_idempotent(agency):
    kari = make_candidate(agency, "Kari", "Nordmann", summary="Sykepleier")
    search_index_refresh(candidate_id=kari.id)
    search_index_refresh(candidate_id=kari.id)

    assert CandidateSearchEntry.objects.filter(candidate=kari).count() == 1
    assert found(agency, "sykepleier") == ["Kari Nordmann"]


def test_the_index_follows_a_candidate_update(agency):
    kari = make_candidate(agency, "Kari", "Nordmann", summary="Sykepleier", skills=["Java"])
    Candidate.objects.filter(pk=kari.pk).update(
        last_name="Fjell", summary="Lærer", skills=["Python"]
    )
    search_index_refresh(candidate_id=kari.id)

    assert found(agency, "sykepleier") == []
    assert found(agency, "Nordmann") == []
    assert found(agency, "lærer") == ["Kari Fjell"]
    assert found(agency, "Fjell") == ["Kari Fjell"]
    page = candidate_search(agency=agency, query=CandidateSearchQuery(skills=("python",)))
    assert [row.full_name for row in page.rows] == ["Kari Fjell"]


def test_the_index_follows_a_documents_extracted_text(agency):
    kari = make_candidate(agency, "Kari", "Nordmann")
    document = make_document(kari, None, status=ExtractionStatus.PENDING)
    assert found(agency, "anleggsmaskinfører") == []

    document.extracted_text = "Sertifisert anleggsmaskinfører."
    document.extraction_status = ExtractionStatus.DONE
    document.save()
    search_index_refresh(candidate_id=kari.id)
    assert found(agency, "anleggsmaskinfører") == ["Kari Nordmann"]

    Document.objects.filter(pk=document.pk).delete()
    search_index_refresh(candidate_id=kari.id)
    assert found(agency, "anleggsmaskinfører") == []


def test_a_document_whose_key_was_destroyed_is_left_out(agency):
    kari = make_candidate(agency, "Kari", "Nordmann")
    make_document(kari, "Sertifisert anleggsmaskinfører.")
    data_key_destroy(data_key=DataKey.objects.get(pk=kari.data_key_id), now=kari.last_activity_at)

    search_index_refresh(candidate_id=kari.id)
    assert CandidateSearchEntry.objects.get(candidate=kari).documents_text == ""


def test_control_characters_are_not_indexed(agency):
    kari = make_candidate(agency, "Kari", "Nordmann", summary="Sykepleier\x02\x03")
    make_document(kari, "Sveiser\x00 og\x02 rørlegger\x03")

    entry = CandidateSearchEntry.objects.get(candidate=kari)
    assert not any(ch in entry.summary_text + entry.documents_text for ch in "\x00\x02\x03")


def test_p23_restricting_a_candidate_removes_the_entry(agency):
    kari = make_candidate(agency, "Kari", "Nordmann", summary="Sykepleier")
    Candidate.objects.filter(pk=kari.pk).update(restricted=True)
    search_index_refresh(candidate_id=kari.id)

    assert not CandidateSearchEntry.objects.filter(candidate=kari).exists()

    Candidate.objects.filter(pk=kari.pk).update(restricted=False)
    search_index_refresh(candidate_id=kari.id)
    assert found(agency, "sykepleier") == ["Kari Nordmann"]


def test_refresh_of_a_deleted_candidate_removes_the_entry(agency):
    kari = make_candidate(agency, "Kari", "Nordmann")
    make_candidate(agency, "Per", "Annenmann")
    kari_id = kari.id
    search_index_refresh(candidate_id=uuid.uuid4())  # unknown: nothing happens
    kari.delete()

    search_index_refresh(candidate_id=kari_id)
    assert not CandidateSearchEntry.objects.filter(candidate_id=kari_id).exists()
    assert CandidateSearchEntry.objects.count() == 1


def test_deleting_a_candidate_removes_the_entry_and_its_text_index(agency):
    kari = make_candidate(agency, "Kari", "Nordmann", summary="Sykepleier")
    make_document(kari, "sykepleier")
    kari.delete()

    assert not CandidateSearchEntry.objects.exists()
    assert found(agency, "sykepleier") == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM search_candidate_fts WHERE search_candidate_fts MATCH ?",
                ["sykepleier"],
            )
            assert cursor.fetchone()[0] == 0


def test_remove(agency):
    kari = make_candidate(agency, "Kari", "Nordmann", summary="Sykepleier")
    search_index_remove(candidate_id=kari.id)
    search_index_remove(candidate_id=kari.id)

    assert found(agency, "sykepleier") == []
    assert Candidate.objects.filter(pk=kari.pk).exists()


def test_rebuild_indexes_one_agency(agency, other_agency):
    for number in range(7):
        make_candidate(agency, f"Kandidat{number}", "Lagersen", summary="Truckfører", index=False)
    make_candidate(agency, "Kari", "Skjermet", summary="Truckfører", restricted=True, index=False)
    make_candidate(other_agency, "Per", "Annenmann", summary="Truckfører", index=False)

    assert search_index_rebuild(agency=agency, batch_size=3) == 7
    assert CandidateSearchEntry.objects.filter(agency=agency).count() == 7
    assert not CandidateSearchEntry.objects.filter(agency=other_agency).exists()
    assert candidate_search(agency=agency, query=CandidateSearchQuery(text="truckfører")).total == 7
    # Again: nothing doubles.
    assert search_index_rebuild(agency=agency) == 7
    assert CandidateSearchEntry.objects.count() == 7


def test_rebuild_drops_the_entry_of_a_candidate_restricted_since(agency):
    kari = make_candidate(agency, "Kari", "Nordmann")
    Candidate.objects.filter(pk=kari.pk).update(restricted=True)

    assert search_index_rebuild(agency=agency) == 0
    assert not CandidateSearchEntry.objects.exists()


def test_reindex_command(agency, other_agency):
    make_candidate(agency, "Kari", "Nordmann", index=False)
    make_candidate(other_agency, "Per", "Annenmann", index=False)

    call_command("search_reindex", "--agency", "nordlys")
    assert CandidateSearchEntry.objects.count() == 1
    call_command("search_reindex")
    assert CandidateSearchEntry.objects.count() == 2


def test_reindex_command_refuses_an_unknown_agency(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("search_reindex", "--agency", "finnes-ikke")


def test_schedule_refreshes_after_the_commit(agency, django_capture_on_commit_callbacks):
    kari = make_candidate(agency, "Kari", "Nordmann", summary="Sykepleier", index=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        search_index_schedule(candidate_id=kari.id)
        assert not CandidateSearchEntry.objects.exists()

    assert len(callbacks) == 1
    assert found(agency, "sykepleier") == ["Kari Nordmann"]


def test_schedule_does_nothing_when_the_transaction_rolls_back(
    agency, django_capture_on_commit_callbacks
):
    kari = make_candidate(agency, "Kari", "Nordmann", index=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                search_index_schedule(candidate_id=kari.id)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    assert callbacks == []
    assert not CandidateSearchEntry.objects.exists()


def test_the_task_runs_the_refresh(agency):
    from fortrolig.search.tasks import search_index_refresh_task

    kari = make_candidate(agency, "Kari", "Nordmann", index=False)
    search_index_refresh_task.delay(str(kari.id))
    search_index_refresh_task.delay(str(kari.id))

    assert CandidateSearchEntry.objects.filter(candidate=kari).count() == 1


def test_schedule_many_refreshes_after_the_commit(agency, django_capture_on_commit_callbacks):
    from fortrolig.search.services import search_index_schedule_many

    people = [make_candidate(agency, f"Kandidat{n}", "Lagersen", index=False) for n in range(5)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        search_index_schedule_many(candidate_ids=[p.id for p in people] + [people[0].id])
        assert not CandidateSearchEntry.objects.exists()

    assert len(callbacks) == 1
    assert CandidateSearchEntry.objects.count() == 5


def test_refresh_many_removes_missing_and_restricted(agency):
    from fortrolig.search.services import search_index_refresh_many

    kari = make_candidate(agency, "Kari", "Nordmann")
    per = make_candidate(agency, "Per", "Annenmann")
    lise = make_candidate(agency, "Lise", "Solberg", index=False)
    Candidate.objects.filter(pk=per.pk).update(restricted=True)
    kari_id = kari.id
    kari.delete()

    assert search_index_refresh_many(candidate_ids=[kari_id, per.id, lise.id]) == 1
    assert list(CandidateSearchEntry.objects.values_list("candidate_id", flat=True)) == [lise.id]


def test_schedule_many_with_nothing_queues_nothing(db, django_capture_on_commit_callbacks):
    from fortrolig.search.services import search_index_schedule_many

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        search_index_schedule_many(candidate_ids=[])
    assert callbacks == []
