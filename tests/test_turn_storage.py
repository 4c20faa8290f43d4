"""A turn's own storage path (storage/turns.py): on the embedded SQLite its statements skip SQLAlchemy's
execution machinery, so these check that what it writes is exactly what the rest of KaderBot reads, and
that its transaction behaves like any other (reads see unflushed changes, failures leave nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite

from bot.app import KaderBot
from handlers.core import Core
from handlers.flows.base import Flow
from handlers.flows.registry import build_flows
from handlers.turn import Input, Turn
from handlers.types import Identity, IncomingEvent
from storage.compiled import CompiledStatement
from storage.models import ChannelIdentity, Conversation, InboundMessage, Person, Region
from storage.repositories import regions
from tests.chat import Chat, Clock
from tests.flows import onboard


async def test_what_a_turn_writes_reads_back_the_same_through_the_orm(
    kaderbot: KaderBot, clock: Clock
) -> None:
    chat = Chat(kaderbot.core, "900001", channel="telegram")
    await chat.say("/start")
    started = clock.now
    async with kaderbot.db.sessions() as session:
        identity = (
            await session.execute(select(ChannelIdentity).where(ChannelIdentity.address == "900001"))
        ).scalar_one()
        person = await session.get(Person, identity.person_id)
        conversation = await session.get(Conversation, identity.id)
        received = (await session.execute(select(InboundMessage.received_at))).scalars().all()
        # Timestamps compared in SQL (the WhatsApp window, retention) must order like the ORM's own.
        window = select(func.count()).select_from(ChannelIdentity).where(ChannelIdentity.address == "900001")
        inside = (
            await session.execute(window.where(ChannelIdentity.last_inbound_at >= started))
        ).scalar_one()
        later = started + dt.timedelta(microseconds=1)
        outside = (await session.execute(window.where(ChannelIdentity.last_inbound_at >= later))).scalar_one()
    assert identity.last_inbound_at == started and identity.last_inbound_at.tzinfo is not None
    assert identity.unreachable_at is None
    assert person is not None and person.created_at == started and person.role == "resident"
    assert person.language == "id" and person.consent_at is None
    assert conversation is not None and conversation.updated_at == started
    assert conversation.state["flow"] == "welcome"
    assert [o[1] for o in conversation.state["prompt"]["options"]] == ["Bahasa Indonesia", "English"]
    assert received == [started]
    assert (inside, outside) == (1, 0)


async def test_last_inbound_time_is_written_again_only_after_a_minute(
    kaderbot: KaderBot, clock: Clock
) -> None:
    chat = Chat(kaderbot.core, "6281299990001", channel="whatsapp")
    await chat.say("/start")
    first = clock.now

    async def last_inbound() -> dt.datetime | None:
        async with kaderbot.db.sessions() as session:
            query = select(ChannelIdentity.last_inbound_at).where(ChannelIdentity.address == "6281299990001")
            return (await session.execute(query)).scalar_one()

    clock.advance(seconds=59)
    await chat.press("Indonesia")
    assert await last_inbound() == first
    clock.advance(seconds=1)
    await chat.press("Setuju")
    assert await last_inbound() == clock.now


async def test_a_read_in_a_turn_sees_what_the_turn_has_not_flushed_and_nothing_stays(
    kaderbot: KaderBot,
) -> None:
    now = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
    async with kaderbot.db.turns.begin() as turn:
        await turn.open(Identity("console", "ana"), message_id="r-1", language="id", now=now)
        turn.session.add(
            Region(code="64.99", parent_code="64", level="kabupaten", name="Kabupaten Percobaan")
        )
        found = await regions.get(turn.session, "64.99")
        below = [r.code for r in await regions.children(turn.session, "64")]
        # leaves without committing
    assert found is not None and found.name == "Kabupaten Percobaan"
    assert "64.99" in below
    async with kaderbot.db.sessions() as session:
        assert await regions.get(session, "64.99") is None
        assert (await session.execute(select(func.count()).select_from(InboundMessage))).scalar_one() == 0
    # The next turn runs on its own transaction and commits normally.
    outcome = await kaderbot.core.handle(
        IncomingEvent(Identity("console", "ana"), text="/start", message_id="r-1")
    )
    assert not outcome.duplicate and outcome.replies


class AddsThenFails(Flow):
    """Writes through the ORM and flushes, then fails: nothing of it may reach the database."""

    name = "menu"

    async def begin(self, turn: Turn, **args: Any) -> None:
        turn.ask("menu", [("x", "X")])

    async def handle(self, turn: Turn, inp: Input) -> None:
        turn.session.add(Region(code="64.98", parent_code="64", level="kabupaten", name="Tidak Jadi"))
        await turn.session.flush()
        raise RuntimeError("boom")


async def test_a_failed_turn_leaves_nothing_for_the_next_one(kaderbot: KaderBot, clock: Clock) -> None:
    core = Core(
        kaderbot.db,
        kaderbot.catalogues,
        {**build_flows(), "menu": AddsThenFails()},
        kaderbot.core.zone,
        clock,
    )
    failing, next_one = Chat(core, "budi"), Chat(core, "wati")
    for chat in (failing, next_one):
        await onboard(chat, role="warga")
    await failing.press("X")
    assert "Maaf, terjadi gangguan" in failing.text
    await next_one.say("/bahasa")  # a turn that commits right after the failed one
    await next_one.press("English")
    async with kaderbot.db.sessions() as session:
        assert await regions.get(session, "64.98") is None
        changed = (
            await session.execute(
                select(Person.language)
                .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
                .where(ChannelIdentity.address == "wati")
            )
        ).scalar_one()
    assert changed == "en"  # the next turn committed on its own


def test_a_list_expanded_per_call_is_refused_with_the_way_round_it() -> None:
    statement = select(Region.code).where(Region.level.in_(("kabupaten", "kota")))
    with pytest.raises(ValueError, match="equalities"):
        CompiledStatement.of(statement, sqlite.dialect(paramstyle="qmark"))
