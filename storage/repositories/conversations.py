"""Conversation state per channel identity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation


async def load(session: AsyncSession, identity_id: int) -> dict[str, Any] | None:
    """The saved state, locked for this transaction where the database supports row locks."""
    result = await session.execute(
        select(Conversation.state).where(Conversation.identity_id == identity_id).with_for_update()
    )
    return result.scalar_one_or_none()


async def save(
    session: AsyncSession, identity_id: int, state: dict[str, Any], now: dt.datetime, *, existed: bool
) -> None:
    if existed:
        await session.execute(
            update(Conversation)
            .where(Conversation.identity_id == identity_id)
            .values(state=state, updated_at=now)
        )
    else:
        session.add(Conversation(identity_id=identity_id, state=state, updated_at=now))
        await session.flush()
