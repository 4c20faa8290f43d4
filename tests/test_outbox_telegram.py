"""A broadcast to 2,000 people through the real Telegram channel against the fake Bot API: each chat
gets exactly one message, a chat that blocked the bot is marked unreachable, a 429 is waited out for
its retry_after, and the coordinator gets the summary in her chat.

The channel's python-telegram-bot rate limiter is built not to retry a 429 itself, so the 429 reaches
the outbox (as RateLimited), which pauses every send on the channel. PTB's own retry waits only for
the one message: its pause is lifted as soon as any other request finishes.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from telegram.ext import AIORateLimiter

from bot.app import KaderBot
from bot.channels.telegram import TelegramChannel
from bot.outbox import OutboxConfig, OutboxSender
from bot.rate_limit import RateLimit
from bot.settings import load_settings
from storage.models import ChannelIdentity
from storage.models_outbox import Broadcast, OutboxMessage
from tests.chat import Chat, Clock
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.outbox_support import add_cadres, compose_broadcast, make_coordinator
from tests.test_outbox_sender import RunningClock

RECIPIENTS = 2_000
FIRST_CHAT = 500_000
COORDINATOR = "777001"
BLOCKED = str(FIRST_CHAT + 137)
THROTTLED = str(FIRST_CHAT + 1_500)
RETRY_AFTER = 1


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


async def statuses(kaderbot: KaderBot) -> dict[str, str]:
    async with kaderbot.db.sessions() as session:
        rows = await session.execute(select(OutboxMessage.address, OutboxMessage.status, OutboxMessage.kind))
        return {address: status for address, status, kind in rows.all() if kind == "broadcast"}


async def finished(kaderbot: KaderBot) -> bool:
    async with kaderbot.db.sessions() as session:
        open_rows = await session.execute(
            select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))
        )
        running = await session.execute(
            select(func.count()).where(Broadcast.status.in_(("scheduled", "sending")))
        )
        return open_rows.scalar_one() == 0 and running.scalar_one() == 0


async def test_two_thousand_recipients_each_exactly_once(
    fake: FakeBotAPI, kaderbot: KaderBot, clock: Clock
) -> None:
    addresses = await add_cadres(
        kaderbot.db, count=RECIPIENTS, posyandu_code="PY-6402-0004", first_address=FIRST_CHAT
    )
    await make_coordinator(kaderbot.db, "telegram", COORDINATOR, "64.02.06", name="Koordinator Tenggarong")
    coordinator = Chat(kaderbot.core, COORDINATOR, channel="telegram")
    await compose_broadcast(
        coordinator, "Rapat kader se-Kecamatan Tenggarong, Senin 09.00.", whole="Tenggarong"
    )
    await coordinator.press("Kirim sekarang")
    assert "Kader di Tenggarong — 2.000 orang" in coordinator.text
    await coordinator.press("Kirim")

    fake.block_chat(BLOCKED)
    fake.fail_next("sendMessage", error_code=429, retry_after=RETRY_AFTER, chat_id=THROTTLED)
    settings = load_settings(
        database_url=kaderbot.settings.database_url,
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        telegram_rate_limit=0,  # the outbox's own limiter is the one under test
    )
    channel = TelegramChannel(
        kaderbot, settings, rate_limiter=AIORateLimiter(overall_max_rate=0, max_retries=0)
    )
    config = OutboxConfig(
        slots=8, idle_poll=0.05, progress_every=0.2, limits={"telegram": RateLimit(1_000, chat_interval=1.0)}
    )
    sender = OutboxSender(kaderbot.db, kaderbot.catalogues, [channel], config, clock=RunningClock(clock))
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        deadline = time.monotonic() + 120
        while not await finished(kaderbot):
            assert time.monotonic() < deadline, fake.dump()
            assert not task.done()
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await task
        await channel.stop()

    calls = fake.calls("sendMessage")
    delivered = Counter(str(c.chat_id) for c in calls if c.ok)
    assert all(delivered[a] == 1 for a in addresses if a != BLOCKED)  # everyone once …
    assert sum(delivered[a] for a in addresses) == RECIPIENTS - 1  # … and nobody twice
    assert delivered[BLOCKED] == 0

    rows = await statuses(kaderbot)
    assert rows[BLOCKED] == "unreachable"
    assert Counter(rows.values()) == {"sent": RECIPIENTS - 1, "unreachable": 1}
    async with kaderbot.db.sessions() as session:
        blocked = (
            await session.execute(select(ChannelIdentity).where(ChannelIdentity.address == BLOCKED))
        ).scalar_one()
    assert blocked.unreachable_at is not None

    # The 429: the same message again, no sooner than retry_after, and nothing at all in between.
    throttled = [c for c in calls if str(c.chat_id) == THROTTLED]
    assert [c.answered_error for c in throttled] == [429, None]
    assert throttled[1].at - throttled[0].at >= RETRY_AFTER
    during = [c for c in calls if throttled[0].at + 0.2 < c.at < throttled[0].at + RETRY_AFTER]
    assert during == []

    summary = fake.wait_for_text(COORDINATOR, "Siaran #1 selesai", timeout=5)
    assert "Terkirim: 1.999 dari 2.000" in summary.text and "Memblokir bot / tidak aktif: 1" in summary.text
