"""Conversation state per channel identity, loaded with the identity and person in one query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.types import Identity
from storage.models import ChannelIdentity, Conversation, Person
from storage.repositories import people

# Recording the last inbound time at minute precision is enough for WhatsApp's 24-hour window and
# saves a write on most turns.
INBOUND_PRECISION = dt.timedelta(seconds=60)


# Built once: constructing a statement costs more than running it on SQLite.
_OPEN = (
    select(ChannelIdentity, Person, Conversation.state)
    .join(Person, Person.id == ChannelIdentity.person_id)
    .outerjoin(Conversation, Conversation.identity_id == ChannelIdentity.id)
    .where(ChannelIdentity.channel == bindparam("channel"), ChannelIdentity.address == bindparam("address"))
    .with_for_update(of=ChannelIdentity)
)
_CONVERSATION = Conversation.__table__
# Table-level (not ORM-enabled) statements: no session synchronisation work on every turn.
_SAVE = (
    update(_CONVERSATION)
    .where(_CONVERSATION.c.identity_id == bindparam("identity"))
    .values(state=bindparam("state"), updated_at=bindparam("now"))
)
_CREATE = insert(_CONVERSATION).values(
    identity_id=bindparam("identity"), state=bindparam("state"), updated_at=bindparam("now")
)


@dataclass
class Opened:
    identity: ChannelIdentity
    person: Person
    state: dict[str, Any] | None


async def open_for(session: AsyncSession, who: Identity, *, language: str, now: dt.datetime) -> Opened:
    """The identity (locked for this transaction where the database has row locks), its person and the
    saved conversation, creating identity and person on first contact (no personal data yet)."""
    row = (await session.execute(_OPEN, {"channel": who.channel, "address": who.address})).one_or_none()
    if row is None:
        identity, person = await people.create_identity(session, who, language=language, now=now)
        return Opened(identity, person, None)
    identity, person, state = row
    if identity.last_inbound_at is None or now - identity.last_inbound_at >= INBOUND_PRECISION:
        identity.last_inbound_at = now
    if identity.unreachable_at is not None:
        identity.unreachable_at = None
    return Opened(identity, person, state)


async def save(
    session: AsyncSession, identity_id: int, state: dict[str, Any], now: dt.datetime, *, existed: bool
) -> None:
    if existed:
        await session.execute(_SAVE, {"identity": identity_id, "state": state, "now": now})
    else:
        await session.execute(
            insert(Conversation).values(identity_id=identity_id, state=state, updated_at=now)
        )
