"""The demo business: clients, assignments, published ads and applications, seeded once."""

from fortrolig.accounts.services_demo import demo_seed
from fortrolig.assignments.models import AdStatus, Application, Assignment, JobAd
from fortrolig.clients.models import Client
from fortrolig.core import clock


def test_p08_demo_business_is_seeded_once_with_one_client_needing_prepayment(db):
    first = demo_seed(now=clock.now())
    second = demo_seed(now=clock.now())
    assert (first.clients_created, second.clients_created) == (2, 0)
    clients = Client.objects.filter(agency=first.agency)
    assert clients.count() == 2
    assert [c.prepayment_required for c in clients.order_by("name")] == [False, True]
    assert Assignment.objects.filter(agency=first.agency).count() == 2
    ads = JobAd.objects.filter(agency=first.agency, status=AdStatus.PUBLISHED)
    assert ads.count() == 2
    # Every published ad has its own-site and FINN publications recorded (P-14).
    assert all(ad.publications.count() == 2 for ad in ads)
    assert Application.objects.filter(agency=first.agency).count() == 2


def test_p15_the_demo_confidential_client_is_not_named_on_its_public_ad(db, client):
    seed = demo_seed(now=clock.now())
    hidden = Assignment.objects.get(agency=seed.agency, confidential_client=True)
    ad = JobAd.objects.get(position__assignment=hidden)
    html = client.get(f"/jobs/{ad.id}/").content.decode()
    assert hidden.client.name not in html
    assert "Fjordlys" not in html
