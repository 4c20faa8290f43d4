"""What a turn reads and writes besides the conversation: a person an admin added before they ever
wrote keeps who they are, the last inbound time and the unreachable mark follow the person's
messages, and a change a flow makes to the person is saved with the turn.

On the embedded SQLite a turn's own statements skip SQLAlchemy's execution machinery
(storage/turns.py), so these also check that what it writes is exactly what the rest of KaderBot
reads, and that its transaction behaves like any other (reads see unflushed changes, a failure
leaves nothing)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import functools
import sqlite3
import threading
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import make_url

from bot.app import KaderBot, build
from bot.settings import load_settings
from handlers.core import Core
from handlers.flows.base import Flow
from handlers.flows.registry import build_flows
from handlers.turn import Input, Turn
from handlers.types import Identity, IncomingEvent
from storage.compiled import CompiledStatement
from storage.models import ChannelIdentity, Conversation, InboundMessage, Person, Region
from storage.models_replies import TurnReply
from storage.repositories import regions, turn_replies
from tests.chat import Chat, Clock
from tests.flows import onboard


async def _identity(kaderbot: KaderBot, address: str, *, channel: str = "console") -> ChannelIdentity:
    async with kaderbot.db.sessions() as session:
        found = (
            await session.execute(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == channel, ChannelIdentity.address == address
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
    """SQLite runs on the event loop: a duplicate's turn, which began with a write, holds the write
    lock until rolled back. Another person's turn started alongside must not find it still held (it
    would wait for the lock on the loop the rollback needs, then fail with 'database is locked')."""
    first = IncomingEvent(Identity("telegram", "9001"), text="/start", message_id="tg-1")
    assert not (await kaderbot.core.handle(first)).duplicate
    other = asyncio.create_task(
        kaderbot.core.handle(IncomingEvent(Identity("telegram", "9002"), text="/start", message_id="tg-2"))
    )
    assert (await kaderbot.core.handle(first)).duplicate
    answer = await other
    assert not answer.duplicate and answer.flow == "welcome"
    assert all("Maaf" not in getattr(reply, "text", "") for reply in answer.replies), answer.replies


async def test_what_a_turn_writes_reads_back_the_same_through_the_orm(
    kaderbot: KaderBot, clock: Clock
) -> None:
    chat = Chat(kaderbot.core, "900001", channel="telegram")
    await chat.say("/start")
    started = clock.now
    identity = await _identity(kaderbot, "900001", channel="telegram")
    async with kaderbot.db.sessions() as session:
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
        changed = await session.get(Person, (await _identity(kaderbot, "wati")).person_id)
    assert changed is not None and changed.language == "en"  # the next turn committed on its own


def test_a_list_expanded_per_call_is_refused_with_the_way_round_it() -> None:
    statement = select(Region.code).where(Region.level.in_(("kabupaten", "kota")))
    with pytest.raises(ValueError, match="equalities"):
        CompiledStatement.of(statement, sqlite.dialect(paramstyle="qmark"))


async def test_a_telegram_turn_keeps_its_replies_in_its_own_transaction(
    kaderbot: KaderBot, clock: Clock
) -> None:
    """The replies are written with the turn (so a crash after the commit cannot lose them), the way
    the channel will read them back; the console keeps none (it needs no crash recovery)."""
    telegram, console = Chat(kaderbot.core, "4242", channel="telegram"), Chat(kaderbot.core, "4242")
    outcome = await telegram.say("/start")
    assert outcome.kept and not (await console.say("/start")).kept
    async with kaderbot.db.sessions() as session:
        rows = (await session.execute(select(TurnReply))).scalars().all()
    assert [(r.channel, r.address, r.status) for r in rows] == [("telegram", "4242", "pending")]
    assert turn_replies.decode(rows[0].replies) == outcome.replies
    unsent = await kaderbot.db.turns.write(
        lambda run: turn_replies.unsent(run, "telegram", rows[0].message_id)
    )
    assert unsent is not None and unsent.replies == outcome.replies and unsent.language == outcome.language


async def test_kept_replies_are_claimed_once_and_go_when_sent(kaderbot: KaderBot, clock: Clock) -> None:
    outcome = await Chat(kaderbot.core, "4343", channel="whatsapp").say("Halo")
    async with kaderbot.db.sessions() as session:
        (message_id,) = (await session.execute(select(TurnReply.message_id))).scalars().all()
    claim = functools.partial(turn_replies.claim, channel="whatsapp", message_ids=[message_id], now=clock())
    assert outcome.kept
    assert await kaderbot.db.turns.write(claim) == {message_id}
    assert await kaderbot.db.turns.write(claim) == set()  # a redelivery or a sweep: not again
    await kaderbot.db.turns.write(
        lambda run: turn_replies.settle(run, "whatsapp", sent=[message_id], failed=[])
    )
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(TurnReply))).scalar_one() == 0


async def test_a_turn_locked_out_by_another_process_is_not_stored_and_not_apologised_for(
    db_url: str, clock: Clock
) -> None:
    """SQLite: another writer holds the lock past the overall limit. The turn is not stored (the
    platform is to deliver it again), and nothing of an apology is recorded in its place."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock")
    kaderbot = build(load_settings(database_url=f"{db_url}?timeout=0.3"), clock=clock)
    other = sqlite3.connect(str(make_url(db_url).database), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        event = IncomingEvent(Identity("telegram", "4444"), text="/start", message_id="777")
        outcome = await kaderbot.core.handle(event)
        assert (outcome.stored, outcome.replies, outcome.duplicate) == (False, [], False)
        other.execute("ROLLBACK")
        again = await kaderbot.core.handle(event)  # the platform's next delivery
        assert again.stored and again.kept and "Silakan pilih bahasa" in again.replies[-1].text  # type: ignore[union-attr]
    finally:
        other.close()
        await kaderbot.close()


class _Paused:
    """Statements that stop after their first statement until the other writer has run its own first
    (or a second has passed: the other is then waiting for a lock this one holds)."""

    def __init__(self, run: Any, meet: threading.Barrier) -> None:
        self._run, self._meet, self._first = run, meet, True
        self.dialect_name = run.dialect_name

    def rows(self, statement: Any, values: Any) -> Any:
        return self._after(self._run.rows(statement, values))

    def changed(self, statement: Any, values: Any) -> int:
        return int(self._after(self._run.changed(statement, values)))

    def _after(self, result: Any) -> Any:
        if self._first:
            self._first = False
            with contextlib.suppress(threading.BrokenBarrierError):
                self._meet.wait()
        return result


async def test_two_workers_claiming_the_same_replies_in_opposite_orders_do_not_deadlock(
    kaderbot: KaderBot, db_url: str, clock: Clock
) -> None:
    """The same two updates posted to two workers at once: each worker claims both kept replies,
    listed in opposite orders. Rows are locked in one order, so PostgreSQL never finds the two
    transactions waiting for each other (CI saw "deadlock detected" here); each reply is taken once."""
    if not db_url.startswith("postgresql"):
        pytest.skip("row locks between two PostgreSQL transactions")
    for address in ("4545", "4646"):
        assert (await Chat(kaderbot.core, address, channel="whatsapp").say("Halo")).kept
    async with kaderbot.db.sessions() as session:
        first, second = sorted((await session.execute(select(TurnReply.message_id))).scalars().all())
    meet = threading.Barrier(2, timeout=1.0)

    def worker(order: list[str]) -> set[str]:
        async def claim() -> set[str]:
            other = build(load_settings(database_url=db_url), clock=clock)
            try:
                return await other.db.turns.write(
                    lambda run: turn_replies.claim(_Paused(run, meet), "whatsapp", order, clock())  # type: ignore[arg-type]
                )
            finally:
                await other.close()

        return asyncio.run(claim())

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        taken = [pool.submit(worker, order) for order in ([first, second], [second, first])]
        results = [future.result(timeout=60) for future in taken]
    assert sorted(results, key=len) == [set(), {first, second}]
