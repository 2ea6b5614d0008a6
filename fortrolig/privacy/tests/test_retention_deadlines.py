"""Retention deadlines (P-18): the period from the agency's settings, calendar months in
Europe/Oslo (leap days, month ends, daylight saving), storage consents and legal holds."""

from datetime import UTC, datetime, timedelta

import pytest

from fortrolig.audit.services import Actor
from fortrolig.candidates.models import Candidate
from fortrolig.conftest import make_agency
from fortrolig.core.models import AgencySettings
from fortrolig.privacy.consents import consent_give, consent_withdraw
from fortrolig.privacy.datamap import RetentionClock
from fortrolig.privacy.legal_holds import legal_hold_release, legal_hold_set
from fortrolig.privacy.models import ConsentChannel, ConsentPurpose
from fortrolig.privacy.retention import candidate_deadline, candidate_erase_after_refresh

from .test_retention_support import NOW, OSLO, make_candidate, use_test_policy

DEFAULT = AgencySettings()


def deadline(last_activity_at, config=DEFAULT, consent=None):
    return candidate_deadline(
        last_activity_at=last_activity_at, storage_consent_expiry=consent, config=config
    )


def test_p18_deadline_is_last_activity_plus_24_months():
    result = deadline(datetime(2024, 3, 15, 10, 0, tzinfo=UTC))
    assert result.at == datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
    assert result.clock == RetentionClock.LAST_ACTIVITY
    assert result.at.tzinfo == UTC


def test_p18_the_period_comes_from_the_agency_settings():
    config = AgencySettings(candidate_retention_months=6)
    assert deadline(datetime(2024, 3, 15, 10, 0, tzinfo=OSLO), config).at == datetime(
        2024, 9, 15, 10, 0, tzinfo=OSLO
    )


def test_p18_leap_day_activity_is_due_on_28_february_two_years_later():
    # 29 February 2026 does not exist: the day is clamped to the month's last day.
    activity = datetime(2024, 2, 29, 14, 0, tzinfo=OSLO)
    assert deadline(activity).at == datetime(2026, 2, 28, 14, 0, tzinfo=OSLO)


def test_p18_leap_day_to_leap_day_keeps_the_29th():
    config = AgencySettings(candidate_retention_months=48)
    activity = datetime(2024, 2, 29, 14, 0, tzinfo=OSLO)
    assert deadline(activity, config).at == datetime(2028, 2, 29, 14, 0, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("months", "activity", "expected"),
    [
        (24, datetime(2024, 8, 31, 12, 0), datetime(2026, 8, 31, 12, 0)),
        (1, datetime(2025, 1, 31, 12, 0), datetime(2025, 2, 28, 12, 0)),
        (1, datetime(2024, 1, 31, 12, 0), datetime(2024, 2, 29, 12, 0)),
        (1, datetime(2024, 3, 31, 12, 0), datetime(2024, 4, 30, 12, 0)),
        (1, datetime(2024, 12, 31, 23, 59), datetime(2025, 1, 31, 23, 59)),
    ],
)
def test_p18_month_ends_are_clamped_to_the_last_day(months, activity, expected):
    config = AgencySettings(candidate_retention_months=months)
    result = deadline(activity.replace(tzinfo=OSLO), config).at
    assert result == expected.replace(tzinfo=OSLO)


def test_p18_months_are_counted_in_oslo_not_in_utc():
    # 23:30 UTC on 28 February 2024 is already the leap day in Oslo. Counted in Oslo, the
    # deadline is 28 February 2026 00:30 Oslo time, i.e. 27 February 23:30 UTC; counting
    # in UTC would have given 28 February 23:30 UTC, almost a day later.
    activity = datetime(2024, 2, 28, 23, 30, tzinfo=UTC)
    assert deadline(activity).at == datetime(2026, 2, 27, 23, 30, tzinfo=UTC)
    # The same instant written in Oslo time gives the same deadline.
    assert deadline(activity.astimezone(OSLO)).at == deadline(activity).at


def test_p18_the_wall_clock_time_is_kept_across_daylight_saving():
    config = AgencySettings(candidate_retention_months=6)
    winter = datetime(2024, 1, 15, 12, 0, tzinfo=OSLO)  # 11:00 UTC
    result = deadline(winter, config).at
    assert result == datetime(2024, 7, 15, 12, 0, tzinfo=OSLO)
    assert result == datetime(2024, 7, 15, 10, 0, tzinfo=UTC)


def test_p18_a_deadline_in_the_spring_forward_gap_is_read_with_the_winter_offset():
    # 02:30 on 31 March 2024 does not exist in Oslo (clocks jump from 02:00 to 03:00).
    config = AgencySettings(candidate_retention_months=12)
    result = deadline(datetime(2023, 3, 31, 2, 30, tzinfo=OSLO), config).at
    assert result == datetime(2024, 3, 31, 1, 30, tzinfo=UTC)


def test_p18_a_later_storage_consent_sets_the_deadline():
    activity = datetime(2024, 3, 15, 10, 0, tzinfo=UTC)
    later = datetime(2027, 1, 1, tzinfo=UTC)
    assert deadline(activity, consent=later).at == later
    assert deadline(activity, consent=later).clock == RetentionClock.CONSENT_EXPIRY
    earlier = datetime(2025, 1, 1, tzinfo=UTC)
    assert deadline(activity, consent=earlier).clock == RetentionClock.LAST_ACTIVITY


