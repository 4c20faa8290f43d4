"""Webhook mode end to end: Telegram (the fake) POSTs updates to `kaderbot run`'s web server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests import pg_query
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.telegram_support import (
    BotProcess,
    TelegramUser,
    finish_report,
    onboard_and_register,
    query,
    report_answers,
    running_bot,
    start_report,
)

CHAT = 5_552_001
SECRET = "kader-webhook-s3cret_2026"


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


@pytest.fixture
def webhook_bot(fake: FakeBotAPI, db_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    with running_bot(fake, db_url, tmp_path, webhook_secret=SECRET) as bot:
        yield bot


def _posting(fake: FakeBotAPI) -> Callable[[int], None]:
    def deliver(update_id: int) -> None:
        assert fake.post_to_webhook(update_id) == 200

    return deliver


def test_webhook_registered_with_secret_and_health_reports_the_database(
    fake: FakeBotAPI, webhook_bot: BotProcess
) -> None:
    hook = fake.webhook
    assert hook is not None and hook.url.endswith("/telegram/webhook") and hook.secret_token == SECRET
    assert set(hook.allowed_updates or []) == {"message", "callback_query"}
    health = httpx.get(f"{webhook_bot.base_url}/healthz", timeout=5)
    assert health.status_code == 200
    assert health.json() == {"ok": True, "database": True, "telegram": True}
    assert fake.calls("getUpdates") == []  # webhook mode never polls


def test_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
    fake: FakeBotAPI, webhook_bot: BotProcess, db_url: str
) -> None:
    stored_before = query(db_url, "SELECT count(*) FROM inbound_message")
    update_id = fake.push_text(CHAT, "/start")
    assert fake.post_to_webhook(update_id, secret_token=None) == 401
    assert fake.post_to_webhook(update_id, secret_token="kader-webhook-s3cret_2025") == 401
    assert fake.post_to_webhook(update_id, secret_token=SECRET + "x") == 401
    assert query(db_url, "SELECT count(*) FROM inbound_message") == stored_before
    assert query(db_url, "SELECT count(*) FROM channel_identity WHERE channel='telegram'") == [(0,)]
    assert fake.calls("sendMessage") == []
    assert [u["update_id"] for u in fake.pending_updates()] == [update_id]  # Telegram would retry

    # The right secret: handled, and a redelivery of the same update is handled once.
    assert fake.post_to_webhook(update_id) == 200
    assert fake.post_to_webhook(fake.update(update_id)) == 200
    assert fake.post_to_webhook(fake.update(update_id)) == 200
    assert [c.text for c in fake.calls("sendMessage", CHAT)] == [fake.sent_texts(CHAT)[0]]
    assert "Silakan pilih bahasa" in fake.sent_texts(CHAT)[0]
    sql = "SELECT count(*) FROM inbound_message WHERE channel='telegram' AND message_id=?"
    assert query(db_url, sql, str(update_id)) == [(1,)]


def test_a_cadre_registers_and_reports_over_the_webhook(
    fake: FakeBotAPI, webhook_bot: BotProcess, db_url: str
) -> None:
    user = TelegramUser(fake, CHAT, deliver=_posting(fake))
    onboard_and_register(user)
    start_report(user)
    report_answers(user)
    finish_report(user)

    rows = query(db_url, "SELECT s, k, d, n, notes, photos FROM monthly_report")
    assert len(rows) == 1 and rows[0][:5] == (40, 35, 32, 28, "Penimbangan lancar")
    assert len(json.loads(rows[0][5])) == 1
    assert fake.pending_updates() == []  # every update was acknowledged with 200


def test_a_garbled_body_with_the_right_secret_is_a_bad_request(
    fake: FakeBotAPI, webhook_bot: BotProcess
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    url = f"{webhook_bot.base_url}/telegram/webhook"
    assert httpx.post(url, content=b"{not json", headers=headers, timeout=5).status_code == 400
    assert httpx.post(url, content=b"[1, 2]", headers=headers, timeout=5).status_code == 400
    assert fake.calls("sendMessage") == []


def test_a_redelivery_after_a_restart_is_still_handled_once(
    fake: FakeBotAPI, webhook_bot: BotProcess
) -> None:
    update_id = fake.push_text(CHAT, "/start")
    assert fake.post_to_webhook(update_id) == 200
    assert webhook_bot.stop(), webhook_bot.log()
    webhook_bot.start()  # a new process: nothing about the update is left in memory
    assert fake.post_to_webhook(fake.update(update_id)) == 200
    assert len(fake.calls("sendMessage", CHAT)) == 1


def test_a_turn_the_database_could_not_store_is_asked_for_again(
    fake: FakeBotAPI, webhook_bot: BotProcess, db_url: str
) -> None:
    """Not even the apology could be stored: 503, no reply, and Telegram's next delivery is handled."""
    update_id = fake.push_text(CHAT, "/start")
    with pg_query.table_missing(db_url, "inbound_message"):
        assert fake.post_to_webhook(update_id) == 503
        assert fake.calls("sendMessage") == []
    assert fake.post_to_webhook(fake.update(update_id)) == 200
    assert "Silakan pilih bahasa" in fake.sent_texts(CHAT)[0]
    assert len(fake.calls("sendMessage", CHAT)) == 1
    assert "turn not stored" in webhook_bot.log()
