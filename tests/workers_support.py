"""Several `kaderbot run` workers over one PostgreSQL database, for tests/test_workers_postgres.py.

A database of its own per module on the server `KADERBOT_TEST_POSTGRES_URL` names, or else on a
throw-away server (tests/postgres.py); two workers in Telegram webhook mode against one fake Bot
API, each on its own web port; what the fake received, grouped by chat; the scheduler lease."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from storage.migrate import upgrade
from tests.fakes.bot_api import Call, FakeBotAPI
from tests.pg_query import asyncpg_dsn, query
from tests.postgres import ENV_URL, PostgresUnavailable, start_server
from tests.run_suites import SKIP_POSTGRES
from tests.telegram_support import BotProcess

SECRET = "kader-workers-s3cret_2026"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A short lease so a takeover happens within seconds (production: SCHEDULER_LEASE_TTL, 40 s).
LEASE_TTL = 2.0
RENEW_EVERY = 0.4


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database: the one the environment names, or a
    fresh server for as long as the block runs. Skips when neither is available, or when
    KADERBOT_SKIP_POSTGRES=1 asks for SQLite alone."""
    given = os.environ.get(ENV_URL)
    if given:
        yield given
        return
    if os.environ.get(SKIP_POSTGRES) == "1":
        pytest.skip(f"workers need PostgreSQL; {SKIP_POSTGRES}=1 skips it")
    try:
        server = start_server()
    except PostgresUnavailable as reason:
        pytest.skip(f"PostgreSQL is not available ({ENV_URL} unset and none could be started): {reason}")
    try:
        yield server.url
    finally:
        server.stop()


async def _admin(server_url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def migrated_database(server_url: str) -> Iterator[str]:
    """A new, migrated, empty database on the server; dropped afterwards."""
    name = f"kaderbot_workers_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Workers:
    """Two (or more) `kaderbot run` processes serving one bot from one database."""

    fake: FakeBotAPI
    db_url: str
    processes: list[BotProcess]

    def url(self, index: int) -> str:
        return f"{self.processes[index].base_url}/telegram/webhook"

    def by_pid(self, pid: int) -> BotProcess | None:
        found = [p for p in self.processes if p.process is not None and p.process.pid == pid]
        return found[0] if found else None

    def logs(self) -> str:
        return "\n".join(f"--- worker {i} ---\n{p.log()}" for i, p in enumerate(self.processes))

    def revive(self) -> None:
        """Start again any worker a test killed, so the next test finds them all serving."""
        dead = [p for p in self.processes if p.process is None or p.process.poll() is not None]
        with ThreadPoolExecutor(max_workers=max(1, len(dead))) as pool:
            for started in [pool.submit(p.start) for p in dead]:
                started.result()

    def stop(self) -> None:
        for process in self.processes:
            with contextlib.suppress(Exception):
                process.stop()


def worker(fake: FakeBotAPI, db_url: str, workdir: Path) -> BotProcess:
    process = BotProcess(fake, db_url, workdir)
    process.extra_env.update(
        TELEGRAM_WEBHOOK_URL=f"{process.base_url}/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_RATE_LIMIT="0",  # the fake has no limits; the test is about correctness
        OUTBOX_TELEGRAM_RATE="0",
        OUTBOX_SLOTS="16",
        OUTBOX_IDLE_POLL="0.1",
        OUTBOX_PROGRESS_EVERY="0.5",
        SCHEDULER_LEASE_TTL=str(LEASE_TTL),
        SCHEDULER_RENEW_EVERY=str(RENEW_EVERY),
    )
    return process


@contextlib.contextmanager
def running_workers(fake: FakeBotAPI, db_url: str, workdir: Path, count: int = 2) -> Iterator[Workers]:
    """Start `count` workers at once (each waits until it serves its webhook) and stop them after."""
    workers = Workers(fake, db_url, [])
    for index in range(count):
        folder = workdir / f"worker-{index}"
        folder.mkdir(exist_ok=True)
        workers.processes.append(worker(fake, db_url, folder))
    try:
        workers.revive()
        yield workers
    finally:
        workers.stop()


def sent_by_chat(fake: FakeBotAPI, chats: set[int]) -> dict[int, list[Call]]:
    """Successful sendMessage calls to each of `chats`, in arrival order."""
    found: dict[int, list[Call]] = {chat: [] for chat in chats}
    for call in fake.calls("sendMessage"):
        chat = int(call.chat_id)
        if call.ok and chat in found:
            found[chat].append(call)
    return found


def button_data(call: Call) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
    return [str(button.get("callback_data", "")) for row in rows for button in row]


def lease_holder(db_url: str) -> tuple[str, object, object] | None:
    """(holder, acquired_at, expires_at) of the reminders lease; the holder is host:pid:nonce."""
    rows = query(
        db_url, "SELECT holder, acquired_at, expires_at FROM scheduler_lock WHERE name = ?", "reminders"
    )
    return (str(rows[0][0]), rows[0][1], rows[0][2]) if rows else None


def holder_pid(holder: str) -> int:
    return int(holder.split(":")[-2])
