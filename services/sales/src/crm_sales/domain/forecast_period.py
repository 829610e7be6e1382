"""Forecast and target periods: a calendar month (`2026-11`) or quarter (`2026-Q4`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from crm_sales.domain.deal_errors import InvalidDealError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
PERIOD_HINT = "a month (2026-11) or a quarter (2026-Q4)"


@dataclass(frozen=True, slots=True)
class Period:
    """A span of whole days: from `starts_on` up to, not including, `ends_before`."""

    label: str
    starts_on: date
    ends_before: date

    @property
    def ends_on(self) -> date:
        """The last day of the period."""
        return date.fromordinal(self.ends_before.toordinal() - 1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.starts_on <= day < self.ends_before


def parse_period(text: str, *, field: str = "period") -> Period:
    """The period `text` names; InvalidDealError (naming `field`) if it names none."""
    value = text.strip()
    if match := _MONTH.match(value):
        year, month = int(match.group(1)), int(match.group(2))
        return _months(f"{year:04d}-{month:02d}", year, month, 1)
    if match := _QUARTER.match(value):
        year, quarter = int(match.group(1)), int(match.group(2))
        return _months(f"{year:04d}-Q{quarter}", year, 3 * quarter - 2, 3)
    raise InvalidDealError(f"{text!r} is not {PERIOD_HINT}", field=field)


def _months(label: str, year: int, first_month: int, count: int) -> Period:
    if year < 1:
        raise InvalidDealError(f"{label!r} is not {PERIOD_HINT}", field="period")
    month_after = first_month + count
    after = date(year + 1, 1, 1) if month_after > 12 else date(year, month_after, 1)
    return Period(label, date(year, first_month, 1), after)
