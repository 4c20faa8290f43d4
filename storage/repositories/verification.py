"""Cadre verification: the cadres waiting in a coordinator's regions, and the decision on each. A
Posyandu the cadre proposed is decided with them: listed when they are verified, rejected with them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, Person, Posyandu, Region
from storage.repositories import regions
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
    posyandu_status: str = regions.ACTIVE


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
            Posyandu.status,
        )
        .join(Person, Person.id == Cadre.person_id)
        .join(Posyandu, Posyandu.id == Cadre.posyandu_id)
        .join(Region, Region.code == Posyandu.region_code)
        .where(Cadre.verification == "pending", within(Posyandu.region_code, roots))
        .order_by(Cadre.registered_at, Cadre.id)
        .limit(limit)
    )
    return [
        PendingCadre(cid, pid, name or "-", phone, position, posyandu, desa, registered, status)
        for cid, pid, name, phone, position, posyandu, desa, registered, status in result.all()
    ]


async def colleagues(session: AsyncSession, cadre: Cadre) -> list[str]:
    """The names of the other cadres (not rejected) of the same Posyandu, to spot a look-alike."""
    result = await session.execute(
        select(Person.full_name)
        .join(Cadre, Cadre.person_id == Person.id)
        .where(
            Cadre.posyandu_id == cadre.posyandu_id,
            Cadre.id != cadre.id,
            Cadre.verification != "rejected",
            Person.full_name.is_not(None),
        )
        .order_by(Cadre.id)
    )
    return [str(name) for name in result.scalars()]


async def proposal(session: AsyncSession, posyandu_id: int) -> Posyandu | None:
    """The Posyandu when it is still a proposal waiting for a decision."""
    found = await session.get(Posyandu, posyandu_id)
    return found if found is not None and found.status == regions.PROPOSED else None


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
    await regions.settle_proposal(
        session, cadre.posyandu_id, status=regions.ACTIVE if approve else regions.REJECTED
    )
