"""The retention periods of every clock, read from the agency's settings.

One source for the retention engine (which computes `erase_after`), the processing register
and the privacy policy page (P-01): the page states exactly the periods that the sweep
enforces, because both read them from here.
"""

from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from fortrolig.core.models import AgencySettings

from .datamap import RetentionClock


@dataclass(frozen=True)
class RetentionRule:
    """How long data on `clock` is kept after the clock's event.

    `months` after the event (0: at the event itself); or, for payroll records, until the end
    of the `years_after_financial_year`-th year after the financial year of the event.
    `days` is for short-lived records such as secure links.
    """

    clock: RetentionClock
    months: int = 0
    days: int = 0
    years_after_financial_year: int | None = None

    def deadline(self, event: datetime) -> datetime:
        """The moment after which data whose clock event happened at `event` is due."""
        if self.years_after_financial_year is not None:
            # The financial year is the calendar year (Norwegian default): keep to the end of
            # the N-th following year, i.e. until 1 January of the year after that.
            first_day_after = date(event.year + self.years_after_financial_year + 1, 1, 1)
            return datetime(first_day_after.year, 1, 1, tzinfo=event.tzinfo)
        return event + relativedelta(months=self.months, days=self.days)


def retention_rules(config: AgencySettings) -> dict[RetentionClock, RetentionRule]:
    """The rule for each clock that the retention engine enforces, for an agency's settings."""
    return {
        RetentionClock.LAST_ACTIVITY: RetentionRule(
            RetentionClock.LAST_ACTIVITY, months=config.candidate_retention_months
        ),
        RetentionClock.CONSENT_EXPIRY: RetentionRule(RetentionClock.CONSENT_EXPIRY),
        RetentionClock.ASSIGNMENT_END: RetentionRule(RetentionClock.ASSIGNMENT_END),
        RetentionClock.EMPLOYMENT_END: RetentionRule(
            RetentionClock.EMPLOYMENT_END,
            years_after_financial_year=config.payroll_retention_years_after_financial_year,
        ),
        RetentionClock.AGREEMENT_END: RetentionRule(
            RetentionClock.AGREEMENT_END, months=config.client_retention_months_after_agreement
        ),
        RetentionClock.LINK_EXPIRY: RetentionRule(
            RetentionClock.LINK_EXPIRY, days=config.share_link_days
        ),
    }