def test_p18_naive_times_are_refused():
    with pytest.raises(ValueError, match="aware"):
        deadline(datetime(2024, 3, 15, 10, 0))  # naive on purpose


# --- stored erase_after ----------------------------------------------------------------


@pytest.fixture
def policy(monkeypatch):
    use_test_policy(monkeypatch)


def test_p18_refresh_stores_the_deadline(agency):
    activity = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
    candidate = make_candidate(agency, last_activity_at=activity, refresh=False)
    assert candidate.erase_after is None
    value = candidate_erase_after_refresh(candidate_id=candidate.id, now=NOW)
    candidate.refresh_from_db()
    assert value == candidate.erase_after == datetime(2027, 6, 1, 8, 0, tzinfo=UTC)


def test_p18_refresh_follows_new_activity(agency):
    candidate = make_candidate(agency, last_activity_at=datetime(2025, 1, 1, tzinfo=UTC))
    Candidate.objects.filter(pk=candidate.pk).update(last_activity_at=NOW)
    candidate_erase_after_refresh(candidate_id=candidate.id, now=NOW)
    candidate.refresh_from_db()
    assert candidate.erase_after == datetime(2028, 3, 2, 9, 30, tzinfo=UTC)


def test_p18_refresh_of_an_erased_candidate_is_a_no_op(db):
    import uuid

    assert candidate_erase_after_refresh(candidate_id=uuid.uuid4(), now=NOW) is None


def test_p18_a_storage_consent_moves_the_deadline_and_withdrawal_moves_it_back(agency, policy):
    activity = datetime(2024, 4, 1, 8, 0, tzinfo=UTC)
    candidate = make_candidate(agency, last_activity_at=activity)
    original = candidate.erase_after
    until = datetime(2027, 4, 1, 8, 0, tzinfo=UTC)
    consent = consent_give(
        agency=agency,
        actor=Actor.system(),
        candidate_id=candidate.id,
        purpose=ConsentPurpose.STORAGE_EXTENSION,
        channel=ConsentChannel.PORTAL,
        expires_at=until,
        now=NOW,
    )
    candidate.refresh_from_db()
    assert candidate.erase_after == until
    consent_withdraw(agency=agency, actor=Actor.system(), consent_id=consent.id, now=NOW)
    candidate.refresh_from_db()
    assert candidate.erase_after == original


def test_p18_a_legal_hold_pauses_the_clock_and_release_restarts_it(agency, manager_client):
    candidate = make_candidate(agency, last_activity_at=datetime(2024, 4, 1, tzinfo=UTC))
    expected = candidate.erase_after
    hold = legal_hold_set(
        agency=agency, actor=Actor.system(), candidate_id=candidate.id, reason="Sak 24-113", now=NOW
    )
    candidate.refresh_from_db()
    assert candidate.erase_after is None
    # The data changing meanwhile does not restart the clock while the hold lasts.
    candidate_erase_after_refresh(candidate_id=candidate.id, now=NOW)
    candidate.refresh_from_db()
    assert candidate.erase_after is None
    legal_hold_release(agency=agency, actor=Actor.system(), hold_id=hold.id, now=NOW)
    candidate.refresh_from_db()
    # The hold added no time.
    assert candidate.erase_after == expected


def test_p18_two_holds_pause_until_both_are_released(agency):
    candidate = make_candidate(agency, last_activity_at=datetime(2024, 4, 1, tzinfo=UTC))
    first = legal_hold_set(
        agency=agency, actor=Actor.system(), candidate_id=candidate.id, reason="Sak 1", now=NOW
    )
    legal_hold_set(
        agency=agency, actor=Actor.system(), candidate_id=candidate.id, reason="Sak 2", now=NOW
    )
    legal_hold_release(agency=agency, actor=Actor.system(), hold_id=first.id, now=NOW)
    candidate.refresh_from_db()
    assert candidate.erase_after is None


def test_p18_each_agency_uses_its_own_period(db):
    short = make_agency("kort", index=2, settings={"candidate_retention_months": 12})
    normal = make_agency("vanlig", index=3)
    activity = datetime(2025, 5, 5, 5, 5, tzinfo=UTC)
    a = make_candidate(short, last_activity_at=activity)
    b = make_candidate(normal, last_activity_at=activity)
    assert a.erase_after == activity.replace(year=2026)
    assert b.erase_after == activity.replace(year=2027)
    assert b.erase_after - a.erase_after > timedelta(days=360)


def test_p18_a_shorter_period_moves_every_deadline_of_the_agency(agency, other_agency):
    from fortrolig.privacy.retention import agency_erase_after_refresh

    activity = datetime(2025, 5, 5, 5, 5, tzinfo=UTC)
    mine = [
        make_candidate(agency, last_activity_at=activity, email=f"k{i}@example.com")
        for i in range(5)
    ]
    theirs = make_candidate(other_agency, last_activity_at=activity)
    agency.settings = {"candidate_retention_months": 12}
    agency.save()
    assert agency_erase_after_refresh(agency=agency, now=NOW, batch_size=2) == 5
    assert agency_erase_after_refresh(agency=agency, now=NOW, batch_size=2) == 0
    for candidate in mine:
        candidate.refresh_from_db()
        assert candidate.erase_after == activity.replace(year=2026)
    theirs.refresh_from_db()
    assert theirs.erase_after == activity.replace(year=2027)
