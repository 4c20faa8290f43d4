"""Reporting compliance: every Posyandu under a region with its report for a month, its cadres and
the names of the regions above it (for the recap, the chart and the Excel export)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
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


async def posyandu_month(session: AsyncSession, region_code: str, month: dt.date) -> list[PosyanduMonth]:
    """Every Posyandu under `region_code` (ordered by region, then name) with its report for `month`."""
    posyandu = list(
        (
            await session.execute(
                select(Posyandu)
                .where(under(Posyandu.region_code, region_code))
                .order_by(Posyandu.region_code, Posyandu.name)
            )
        ).scalars()
    )
    if not posyandu:
        return []
    ids = [p.id for p in posyandu]
    codes = {c for p in posyandu for c in lineage_codes(p.region_code)}
    names = dict(
        (await session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))).all()
    )
    reports = {
        r.posyandu_id: r
        for r in (
            await session.execute(
                select(MonthlyReport).where(MonthlyReport.month == month, MonthlyReport.posyandu_id.in_(ids))
            )
        ).scalars()
    }
    cadres: dict[int, list[CadreLine]] = defaultdict(list)
    rows = await session.execute(
        select(
            Cadre.posyandu_id, Person.id, Person.full_name, Person.phone, Cadre.position, Cadre.verification
        )
        .join(Person, Person.id == Cadre.person_id)
        .where(Cadre.posyandu_id.in_(ids))
        .order_by(Person.full_name)
    )
    for posyandu_id, person_id, name, phone, position, verification in rows.all():
        cadres[posyandu_id].append(CadreLine(person_id, name or "-", phone, position, verification))
    submitters = sorted({r.submitted_by for r in reports.values() if r.submitted_by is not None})
    submitter_names: dict[int, str | None] = {}
    verified_people: dict[int, bool] = {}
    if submitters:
        submitter_names = dict(
            (
                await session.execute(select(Person.id, Person.full_name).where(Person.id.in_(submitters)))
            ).all()
        )
        verified_people = {
            person_id: verification == "verified"
            for person_id, verification in (
                await session.execute(
                    select(Cadre.person_id, Cadre.verification).where(Cadre.person_id.in_(submitters))
                )
            ).all()
        }
    found: list[PosyanduMonth] = []
    for p in posyandu:
        report = reports.get(p.id)
        by = report.submitted_by if report is not None else None
        found.append(
            PosyanduMonth(
                id=p.id,
                code=p.code,
                name=p.name,
                region_code=p.region_code,
                lineage=tuple((c, names.get(c, c)) for c in lineage_codes(p.region_code)),
                report=report,
                submitter=submitter_names.get(by) if by is not None else None,
                submitter_verified=verified_people.get(by) if by is not None else None,
                cadres=tuple(cadres.get(p.id, ())),
            )
        )
    return found


async def children(session: AsyncSession, code: str) -> list[Region]:
    result = await session.execute(select(Region).where(Region.parent_code == code).order_by(Region.code))
    return list(result.scalars())


async def posyandu_regions(session: AsyncSession, code: str) -> set[str]:
    """The region codes (desa/kelurahan) under `code` that have at least one Posyandu."""
    result = await session.execute(
        select(Posyandu.region_code).where(under(Posyandu.region_code, code)).distinct()
    )
    return set(result.scalars())
