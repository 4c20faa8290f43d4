"""BPJS Ketenagakerjaan enrolment per cadre (the card's last four digits only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_bpjs import CadreBpjs


async def of_cadre(session: AsyncSession, cadre_id: int) -> CadreBpjs | None:
    return await session.get(CadreBpjs, cadre_id)


async def of_cadres(session: AsyncSession, cadre_ids: Iterable[int]) -> dict[int, CadreBpjs]:
    ids = list(set(cadre_ids))
    if not ids:
        return {}
    result = await session.execute(select(CadreBpjs).where(CadreBpjs.cadre_id.in_(ids)))
    return {row.cadre_id: row for row in result.scalars()}


async def set_status(
    session: AsyncSession,
    cadre_id: int,
    *,
    status: str,
    card_last4: str | None,
    by: int | None,
    now: dt.datetime,
) -> CadreBpjs:
    """Record a status; a missing card number keeps the last four digits already known."""
    if card_last4 is not None and (len(card_last4) != 4 or not card_last4.isdigit()):
        raise ValueError("only the last four digits of a card are stored")
    row = await session.get(CadreBpjs, cadre_id)
    if row is None:
        row = CadreBpjs(cadre_id=cadre_id)
        session.add(row)
    row.status = status
    if card_last4 is not None:
        row.card_last4 = card_last4
    row.updated_by = by
    row.updated_at = now
    await session.flush()
    return row
