"""Reporting compliance: for the chat recap, a month's counts per region and the Posyandu still to
report, computed in the database; for the Excel export, every Posyandu under a region with its
report for a month, its cadres and the names of the regions above it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, MonthlyReport, Person, Posyandu, Region
from storage.repositories.scopes import under


@dataclass(frozen=True, slots=True)
class CadreLine:
    person_id: int
    name: str
    phone: str | None
    position: str
    verification: str


@dataclass(frozen=True, slots=True)
class PosyanduMonth:
    """One Posyandu in one month. `lineage` is [(code, name)] from the top region down to its own."""

    id: int
    code: str
    name: str
    region_code: str
    lineage: tuple[tuple[str, str], ...]
    report: MonthlyReport | None
    submitter: str | None
    submitter_verified: bool | None
    cadres: tuple[CadreLine, ...]

    @property
    def reported(self) -> bool:
        return self.report is not None

    def region_name(self, code: str) -> str:
        return next((name for c, name in self.lineage if c == code), code)


def lineage_codes(code: str) -> list[str]:
    """'64.02.06.1005' → ['64', '64.02', '64.02.06', '64.02.06.1005']."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _listed(region_code: str) -> ColumnElement[bool]:
    """Posyandu under a region that count: listed, or proposed by a cadre and waiting (a rejected or
    withdrawn proposal is no Posyandu to report)."""
    return and_(under(Posyandu.region_code, region_code), Posyandu.status.in_(("active", "proposed")))


def _in_region(region_code: str) -> Select[tuple[int]]:
    """The ids of the Posyandu under a region, as a subquery: no list of ids is sent along, so a
    province of 300,000 Posyandu stays within the drivers' bound-parameter limits (~32,000)."""
    return select(Posyandu.id).where(_listed(region_code))


async def posyandu_month(session: AsyncSession, region_code: str, month: dt.date) -> list[PosyanduMonth]:
    """Every Posyandu under `region_code` (ordered by region, then name) with its report for `month`:
    the whole detail, for the Excel export. The chat recap reads `area_counts` and `statuses` instead."""
    posyandu = (
        await session.execute(
            select(Posyandu.id, Posyandu.code, Posyandu.name, Posyandu.region_code)
            .where(_listed(region_code))
            .order_by(Posyandu.region_code, Posyandu.name)
        )
    ).all()
    if not posyandu:
        return []
    names = dict(
        (
            await session.execute(
                select(Region.code, Region.name).where(
                    or_(under(Region.code, region_code), Region.code.in_(lineage_codes(region_code)))
                )
            )
        ).all()
    )
    reports: dict[int, tuple[MonthlyReport, str | None, str | None]] = {}
    rows = await session.execute(
        select(MonthlyReport, Person.full_name, Cadre.verification)
        .outerjoin(Person, Person.id == MonthlyReport.submitted_by)
        .outerjoin(Cadre, Cadre.person_id == MonthlyReport.submitted_by)
        .where(MonthlyReport.month == month, MonthlyReport.posyandu_id.in_(_in_region(region_code)))
    )
    for report, submitter, verification in rows.all():
        reports[report.posyandu_id] = (report, submitter, verification)
    cadres = await cadre_lines(session, _in_region(region_code))
    found: list[PosyanduMonth] = []
    for posyandu_id, code, name, place in posyandu:
        # The submitter's name and verification come from outer joins: None when nobody is recorded.
        report, submitter, verification = reports.get(posyandu_id, (None, None, None))
        found.append(
            PosyanduMonth(
                id=posyandu_id,
                code=code,
                name=name,
                region_code=place,
                lineage=tuple((c, names.get(c, c)) for c in lineage_codes(place)),
                report=report,
                submitter=submitter,
                submitter_verified=None if verification is None else verification == "verified",
                cadres=tuple(cadres.get(posyandu_id, ())),
            )
        )
    return found


async def cadre_lines(
    session: AsyncSession, posyandu_ids: Select[tuple[int]] | Sequence[int]
) -> dict[int, list[CadreLine]]:
    """The cadres of some Posyandu (ids, or a subquery of ids), by Posyandu, ordered by name."""
    found: dict[int, list[CadreLine]] = defaultdict(list)
    rows = await session.execute(
        select(
            Cadre.posyandu_id, Person.id, Person.full_name, Person.phone, Cadre.position, Cadre.verification
        )
        .join(Person, Person.id == Cadre.person_id)
        .where(Cadre.posyandu_id.in_(posyandu_ids))
        .order_by(Person.full_name)
    )
    for posyandu_id, person_id, name, phone, position, verification in rows.all():
        found[posyandu_id].append(CadreLine(person_id, name or "-", phone, position, verification))
    return found


