"""Replies survive a crash: kill -9 `kaderbot run` while stored turns' replies wait behind the rate
limiter, start it again, let Telegram deliver again what it has not seen confirmed, and every person
gets their reply exactly once, or it is counted as unconfirmed (its send was under way at the kill).

Before replies were kept with their turn, the redelivered updates were (rightly) duplicates and the
replies waiting at the kill were never sent (issue 14: 40 of 2,000 people got no answer).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bot.replies import IN_FLIGHT
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.telegram_support import BotProcess, query, wait_until

FIRST_CHAT = 5_558_001
PEOPLE = 24
SECRET = "durable-replies-s3cret"
WELCOME = "Silakan pilih bahasa"
SETTLED = 30.0  # seconds to wait for the restarted bot to send and settle everything


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


def stored(db_url: str, ids: list[int]) -> set[int]:
    rows = query(db_url, "SELECT message_id FROM inbound_message WHERE channel='telegram'")
    handled = {row[0] for row in rows}
    return {i for i in ids if str(i) in handled}


def statuses(db_url: str) -> dict[str, str]:
    """Kept replies not (yet) sent, by update id: pending, sending, failed, unconfirmed."""
    return dict(query(db_url, "SELECT message_id, status FROM turn_reply WHERE channel='telegram'"))


def welcomes(fake: FakeBotAPI, chat: int) -> int:
    return sum(1 for call in fake.calls("sendMessage", chat) if call.ok and WELCOME in (call.text or ""))


def all_settled(db_url: str) -> bool:
    return not any(status in ("pending", "sending") for status in statuses(db_url).values())


def assert_each_answered_once_or_unconfirmed(
    fake: FakeBotAPI, db_url: str, chats: list[int], ids: list[int]
) -> None:
    left = statuses(db_url)
    unconfirmed = 0
    for chat, update_id in zip(chats, ids, strict=True):
        got, status = welcomes(fake, chat), left.get(str(update_id))
        assert got <= 1, f"chat {chat} answered {got} times"
        if got == 0:
            assert status == "unconfirmed", f"chat {chat}: no reply, and its reply is {status}"
        if status == "unconfirmed":
            unconfirmed += 1
        else:
            assert got == 1 and status is None, (chat, got, status)  # sent: the row is gone
    assert unconfirmed <= IN_FLIGHT


def _post(fake: FakeBotAPI, update_id: int) -> int | None:
    """Telegram posting one update; None when the bot died under the request."""
    with contextlib.suppress(httpx.HTTPError):
        return fake.post_to_webhook(update_id, http_timeout=30)
    return None


def test_webhook_replies_waiting_at_a_kill_go_out_once_when_telegram_delivers_again(
    fake: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(fake, db_url, tmp_path)
    bot.extra_env.update(
        TELEGRAM_WEBHOOK_URL=f"{bot.base_url}/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_RATE_LIMIT="4",  # replies queue behind the limiter while the turns are stored
        OUTBOX_IN_DOUBT_AFTER="1",
    )
    chats = [FIRST_CHAT + n for n in range(PEOPLE)]
    bot.start()
    try:
        ids = [fake.push_text(chat, "/start") for chat in chats]
        with ThreadPoolExecutor(PEOPLE) as pool:  # Telegram posts them at once; each waits for 200
            posts = [pool.submit(_post, fake, update_id) for update_id in ids]
            wait_until(lambda: stored(db_url, ids) == set(ids), 20, "every turn stored")
            bot.kill()
            answered_before = [p.result() for p in posts].count(200)
        assert answered_before < PEOPLE  # the kill came while replies were still waiting
        assert sum(welcomes(fake, chat) for chat in chats) < PEOPLE

        bot.start()
        # Telegram delivers again every update it has not seen answered with 200: duplicates now.
        redelivered = [u["update_id"] for u in fake.pending_updates()]
        assert len(redelivered) == PEOPLE - answered_before
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(lambda update_id: _post(fake, update_id), redelivered)) <= {200}
        wait_until(lambda: all_settled(db_url), SETTLED, "kept replies sent or settled")
        assert bot.stop(), bot.log()
    finally:
        if bot.process is not None and bot.process.poll() is None:
            bot.kill()

    assert_each_answered_once_or_unconfirmed(fake, db_url, chats, ids)


def test_polling_replies_waiting_at_a_kill_go_out_once_after_the_restart(
    fake: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    """The issue's reproduction, smaller: long polling at a low rate limit, kill -9 once some people
    were answered. Updates not yet confirmed come again (duplicates, their kept replies sent then);
    confirmed ones whose replies were still waiting are found by the restarted bot's sweep."""
    bot = BotProcess(
        fake, db_url, tmp_path, extra_env={"TELEGRAM_RATE_LIMIT": "5", "OUTBOX_IN_DOUBT_AFTER": "1"}
    )
    chats = [FIRST_CHAT + 100 + n for n in range(PEOPLE)]
    bot.start()
    try:
        ids = [fake.push_text(chat, "/start") for chat in chats]

        def waiting() -> int:  # turns stored whose people have no answer yet
            return len(stored(db_url, ids)) - sum(welcomes(fake, chat) for chat in chats)

        wait_until(
            lambda: sum(welcomes(fake, chat) for chat in chats) >= 1 and waiting() >= 3,
            20,
            "some people answered, more stored and waiting",
        )
        bot.kill()
        assert waiting() >= 3

        bot.start()
        wait_until(lambda: not fake.pending_updates(), SETTLED, "every update confirmed")
        wait_until(lambda: all_settled(db_url), SETTLED, "kept replies sent or settled")
        assert stored(db_url, ids) == set(ids)
        assert bot.stop(), bot.log()
    finally:
        if bot.process is not None and bot.process.poll() is None:
            bot.kill()

    assert_each_answered_once_or_unconfirmed(fake, db_url, chats, ids)
