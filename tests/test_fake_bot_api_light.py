"""The fake Bot API on its light HTTP server (`FakeBotAPI(http="light")`, used by the broadcast
benchmark) answers python-telegram-bot like the default server does for everything but uploads:
messages, keyboards, long polls, injected 429s and delays, blocked chats, wrong tokens; and it
records every call the same way."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from tests.fakes.bot_api import TINY_JPEG, FakeBotAPI, running_fake_bot_api

CHAT = 4343


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api(http="light") as server:
        yield server


@pytest_asyncio.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(**fake.bot_kwargs()) as client:
        yield client


async def test_messages_and_keyboards_are_answered_and_recorded(fake: FakeBotAPI, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="yes")]])
    me = await bot.get_me()
    assert me.is_bot and me.id == fake.bot_id
    first = await bot.send_message(CHAT, "Halo <b>Sari</b>", parse_mode="HTML", reply_markup=keyboard)
    second = await bot.send_message(CHAT, "123")
    assert first.text == "Halo Sari" and first.reply_markup == keyboard
    assert second.message_id == first.message_id + 1
    call = fake.calls("sendMessage", chat_id=CHAT)[0]
    assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "Ya", "callback_data": "yes"}]]}
    assert fake.sent_texts(CHAT) == ["Halo <b>Sari</b>", "123"]
    edited = await bot.edit_message_text("Dipilih", chat_id=CHAT, message_id=first.message_id)
    assert edited.text == "Dipilih"
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text("Dipilih", chat_id=CHAT, message_id=first.message_id)


async def test_a_long_poll_waits_off_the_server_loop(fake: FakeBotAPI, bot: Bot) -> None:
    threading.Timer(0.2, fake.push_text, args=(CHAT, "halo")).start()
    # While one long poll waits, other calls are still answered.
    polling = asyncio.ensure_future(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert (await bot.send_message(CHAT, "sementara")).text == "sementara"
    updates = await polling
    assert [u.message.text for u in updates if u.message] == ["halo"]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # int vs timedelta
async def test_faults_429_403_delays_and_tokens(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", retry_after=3, chat_id=CHAT)
    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "cepat")
    fake.block_chat(CHAT + 1)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(CHAT + 1, "halo")
    fake.delay_next("sendMessage", 0.3, chat_id=CHAT)
    started = time.monotonic()
    await bot.send_message(CHAT, "pelan")
    assert time.monotonic() - started >= 0.3
    assert [c.answered_error for c in fake.calls("sendMessage")] == [429, 403, None]
    with pytest.raises(InvalidToken):
        async with Bot("999:wrong", base_url=fake.base_url.replace("/bot", "/nope")):
            pass


async def test_uploads_are_refused_with_a_reason_and_other_paths_are_not_found(
    fake: FakeBotAPI, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)uploads need"):
        await bot.send_photo(CHAT, TINY_JPEG)
    async with httpx.AsyncClient() as client:
        answer = await client.get(f"{fake.base_file_url}{fake.token}/photos/x.jpg")
    assert answer.status_code == 404
