"""When Telegram or a flow fails: 429, 403, network errors, a crashing flow, a refused message.

The channel runs in the test's event loop, polling the fake Bot API over real HTTP; the fake's
blocking waits run in a thread so the loop keeps serving the bot.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import AIORateLimiter

from bot.app import KaderBot
from bot.channels.base import RateLimited, Unreachable
from bot.channels.telegram import TelegramChannel
from bot.settings import load_settings
from handlers.types import Text
from storage.models import ChannelIdentity
from tests.fakes.bot_api import Call, FakeBotAPI, running_fake_bot_api

CHAT = 5_554_001
# PTB 22 itself warns, when it builds a RetryAfter, that retry_after will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


def _channel(kaderbot: KaderBot, fake: FakeBotAPI, **kwargs: Any) -> TelegramChannel:
    settings = load_settings(
        database_url=kaderbot.settings.database_url,
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
    )
    return TelegramChannel(kaderbot, settings, **kwargs)


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


async def unreachable_at(kaderbot: KaderBot, address: str) -> Any:
    async with kaderbot.db.sessions() as session:
        identity = (
            await session.execute(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == "telegram", ChannelIdentity.address == address
                )
            )
        ).scalar_one()
        return identity.unreachable_at


async def test_429_is_retried_after_retry_after(fake: FakeBotAPI, channel: TelegramChannel) -> None:
    fake.fail_next("sendMessage", retry_after=1, chat_id=CHAT)
    await said(fake, "/start", expect="Silakan pilih bahasa")
    refused, delivered = fake.calls("sendMessage", CHAT)
    assert (refused.answered_error, delivered.answered_error) == (429, None)
    assert refused.params["text"] == delivered.params["text"]
    # Honouring retry_after is the behaviour under test: the retry never comes earlier.
    assert delivered.at - refused.at >= 1.0


async def test_blocked_bot_marks_the_identity_unreachable(
    fake: FakeBotAPI, channel: TelegramChannel, kaderbot: KaderBot
) -> None:
    await said(fake, "/start", expect="Silakan pilih bahasa")
    assert await unreachable_at(kaderbot, str(CHAT)) is None
    fake.block_chat(CHAT)
    mark = fake.mark()
    fake.push_text(CHAT, "/bantuan")
    await asyncio.to_thread(fake.wait_for, lambda c: c.answered_error == 403, 10, after=mark)
    for _ in range(200):  # the mark is written right after the refused send
        if await unreachable_at(kaderbot, str(CHAT)) is not None:
            break
        await asyncio.sleep(0.02)
    assert await unreachable_at(kaderbot, str(CHAT)) is not None
    assert len(fake.calls("sendMessage", CHAT)) == 2  # one refused, no retry storm


async def test_send_maps_403_and_unretried_429(fake: FakeBotAPI, kaderbot: KaderBot) -> None:
    once = _channel(kaderbot, fake, rate_limiter=AIORateLimiter(max_retries=0))
    await once.start()
    try:
        await said(fake, "/start", expect="Silakan pilih bahasa")
        fake.fail_next("sendMessage", retry_after=7, chat_id=CHAT)
        with pytest.raises(RateLimited) as limited:
            await once.send(str(CHAT), [Text("Pengingat: laporan bulan ini.")])
        assert limited.value.retry_after == 7
        fake.block_chat(CHAT)
        with pytest.raises(Unreachable):
            await once.send(str(CHAT), [Text("Pengingat: laporan bulan ini.")])
        assert await unreachable_at(kaderbot, str(CHAT)) is not None
    finally:
        await once.stop()


async def test_a_network_error_is_retried(fake: FakeBotAPI, channel: TelegramChannel) -> None:
    fake.fail_next("sendMessage", error_code=502, chat_id=CHAT, count=2)
    await said(fake, "/start", expect="Silakan pilih bahasa")
    assert [c.answered_error for c in fake.calls("sendMessage", CHAT)] == [502, 502, None]


async def test_a_crashing_flow_apologises_logs_the_update_and_keeps_answers(
    fake: FakeBotAPI, channel: TelegramChannel, kaderbot: KaderBot, caplog: pytest.LogCaptureFixture
) -> None:
    await said(fake, "/start", expect="Silakan pilih bahasa")
    fake.push_callback(CHAT, _button(fake, "Bahasa Indonesia"))
    await asyncio.to_thread(fake.wait_for_text, CHAT, "Persetujuan")
    fake.push_callback(CHAT, _button(fake, "Setuju"))
    await asyncio.to_thread(fake.wait_for_text, CHAT, "sebagai apa")
    fake.push_callback(CHAT, _button(fake, "kader Posyandu"))
    await asyncio.to_thread(fake.wait_for_text, CHAT, "nama lengkap")
    await said(fake, "Sari Wulandari", expect="nomor HP")

    registration = kaderbot.core.flows["registration"]
    original = registration.handle

    async def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database hiccup")

    registration.handle = broken  # type: ignore[method-assign]
    caplog.set_level(logging.ERROR)
    mark = fake.mark()
    update_id = fake.push_text(CHAT, "0812 3456 7890")
    apology = await asyncio.to_thread(fake.wait_for_text, CHAT, "Maaf, terjadi gangguan", 10, after=mark)
    registration.handle = original  # type: ignore[method-assign]

    # The same question again (the name is kept), and the log names the update.
    assert "nomor HP" in (apology.text or "")
    assert any(f"message_id={update_id}" in r.getMessage() for r in caplog.records)
    call = await said(fake, "0812 3456 7890", expect="Pilih kabupaten/kota")
    assert "Maaf" not in (call.text or "")


async def test_a_refused_reply_is_logged_with_the_update_and_polling_goes_on(
    fake: FakeBotAPI, channel: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="kaderbot.telegram")
    fake.fail_next("sendMessage", error_code=400, chat_id=CHAT)
    mark = fake.mark()
    update_id = fake.push_text(CHAT, "/start")
    await asyncio.to_thread(fake.wait_for_text, CHAT, "balasan KaderBot gagal terkirim", 10, after=mark)
    assert any(f"telegram update {update_id} failed" in r.getMessage() for r in caplog.records)
    await said(fake, "/bantuan", expect="Bantuan KaderBot")


def _button(fake: FakeBotAPI, label: str) -> str:
    message = fake.last_bot_message(CHAT) or {}
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if label.casefold() in button["text"].casefold():
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r}")


async def test_a_slow_answer_for_one_person_holds_up_no_one_else_and_keeps_their_order(
    fake: FakeBotAPI, channel: TelegramChannel
) -> None:
    other = CHAT + 1
    fake.delay_next("sendMessage", 1.0, chat_id=CHAT)  # Telegram is slow for this chat, once
    mark = fake.mark()
    fake.push_text(CHAT, "/start")
    fake.push_text(CHAT, "/bantuan")
    fake.push_text(other, "/start")
    fake.push_text(CHAT, "/entahlah")
    await asyncio.to_thread(fake.wait_for_text, CHAT, "perintah itu tidak dikenal", 10, after=mark)

    mine = [c.text or "" for c in fake.calls("sendMessage", CHAT) if c.index >= mark]
    assert len(mine) == 3
    assert "Selamat datang" in mine[0] and "Bantuan KaderBot" in mine[1] and "tidak dikenal" in mine[2]
    first_mine = next(c for c in fake.calls("sendMessage", CHAT) if c.index >= mark)
    (theirs,) = fake.calls("sendMessage", other)
    assert theirs.index < first_mine.index  # the other person was answered while this one waited
