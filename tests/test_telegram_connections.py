"""The bot's Bot API connections (telegram_http.AiohttpBotApi): a call beyond the pool waits for a
free connection instead of failing, and a light load keeps to one connection."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from telegram import Bot

from bot.channels.telegram_http import AiohttpBotApi
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api

SLOW = (
    1.05  # seconds per answer: longer than PTB's pool_timeout (1 s), the wait httpx allowed for a connection
)


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


async def test_calls_beyond_the_pool_wait_for_a_free_connection_and_all_go_through(fake: FakeBotAPI) -> None:
    """Four slow calls on two connections: two go at once, two wait for them (longer than PTB's pool
    timeout, after which httpx gives up on a call that waits in its own pool)."""
    connections = AiohttpBotApi(2)
    async with Bot(fake.token, base_url=fake.base_url, request=connections) as bot:
        mark = fake.mark()
        fake.delay_next("getMe", SLOW, count=4)
        answers = await asyncio.gather(*(bot.get_me() for _ in range(4)))
    assert [answer.username for answer in answers] == [fake.bot_username] * 4
    assert len([call for call in fake.calls("getMe") if call.index >= mark]) == 4
    assert connections.connections == 2


async def test_calls_one_after_another_share_one_connection(fake: FakeBotAPI) -> None:
    connections = AiohttpBotApi(16)
    async with Bot(fake.token, base_url=fake.base_url, request=connections) as bot:
        for _ in range(5):
            await bot.get_me()
    assert connections.connections == 1


async def test_the_connections_open_again_after_a_shutdown(fake: FakeBotAPI) -> None:
    connections = AiohttpBotApi(2)
    async with Bot(fake.token, base_url=fake.base_url, request=connections) as bot:
        await bot.get_me()
    async with Bot(fake.token, base_url=fake.base_url, request=connections) as bot:
        assert (await bot.get_me()).username == fake.bot_username
