"""Another process holds SQLite's write lock past the limit while the outbox has work: the outbox
says so in one WARNING line, without a traceback, and sends everything once the lock is gone.

Before: every try logged `outbox: database step failed` at ERROR with a traceback through
SQLAlchemy, which read like a bug, and made `kaderbot run`'s clean stop fail in the SQLite lock test
whenever the outbox happened to wake while the test held the lock (CI at b695eb4).
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.app import build
from bot.settings import load_settings
from tests.chat import Chat, Clock
from tests.outbox_support import MemoryChannel, add_cadres, make_coordinator
from tests.test_outbox_sender import COORDINATOR, send_now, sender_for, settled
from tests.test_sqlite_lock import write_lock

LIMIT = 0.3  # seconds a statement may wait for the lock in all (DATABASE_URL ?timeout=)
WITHIN = 20.0


async def test_a_lock_held_past_the_limit_is_one_warning_and_the_broadcast_goes_out_after(
    db_url: str, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock: PostgreSQL has row locks instead")
    kaderbot = build(
        load_settings(database_url=f"{db_url}?timeout={LIMIT}"), clock=clock, strict_messages=True
    )
    channel = MemoryChannel()
    try:
        addresses = await add_cadres(kaderbot.db, count=5, posyandu_code="PY-6402-0001", first_address=13_000)
        await make_coordinator(kaderbot.db, "telegram", COORDINATOR, "64.02", name="Siti Telegram")
        await send_now(Chat(kaderbot.core, COORDINATOR, channel="telegram"))
        stop = asyncio.Event()
        with caplog.at_level(logging.WARNING):
            with write_lock(db_url):
                task = asyncio.create_task(sender_for(kaderbot, channel, clock).run(stop))
                deadline = time.monotonic() + WITHIN
                while not any("stayed locked" in r.getMessage() for r in caplog.records):
                    assert time.monotonic() < deadline, "the outbox never met the lock"
                    await asyncio.sleep(0.05)
                assert channel.sent == []  # nothing claimed while the lock is held
            deadline = time.monotonic() + WITHIN
            while not await settled(kaderbot):
                assert time.monotonic() < deadline, "the broadcast was not sent after the lock went"
                await asyncio.sleep(0.05)
            stop.set()
            await asyncio.wait_for(task, 10)
    finally:
        await kaderbot.close()

    assert sorted(a for a in channel.addresses() if a != COORDINATOR) == sorted(addresses)  # once each
    locked = [r for r in caplog.records if "stayed locked" in r.getMessage()]
    assert {(r.name, r.levelname) for r in locked} == {("kaderbot.outbox", "WARNING")}
    assert all(r.exc_info is None for r in locked)  # no traceback
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
