"""Cadres with what the scheduler, incentives and imports need about them, in one query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, MonthlyReport, Person, Posyandu
from storage.repositories.scopes import within


@dataclass(frozen=True, slots=True)
class CadreRow:
    cadre_id: int
    person_id: int
    name: str
    phone: str | None
    verification: str
    registered_at: dt.datetime
    consented: bool
    posyandu_id: int
    posyandu: str
    region_code: str
    usual_day: int | None


def _query():  # type: ignore[no-untyped-def]
    return (
        select(
            Cadre.id,
            Person.id,
            Person.full_name,
            Person.phone,
            Cadre.verification,
            Cadre.registered_at,
            Person.consent_at,
            Posyandu.id,
            Posyandu.name,
            Posyandu.region_code,
            Posyandu.usual_day,
        )
        .join(Person, Person.id == Cadre.person_id)
        .join(Posyandu, Posyandu.id == Cadre.posyandu_id)
    )


def _row(raw: Sequence[object]) -> CadreRow:
    cid, pid, name, phone, verification, registered, consent, py_id, py_name, region, usual = raw
    return CadreRow(
        cadre_id=cid,  # type: ignore[arg-type]
        person_id=pid,  # type: ignore[arg-type]
        name=str(name or "-"),
        phone=phone,  # type: ignore[arg-type]
        verification=verification,  # type: ignore[arg-type]
        registered_at=registered,  # type: ignore[arg-type]
        consented=consent is not None,
        posyandu_id=py_id,  # type: ignore[arg-type]
        posyandu=py_name,  # type: ignore[arg-type]
        region_code=region,  # type: ignore[arg-type]
        usual_day=usual,  # type: ignore[arg-type]
    )


async def reachable(session: AsyncSession) -> list[CadreRow]:
    """Cadres who may be reminded: they consented and were not rejected."""
    result = await session.execute(
        _query().where(Person.consent_at.is_not(None), Cadre.verification != "rejected").order_by(Cadre.id)
    )
    return [_row(raw) for raw in result.all()]


async def in_regions(session: AsyncSession, roots: Sequence[str] | None) -> list[CadreRow]:
    """Every cadre whose Posyandu lies within `roots` (None: everywhere)."""
    result = await session.execute(
        _query().where(within(Posyandu.region_code, roots)).order_by(Person.full_name, Cadre.id)
    )
    return [_row(raw) for raw in result.all()]


async def get(session: AsyncSession, cadre_id: int) -> CadreRow | None:
    raw = (await session.execute(_query().where(Cadre.id == cadre_id))).one_or_none()
    return _row(raw) if raw is not None else None


async def of_person(session: AsyncSession, person_id: int) -> CadreRow | None:
    raw = (await session.execute(_query().where(Cadre.person_id == person_id))).one_or_none()
    return _row(raw) if raw is not None else None


async def by_phones(session: AsyncSession, phones: Iterable[str]) -> dict[str, list[CadreRow]]:
    """Cadres by their E.164 phone number (a number may, wrongly, belong to two people)."""
    wanted = sorted(set(phones))
    found: dict[str, list[CadreRow]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        result = await session.execute(_query().where(Person.phone.in_(chunk)).order_by(Cadre.id))
        for raw in result.all():
            row = _row(raw)
            found.setdefault(str(row.phone), []).append(row)
    return found


async def first_submissions(
    session: AsyncSession, posyandu_ids: Iterable[int], months: Iterable[dt.date]
) -> dict[tuple[int, dt.date], dt.datetime]:
    """When each (Posyandu, month) report was first submitted; absent when there is none."""
    ids, wanted = list(set(posyandu_ids)), list(set(months))
    if not ids or not wanted:
        return {}
    result = await session.execute(
        select(MonthlyReport.posyandu_id, MonthlyReport.month, MonthlyReport.first_submitted_at).where(
            MonthlyReport.posyandu_id.in_(ids), MonthlyReport.month.in_(wanted)
        )
    )
    return {(posyandu_id, month): first for posyandu_id, month, first in result.all()}
