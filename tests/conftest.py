"""Shared test fixtures: a migrated database per test, the core with strict catalogues, a chat driver."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import KaderBot, build
from bot.settings import load_settings
from storage.migrate import upgrade
from storage.seed import seed_demo
from tests.chat import Chat, Clock

WITA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated, demo-seeded SQLite file; each test gets a copy (migrating per test is slow)."""
    import asyncio

    from storage.db import open_database

    path = tmp_path_factory.mktemp("template") / "kaderbot.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)

    async def _seed() -> None:
        db = open_database(url)
        await seed_demo(db, now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        await db.dispose()

    asyncio.run(_seed())
    return path


@pytest.fixture
def db_url(template_db: Path, tmp_path: Path) -> str:
    target = tmp_path / "kaderbot.sqlite3"
    shutil.copy(template_db, target)
    return f"sqlite+aiosqlite:///{target}"


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
