"""The coordinators' side of residents' tickets: the new and open ones in a region, and the closed
ones. Opening tickets and changing their status belong to storage/repositories/tickets.py (and
notify the people involved)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_tickets import Ticket
from storage.repositories.scopes import within

OPEN = ("diterima", "diproses")
CLOSED = ("selesai", "ditolak")


async def open_within(session: AsyncSession, *, roots: Sequence[str] | None, limit: int = 30) -> list[Ticket]:
    """New and in-progress tickets in `roots` (None: everywhere): urgent first, then oldest first."""
    result = await session.execute(
        select(Ticket)
        .where(Ticket.status.in_(OPEN), within(Ticket.region_code, roots))
        .order_by(Ticket.urgent.desc(), Ticket.created_at, Ticket.id)
        .limit(limit)
    )
    return list(result.scalars())


async def closed_within(
    session: AsyncSession, *, roots: Sequence[str] | None, limit: int = 30
) -> list[Ticket]:
    """Finished and refused tickets in `roots` (None: everywhere): the most recently closed first."""
    result = await session.execute(
        select(Ticket)
        .where(Ticket.status.in_(CLOSED), within(Ticket.region_code, roots))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def get(session: AsyncSession, ticket_id: int) -> Ticket | None:
    return await session.get(Ticket, ticket_id)
