from fortrolig.accounts.services_demo import demo_seed
from fortrolig.candidates.models import Candidate, Source
from fortrolig.core import clock
from fortrolig.documents.models import Document


def test_p06_demo_candidates_are_seeded_once_with_a_cv_and_a_source(db):
    first = demo_seed(now=clock.now())
    second = demo_seed(now=clock.now())
    assert (first.candidates_created, second.candidates_created) == (3, 0)
    candidates = Candidate.objects.filter(agency=first.agency)
    assert candidates.count() == 3
    assert Document.objects.filter(candidate__in=candidates).count() == 3
    assert all(c.email.endswith("@example.com") for c in candidates)
    campaign = candidates.get(source=Source.CAMPAIGN)
    assert campaign.source_partner
