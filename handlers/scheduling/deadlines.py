"""Report deadlines and incentive terms per region.

The report for month M is due on day `deadline_day` of month M+1 at `hh:mm` local time, that whole
minute included: with 23:59, a report at 23:59:59 is on time, one at 00:00 the next day is late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from handlers.forms.dates import day_in_month, month_start, shift_months
from storage.models_incentives import IncentiveRule
from storage.repositories.tickets import region_lineage_codes


@dataclass(frozen=True, slots=True)
class Terms:
    """What applies to one Posyandu's region. `amount` None: no incentive rule covers the region
    (report reminders still use the default deadline)."""

    region_code: str | None
    amount: int | None
    deadline_day: int = 5
    deadline_hour: int = 23
    deadline_minute: int = 59


DEFAULT_TERMS = Terms(region_code=None, amount=None)


def terms_for(rules: Sequence[IncentiveRule], region_code: str) -> Terms:
    """The most specific rule whose region contains `region_code`."""
    by_code = {rule.region_code: rule for rule in rules}
    for code in reversed(region_lineage_codes(region_code)):
        rule = by_code.get(code)
        if rule is not None:
            return Terms(
                code, rule.monthly_amount, rule.deadline_day, rule.deadline_hour, rule.deadline_minute
            )
    return DEFAULT_TERMS


def deadline(terms: Terms, month: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The deadline minute for `month`'s report, as an aware UTC moment (the start of that minute)."""
    due_day = day_in_month(shift_months(month.replace(day=1), 1), terms.deadline_day)
    local = dt.datetime.combine(due_day, dt.time(terms.deadline_hour, terms.deadline_minute), tzinfo=zone)
    return local.astimezone(dt.UTC)


def on_time(submitted_at: dt.datetime, deadline_at: dt.datetime) -> bool:
    return submitted_at < deadline_at + dt.timedelta(minutes=1)


def past(deadline_at: dt.datetime, now: dt.datetime) -> bool:
    return not on_time(now, deadline_at)


def closed_months(
    terms_list: Sequence[Terms], *, now: dt.datetime, zone: ZoneInfo, count: int = 3
) -> list[dt.date]:
    """The latest `count` months, newest first, whose report deadline has passed under every rule
    given: the months an incentive can be paid for, and the month a recap opens on."""
    this = month_start(now.astimezone(zone).date())
    months: list[dt.date] = []
    candidate = this
    while len(months) < count:
        if all(past(deadline(terms, candidate, zone), now) for terms in terms_list):
            months.append(candidate)
        candidate = shift_months(candidate, -1)
    return months
