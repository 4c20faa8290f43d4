"""Processed inbound message ids: a redelivered message is handled once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundMessage


async def record(session: AsyncSession, channel: str, message_id: str, now: dt.datetime) -> None:
    """Insert the id; raises IntegrityError when it was already handled."""
    await session.execute(
        insert(InboundMessage).values(channel=channel, message_id=message_id, received_at=now)
    )


async def purge_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    result = await session.execute(delete(InboundMessage).where(InboundMessage.received_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
