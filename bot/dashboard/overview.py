"""What the overview pages show, counted by the recap's own code (handlers/compliance/recap.py):
a region's month in figures, one line per child region (or, under a desa, per Posyandu) with its
reporting completeness, timeliness and SKDN coverage, and one Posyandu's report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import Scope
from handlers.compliance import recap
from handlers.compliance.chart import GOOD
from handlers.forms.dates import month_start, shift_months
from handlers.scheduling.deadlines import closed_months, deadline, on_time, terms_for
from storage.models import MonthlyReport, Posyandu, Region
from storage.repositories import compliance, incentives, reports


def grade(rate: float) -> str:
    """The colour class of a bar, with the chat chart's thresholds (handlers/compliance/chart.py)."""
    return "good" if rate >= GOOD else "fair" if rate >= GOOD / 2 else "poor"


@dataclass(frozen=True, slots=True)
class Line:
    """One row of the table and one bar of the chart: a child region, or a Posyandu under a desa."""

    name: str
    total: int
    reported: int
    late: int
    not_held: int
    s: int
    d: int
    n: int
    region_code: str | None = None  # a child region to open
    posyandu_id: int | None = None  # a Posyandu's report to open

    @property
    def on_time(self) -> int:
        return self.reported - self.late

    @property
    def rate(self) -> float:
        return self.reported / self.total if self.total else 0.0

    @property
    def grade(self) -> str:
        return grade(self.rate)


TREND_MONTHS = 12


@dataclass(frozen=True, slots=True)
class TrendPoint:
    month: dt.date
    total: int
    reported: int

    @property
    def rate(self) -> float:
        return self.reported / self.total if self.total else 0.0

    @property
    def grade(self) -> str:
        return grade(self.rate)


@dataclass(frozen=True)
class Overview:
    region: Region
    month: dt.date
    summary: recap.Summary
    lines: list[Line]
    lineage: list[Region]  # from the top of the coordinator's scope down to the region's parent
    trend: list[TrendPoint]  # the reporting rate of the TREND_MONTHS months up to `month`, oldest first

    @property
    def on_time(self) -> int:
        return self.summary.reported - self.summary.late


async def default_month(session: AsyncSession, code: str, *, now: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The month the chat's /rekap opens on: the latest whose report deadline has passed in `code`."""
    rules = await incentives.rules(session)
    terms = [terms_for(rules, code)]
    return closed_months(terms, now=now, zone=zone, count=1)[0]


def latest_month(now: dt.datetime, zone: ZoneInfo) -> dt.date:
    return month_start(now.astimezone(zone).date())


FIRST_MONTH = dt.date(2000, 1, 1)  # no Posyandu report is older; keeps ?bulan=0001-01 off the calendar's edge


def read_month(raw: str | None) -> dt.date | None:
    """'2026-11' → 1 Nov 2026; anything else → None."""
    try:
        return dt.date.fromisoformat(f"{raw}-01") if raw else None
    except ValueError:
        return None


def shown_month(raw: str | None, now: dt.datetime, zone: ZoneInfo) -> dt.date | None:
    """A month a page may show: readable, from FIRST_MONTH to this month (None otherwise)."""
    month = read_month(raw)
    return month if month is not None and FIRST_MONTH <= month <= latest_month(now, zone) else None


async def overview(
    session: AsyncSession, scope: Scope, region: Region, month: dt.date, *, zone: ZoneInfo
) -> Overview:
    rules = await incentives.rules(session)
    areas = await compliance.area_counts(
        session, region.code, month, cutoffs=recap.cutoffs(rules, region.code, month, zone)
    )
    # The figures /rekap's summary sums from the same counts (recap.summarise); its list of Posyandu
    # still to report, its bars and its SPM sections are not on this page, so they are not queried.
    summary = recap.Summary(
        region=region,
        month=month,
        total=sum(a.total for a in areas),
        reported=sum(a.reported for a in areas),
        not_held=sum(a.not_held for a in areas),
        skdn={letter: sum(getattr(a, letter) for a in areas) for letter in "skdn"},
        rates=[],
        missing=[],
        late=sum(a.late for a in areas),
    )
    children = await compliance.children(session, region.code)
    sums: dict[str, list[int]] = {child.code: [0] * 7 for child in children}
    for area in areas:
        child = next((c for c in compliance.lineage_codes(area.region_code) if c in sums), None)
        if child is not None:
            for i, value in enumerate(
                (area.total, area.reported, area.late, area.not_held, area.s, area.d, area.n)
            ):
                sums[child][i] += value
    lines = [
        Line(child.name, *sums[child.code], region_code=child.code)
        for child in children
        if sums[child.code][0]
    ]
    if not lines and summary.total:
        lines = await posyandu_lines(session, region, month, zone=zone)
    lineage = []
    for code in compliance.lineage_codes(region.code)[:-1]:
        if scope.covers(code):
            above = await session.get(Region, code)
            if above is not None:
                lineage.append(above)
    trend_points = await trend(session, region, month, total=summary.total)
    return Overview(region, month, summary, lines, lineage, trend_points)


async def trend(session: AsyncSession, region: Region, month: dt.date, *, total: int) -> list[TrendPoint]:
    """Posyandu reported / total in each of the last TREND_MONTHS months, counted as the recap does
    (`total`: the Posyandu the region has, the same in every month, as `area_counts` counts them)."""
    months = [shift_months(month, -back) for back in range(TREND_MONTHS - 1, -1, -1)]
    reported = await compliance.reported_by_month(session, region.code, months[0], months[-1])
    return [TrendPoint(shown, total, reported.get(shown, 0)) for shown in months]


async def posyandu_lines(
    session: AsyncSession, region: Region, month: dt.date, *, zone: ZoneInfo
) -> list[Line]:
    """Under a desa: each Posyandu, reported or not, late or not (as the export counts them)."""
    found = await recap.build(session, region, month, zone=zone)
    lines = []
    for p in found.posyandu:
        report = p.report
        held = report is not None and report.held != "not_held"
        lines.append(
            Line(
                p.name,
                total=1,
                reported=int(report is not None),
                late=int(bool(found.is_late(p))),
                not_held=int(report is not None and report.held == "not_held"),
                s=(report.s or 0) if held and report else 0,
                d=(report.d or 0) if held and report else 0,
                n=(report.n or 0) if held and report else 0,
                posyandu_id=p.id,
            )
        )
    return lines


@dataclass(frozen=True)
class PosyanduReport:
    posyandu: Posyandu
    region: Region | None
    month: dt.date
    report: MonthlyReport | None
    late: bool | None


async def posyandu_report(
    session: AsyncSession, posyandu: Posyandu, month: dt.date, *, zone: ZoneInfo
) -> PosyanduReport:
    report = await reports.for_month(session, posyandu.id, month)
    late = None
    if report is not None:
        rules = await incentives.rules(session)
        due = deadline(terms_for(rules, posyandu.region_code), month, zone)
        late = not on_time(report.first_submitted_at, due)
    return PosyanduReport(posyandu, await session.get(Region, posyandu.region_code), month, report, late)
