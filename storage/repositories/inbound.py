"""Processed inbound message ids: a redelivered message is handled once. Each turn records its id
(storage/repositories/conversations.py, with the rest of the turn's opening); old ids go here."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundMessage


async def purge_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    result = await session.execute(delete(InboundMessage).where(InboundMessage.received_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
