"""KaderBot's own long-polling loop (instead of PTB's Updater): errors from getUpdates, a 409 Conflict,
flood control, a prompt stop, and turns the core could not store.

The channel runs in the test's event loop, polling the fake Bot API over real HTTP; the fake's
blocking waits run in a thread so the loop keeps serving the bot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bot.app import KaderBot
from bot.channels import telegram_updates
from bot.channels.telegram import TelegramChannel
from bot.settings import load_settings
from handlers.types import IncomingEvent
from tests import pg_query
from tests.fakes.bot_api import Call, FakeBotAPI, running_fake_bot_api

CHAT = 5_557_001
# PTB 22 itself warns, when it builds a RetryAfter, that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


def _channel(kaderbot: KaderBot, fake: FakeBotAPI) -> TelegramChannel:
    settings = load_settings(
        database_url=kaderbot.settings.database_url,
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
    )
    return TelegramChannel(kaderbot, settings)


@pytest.fixture
async def channel(kaderbot: KaderBot, fake: FakeBotAPI) -> AsyncIterator[TelegramChannel]:
    started = _channel(kaderbot, fake)
    await started.start()
    yield started
    await started.stop()


async def said(fake: FakeBotAPI, text: str, *, expect: str, chat: int = CHAT) -> Call:
    mark = fake.mark()
    fake.push_text(chat, text)
    return await asyncio.to_thread(fake.wait_for_text, chat, expect, 10, after=mark)


def polls(fake: FakeBotAPI, after: int = 0) -> list[Call]:
    return [call for call in fake.calls("getUpdates") if call.index >= after]


async def test_polling_removes_a_webhook_first_and_keeps_its_pending_updates(
    fake: FakeBotAPI, kaderbot: KaderBot
) -> None:
    """Left over from webhook mode: getUpdates would answer 409 while a webhook is set."""
    async with httpx.AsyncClient() as client:
        url = f"{fake.base_url}{fake.token}/setWebhook"
        response = await client.post(url, data={"url": "https://example.org/hook"})
    assert response.status_code == 200 and fake.webhook is not None
    waiting = fake.push_text(CHAT, "/start")
    started = _channel(kaderbot, fake)
    await started.start()
    try:
        await asyncio.to_thread(fake.wait_for_text, CHAT, "Silakan pilih bahasa")
        assert fake.webhook is None
        (deleted,) = fake.calls("deleteWebhook")
        assert "drop_pending_updates" not in deleted.params
        assert deleted.index < polls(fake)[0].index
        assert any(waiting in [u["update_id"] for u in call.result or []] for call in polls(fake))
    finally:
        await started.stop()


async def test_get_updates_network_errors_are_retried_and_polling_goes_on(
    fake: FakeBotAPI, channel: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kaderbot.telegram")
    fake.fail_next("getUpdates", error_code=502, count=2)
    await said(fake, "/start", expect="Silakan pilih bahasa")
    await said(fake, "/bantuan", expect="Bantuan KaderBot")
    errors = [call.answered_error for call in polls(fake)]
    assert errors.count(502) == 2 and errors[-1] is None
    assert sum("getUpdates failed" in r.getMessage() for r in caplog.records) == 2
    assert await channel.healthy()


async def test_a_409_conflict_is_logged_clearly_and_polling_goes_on(
    fake: FakeBotAPI, channel: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="kaderbot.telegram")
    fake.fail_next("getUpdates", error_code=409)
    await said(fake, "/start", expect="Silakan pilih bahasa")
    await said(fake, "/bantuan", expect="Bantuan KaderBot")
    assert [call.answered_error for call in polls(fake)].count(409) == 1
    (conflict,) = [r for r in caplog.records if "409 Conflict" in r.getMessage()]
    assert conflict.levelno == logging.ERROR
    assert "Another process is polling with this bot token, or a webhook is set" in conflict.getMessage()


async def test_retry_after_on_get_updates_is_honoured(fake: FakeBotAPI, channel: TelegramChannel) -> None:
    fake.fail_next("getUpdates", retry_after=1)
    await said(fake, "/start", expect="Silakan pilih bahasa")
    await said(fake, "/bantuan", expect="Bantuan KaderBot")
    all_polls = polls(fake)
    refused = next(i for i, call in enumerate(all_polls) if call.answered_error == 429)
    # Honouring retry_after is the behaviour under test: the next poll never comes earlier.
    assert all_polls[refused + 1].at - all_polls[refused].at >= 1.0


async def test_stop_interrupts_a_long_poll_and_leaves_nothing_unconfirmed(
    fake: FakeBotAPI, kaderbot: KaderBot, caplog: pytest.LogCaptureFixture
) -> None:
    started = _channel(kaderbot, fake)
    await started.start()
    mark = fake.mark()
    update_id = fake.push_text(CHAT, "/start")
    await asyncio.to_thread(fake.wait_for_text, CHAT, "Silakan pilih bahasa", 10, after=mark)
    waiting = await asyncio.to_thread(
        fake.wait_for, lambda call: call.method == "getUpdates" and call.params["offset"] == update_id + 1
    )
    assert await started.healthy()
    await started.stop()
    # The long poll was abandoned, not waited out (it would end with an empty list): it never answered,
    # or was ended by the newer getUpdates with which stop() confirms what was handled, like PTB does.
    assert waiting.result is None and waiting.answered_error in (None, 409)
    confirming = polls(fake)[-1]
    assert confirming.params["offset"] == update_id + 1 and confirming.params["timeout"] == 0
    assert fake.pending_updates() == []
    assert not await started.healthy()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_turn_that_could_not_be_stored_is_tried_again_before_it_is_confirmed(
    fake: FakeBotAPI, channel: TelegramChannel, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The real core, whose database fails even for the apology: the update stays unconfirmed, no
    reply goes out, and once the database is back the next try answers it, once."""
    caplog.set_level(logging.WARNING, logger="kaderbot.telegram")
    mark = fake.mark()
    async with pg_query.table_missing_meanwhile(db_url, "inbound_message"):
        update_id = fake.push_text(CHAT, "/start")
        message = f"telegram update {update_id}: turn not stored"
        for _ in range(500):
            if any(message in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.02)
        assert any(message in r.getMessage() for r in caplog.records)
        assert update_id in [u["update_id"] for u in fake.pending_updates()]  # not confirmed
        assert fake.calls("sendMessage", CHAT) == []  # no apology either: it will be answered
    await asyncio.to_thread(fake.wait_for_text, CHAT, "Silakan pilih bahasa", 10, after=mark)
    assert len(fake.calls("sendMessage", CHAT)) == 1
    await said(fake, "/bantuan", expect="Bantuan KaderBot")


async def test_an_update_that_never_stores_is_given_up_with_an_apology(
    fake: FakeBotAPI, kaderbot: KaderBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(telegram_updates, "TURN_ATTEMPTS", 2)
    original = kaderbot.core.handle
    poisoned: set[str] = set()

    async def failing(event: IncomingEvent) -> Any:
        if event.message_id in poisoned:
            raise RuntimeError("cannot store this one")
        return await original(event)

    kaderbot.core.handle = failing  # type: ignore[method-assign]
    caplog.set_level(logging.ERROR, logger="kaderbot.telegram")
    started = _channel(kaderbot, fake)
    await started.start()
    try:
        mark = fake.mark()
        update_id = fake.push_text(CHAT, "/start")
        poisoned.add(str(update_id))
        await asyncio.to_thread(fake.wait_for_text, CHAT, "gagal terkirim", 10, after=mark)
        await said(fake, "/start", expect="Silakan pilih bahasa")  # polling went on past it
        assert update_id not in [u["update_id"] for u in fake.pending_updates()]
        assert any(
            f"telegram update {update_id}: not stored after 2 attempts" in r.getMessage()
            for r in caplog.records
        )
    finally:
        await started.stop()
