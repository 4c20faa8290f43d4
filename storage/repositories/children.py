"""The child register and weighings. Every read is by Posyandu: a cadre's flows pass their own
Posyandu, so another Posyandu's children are never reached (handlers/flows/children.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Posyandu
from storage.models_growth import Child, ChildMeasurement
from storage.turns import read


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def born_after_limit(on: dt.date) -> dt.date:
    """Children born on or before this day are 60 months old on `on`."""
    return _shift_years(on, -5)


async def sweep_aged_out(session: AsyncSession, posyandu_id: int, today: dt.date) -> int:
    """Active children who turned 60 months leave the register (status 'aged_out')."""
    result = await session.execute(
        update(Child)
        .where(
            Child.posyandu_id == posyandu_id,
            Child.status == "active",
            Child.birth_date <= born_after_limit(today),
        )
        .values(status="aged_out", left_reason="age_60_months")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def active(session: AsyncSession, posyandu_id: int) -> list[Child]:
    rows = await session.execute(
        select(Child)
        .where(Child.posyandu_id == posyandu_id, Child.status == "active")
        .order_by(func.lower(Child.full_name), Child.birth_date, Child.id)
    )
    return list(rows.scalars())


async def in_posyandu(session: AsyncSession, posyandu_id: int, child_id: int) -> Child | None:
    """A child of this Posyandu, or None (another Posyandu's child is not found, by design)."""
    rows = await session.execute(select(Child).where(Child.id == child_id, Child.posyandu_id == posyandu_id))
    return rows.scalar_one_or_none()


async def find_same(
    session: AsyncSession, posyandu_id: int, full_name: str, birth_date: dt.date
) -> Child | None:
    rows = await session.execute(
        select(Child).where(
            Child.posyandu_id == posyandu_id,
            func.lower(Child.full_name) == full_name.casefold(),
            Child.birth_date == birth_date,
            Child.status == "active",
        )
    )
    return rows.scalars().first()


async def add(
    session: AsyncSession, *, posyandu_id: int, values: dict[str, Any], person_id: int, now: dt.datetime
) -> Child:
    child = Child(posyandu_id=posyandu_id, created_by=person_id, created_at=now, status="active", **values)
    session.add(child)
    await session.flush()
    return child


async def siblings(session: AsyncSession, posyandu_id: int) -> list[Posyandu]:
    """Other active Posyandu of the same kecamatan: where a child may move to."""
    here = await session.get(Posyandu, posyandu_id)
    if here is None:
        return []
    kecamatan = ".".join(here.region_code.split(".")[:3])
    rows = await session.execute(
        select(Posyandu)
        .where(
            Posyandu.id != posyandu_id,
            Posyandu.status == "active",
            Posyandu.region_code.like(f"{kecamatan}.%"),
        )
        .order_by(Posyandu.name)
    )
    return list(rows.scalars())


# -- measurements --------------------------------------------------------------------------------
async def last_before(
    session: AsyncSession, child_ids: Iterable[int], day: dt.date
) -> dict[int, ChildMeasurement]:
    """Each child's latest measurement before `day` (the month's first day: last month's or older)."""
    ids = list(child_ids)
    if not ids:
        return {}
    latest = (
        select(ChildMeasurement.child_id, func.max(ChildMeasurement.measured_on).label("on"))
        .where(ChildMeasurement.child_id.in_(ids), ChildMeasurement.measured_on < day)
        .group_by(ChildMeasurement.child_id)
        .subquery()
    )
    rows = await session.execute(
        select(ChildMeasurement)
        .join(
            latest,
            and_(ChildMeasurement.child_id == latest.c.child_id, ChildMeasurement.measured_on == latest.c.on),
        )
        .order_by(ChildMeasurement.id)
    )
    return {m.child_id: m for m in rows.scalars()}


async def in_month(
    session: AsyncSession, child_ids: Iterable[int], month: dt.date, next_month: dt.date
) -> dict[int, ChildMeasurement]:
    """Each child's measurement in the month (the latest, should there be two)."""
    ids = list(child_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(ChildMeasurement)
        .where(
            ChildMeasurement.child_id.in_(ids),
            ChildMeasurement.measured_on >= month,
            ChildMeasurement.measured_on < next_month,
        )
        .order_by(ChildMeasurement.measured_on, ChildMeasurement.id)
    )
    return {m.child_id: m for m in rows.scalars()}


async def history(session: AsyncSession, child_id: int) -> list[ChildMeasurement]:
    rows = await session.execute(
        select(ChildMeasurement)
        .where(ChildMeasurement.child_id == child_id)
        .order_by(ChildMeasurement.measured_on)
    )
    return list(rows.scalars())


class SkdnChild(NamedTuple):
    id: int
    has_kia: bool


_FOR_SKDN = select(Child.id, Child.has_kia).where(
    Child.posyandu_id == bindparam("posyandu"),
    Child.status == "active",
    Child.birth_date <= bindparam("month_end"),
    Child.birth_date > bindparam("born_after"),
)


async def for_skdn(session: AsyncSession, posyandu_id: int, month_end: dt.date) -> list[SkdnChild]:
    """Children on the register at the end of the month: registered by then, still active, and not
    yet 60 months old (S). A plain read (the report form asks it as it starts: issue #19)."""
    values = {"posyandu": posyandu_id, "month_end": month_end, "born_after": born_after_limit(month_end)}
    return [SkdnChild(*row) for row in await read(session, _FOR_SKDN, values)]
