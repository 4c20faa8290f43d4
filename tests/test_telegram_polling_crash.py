"""SIGKILL while polling: no update a person sent is lost, and none is handled twice.

`kaderbot run` polls the fake Bot API as a real process. The fake here also watches the promise the
polling loop makes: whenever a getUpdates offset confirms updates to "Telegram", the core has already
stored every one of them (`inbound_message` holds its update id). PTB's own `Updater` broke that: it
confirmed whatever it had fetched, handled or not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.channels.telegram import MAX_DELIVERIES, NETWORK_ATTEMPTS
from tests.fakes.bot_api import FakeBotAPI
from tests.telegram_support import BotProcess, TelegramUser, query, wait_until

CHAT = 5_556_001
HUNG = 60.0  # seconds a delayed Bot API answer takes: longer than the test, shorter than forever


class WatchedBotAPI(FakeBotAPI):
    """The fake Bot API, recording for every update a getUpdates offset confirms whether the core had
    stored it by then. It reaches into the fake's internals (`_confirm`, `_queue`, `_cond`, `_delays`),
    hence a subclass here rather than a feature of the fake."""

    def __init__(self) -> None:
        super().__init__()
        self.db: str | None = None  # the database URL
        self.confirmed: list[int] = []
        self.confirmed_unstored: list[int] = []

    def _confirm(self, offset: Any) -> None:
        if self.db is not None and isinstance(offset, int) and not isinstance(offset, bool) and offset > 0:
            passed = [u["update_id"] for u in self._queue if u["update_id"] < offset]
            if passed:
                have = stored(self.db, passed)
                self.confirmed += passed
                self.confirmed_unstored += [i for i in passed if i not in have]
        super()._confirm(offset)

    def push_together(self, push: Callable[[], list[int]]) -> list[int]:
        """Push several updates at once: a waiting long poll answers them all in one batch."""
        with self._cond:
            return push()

    def cancel_delays(self) -> None:
        """Forget delays not yet used (ones already holding up a request stay)."""
        with self._cond:
            self._delays.clear()


@pytest.fixture
def fake(db_url: str) -> Iterator[WatchedBotAPI]:
    with WatchedBotAPI() as server:
        server.db = db_url
        yield server


def stored(db_url: str, ids: list[int]) -> set[int]:
    """Which of these update ids the core has stored as handled."""
    rows = query(db_url, "SELECT message_id FROM inbound_message WHERE channel='telegram'")
    handled = {row[0] for row in rows}
    return {i for i in ids if str(i) in handled}


def fetched_in_one_batch(fake: FakeBotAPI, ids: list[int], after: int = 0) -> bool:
    """Whether one getUpdates (recorded when it arrived, at or after `after`) returned all of `ids`."""
    return any(
        set(ids) <= {u["update_id"] for u in call.result or []}
        for call in fake.calls("getUpdates")
        if call.index >= after
    )


def texts_to(fake: FakeBotAPI, chat: int, phrase: str, after: int, before: int | None = None) -> list[str]:
    """What the bot sent to `chat` containing `phrase`, between two marks."""
    return [
        call.text or ""
        for call in fake.calls("sendMessage", chat)
        if call.ok
        and after <= call.index < (before if before is not None else call.index + 1)
        and phrase in (call.text or "")
    ]


def test_a_backlog_behind_a_hung_reply_survives_sigkill_and_is_handled_once(
    fake: WatchedBotAPI, db_url: str, tmp_path: Path
) -> None:
    """Telegram stops answering sendMessage for a chat while its person keeps typing. The first reply
    hangs (PTB's read timeout, then retries), the next ones wait behind it (a chat's replies leave in
    order), and once MAX_DELIVERIES replies wait, the polling loop waits too, with updates fetched but
    not yet handled. SIGKILL then: those updates were never confirmed, so they come again after the
    restart and are handled once; the turns stored before the crash are not handled a second time.
    Their replies, stuck behind the hung one, were kept with the turns: they go out after the restart,
    once; only the one whose send was under way at the crash is not sent again (unconfirmed)."""
    backlog = MAX_DELIVERIES + 8
    bot = BotProcess(fake, db_url, tmp_path).start()
    try:
        TelegramUser(fake, CHAT).say("/start", expect="Silakan pilih bahasa")
        fake.delay_next("sendMessage", HUNG, count=NETWORK_ATTEMPTS + 1, chat_id=CHAT)
        mark = fake.mark()
        ids = fake.push_together(lambda: [fake.push_text(CHAT, "/bantuan") for _ in range(backlog)])
        wait_until(lambda: fetched_in_one_batch(fake, ids), what="the backlog fetched")
        wait_until(lambda: len(stored(db_url, ids)) > MAX_DELIVERIES, what="turns stored up to the stall")
        bot.kill()
        fake.cancel_delays()

        before_crash = stored(db_url, ids)
        assert len(before_crash) < backlog, "the crash should come while fetched updates wait"
        assert [u["update_id"] for u in fake.pending_updates()] == ids  # none confirmed
        assert texts_to(fake, CHAT, "Bantuan KaderBot", mark) == []  # every reply was stuck

        restarted = fake.mark()
        bot.start()
        wait_until(lambda: not fake.pending_updates(), what="every update confirmed")
        wait_until(
            lambda: len(texts_to(fake, CHAT, "Bantuan KaderBot", restarted)) >= backlog - 1,
            what="the updates answered",
        )
        assert fetched_in_one_batch(fake, ids, restarted)  # all handed out again after the crash
        assert bot.stop(), bot.log()
    finally:
        if bot.process is not None and bot.process.poll() is None:
            bot.kill()

    # Every message handled: the ones stored before the crash once, the rest once after it; every
    # reply sent after the restart but the one in flight at the crash (if its send had begun).
    assert stored(db_url, ids) == set(ids)
    in_doubt = query(db_url, "SELECT message_id FROM turn_reply WHERE status IN ('sending', 'unconfirmed')")
    assert len([row for row in in_doubt if int(row[0]) in ids]) <= 1
    answered = len(texts_to(fake, CHAT, "Bantuan KaderBot", restarted))
    assert answered == backlog - len([row for row in in_doubt if int(row[0]) in ids])
    assert fake.confirmed_unstored == [] and set(ids) <= set(fake.confirmed)


def test_turns_stored_but_unconfirmed_at_sigkill_are_not_answered_again(
    fake: WatchedBotAPI, db_url: str, tmp_path: Path
) -> None:
    """The batch is handled and answered, but the getUpdates that would confirm it does not reach
    Telegram before the crash. After the restart Telegram hands the batch out again: each is
    recognised as handled (its update id is stored), so nobody is answered twice."""
    chats = [CHAT + 1, CHAT + 2, CHAT + 3]
    bot = BotProcess(fake, db_url, tmp_path).start()  # returns as its first long poll arrives
    try:
        mark = fake.mark()
        fake.delay_next("getUpdates", HUNG, count=2)  # the poll after the current one, and its retry
        ids = fake.push_together(lambda: [fake.push_text(chat, "/start") for chat in chats])
        for chat in chats:
            fake.wait_for_text(chat, "Silakan pilih bahasa", after=mark)
        bot.kill()
        fake.cancel_delays()
        assert stored(db_url, ids) == set(ids)
        assert [u["update_id"] for u in fake.pending_updates()] == ids  # none confirmed

        restarted = fake.mark()
        bot.start()
        wait_until(lambda: not fake.pending_updates(), what="the batch confirmed")
        assert fetched_in_one_batch(fake, ids, restarted)
        alive = fake.mark()
        TelegramUser(fake, chats[0]).say("/bantuan", expect="Bantuan KaderBot")  # still answering
        assert bot.stop(), bot.log()
    finally:
        if bot.process is not None and bot.process.poll() is None:
            bot.kill()

    for chat in chats:
        assert len(texts_to(fake, chat, "Silakan pilih bahasa", mark, alive)) == 1
    assert fake.confirmed_unstored == [] and set(ids) <= set(fake.confirmed)
