"""Shared test fixtures: a migrated database per test, the core with strict catalogues, a chat driver.

The database is SQLite unless `KADERBOT_TEST_POSTGRES_URL` names a PostgreSQL server (as
`python -m tests.postgres -- pytest` and `make test` do); then each test gets its own PostgreSQL
database, and every test that uses `db_url` runs there unchanged."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.app import KaderBot, build
from bot.settings import load_settings
from storage.migrate import upgrade
from storage.seed import seed_demo
from tests.chat import Chat, Clock
from tests.pg_databases import PostgresDatabases
from tests.pg_query import sqlite_path
from tests.postgres import ENV_URL

WITA = dt.timezone(dt.timedelta(hours=8))


def pytest_report_header(config: pytest.Config) -> str:
    server_url = os.environ.get(ENV_URL)
    if not server_url:
        return f"database backend: sqlite (set {ENV_URL} or run `make test` for PostgreSQL too)"
    server = make_url(server_url)
    version = PostgresDatabases(server_url).server_version()
    return f"database backend: postgresql {version} at {server.host}:{server.port}"


@pytest.fixture(scope="session")
def postgres() -> PostgresDatabases | None:
    """The PostgreSQL server the suite runs on, or None for SQLite."""
    server_url = os.environ.get(ENV_URL)
    return PostgresDatabases(server_url) if server_url else None


@pytest.fixture(scope="session")
def template_db(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresDatabases | None
) -> Iterator[str]:
    """The URL of one migrated, demo-seeded database; each test gets a copy (migrating per test is slow)."""
    import asyncio

    from storage.db import open_database

    if postgres is None:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('template') / 'kaderbot.sqlite3'}"
    else:
        url = postgres.create(postgres.template)
    upgrade(url)

    async def _seed() -> None:
        db = open_database(url)
        await seed_demo(db, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        await db.dispose()  # PostgreSQL copies a template only while nobody is connected to it

    asyncio.run(_seed())
    yield url
    if postgres is not None:
        postgres.close()
        postgres.drop(postgres.template)


@pytest.fixture
def db_url(template_db: str, tmp_path: Path, postgres: PostgresDatabases | None) -> Iterator[str]:
    if postgres is None:
        target = tmp_path / "kaderbot.sqlite3"
        shutil.copy(sqlite_path(template_db), target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name, url = postgres.clone()
    yield url
    postgres.drop_later(name)


@pytest.fixture
def empty_db_url(tmp_path: Path, postgres: PostgresDatabases | None) -> Iterator[str]:
    """A database with no tables yet, for `kaderbot db upgrade` from scratch. The SQLite file's folder
    does not exist yet either (as on a fresh clone)."""
    if postgres is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh' / 'kaderbot.sqlite3'}"
        return
    name, url = postgres.fresh(from_template=False)
    yield url
    postgres.drop(name)


@pytest.fixture(autouse=True)
def _media_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Received photos and documents go to the test's own folder, also in `kaderbot` subprocesses
    (a test that wants another store sets MEDIA_* itself)."""
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "media"))


@pytest.fixture
def clock() -> Clock:
    # Friday 20 November 2026, 10:00 WITA.
    return Clock(dt.datetime(2026, 11, 20, 10, 0, tzinfo=WITA).astimezone(dt.UTC))


@pytest.fixture
async def kaderbot(db_url: str, clock: Clock) -> AsyncIterator[KaderBot]:
    settings = load_settings(database_url=db_url)
    bot = build(settings, clock=clock, strict_messages=True)
    yield bot
    await bot.close()


@pytest.fixture
def chat(kaderbot: KaderBot) -> Chat:
    return Chat(kaderbot.core, "budi")
