"""The clock of employment data (P-19): kept while the employment lasts; a payroll record
until five years after the end of the financial year it was paid in (bokføringsloven § 13,
the period is `AgencySettings.payroll_retention_years_after_financial_year`), and the
employment, which names the person the records are about, as long as its last record."""

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from fortrolig.core.models import AgencySettings
from fortrolig.privacy.datamap import RetentionClock
from fortrolig.privacy.retention_rules import retention_rules

OSLO = ZoneInfo("Europe/Oslo")


def payroll_deadline(*, config: AgencySettings, paid_on: date) -> datetime:
    """When a payroll record paid on `paid_on` is due for erasure."""
    rule = retention_rules(config)[RetentionClock.EMPLOYMENT_END]
    return rule.deadline(datetime(paid_on.year, paid_on.month, paid_on.day, tzinfo=OSLO))


def employment_deadline(
    *, config: AgencySettings, ended_on: date | None, record_deadlines: Iterable[datetime]
) -> datetime | None:
    """When an employment is due: never while it lasts; afterwards the later of its own
    end's accounting period and its last payroll record's deadline."""
    if ended_on is None:
        return None
    return max([payroll_deadline(config=config, paid_on=ended_on), *record_deadlines])
