"""The web server's own checks (issue 14, point 8): /healthz notices a database that reads but cannot
write, /metrics wants METRICS_TOKEN when it is set, and a WhatsApp message older than the inbound-id
retention is not handled (a signed body captured long ago cannot be replayed once its id is purged).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Sequence

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

import bot.web
from bot.app import KaderBot, build
from bot.channels.base import PlatformChannel
from bot.settings import load_settings
from bot.web import create_web_app
from storage.models import InboundMessage
from tests.chat import Clock
from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.graph_api import FakeGraphAPI
from tests.outbox_support import MemoryChannel
from tests.test_whatsapp_server import SARI, Served, app_fixture, fake_fixture, graph_api_fixture  # noqa: F401

METRICS_TOKEN = "scrape-me-2026"
SWITCH = {True: "on", False: "off"}


async def get(
    kaderbot: KaderBot,
    path: str,
    channels: Sequence[PlatformChannel] = (),
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_web_app(kaderbot, channels))
    async with httpx.AsyncClient(transport=transport, base_url="http://kaderbot") as http:
        return await http.get(path, headers=headers)


async def refuse_writes(kaderbot: KaderBot, *, refuse: bool) -> None:
    """Make the database read but not write: PostgreSQL read-only (as a standby after a fail-over),
    SQLite failing every write with its full-disk error."""
    url = kaderbot.db.engine.url
    if url.get_backend_name() == "postgresql":
        async with kaderbot.db.engine.connect() as connection:
            await connection.execute(text("SET TRANSACTION READ WRITE"))  # to switch it back, too
            await connection.execute(
                text(f"ALTER DATABASE {url.database} SET default_transaction_read_only = {SWITCH[refuse]}")
            )
            await connection.commit()
        await kaderbot.db.engine.dispose()  # new connections take the setting
        return
    with sqlite3.connect(make_url(url.render_as_string(hide_password=False)).database or "") as connection:
        if refuse:
            for action in ("INSERT", "UPDATE", "DELETE"):
                connection.execute(
                    f"CREATE TRIGGER disk_full_{action.lower()} BEFORE {action} ON scheduler_lock "
                    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
                )
        else:
            for action in ("insert", "update", "delete"):
                connection.execute(f"DROP TRIGGER disk_full_{action}")


async def test_healthz_reports_a_database_that_reads_but_cannot_write(
    kaderbot: KaderBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.web, "PROBE_EVERY", 0.0)  # probe at every request
    channels = [MemoryChannel(name="telegram")]
    assert (await get(kaderbot, "/healthz", channels)).json() == {
        "ok": True,
        "database": True,
        "telegram": True,
    }
    await refuse_writes(kaderbot, refuse=True)
    try:
        down = await get(kaderbot, "/healthz", channels)
        assert down.status_code == 503
        assert down.json() == {"ok": False, "database": False, "telegram": True}
    finally:
        await refuse_writes(kaderbot, refuse=False)
    back = await get(kaderbot, "/healthz", channels)
    assert back.status_code == 200 and back.json()["database"] is True


async def test_healthz_answers_while_another_writer_holds_sqlites_lock(
    kaderbot: KaderBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = kaderbot.db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's write lock")
    monkeypatch.setattr(bot.web, "PROBE_EVERY", 0.0)
    holder = sqlite3.connect(url.database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, mid-transaction
    try:
        busy = await get(kaderbot, "/healthz")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Busy is not broken: the probe could not tell, so the last answer (healthy) stands.
    assert busy.status_code == 200 and busy.json() == {"ok": True, "database": True}


async def test_metrics_needs_the_bearer_token_when_one_is_set(db_url: str, clock: Clock) -> None:
    kaderbot = build(load_settings(database_url=db_url, metrics_token=METRICS_TOKEN), clock=clock)
    try:
        missing = await get(kaderbot, "/metrics")
        wrong = await get(kaderbot, "/metrics", headers={"Authorization": "Bearer scrape-me-2025"})
        basic = await get(kaderbot, "/metrics", headers={"Authorization": f"Basic {METRICS_TOKEN}"})
        right = await get(kaderbot, "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        health = await get(kaderbot, "/healthz")
    finally:
        await kaderbot.close()
    for refused in (missing, wrong, basic):
        assert refused.status_code == 401 and "kaderbot_" not in refused.text
        assert refused.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200 and "kaderbot_updates" in right.text
    assert health.status_code == 200  # only /metrics is guarded


async def test_metrics_stay_open_without_a_token(kaderbot: KaderBot) -> None:
    assert kaderbot.settings.metrics_token is None
    assert (await get(kaderbot, "/metrics")).status_code == 200


async def inbound_count(app: Served) -> int:
    async with app.kaderbot.db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(InboundMessage))).scalar_one())


async def test_a_whatsapp_message_older_than_the_retention_is_not_handled(
    app: Served, fake: FakeGraphAPI, caplog: pytest.LogCaptureFixture
) -> None:
    days = app.kaderbot.settings.retention_inbound_days
    now = app.clock.now
    replayed = wh.text_message(
        SARI, "halo", timestamp=int((now - dt.timedelta(days=days, hours=1)).timestamp())
    )
    stored_before = await inbound_count(app)
    with caplog.at_level(logging.WARNING, logger="kaderbot.whatsapp"):
        response = await app.post(replayed)
    assert response.status_code == 200  # Meta must not deliver it again
    assert fake.sent_messages(to=SARI) == []
    assert await inbound_count(app) == stored_before
    assert any("before the retention window" in r.getMessage() for r in caplog.records)
    ancient = wh.text_message(SARI, "halo", timestamp=631152000)  # 1990
    assert (await app.post(ancient)).status_code == 200
    assert fake.sent_messages(to=SARI) == []

    recent = wh.text_message(SARI, "halo", timestamp=int((now - dt.timedelta(days=days - 1)).timestamp()))
    assert (await app.post(recent)).status_code == 200
    assert fake.sent_messages(to=SARI)  # within the retention: answered
    assert await inbound_count(app) == stored_before + 1
