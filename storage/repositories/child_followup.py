"""Follow-up actions and the measurement histories the follow-up list is worked out from. Reads are
by child ids the caller got from its own Posyandu (storage/repositories/children.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_growth import ChildMeasurement
from storage.models_growth_followup import ChildFollowUp


async def histories(session: AsyncSession, child_ids: Iterable[int]) -> dict[int, list[ChildMeasurement]]:
    """Every child's measurements, oldest first (children never weighed are absent)."""
    ids = list(child_ids)
    out: dict[int, list[ChildMeasurement]] = {}
    if not ids:
        return out
    rows = await session.execute(
        select(ChildMeasurement)
        .where(ChildMeasurement.child_id.in_(ids))
        .order_by(ChildMeasurement.child_id, ChildMeasurement.measured_on, ChildMeasurement.id)
    )
    for m in rows.scalars():
        out.setdefault(m.child_id, []).append(m)
    return out


async def latest_since(
    session: AsyncSession, child_ids: Iterable[int], since: dt.datetime
) -> dict[int, ChildFollowUp]:
    """Each child's latest action recorded at or after `since` (aware UTC)."""
    ids = list(child_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(ChildFollowUp)
        .where(ChildFollowUp.child_id.in_(ids), ChildFollowUp.recorded_at >= since)
        .order_by(ChildFollowUp.recorded_at, ChildFollowUp.id)
    )
    return {f.child_id: f for f in rows.scalars()}


async def for_child(session: AsyncSession, child_id: int, *, limit: int = 5) -> list[ChildFollowUp]:
    """A child's latest actions, newest first."""
    rows = await session.execute(
        select(ChildFollowUp)
        .where(ChildFollowUp.child_id == child_id)
        .order_by(ChildFollowUp.recorded_at.desc(), ChildFollowUp.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


def record(
    session: AsyncSession,
    *,
    child_id: int,
    reasons: Sequence[str],
    action: str,
    note: str | None,
    person_id: int,
    now: dt.datetime,
) -> ChildFollowUp:
    row = ChildFollowUp(
        child_id=child_id,
        reasons=list(reasons),
        action=action,
        note=note,
        recorded_by=person_id,
        recorded_at=now,
    )
    session.add(row)
    return row
