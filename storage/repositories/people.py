"""People and their channel identities."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.types import Identity
from storage.models import ChannelIdentity, Person


async def create_identity(
    session: AsyncSession, who: Identity, *, language: str, now: dt.datetime
) -> tuple[ChannelIdentity, Person]:
    """A new person behind a new address: first contact, no personal data yet."""
    person = Person(language=language, role="resident", created_at=now)
    session.add(person)
    await session.flush()
    identity = ChannelIdentity(
        channel=who.channel, address=who.address, person_id=person.id, last_inbound_at=now, created_at=now
    )
    session.add(identity)
    await session.flush()
    return identity, person


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