@dataclass(frozen=True, slots=True)
class AreaCount:
    """The Posyandu of one region (the desa or kelurahan they belong to) in one month: how many,
    how many reported, how many reported no activity, and the SKDN sums of the reports of
    Posyandu that held their day."""

    region_code: str
    total: int
    reported: int
    not_held: int
    s: int
    k: int
    d: int
    n: int
    late: int = 0  # reports first sent at or after their cutoff (see `Cutoffs`)


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """When a month's report becomes late: `default` everywhere, except under the regions named in
    `by_region` (the regions with their own deadline rule). The first matching region, in the
    order given, applies: list the most specific first."""

    default: dt.datetime
    by_region: tuple[tuple[str, dt.datetime], ...] = ()

    def late(self, submitted: ColumnElement[dt.datetime]) -> ColumnElement[bool]:
        if not self.by_region:
            return submitted >= self.default
        return case(
            *((under(Posyandu.region_code, code), submitted >= cutoff) for code, cutoff in self.by_region),
            else_=submitted >= self.default,
        )


def _month_join(month: dt.date) -> ColumnElement[bool]:
    return and_(MonthlyReport.posyandu_id == Posyandu.id, MonthlyReport.month == month)


async def area_counts(
    session: AsyncSession, region_code: str, month: dt.date, *, cutoffs: Cutoffs | None = None
) -> list[AreaCount]:
    """One row per region under `region_code` that has Posyandu, counted in the database: a few
    thousand rows for a province, however many Posyandu and cadres it has. With `cutoffs`, the
    reports first sent late are counted too."""
    held = MonthlyReport.held != "not_held"
    late = (
        func.count(case((cutoffs.late(MonthlyReport.first_submitted_at), 1)))
        if cutoffs is not None
        else func.count(case((false(), 1)))
    )

    def held_sum(column: ColumnElement[int | None]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((held, column))), 0)

    rows = await session.execute(
        select(
            Posyandu.region_code,
            func.count(Posyandu.id),
            func.count(MonthlyReport.id),
            func.count(case((MonthlyReport.held == "not_held", 1))),
            held_sum(MonthlyReport.s),
            held_sum(MonthlyReport.k),
            held_sum(MonthlyReport.d),
            held_sum(MonthlyReport.n),
            late,
        )
        .outerjoin(MonthlyReport, _month_join(month))
        .where(_listed(region_code))
        .group_by(Posyandu.region_code)
        .order_by(Posyandu.region_code)
    )
    return [AreaCount(code, *(int(v) for v in values)) for code, *values in rows.all()]


@dataclass(frozen=True, slots=True)
class PosyanduStatus:
    """A Posyandu with whether it reported for the month, the name of its own region (desa or
    kelurahan) and its cadres (filled for those listed as still to report)."""

    id: int
    code: str
    name: str
    region_code: str
    region_name: str
    reported: bool
    cadres: tuple[CadreLine, ...] = ()


async def statuses(
    session: AsyncSession,
    region_code: str,
    month: dt.date,
    *,
    missing_only: bool = False,
    limit: int | None = None,
) -> list[PosyanduStatus]:
    """Posyandu under `region_code` ordered by region, then name — all, or only those that have not
    reported, up to `limit` — with the cadres of those not yet reported."""
    query = (
        select(
            Posyandu.id,
            Posyandu.code,
            Posyandu.name,
            Posyandu.region_code,
            Region.name,
            MonthlyReport.id.is_not(None),
        )
        .join(Region, Region.code == Posyandu.region_code)
        .outerjoin(MonthlyReport, _month_join(month))
        .where(_listed(region_code))
        .order_by(Posyandu.region_code, Posyandu.name)
    )
    if missing_only:
        query = query.where(MonthlyReport.id.is_(None))
    rows = (await session.execute(query.limit(limit))).all()
    cadres = await cadre_lines(session, [row[0] for row in rows if not row[5]])
    return [
        PosyanduStatus(id_, code, name, place, place_name, bool(reported), tuple(cadres.get(id_, ())))
        for id_, code, name, place, place_name, reported in rows
    ]


async def children(session: AsyncSession, code: str) -> list[Region]:
    result = await session.execute(select(Region).where(Region.parent_code == code).order_by(Region.code))
    return list(result.scalars())


async def posyandu_regions(session: AsyncSession, code: str) -> set[str]:
    """The region codes (desa/kelurahan) under `code` that have at least one Posyandu."""
    result = await session.execute(select(Posyandu.region_code).where(_listed(code)).distinct())
    return set(result.scalars())


async def reported_by_month(
    session: AsyncSession, region_code: str, first: dt.date, last: dt.date
) -> dict[dt.date, int]:
    """How many Posyandu under `region_code` (counted as `area_counts` counts them) reported in each
    month from `first` to `last`: a trend in one query instead of one per month."""
    rows = await session.execute(
        select(MonthlyReport.month, func.count(MonthlyReport.id))
        .join(Posyandu, Posyandu.id == MonthlyReport.posyandu_id)
        .where(_listed(region_code), MonthlyReport.month >= first, MonthlyReport.month <= last)
        .group_by(MonthlyReport.month)
    )
    return {month: int(count) for month, count in rows.all()}
