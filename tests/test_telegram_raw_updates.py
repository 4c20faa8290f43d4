"""Updates are read from the Bot API's JSON straight into the channel's own small update (issue #19:
no python-telegram-bot object model on the hot path). Every kind of update, through the real entry
points of `kaderbot run` — long polling and the webhook — against the fake Bot API: what the bot
answers must not change, and what it does not answer must not stop it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.bot_api import TINY_JPEG, FakeBotAPI, running_fake_bot_api
from tests.telegram_support import BotProcess, running_bot, wait_until

SECRET = "raw-updates-s3cret"
FIRST_QUESTION = "Silakan pilih bahasa"  # what a first message of any kind is answered with
CHAT = 5_553_001


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


@pytest.fixture(params=["polling", "webhook"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def bot(fake: FakeBotAPI, db_url: str, tmp_path: Path, mode: str) -> Iterator[BotProcess]:
    with running_bot(fake, db_url, tmp_path, webhook_secret=SECRET if mode == "webhook" else None) as started:
        yield started


def _deliverer(fake: FakeBotAPI, mode: str) -> Callable[[int], None]:
    def deliver(update_id: int) -> None:
        if mode == "webhook":
            assert fake.post_to_webhook(update_id) == 200

    return deliver


def _person(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Sari", "language_code": "id"}


def _message(chat_id: int, message_id: int, *, chat_type: str = "private", **fields: Any) -> dict[str, Any]:
    chat = {"id": chat_id, "type": chat_type, "first_name": "Sari"}
    return {
        "message_id": message_id,
        "from": _person(abs(chat_id)),
        "chat": chat,
        "date": int(time.time()),
        **fields,
    }


def _sent_to(fake: FakeBotAPI, chat_id: int, after: int) -> list[str]:
    return [c.text or "" for c in fake.calls("sendMessage", chat_id) if c.ok and c.index >= after]


def _answered_once(fake: FakeBotAPI, chat_id: int, deliver: Callable[[int], None], update_id: int) -> None:
    """`update_id` (sent by a new person) is answered with the first question, once, no apology."""
    mark = fake.mark()
    deliver(update_id)
    fake.wait_for_text(chat_id, FIRST_QUESTION, after=mark)
    sent = _sent_to(fake, chat_id, mark)
    assert len(sent) == 1 and not any("Maaf" in text for text in sent), sent


def test_every_kind_of_update_is_answered_or_passed_over_as_before(
    fake: FakeBotAPI, bot: BotProcess, mode: str
) -> None:
    deliver = _deliverer(fake, mode)

    # Edits, channel posts, group messages and kinds the bot does not know are passed over; the same
    # person's next message is answered (once: the edit before it got nothing).
    chat = CHAT
    mark = fake.mark()
    for update in (
        {"edited_message": {**_message(chat, 1, text="/start"), "edit_date": int(time.time())}},
        {"message_reaction": {"chat": {"id": chat, "type": "private"}, "message_id": 1, "date": 1}},
        {"a_kind_from_the_future": {"x": 1}},
        {"message": _message(-100_777, 3, chat_type="supergroup", text="/start")},
    ):
        deliver(fake.push_update(update))
    _answered_once(fake, chat, deliver, fake.push_text(chat, "/start"))
    assert _sent_to(fake, -100_777, mark) == []

    # A photo with its caption: the largest size is fetched into the media store.
    chat += 1
    mark = fake.mark()
    update_id = fake.push_photo(chat, TINY_JPEG, caption="posyandu hari ini")
    largest = fake.update(update_id)["message"]["photo"][-1]["file_id"]
    _answered_once(fake, chat, deliver, update_id)
    wait_until(
        lambda: any(c.params.get("file_id") == largest for c in fake.calls("getFile") if c.index >= mark)
    )

    # A document, by its file_id.
    chat += 1
    mark = fake.mark()
    update_id = fake.push_document(chat, b"a,b\n1,2\n", "data.csv", "text/csv")
    document = fake.update(update_id)["message"]["document"]["file_id"]
    _answered_once(fake, chat, deliver, update_id)
    wait_until(
        lambda: any(c.params.get("file_id") == document for c in fake.calls("getFile") if c.index >= mark)
    )

    # A shared location, a contact, a sticker-like message without text: a message all the same.
    for fields in (
        {"location": {"latitude": -0.5022, "longitude": 117.1536}},
        {"contact": {"phone_number": "+6281200000000", "first_name": "Ani"}},
        {"text": ["/start"]},
    ):
        chat += 1
        _answered_once(fake, chat, deliver, fake.push_update({"message": _message(chat, 1, **fields)}))

    # A button pressed under a message too old to show (date 0): the spinner is stopped, nothing is
    # edited, and the press is a turn like any other.
    chat += 1
    _answered_once(fake, chat, deliver, fake.push_text(chat, "/start"))
    mark = fake.mark()
    query = {
        "id": "q-old-message",
        "from": _person(chat),
        "chat_instance": "1",
        "data": "nothing.here",
        "message": {"chat": {"id": chat, "type": "private"}, "message_id": 99, "date": 0},
    }
    deliver(fake.push_update({"callback_query": query}))
    wait_until(
        lambda: any(
            c.params.get("callback_query_id") == "q-old-message" for c in fake.calls("answerCallbackQuery")
        )
    )
    fake.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == chat, 10, after=mark)
    edits = [c for c in fake.calls() if c.index >= mark and c.method.startswith("editMessage")]
    assert edits == []
    assert "Traceback" not in bot.log()


def test_polling_skips_an_unreadable_update_and_goes_on(
    fake: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    """Before, python-telegram-bot's parsing failed the whole getUpdates answer: the same broken
    update came back on every poll and nothing after it was ever answered."""
    with running_bot(fake, db_url, tmp_path) as bot:
        for broken in (
            {"message": "not a message"},
            {"message": {"message_id": 1, "date": 1, "text": "no chat"}},
            {"callback_query": {"from": _person(CHAT), "data": "x"}},  # no id
        ):
            fake.push_update(broken)
        update_id = fake.push_text(CHAT, "/start")
        fake.wait_for_text(CHAT, FIRST_QUESTION)
        wait_until(lambda: fake.pending_updates() == [])  # the broken ones were confirmed too
        assert update_id > 3
        assert "skipped an unreadable update" in bot.log()


def test_a_webhook_update_that_is_not_one_is_a_bad_request(
    fake: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    with running_bot(fake, db_url, tmp_path, webhook_secret=SECRET) as bot:
        for broken in (
            {"message": {"message_id": 1, "text": "hi"}},
            {"update_id": 10, "message": []},
            {"update_id": 11, "message": {"message_id": 1, "date": 1, "chat": {"id": "5"}, "text": "hi"}},
            {"update_id": 12, "callback_query": {"from": _person(CHAT), "data": "x"}},
            {"update_id": True, "message": _message(CHAT, 1, text="/start")},
        ):
            assert fake.post_to_webhook(broken) == 400, broken
        assert fake.post_to_webhook({"update_id": 13, "poll": {"id": "1"}}) == 200  # a kind not answered
        assert fake.calls("sendMessage") == []
        assert "Traceback" not in bot.log()
