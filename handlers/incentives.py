"""Cadre incentives: whether a cadre meets the conditions for a month, and marking months paid.

A cadre meets the conditions for month M when
  1. the cadre is verified by a coordinator, and
  2. their Posyandu's report for M was FIRST submitted by the deadline of the region's rule (the 5th
     of M+1, 23:59 local, in Kukar). A revision sent after the deadline corrects a report that was
     in on time, so it does not make it late; a report first sent after the deadline stays late
     whatever is revised later, and
  3. their Posyandu institution is verified by the DPMD as a Posyandu 6 SPM (issue 16); until then
     a month that meets 1 and 2 is "menunggu verifikasi Posyandu" (reason `posyandu_pending`).
What a coordinator records (diproses, dibayar) is shown as it is. Only cadres who meet the
conditions are marked by "mark the month for a region"; an imported list of paid cadres is taken
as the payment office's record and applied as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.forms.dates import month_start, shift_months
from handlers.scheduling.deadlines import Terms, closed_months, deadline, on_time, past, terms_for
from handlers.scheduling.rules import paid_reminder
from storage.models import Person
from storage.models_incentives import ELIGIBLE, NOT_ELIGIBLE, PAID, PROCESSING, IncentiveStatus
from storage.repositories import audit, cadre_directory, incentives, posyandu_verification, reminders
from storage.repositories.cadre_directory import CadreRow

MONTHS_SHOWN = 6
# Shown, never stored: the month's deadline has not passed and no report is in yet, so nothing can
# be said about it (it was shown as "belum memenuhi syarat" a month before it was due).
NOT_DUE = "belum_jatuh_tempo"
# The reason of a month that meets every other condition while the DPMD has not yet verified the
# cadre's Posyandu institution: "menunggu verifikasi Posyandu" (issue 16).
POSYANDU_PENDING = "posyandu_pending"


@dataclass(frozen=True, slots=True)
class MonthView:
    month: dt.date
    status: str  # one of storage.models_incentives.INCENTIVE_STATUSES
    # why not: not_verified, rejected, report_due, no_report, late_report, posyandu_pending
    reason: str | None = None
    params: dict[str, Any] = field(default_factory=dict)  # raw values for the reason's message
    amount: int | None = None
    paid_on: dt.date | None = None


def judge(
    *,
    month: dt.date,
    verification: str,
    first_submitted_at: dt.datetime | None,
    record: IncentiveStatus | None,
    terms: Terms,
    zone: ZoneInfo,
    now: dt.datetime,
    posyandu_verified: bool = True,
) -> MonthView:
    """The status of one cadre for one month, from the facts. `posyandu_verified`: the DPMD
    verified the cadre's Posyandu institution."""
    if record is not None and record.status in (PROCESSING, PAID):
        return MonthView(month, record.status, amount=record.amount or terms.amount, paid_on=record.paid_on)
    due = deadline(terms, month, zone)
    if verification == "rejected":
        return MonthView(month, NOT_ELIGIBLE, "rejected", amount=terms.amount)
    if verification != "verified":
        return MonthView(month, NOT_ELIGIBLE, "not_verified", amount=terms.amount)
    if first_submitted_at is None:
        if not past(due, now):
            return MonthView(month, NOT_DUE, "report_due", {"deadline": due}, amount=terms.amount)
        return MonthView(month, NOT_ELIGIBLE, "no_report", {"deadline": due}, amount=terms.amount)
    if not on_time(first_submitted_at, due):
        return MonthView(
            month,
            NOT_ELIGIBLE,
            "late_report",
            {"deadline": due, "sent": first_submitted_at},
            amount=terms.amount,
        )
    if not posyandu_verified:
        return MonthView(month, NOT_ELIGIBLE, POSYANDU_PENDING, amount=terms.amount)
    return MonthView(month, ELIGIBLE, amount=terms.amount)


def could_report(cadre: CadreRow, month: dt.date, *, terms: Terms, zone: ZoneInfo) -> bool:
    """A cadre counts for a month when they registered before its report deadline: one who joins
    on 3 December may still send November's report (due 5 December), and is judged on it."""
    return on_time(cadre.registered_at, deadline(terms, month, zone))


@dataclass(frozen=True, slots=True)
class CadreIncentives:
    terms: Terms
    months: list[MonthView]


