"""What a turn reads and writes besides the conversation: a person an admin added before they ever
wrote keeps who they are, the last inbound time and the unreachable mark follow the person's
messages, and a change a flow makes to the person is saved with the turn."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select

from bot.app import KaderBot
from handlers.types import Identity, IncomingEvent
from storage.models import ChannelIdentity, Conversation, Person
from tests.chat import Chat, Clock


async def _identity(kaderbot: KaderBot, address: str) -> ChannelIdentity:
    async with kaderbot.db.sessions() as session:
        found = (
            await session.execute(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == "console", ChannelIdentity.address == address
                )
            )
        ).scalar_one()
        return found


async def _people(kaderbot: KaderBot) -> int:
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Person))).scalar_one()


async def test_a_person_an_admin_added_keeps_their_record_on_their_first_message(
    kaderbot: KaderBot, clock: Clock
) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        person = Person(full_name="Sari Koordinator", role="coordinator", language="en", created_at=clock())
        session.add(person)
        await session.flush()
        session.add(
            ChannelIdentity(
                channel="console", address="added-by-admin", person_id=person.id, created_at=clock()
            )
        )
    people = await _people(kaderbot)

    chat = Chat(kaderbot.core, "added-by-admin")
    await chat.say("/start")

    assert "Welcome to KaderBot" in chat.text  # in the language the admin set for the person
    assert await _people(kaderbot) == people  # no second person behind the same address
    identity = await _identity(kaderbot, "added-by-admin")
    assert identity.person_id == person.id
    assert identity.last_inbound_at == clock()
    async with kaderbot.db.sessions() as session:
        kept = await session.get(Person, person.id)
        assert kept is not None and kept.role == "coordinator" and kept.full_name == "Sari Koordinator"
        assert await session.get(Conversation, identity.id) is not None
    await chat.say("halo")  # and the conversation goes on from the saved state
    assert chat.replies


async def test_inbound_time_is_kept_to_the_minute_and_a_message_clears_unreachable(
    kaderbot: KaderBot, clock: Clock
) -> None:
    chat = Chat(kaderbot.core, "budi")
    await chat.say("/start")
    first = clock()
    assert (await _identity(kaderbot, "budi")).last_inbound_at == first

    clock.advance(seconds=20)
    await chat.press("Bahasa Indonesia")
    assert (await _identity(kaderbot, "budi")).last_inbound_at == first  # same minute: no write

    clock.advance(seconds=50)
    await chat.press("Setuju")
    assert (await _identity(kaderbot, "budi")).last_inbound_at == first + dt.timedelta(seconds=70)

    blocked = await _identity(kaderbot, "budi")
    async with kaderbot.db.sessions() as session, session.begin():
        stored = await session.get(ChannelIdentity, blocked.id)
        assert stored is not None
        stored.unreachable_at = clock()  # as the outbox marks a chat that blocked the bot
    clock.advance(seconds=1)
    await chat.say("/bantuan")
    identity = await _identity(kaderbot, "budi")
    assert identity.unreachable_at is None
    assert identity.last_inbound_at == clock()


async def test_consent_given_in_a_turn_is_saved_with_it(kaderbot: KaderBot, clock: Clock) -> None:
    chat = Chat(kaderbot.core, "budi")
    await chat.say("/start")
    await chat.press("English")
    await chat.press("I agree")
    identity = await _identity(kaderbot, "budi")
    async with kaderbot.db.sessions() as session:
        person = await session.get(Person, identity.person_id)
        assert person is not None
        assert person.consent_at == clock()
        assert person.language == "en"


async def test_a_redelivered_message_lets_go_of_the_database_before_anyone_else_runs(
    kaderbot: KaderBot,
) -> None:
    """SQLite runs on the event loop: a duplicate's failed insert holds the write lock until rolled
    back. Another person's turn started alongside must not find it still held (it would wait for the
    lock on the loop the rollback needs, then fail with 'database is locked')."""
    first = IncomingEvent(Identity("telegram", "9001"), text="/start", message_id="tg-1")
    assert not (await kaderbot.core.handle(first)).duplicate
    other = asyncio.create_task(
        kaderbot.core.handle(IncomingEvent(Identity("telegram", "9002"), text="/start", message_id="tg-2"))
    )
    assert (await kaderbot.core.handle(first)).duplicate
    answer = await other
    assert not answer.duplicate and answer.flow == "welcome"
    assert all("Maaf" not in getattr(reply, "text", "") for reply in answer.replies), answer.replies
