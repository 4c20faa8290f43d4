"""GET /healthz: 200 only while the database answers and every channel is healthy; 503 otherwise,
with what is down. Telegram long polling counts as down while getUpdates keeps failing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest

from bot.app import KaderBot, build
from bot.channels.base import PlatformChannel
from bot.channels.telegram import UNHEALTHY_AFTER, TelegramChannel
from bot.settings import load_settings
from bot.web import create_web_app
from tests.chat import Clock
from tests.fakes.bot_api import running_fake_bot_api
from tests.outbox_support import MemoryChannel
from tests.postgres import free_port

CHAT = 5_557_101
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def get(kaderbot: KaderBot, path: str, channels: Sequence[PlatformChannel] = ()) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_web_app(kaderbot, channels))
    async with httpx.AsyncClient(transport=transport, base_url="http://kaderbot") as http:
        return await http.get(path)


class DownChannel(MemoryChannel):
    async def healthy(self) -> bool:
        return False


class BrokenCheckChannel(MemoryChannel):
    async def healthy(self) -> bool:
        raise RuntimeError("health check itself failed")


@pytest.fixture
async def unreachable_database(clock: Clock) -> AsyncIterator[KaderBot]:
    """A bot whose PostgreSQL is down: nothing listens on its port."""
    url = f"postgresql+asyncpg://kaderbot:secret@127.0.0.1:{free_port()}/kaderbot"
    bot = build(load_settings(database_url=url), clock=clock)
    yield bot
    await bot.close()


async def test_healthy_database_and_channels_answer_200(kaderbot: KaderBot) -> None:
    response = await get(kaderbot, "/healthz", [MemoryChannel(name="telegram")])
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": True, "telegram": True}


async def test_a_database_that_is_down_answers_503(unreachable_database: KaderBot) -> None:
    response = await get(unreachable_database, "/healthz", [MemoryChannel(name="telegram")])
    assert response.status_code == 503
    assert response.json() == {"ok": False, "database": False, "telegram": True}
    # Metrics still answer (so the outage shows on the dashboards); the outbox depth is left out.
    metrics = await get(unreachable_database, "/metrics")
    assert metrics.status_code == 200
    assert "kaderbot_outbox_depth{" not in metrics.text


async def test_a_channel_that_is_down_or_whose_check_fails_answers_503(kaderbot: KaderBot) -> None:
    down = await get(kaderbot, "/healthz", [MemoryChannel(name="telegram"), DownChannel(name="whatsapp")])
    assert down.status_code == 503
    assert down.json() == {"ok": False, "database": True, "telegram": True, "whatsapp": False}
    broken = await get(kaderbot, "/healthz", [BrokenCheckChannel(name="whatsapp")])
    assert broken.status_code == 503
    assert broken.json() == {"ok": False, "database": True, "whatsapp": False}


async def until(check: object, expected: bool, *, within: float = 15.0) -> None:
    deadline = time.monotonic() + within
    while await check() is not expected:  # type: ignore[operator]
        assert time.monotonic() < deadline, f"healthy() never became {expected}"
        await asyncio.sleep(0.01)


async def test_telegram_polling_is_unhealthy_while_get_updates_keeps_failing(kaderbot: KaderBot) -> None:
    with running_fake_bot_api() as fake:
        settings = load_settings(
            database_url=kaderbot.settings.database_url,
            telegram_bot_token=fake.token,
            telegram_api_base_url=fake.base_url,
        )
        channel = TelegramChannel(kaderbot, settings)
        fake.fail_next("getUpdates", error_code=502, count=UNHEALTHY_AFTER + 1)
        await channel.start()
        try:
            await until(channel.healthy, False)
            response = await get(kaderbot, "/healthz", [channel])
            assert response.status_code == 503 and response.json()["telegram"] is False
            # Telegram is back: the next getUpdates succeeds, a message is answered, health returns.
            mark = fake.mark()
            fake.push_text(CHAT, "/start")
            await asyncio.to_thread(fake.wait_for_text, CHAT, "Silakan pilih bahasa", 20, after=mark)
            assert await channel.healthy()
            assert (await get(kaderbot, "/healthz", [channel])).status_code == 200
        finally:
            await channel.stop()
        assert not await channel.healthy()
