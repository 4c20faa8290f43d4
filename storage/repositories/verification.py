"""Cadre verification: the cadres waiting in a coordinator's regions, and the decision on each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, Person, Posyandu, Region
from storage.repositories.scopes import within

REASON_CHARS = 240


@dataclass(frozen=True, slots=True)
class PendingCadre:
    cadre_id: int
    person_id: int
    name: str
    phone: str | None
    position: str
    posyandu: str
    desa: str
    registered_at: dt.datetime


async def pending(
    session: AsyncSession, *, roots: Sequence[str] | None, limit: int = 200
) -> list[PendingCadre]:
    """Cadres awaiting verification whose Posyandu lies within `roots` (None: everywhere), oldest first."""
    result = await session.execute(
        select(
            Cadre.id,
            Person.id,
            Person.full_name,
            Person.phone,
            Cadre.position,
            Posyandu.name,
            Region.name,
            Cadre.registered_at,
        )
        .join(Person, Person.id == Cadre.person_id)
        .join(Posyandu, Posyandu.id == Cadre.posyandu_id)
        .join(Region, Region.code == Posyandu.region_code)
        .where(Cadre.verification == "pending", within(Posyandu.region_code, roots))
        .order_by(Cadre.registered_at, Cadre.id)
        .limit(limit)
    )
    return [
        PendingCadre(cid, pid, name or "-", phone, position, posyandu, desa, registered)
        for cid, pid, name, phone, position, posyandu, desa, registered in result.all()
    ]


async def decide(
    session: AsyncSession,
    cadre: Cadre,
    *,
    approve: bool,
    by: int,
    reason: str | None,
    now: dt.datetime,
) -> None:
    cadre.verification = "verified" if approve else "rejected"
    cadre.verified_at = now
    cadre.verified_by = by
    cadre.rejection_reason = None if approve else (reason or "")[:REASON_CHARS] or None
    await session.flush()
