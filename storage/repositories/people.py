"""People and their channel identities."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity


async def find_identity(session: AsyncSession, channel: str, address: str) -> ChannelIdentity | None:
    return (
        await session.execute(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.address == address
            )
        )
    ).scalar_one_or_none()


async def mark_unreachable(session: AsyncSession, channel: str, address: str, now: dt.datetime) -> bool:
    identity = await find_identity(session, channel, address)
    if identity is None:
        return False
    identity.unreachable_at = now
    return True
