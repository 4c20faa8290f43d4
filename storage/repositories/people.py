"""People and their channel identities."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, ChannelIdentity


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


async def is_cadre(session: AsyncSession, person_id: int) -> bool:
    """The person is registered as a cadre (and not rejected), whatever else they are: a coordinator
    who is also a cadre keeps the cadre's menu and flows."""
    found = await session.execute(
        select(Cadre.id).where(Cadre.person_id == person_id, Cadre.verification != "rejected").limit(1)
    )
    return found.scalar_one_or_none() is not None
