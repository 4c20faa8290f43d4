"""Another process holds SQLite's write lock: `kaderbot run` keeps serving, and a turn waits for the
lock without holding up the event loop, then is stored (not apologised for); a lock held past the
overall limit leaves the message not stored, for the platform to deliver again (503 / 500).

Before: SQLite's own busy wait ran on the event loop, so /healthz answered only once the lock was
gone (after 9.5 s of a 10 s lock), and a WhatsApp message that hit `database is locked` after 30 s
was used up with an apology.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.app import build
from bot.scheduler import JOB_DISPATCH, start_scheduler
from bot.settings import load_settings
from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.telegram_support import BotProcess, query
from tests.test_scheduler_lock import CONFIG
from tests.whatsapp_process import TOKEN, HangingGraphAPI, WhatsAppProcess

CHAT = 5_559_001
SECRET = "sqlite-lock-s3cret"
WELCOME = "Silakan pilih bahasa"
HELD = 10.0  # seconds another process holds the write lock
SHORT_LIMIT = 2  # seconds a statement may wait for the lock in all (DATABASE_URL ?timeout=)
RESPONSIVE = 1.0  # seconds /healthz may take while the lock is held (a generous functional bound)


@pytest.fixture
def sqlite_url(db_url: str) -> str:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock: PostgreSQL has row locks instead")
    return db_url


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


@contextmanager
def write_lock(db_url: str) -> Iterator[None]:
    """Another process's writer: BEGIN IMMEDIATE takes SQLite's write lock until the rollback."""
    connection = sqlite3.connect(str(make_url(db_url).database), isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def webhook_bot(fake: FakeBotAPI, db_url: str, tmp_path: Path) -> BotProcess:
    bot = BotProcess(fake, db_url, tmp_path)
    bot.extra_env.update(
        TELEGRAM_WEBHOOK_URL=f"{bot.base_url}/telegram/webhook", TELEGRAM_WEBHOOK_SECRET=SECRET
    )
    return bot


def welcomes(fake: FakeBotAPI, chat: int) -> list[str]:
    return [call.text or "" for call in fake.calls("sendMessage", chat) if call.ok]


def test_a_turn_waits_for_another_process_s_lock_while_healthz_is_served(
    fake: FakeBotAPI, sqlite_url: str, tmp_path: Path
) -> None:
    bot = webhook_bot(fake, sqlite_url, tmp_path).start()
    try:
        update_id = fake.push_text(CHAT, "/start")
        health: list[int] = []
        with ThreadPoolExecutor(1) as pool, write_lock(sqlite_url):
            held_at = time.monotonic()
            posted = pool.submit(fake.post_to_webhook, update_id, http_timeout=60)
            while time.monotonic() - held_at < HELD:
                health.append(httpx.get(f"{bot.base_url}/healthz", timeout=RESPONSIVE).status_code)
                time.sleep(0.25)
            assert not posted.done()  # the turn is still waiting for the lock: not failed, not answered
            assert welcomes(fake, CHAT) == []
        assert posted.result() == 200  # stored once the lock was released
        fake.wait_for_text(CHAT, WELCOME)
        assert bot.stop(), bot.log()
    finally:
        if bot.process is not None and bot.process.poll() is None:
            bot.kill()

    assert len(health) >= HELD / (RESPONSIVE + 0.25) and set(health) <= {200}
    (welcome,) = welcomes(fake, CHAT)  # answered once, and with the welcome, not an apology
    assert WELCOME in welcome
    assert "flow error" not in bot.log() and "turn not stored" not in bot.log()
    assert query(sqlite_url, "SELECT message_id FROM inbound_message WHERE channel='telegram'") == [
        (str(update_id),)
    ]


def test_a_lock_held_past_the_limit_leaves_the_update_for_telegram_to_send_again(
    fake: FakeBotAPI, sqlite_url: str, tmp_path: Path
) -> None:
    bot = webhook_bot(fake, f"{sqlite_url}?timeout={SHORT_LIMIT}", tmp_path).start()
    try:
        update_id = fake.push_text(CHAT, "/start")
        with write_lock(sqlite_url):
            assert fake.post_to_webhook(update_id, http_timeout=30) == 503  # not stored
            assert welcomes(fake, CHAT) == []  # no apology either: the update is not used up
        assert fake.post_to_webhook(update_id) == 200  # Telegram's next delivery is handled
        assert bot.stop(), bot.log()
    finally:
        if bot.process is not None and bot.process.poll() is None:
            bot.kill()

    (welcome,) = welcomes(fake, CHAT)
    assert WELCOME in welcome
    assert "database stayed locked" in bot.log() and "flow error" not in bot.log()


def test_a_whatsapp_message_locked_out_past_the_limit_is_refused_then_handled(
    sqlite_url: str, tmp_path: Path
) -> None:
    number = "6281300099999"
    body = wh.text_message(number, "Halo", wamid="wamid.locked-out")
    with HangingGraphAPI(token=TOKEN) as graph:
        bot = WhatsAppProcess(graph, f"{sqlite_url}?timeout={SHORT_LIMIT}", tmp_path).start()
        try:
            with write_lock(sqlite_url):
                assert bot.post(body) == 500  # not stored: Meta delivers the body again
                assert graph.sent_messages(to=number) == []  # and no apology used it up
            assert bot.post(body) == 200
            assert bot.stop(), bot.log()
        finally:
            if bot.process is not None and bot.process.poll() is None:
                bot.kill()
        sent = graph.sent_messages(to=number)
    assert len(sent) == 1 and sent[0]["interactive"]["action"]["buttons"][0]["reply"]["title"] == (
        "Bahasa Indonesia"
    )
    assert "database stayed locked" in bot.log()


async def test_a_reminder_job_waiting_for_the_lock_when_the_process_stops_logs_no_failure(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The shutdown cancels a scheduler job still waiting for another process's write lock. APScheduler
    logged that as a failed job with a traceback (a clean-clone CI run of the webhook test above, whose
    lock window met the minute's dispatch): a stop is no failure, and the next start runs the job."""
    kaderbot = build(load_settings(database_url=sqlite_url), strict_messages=True)
    handle = await start_scheduler(kaderbot, config=CONFIG, holder="cut-short")
    assert handle.leader
    with write_lock(sqlite_url):
        handle.scheduler.modify_job(JOB_DISPATCH, next_run_time=dt.datetime.now(dt.UTC))
        job = None
        for _ in range(500):  # until the job has started and waits for the lock (no timing asserted)
            running = [t for t in asyncio.all_tasks() if "run_coroutine_job" in repr(t.get_coro())]
            if running and handle._busy.locked():
                job = running[0]
                break
            await asyncio.sleep(0.01)
        assert job is not None
        job.cancel()  # what the process's shutdown does to the tasks still running
        await asyncio.gather(job, return_exceptions=True)
    await handle.stop()
    await kaderbot.close()
    failures = [r for r in caplog.records if r.levelno >= 40 and "raised an exception" in r.getMessage()]
    assert failures == [], [r.getMessage() for r in failures]
