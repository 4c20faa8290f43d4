"""Queries for the retention job (handlers/retention.py): old delivery records, conversations idle
since a cutoff (old message ids: inbound.purge_before)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation
from storage.models_whatsapp import WhatsAppOutboundMessage


@dataclass(frozen=True, slots=True)
class Idle:
    identity_id: int
    state: dict[str, Any]
    updated_at: dt.datetime


async def purge_whatsapp_deliveries(session: AsyncSession, cutoff: dt.datetime) -> int:
    result = await session.execute(
        delete(WhatsAppOutboundMessage).where(WhatsAppOutboundMessage.created_at < cutoff)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def idle_conversations(
    session: AsyncSession, cutoff: dt.datetime, *, after: int, limit: int
) -> list[Idle]:
    """Conversations not saved since `cutoff`, in identity order from `after` on (for batching)."""
    result = await session.execute(
        select(Conversation.identity_id, Conversation.state, Conversation.updated_at)
        .where(Conversation.updated_at < cutoff, Conversation.identity_id > after)
        .order_by(Conversation.identity_id)
        .limit(limit)
    )
    return [Idle(row.identity_id, row.state or {}, row.updated_at) for row in result]


async def replace_state(
    session: AsyncSession,
    identity_id: int,
    state: dict[str, Any],
    *,
    was_updated_at: dt.datetime,
    now: dt.datetime,
) -> bool:
    """Replace the state unless the conversation was saved since it was read."""
    result = await session.execute(
        update(Conversation)
        .where(Conversation.identity_id == identity_id, Conversation.updated_at == was_updated_at)
        .values(state=state, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
