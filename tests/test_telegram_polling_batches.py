"""A getUpdates batch handled side by side (issue #19): different people at once, one person's updates
in order, and the offset never past an update that is not done.

The channel runs in the test's event loop and long-polls the fake Bot API over real HTTP. The updates
are queued before the channel starts, so its first getUpdates hands them all out in one batch. One
person's turn is held at the door of the core (an event the test sets), which shows what the loop
does meanwhile, without timing anything.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractContextManager, asynccontextmanager
from typing import Any

import pytest

from bot.app import KaderBot
from bot.channels.telegram import TelegramChannel
from handlers.types import IncomingEvent, Outcome
from tests import pg_query
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.telegram_support import started_channel

HELD = 5_558_001  # the person whose first turn is held
OTHERS = (5_558_002, 5_558_003, 5_558_004)
WAIT = 10.0  # seconds, at most, for an answer that must come
LANGUAGE = "Silakan pilih bahasa"  # the answer to a first /start
HELP = "Bantuan KaderBot"  # the answer to /bantuan


class Door:
    """Wraps the core's `handle`: records every event it lets in, in order, and holds the first event
    of `held` until `open()`."""

    def __init__(self, kaderbot: KaderBot, held: int) -> None:
        self.handle: Callable[[IncomingEvent], Awaitable[Outcome]] = kaderbot.core.handle
        self.held = str(held)
        self.entered: list[str] = []  # message ids (update ids), as they reached the core
        self.holding = asyncio.Event()
        self._open = asyncio.Event()
        kaderbot.core.handle = self  # type: ignore[method-assign]

    async def __call__(self, event: IncomingEvent) -> Outcome:
        first_of_held = event.identity.address == self.held and not self.holding.is_set()
        self.entered.append(event.message_id or "")
        if first_of_held:
            self.holding.set()
            await self._open.wait()
        return await self.handle(event)

    def open(self) -> None:
        self._open.set()


@asynccontextmanager
async def polling(
    kaderbot: KaderBot, fake: FakeBotAPI, door: Door | None = None
) -> AsyncIterator[TelegramChannel]:
    channel = await started_channel(kaderbot, fake)
    try:
        yield channel
    finally:
        if door is not None:
            door.open()  # a failed test must not leave stop() waiting for the held turn
        await channel.stop()


async def answered(fake: FakeBotAPI, chat: int, phrase: str) -> None:
    await asyncio.to_thread(fake.wait_for_text, chat, phrase, WAIT)


def texts(fake: FakeBotAPI, chat: int) -> list[str]:
    return [call.text or "" for call in fake.calls("sendMessage", chat) if call.ok]


def pending(fake: FakeBotAPI) -> list[int]:
    return [update["update_id"] for update in fake.pending_updates()]


def one_batch(fake: FakeBotAPI, ids: list[int]) -> bool:
    return any(set(ids) <= {u["update_id"] for u in c.result or []} for c in fake.calls("getUpdates"))


def stored(db_url: str) -> set[int]:
    rows = pg_query.query(db_url, "SELECT message_id FROM inbound_message WHERE channel='telegram'")
    return {int(row[0]) for row in rows}


def fake_bot_api() -> AbstractContextManager[FakeBotAPI]:
    return running_fake_bot_api()


def confirmed_past(update_id: int) -> Callable[[Any], bool]:
    """A getUpdates whose offset confirms `update_id`."""
    return lambda call: call.method == "getUpdates" and (call.params.get("offset") or 0) > update_id


async def test_a_held_turn_does_not_hold_up_other_people_in_its_batch(kaderbot: KaderBot) -> None:
    door = Door(kaderbot, HELD)
    with fake_bot_api() as fake:
        held = fake.push_text(HELD, "/start")
        others = [fake.push_text(chat, "/start") for chat in OTHERS]
        async with polling(kaderbot, fake, door):
            for chat in OTHERS:  # answered while the first update of the batch is still in its turn
                await answered(fake, chat, LANGUAGE)
            assert door.holding.is_set() and texts(fake, HELD) == []
            assert one_batch(fake, [held, *others])
            # Done, but behind an update that is not: none of them is confirmed yet.
            assert pending(fake) == [held, *others]
            door.open()
            await answered(fake, HELD, LANGUAGE)
            await asyncio.to_thread(fake.wait_for, confirmed_past(others[-1]), WAIT)
        assert pending(fake) == []
        for chat in (HELD, *OTHERS):
            assert [LANGUAGE in text for text in texts(fake, chat)] == [True]


async def test_one_person_s_updates_in_a_batch_keep_their_order(kaderbot: KaderBot) -> None:
    """The person's first turn is held; their second waits for it (it does not reach the core
    before it), while someone else in the same batch is answered. Then both are answered, in order."""
    door = Door(kaderbot, HELD)
    with fake_bot_api() as fake:
        first = fake.push_text(HELD, "/start")
        other = fake.push_text(OTHERS[0], "/start")
        second = fake.push_text(HELD, "/bantuan")
        async with polling(kaderbot, fake, door):
            await answered(fake, OTHERS[0], LANGUAGE)
            assert door.holding.is_set()
            assert str(second) not in door.entered and texts(fake, HELD) == []
            door.open()
            await answered(fake, HELD, HELP)
            await asyncio.to_thread(fake.wait_for, confirmed_past(second), WAIT)
        assert one_batch(fake, [first, other, second])
        assert door.entered.index(str(first)) < door.entered.index(str(second))
        replies = texts(fake, HELD)
        assert len(replies) == 2 and LANGUAGE in replies[0] and HELP in replies[1]


async def test_a_stop_mid_batch_confirms_only_the_done_prefix_and_a_restart_answers_the_rest_once(
    kaderbot: KaderBot, db_url: str
) -> None:
    """Batch: the held person's /start (held), someone's /start, the held person's /bantuan (waiting
    behind their /start), another's /start. stop() comes while the first is held: that turn is
    finished, the /bantuan is not begun. Only the prefix up to it is confirmed, though the last
    update is done too; the restart answers the /bantuan, and nothing a second time."""
    door = Door(kaderbot, HELD)
    with fake_bot_api() as fake:
        ids = [
            fake.push_text(HELD, "/start"),
            fake.push_text(OTHERS[0], "/start"),
            fake.push_text(HELD, "/bantuan"),
            fake.push_text(OTHERS[1], "/start"),
        ]
        async with polling(kaderbot, fake, door) as channel:
            await answered(fake, OTHERS[0], LANGUAGE)
            await answered(fake, OTHERS[1], LANGUAGE)
            assert door.holding.is_set()
            stopping = asyncio.create_task(channel.stop())
            await asyncio.sleep(0)  # stop() has begun: it waits for the turn under way
            assert not await channel.healthy()
            door.open()
            await stopping
        assert str(ids[2]) not in door.entered  # never begun
        assert stored(db_url) >= {ids[0], ids[1], ids[3]} and ids[2] not in stored(db_url)
        # The offset stopped at the update not done; the one done after it comes again too.
        assert pending(fake) == [ids[2], ids[3]]
        assert [LANGUAGE in text for text in texts(fake, HELD)] == [True]

        async with polling(kaderbot, fake, door):  # the restart
            await answered(fake, HELD, HELP)
            await asyncio.to_thread(fake.wait_for, confirmed_past(ids[3]), WAIT)
        assert pending(fake) == []
        assert stored(db_url) >= set(ids)
        assert door.entered.count(str(ids[3])) == 2  # handed out again: a duplicate for the core
        held = texts(fake, HELD)
        assert len(held) == 2 and LANGUAGE in held[0] and HELP in held[1]
        for chat in OTHERS[:2]:
            assert [LANGUAGE in text for text in texts(fake, chat)] == [True]  # answered once


async def test_an_update_whose_turn_keeps_failing_does_not_hold_up_its_batch(
    kaderbot: KaderBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The held person's turn cannot be stored (the core raises) until the test lets it: the others
    of the batch are answered meanwhile; the failing one is tried again, then answered once, and the
    whole batch is confirmed only after it."""
    caplog.set_level(logging.WARNING, logger="kaderbot.telegram")
    handle = kaderbot.core.handle
    recovered = asyncio.Event()
    failures = 0

    async def failing(event: IncomingEvent) -> Outcome:
        nonlocal failures
        if event.identity.address == str(HELD) and not recovered.is_set():
            failures += 1
            raise RuntimeError("the database is away")
        return await handle(event)

    kaderbot.core.handle = failing  # type: ignore[method-assign]
    with fake_bot_api() as fake:
        held = fake.push_text(HELD, "/start")
        others = [fake.push_text(chat, "/start") for chat in OTHERS]
        async with polling(kaderbot, fake):
            for chat in OTHERS:
                await answered(fake, chat, LANGUAGE)
            assert failures >= 1 and texts(fake, HELD) == []
            assert pending(fake) == [held, *others]
            recovered.set()
            await answered(fake, HELD, LANGUAGE)
            await asyncio.to_thread(fake.wait_for, confirmed_past(others[-1]), WAIT)
        assert one_batch(fake, [held, *others])
        assert any(f"telegram update {held}: turn not stored" in r.getMessage() for r in caplog.records)
        for chat in (HELD, *OTHERS):
            assert [LANGUAGE in text for text in texts(fake, chat)] == [True]