async def of_cadre(
    session: AsyncSession, cadre: CadreRow, *, now: dt.datetime, zone: ZoneInfo, count: int = MONTHS_SHOWN
) -> CadreIncentives:
    """The last `count` months, newest first, that the cadre could still report for when they
    registered (see `could_report`)."""
    terms = terms_for(await incentives.rules(session), cadre.region_code)
    this = month_start(now.astimezone(zone).date())
    months = [
        m
        for m in (shift_months(this, -i) for i in range(count))
        if could_report(cadre, m, terms=terms, zone=zone)
    ]
    sent = await cadre_directory.first_submissions(session, [cadre.posyandu_id], months)
    records = await incentives.records_of(session, cadre.cadre_id, months[-1]) if months else {}
    verified = await posyandu_verification.verified_rows(session, [cadre.posyandu_id])
    views = [
        judge(
            month=month,
            verification=cadre.verification,
            first_submitted_at=sent.get((cadre.posyandu_id, month)),
            record=records.get(month),
            terms=terms,
            zone=zone,
            now=now,
            posyandu_verified=cadre.posyandu_id in verified,
        )
        for month in months
    ]
    return CadreIncentives(terms, views)


@dataclass(frozen=True, slots=True)
class RegionMonth:
    """Every cadre of a region for one month, judged."""

    month: dt.date
    cadres: list[tuple[CadreRow, MonthView]]

    def count(self, status: str) -> int:
        return sum(1 for _, view in self.cadres if view.status == status)

    def total(self, status: str) -> int:
        return sum(view.amount or 0 for _, view in self.cadres if view.status == status)


async def region_month(
    session: AsyncSession, region_code: str, month: dt.date, *, now: dt.datetime, zone: ZoneInfo
) -> RegionMonth:
    rules = await incentives.rules(session)
    found = [
        c
        for c in await cadre_directory.in_regions(session, [region_code])
        if could_report(c, month, terms=terms_for(rules, c.region_code), zone=zone)
    ]
    sent = await cadre_directory.first_submissions(session, (c.posyandu_id for c in found), [month])
    records = await incentives.records_for(session, (c.cadre_id for c in found), month)
    verified = await posyandu_verification.verified_rows(session, (c.posyandu_id for c in found))
    judged = [
        (
            c,
            judge(
                month=month,
                verification=c.verification,
                first_submitted_at=sent.get((c.posyandu_id, month)),
                record=records.get(c.cadre_id),
                terms=terms_for(rules, c.region_code),
                zone=zone,
                now=now,
                posyandu_verified=c.posyandu_id in verified,
            ),
        )
        for c in found
    ]
    return RegionMonth(month, judged)


async def mark(
    session: AsyncSession,
    summary: RegionMonth,
    *,
    status: str,
    by: int | None,
    now: dt.datetime,
    zone: ZoneInfo,
    source: str = "chat",
) -> int:
    """Mark the month `diproses` or `dibayar` (today) for every cadre who meets the conditions (or
    was already being processed). Returns how many changed. The paid are told by a reminder."""
    if status not in (PROCESSING, PAID):
        raise ValueError(status)
    today = now.astimezone(zone).date()
    changed = 0
    for cadre, view in summary.cadres:
        movable = view.status == ELIGIBLE or (status == PAID and view.status == PROCESSING)
        if not movable or view.amount is None:
            continue
        await record_status(
            session,
            cadre,
            summary.month,
            status=status,
            amount=view.amount,
            paid_on=today if status == PAID else None,
            by=by,
            source=source,
            now=now,
        )
        changed += 1
    return changed


async def record_status(
    session: AsyncSession,
    cadre: CadreRow,
    month: dt.date,
    *,
    status: str,
    amount: int | None,
    paid_on: dt.date | None,
    by: int | None,
    source: str,
    now: dt.datetime,
) -> None:
    await incentives.record(
        session,
        cadre_id=cadre.cadre_id,
        month=month,
        status=status,
        amount=amount,
        paid_on=paid_on,
        source=source,
        by=by,
        now=now,
    )
    if status == PAID and paid_on is not None:
        reminder = paid_reminder(
            cadre_id=cadre.cadre_id,
            person_id=cadre.person_id,
            month=month,
            amount=amount,
            paid_on=paid_on,
            now=now,
        )
        await reminders.plan(session, [reminder], now=now)


async def mark_region(
    session: AsyncSession,
    region_code: str,
    month: dt.date,
    *,
    status: str,
    actor: Person,
    now: dt.datetime,
    zone: ZoneInfo,
) -> int:
    """A coordinator marks a region's month (/insentif in chat, /dasbor/insentif): `mark` every cadre
    who meets the conditions, recorded in the audit log. Returns how many changed."""
    summary = await region_month(session, region_code, month, now=now, zone=zone)
    changed = await mark(session, summary, status=status, by=actor.id, now=now, zone=zone)
    await audit.record(
        session,
        actor=actor,
        action=f"incentive.{status}",
        target=f"region {region_code} {month:%Y-%m}",
        details={"region_code": region_code, "month": month.isoformat(), "cadres": changed},
        now=now,
    )
    return changed


# The latest months whose report deadline has passed (the walk lives with the deadline rules).
payable_months = closed_months
