"""Coordinators' growth recap (issue #17, point 7): for the Posyandu under a region and one month,
how many balita were weighed and how many of them are stunted, wasted or underweight — counted in
the database, one row per desa/kelurahan or per Posyandu, however many children there are — and the
month's measurements one row each, for the e-PPGBM sheet of the export.

A child counts once a month: its latest measurement of the month (by date, then by entry). A child
belongs to the Posyandu it is registered at now (a child that moved counts where it is now)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Posyandu
from storage.models_growth import Child, ChildMeasurement
from storage.repositories.children import born_after_limit
from storage.repositories.scopes import under

# The three indicators: (z-score column, the name used in counts). Stunting is TB/U (haz), wasting
# BB/TB (whz), underweight BB/U (waz) — each below −2 SD, "severe" below −3 SD (Permenkes 2/2020).
INDICATORS = ("stunting", "wasting", "underweight")
_COLUMNS = {"stunting": "haz", "wasting": "whz", "underweight": "waz"}
MODERATE, SEVERE = -2.0, -3.0


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator over the children weighed: `valid` of them have a z-score (the others — not
    measured for it, out of its range, or flagged implausible — are left out of it), `below2` are
    under −2 SD and `below3` (a part of `below2`) under −3 SD."""

    valid: int = 0
    below2: int = 0
    below3: int = 0

    def __add__(self, other: Indicator) -> Indicator:
        return Indicator(self.valid + other.valid, self.below2 + other.below2, self.below3 + other.below3)


@dataclass(frozen=True, slots=True)
class GrowthCount:
    """The children of one area (a desa/kelurahan, a Posyandu, or a sum of them) in one month."""

    registered: int = 0  # on a register at the month's end (active, under 60 months) or weighed in it
    weighed: int = 0
    stunting: Indicator = Indicator()
    wasting: Indicator = Indicator()
    underweight: Indicator = Indicator()

    def __add__(self, other: GrowthCount) -> GrowthCount:
        return GrowthCount(
            self.registered + other.registered,
            self.weighed + other.weighed,
            self.stunting + other.stunting,
            self.wasting + other.wasting,
            self.underweight + other.underweight,
        )

    def indicator(self, name: str) -> Indicator:
        found: Indicator = getattr(self, name)
        return found

    def excluded(self, name: str) -> int:
        """Children weighed but without a valid z-score for the indicator."""
        return self.weighed - self.indicator(name).valid


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def latest_in_month(month: dt.date) -> Select[tuple[int]]:
    """The ids of each child's latest measurement of the month, as a subquery."""
    ranked = (
        select(
            ChildMeasurement.id.label("id"),
            func.row_number()
            .over(
                partition_by=ChildMeasurement.child_id,
                order_by=(ChildMeasurement.measured_on.desc(), ChildMeasurement.id.desc()),
            )
            .label("rank"),
        )
        .where(ChildMeasurement.measured_on >= month, ChildMeasurement.measured_on < _next_month(month))
        .subquery()
    )
    return select(ranked.c.id).where(ranked.c.rank == 1)


def _counted(column: ColumnElement[float | None]) -> list[ColumnElement[int]]:
    return [
        func.count(column),
        func.count(case((column < MODERATE, 1))),
        func.count(case((column < SEVERE, 1))),
    ]


async def counts(
    session: AsyncSession, region_code: str, month: dt.date, *, by_posyandu: bool = False
) -> dict[str | int, GrowthCount]:
    """{desa/kelurahan code (or Posyandu id): its children's counts} for the Posyandu under
    `region_code`; areas without any child are absent."""
    key = Posyandu.id if by_posyandu else Posyandu.region_code
    in_region = under(Posyandu.region_code, region_code)
    month_end = _next_month(month) - dt.timedelta(days=1)
    weighed_rows = await session.execute(
        select(
            key,
            func.count(ChildMeasurement.id),
            *(c for name in INDICATORS for c in _counted(getattr(ChildMeasurement, _COLUMNS[name]))),
        )
        .select_from(ChildMeasurement)
        .join(Child, Child.id == ChildMeasurement.child_id)
        .join(Posyandu, Posyandu.id == Child.posyandu_id)
        .where(in_region, ChildMeasurement.id.in_(latest_in_month(month)))
        .group_by(key)
    )
    found: dict[str | int, GrowthCount] = {}
    for area, weighed, *values in weighed_rows.all():
        found[area] = GrowthCount(
            0,
            int(weighed),
            *(Indicator(*(int(v) for v in values[i * 3 : i * 3 + 3])) for i in range(len(INDICATORS))),
        )
    weighed_children = (
        select(ChildMeasurement.child_id)
        .where(ChildMeasurement.measured_on >= month, ChildMeasurement.measured_on < _next_month(month))
        .scalar_subquery()
    )
    on_register = and_(
        Child.status == "active",
        Child.birth_date <= month_end,
        Child.birth_date > born_after_limit(month_end),
    )
    registered_rows = await session.execute(
        select(key, func.count(Child.id))
        .join(Posyandu, Posyandu.id == Child.posyandu_id)
        .where(in_region, or_(on_register, Child.id.in_(weighed_children)))
        .group_by(key)
    )
    for area, registered in registered_rows.all():
        current = found.get(area, GrowthCount())
        found[area] = GrowthCount(
            int(registered), current.weighed, current.stunting, current.wasting, current.underweight
        )
    return found


@dataclass(frozen=True, slots=True)
class MeasurementRow:
    """One measurement of the month with its child and Posyandu: a row of the e-PPGBM sheet."""

    child: Child
    measurement: ChildMeasurement
    posyandu_code: str
    posyandu_name: str
    region_code: str


async def month_rows(session: AsyncSession, region_code: str, month: dt.date) -> list[MeasurementRow]:
    """Every measurement of the month under `region_code` (not only the latest per child: the sheet
    is for data entry), ordered by region, Posyandu, child's name, date."""
    rows = await session.execute(
        select(ChildMeasurement, Child, Posyandu.code, Posyandu.name, Posyandu.region_code)
        .join(Child, Child.id == ChildMeasurement.child_id)
        .join(Posyandu, Posyandu.id == Child.posyandu_id)
        .where(
            under(Posyandu.region_code, region_code),
            ChildMeasurement.measured_on >= month,
            ChildMeasurement.measured_on < _next_month(month),
        )
        .order_by(
            Posyandu.region_code,
            Posyandu.name,
            func.lower(Child.full_name),
            Child.id,
            ChildMeasurement.measured_on,
            ChildMeasurement.id,
        )
    )
    return [MeasurementRow(child, m, code, name, place) for m, child, code, name, place in rows.all()]


__all__ = ["INDICATORS", "GrowthCount", "Indicator", "MeasurementRow", "counts", "month_rows"]
