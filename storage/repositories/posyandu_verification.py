"""The DPMD's verification of Posyandu institutions: the current state of each, the queue of a
coordinator's regions, which Posyandu rows belong to a verified institution, and the counts of
the recap. What the checklist holds is computed in handlers/posyandu/verification.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Posyandu
from storage.models_posyandu_verification import (
    RETURNED,
    SUBMITTED,
    VERIFIED,
    PosyanduVerification,
)
from storage.repositories.scopes import under, within

REASON_CHARS = 240
LEMBAGA = "lembaga"


async def of(session: AsyncSession, institution_id: int) -> PosyanduVerification | None:
    found = await session.execute(
        select(PosyanduVerification).where(PosyanduVerification.posyandu_id == institution_id)
    )
    return found.scalar_one_or_none()


async def submit(
    session: AsyncSession,
    institution_id: int,
    *,
    by: int | None,
    checklist: dict[str, Any],
    now: dt.datetime,
) -> PosyanduVerification:
    """The ketua submits (again, after a return): the row waits for a coordinator."""
    row = await of(session, institution_id)
    if row is None:
        row = PosyanduVerification(posyandu_id=institution_id)
        session.add(row)
    row.status = SUBMITTED
    row.checklist = dict(checklist)
    row.reason = None
    row.submitted_by = by
    row.submitted_at = now
    row.decided_by = None
    row.decided_at = None
    await session.flush()
    return row


async def decide(
    session: AsyncSession,
    row: PosyanduVerification,
    *,
    verified: bool,
    by: int | None,
    reason: str | None,
    checklist: dict[str, Any],
    now: dt.datetime,
) -> None:
    row.status = VERIFIED if verified else RETURNED
    row.reason = None if verified else (reason or "")[:REASON_CHARS] or None
    row.checklist = dict(checklist)
    row.decided_by = by
    row.decided_at = now
    await session.flush()


@dataclass(frozen=True, slots=True)
class Waiting:
    posyandu_id: int
    name: str
    region_code: str
    submitted_at: dt.datetime | None


async def queue(session: AsyncSession, *, roots: Sequence[str] | None, limit: int = 200) -> list[Waiting]:
    """Institutions submitted and waiting, within `roots` (None: everywhere), oldest first."""
    result = await session.execute(
        select(Posyandu.id, Posyandu.name, Posyandu.region_code, PosyanduVerification.submitted_at)
        .join(PosyanduVerification, PosyanduVerification.posyandu_id == Posyandu.id)
        .where(PosyanduVerification.status == SUBMITTED, within(Posyandu.region_code, roots))
        .order_by(PosyanduVerification.submitted_at, Posyandu.id)
        .limit(limit)
    )
    return [Waiting(*row) for row in result.all()]


async def verified_rows(session: AsyncSession, posyandu_ids: Iterable[int]) -> set[int]:
    """Of the Posyandu rows `posyandu_ids`, those whose institution (the row itself, or its
    lembaga for a pos pelayanan) is verified."""
    ids = set(posyandu_ids)
    if not ids:
        return set()
    institution = func.coalesce(Posyandu.parent_id, Posyandu.id)
    result = await session.execute(
        select(Posyandu.id)
        .join(PosyanduVerification, PosyanduVerification.posyandu_id == institution)
        .where(Posyandu.id.in_(ids), PosyanduVerification.status == VERIFIED)
    )
    return set(result.scalars())


@dataclass(frozen=True, slots=True)
class InstitutionState:
    """One registered institution for the recap: where it is and how far its verification got."""

    posyandu_id: int
    region_code: str
    status: str | None  # None: never submitted
    decided_at: dt.datetime | None


async def institutions_under(session: AsyncSession, region_code: str) -> list[InstitutionState]:
    """Every active Posyandu institution (not a pos pelayanan) at or below `region_code`."""
    result = await session.execute(
        select(
            Posyandu.id,
            Posyandu.region_code,
            PosyanduVerification.status,
            PosyanduVerification.decided_at,
        )
        .outerjoin(PosyanduVerification, PosyanduVerification.posyandu_id == Posyandu.id)
        .where(
            Posyandu.parent_id.is_(None),
            Posyandu.status == "active",
            under(Posyandu.region_code, region_code),
        )
        .order_by(Posyandu.id)
    )
    return [InstitutionState(*row) for row in result.all()]


async def seed(session: AsyncSession, states: dict[int, str], *, by: int | None, now: dt.datetime) -> None:
    """Demo data: institution id → status, set as it is (no checklist computed)."""
    for posyandu_id, status in states.items():
        if status not in (SUBMITTED, RETURNED, VERIFIED) or await of(session, posyandu_id) is not None:
            continue
        session.add(
            PosyanduVerification(
                posyandu_id=posyandu_id,
                status=status,
                checklist={"demo": True},
                submitted_by=by,
                submitted_at=now,
                decided_at=None if status == SUBMITTED else now,
            )
        )
    await session.flush()
