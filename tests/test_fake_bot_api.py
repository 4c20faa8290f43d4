"""Drive tests/fakes/bot_api.py with a real python-telegram-bot ``Bot``."""

from __future__ import annotations

import asyncio
import datetime as dtm
import http.server
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from tests.fakes.bot_api import TINY_JPEG, FakeBotAPI, running_fake_bot_api

CHAT = 4242


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


@pytest_asyncio.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with Bot(**fake.bot_kwargs()) as client:
        yield client


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="yes")]])


@pytest.mark.asyncio
async def test_get_me_and_send_message_with_keyboard(fake: FakeBotAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "kader_test_bot" and me.id == fake.bot_id

    first = await bot.send_message(CHAT, "Halo <b>Sari</b>", parse_mode="HTML", reply_markup=_keyboard())
    second = await bot.send_message(CHAT, "123")
    assert first.text == "Halo Sari" and first.entities[0].type == "bold"
    assert first.reply_markup == _keyboard()
    assert second.message_id == first.message_id + 1 and second.chat.type == "private"

    call = fake.calls("sendmessage", chat_id=CHAT)[0]
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "Ya", "callback_data": "yes"}]]}
    assert fake.sent_texts(CHAT) == ["Halo <b>Sari</b>", "123"]  # "123" stays a string
    assert call.token == fake.token


@pytest.mark.asyncio
async def test_get_updates_text_and_callback(fake: FakeBotAPI, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Lanjut?", reply_markup=_keyboard())
    text_id = fake.push_text(CHAT, "/start")
    callback_id = fake.push_callback(CHAT, "yes")  # finds the message with that button

    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [text_id, callback_id]
    assert updates[0].message.text == "/start" and updates[0].message.entities[0].type == "bot_command"
    assert updates[0].effective_user.first_name == "Sari"
    query = updates[1].callback_query
    assert query.data == "yes" and query.message.message_id == sent.message_id
    assert await query.answer()

    # Confirming with offset drops them; an empty long poll ends after `timeout`.
    started = time.monotonic()
    assert await bot.get_updates(offset=callback_id + 1, timeout=0.3) == ()
    assert 0.2 < time.monotonic() - started < 2


@pytest.mark.asyncio
async def test_long_poll_wakes_up_on_push(fake: FakeBotAPI, bot: Bot) -> None:
    threading.Timer(0.2, fake.push_text, args=(CHAT, "halo")).start()
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert [u.message.text for u in updates] == ["halo"]
    assert time.monotonic() - started < 2


@pytest.mark.asyncio
async def test_photo_round_trip(fake: FakeBotAPI, bot: Bot) -> None:
    message = await bot.send_photo(CHAT, TINY_JPEG, caption="foto")
    largest = message.photo[-1]
    assert (largest.width, largest.height) == (16, 12) and message.caption == "foto"
    file = await bot.get_file(largest.file_id)
    assert bytes(await file.download_as_bytearray()) == TINY_JPEG
    assert fake.calls("sendPhoto")[0].params["photo"].data == TINY_JPEG

    # A photo the user sends can be fetched too.
    fake.push_photo(CHAT, TINY_JPEG[::-1] + b"\xff\xd8")  # other bytes, still a "photo"
    (update,) = await bot.get_updates(timeout=1)
    user_file = await bot.get_file(update.message.photo[-1].file_id)
    assert bytes(await user_file.download_as_bytearray()) == TINY_JPEG[::-1] + b"\xff\xd8"


def _seconds(value: int | float | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # int vs timedelta
async def test_injected_429_raises_retry_after(fake: FakeBotAPI, bot: Bot) -> None:
    fake.fail_next("sendMessage", retry_after=3, chat_id=CHAT)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "cepat")
    assert _seconds(caught.value.retry_after) == 3
    await bot.send_message(CHAT, "lagi")  # only the next call failed
    assert [c.answered_error for c in fake.calls("sendMessage")] == [429, None]
    assert fake.sent_texts(CHAT) == ["lagi"]


@pytest.mark.asyncio
async def test_blocked_chat_is_forbidden(fake: FakeBotAPI, bot: Bot) -> None:
    fake.block_chat(CHAT)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(CHAT, "halo")
    assert fake.calls("sendMessage")[0].answered_error == 403
    assert fake.sent_texts(CHAT) == []


@pytest.mark.asyncio
async def test_telegram_like_validation(fake: FakeBotAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="reserved"):
        await bot.send_message(CHAT, "Selesai.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
        await bot.send_message(CHAT, "1 < 2", parse_mode="HTML")
    message = await bot.send_message(CHAT, "Pilih", reply_markup=_keyboard())
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text(
            "Pilih", chat_id=CHAT, message_id=message.message_id, reply_markup=_keyboard()
        )
    edited = await bot.edit_message_text("Dipilih", chat_id=CHAT, message_id=message.message_id)
    assert edited.text == "Dipilih" and edited.reply_markup is None


@pytest.mark.asyncio
async def test_wrong_token_is_unauthorized() -> None:
    with running_fake_bot_api("111:right") as strict:
        async with Bot("111:right", base_url=strict.base_url) as good:
            assert (await good.get_me()).id == 111
        with pytest.raises(InvalidToken):  # initialize() calls getMe
            async with Bot("222:wrong", base_url=strict.base_url):
                pass
    rejected = strict.calls("getMe")[-1]
    assert (rejected.token, rejected.answered_error) == ("222:wrong", 401)


def test_wait_for_text_and_webhook_delivery(fake: FakeBotAPI) -> None:
    async def reply_later() -> None:
        async with Bot(**fake.bot_kwargs()) as client:
            await client.set_webhook("http://127.0.0.1:1/hook", secret_token="s3cret")
            await client.send_message(CHAT, "Terima kasih, Sari!")

    worker = threading.Thread(target=asyncio.run, args=(reply_later(),))
    worker.start()
    call = fake.wait_for_text(CHAT, "Terima kasih", timeout=5)
    worker.join()
    assert call.result["text"] == "Terima kasih, Sari!"
    assert fake.webhook is not None and fake.webhook.secret_token == "s3cret"

    received: list[tuple[str | None, dict[str, Any]]] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook) as hook:
        threading.Thread(target=hook.serve_forever, daemon=True).start()
        update_id = fake.push_text(CHAT, "halo")
        url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
        assert fake.post_to_webhook(update_id, url=url) == 200
        hook.shutdown()
    assert received == [("s3cret", fake.update(update_id))]
    assert fake.pending_updates() == []
