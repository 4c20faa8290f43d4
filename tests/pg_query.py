"""Plain SQL on the test database, whichever backend it is: for assertions on stored rows and for
tests that poll the database a subprocess writes to.

Tests write SQLite's `?` placeholders; on PostgreSQL they become `$1`, `$2`… (asyncpg). Values come
back as each driver gives them (PostgreSQL: `date`, `datetime`, `bool`; SQLite: text and ints), so
a test that compares stored dates or flags goes through `plain()`."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import make_url

T = TypeVar("T")
Row = tuple[Any, ...]


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def sqlite_path(url: str) -> Path:
    """The file behind an SQLite URL (for the few tests about SQLite's file itself)."""
    parsed = make_url(url)
    assert parsed.get_backend_name() == "sqlite" and parsed.database, url
    return Path(parsed.database)


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy `postgresql+asyncpg://` URL as the plain DSN asyncpg.connect() takes."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def run_sync(work: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to the end from synchronous code, even inside a running event loop (async tests
    call these helpers directly): on its own thread, so no loop of the caller's is touched."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(work())).result()  # type: ignore[arg-type]


def _numbered(sql: str) -> str:
    counter = iter(range(1, 10_000))
    return re.sub(r"\?", lambda _match: f"${next(counter)}", sql)


def query(url: str, sql: str, *params: Any) -> list[Row]:
    if not is_postgres(url):
        with contextlib.closing(sqlite3.connect(sqlite_path(url), timeout=30)) as connection:
            return list(connection.execute(sql, params).fetchall())
    return run_sync(lambda: _pg_fetch(url, sql, params))


def execute(url: str, sql: str, *params: Any) -> None:
    """One statement, committed."""
    if not is_postgres(url):
        with contextlib.closing(sqlite3.connect(sqlite_path(url), timeout=30)) as connection:
            connection.execute(sql, params)
            connection.commit()
        return
    run_sync(lambda: _pg_fetch(url, sql, params))


async def _pg_fetch(url: str, sql: str, params: Sequence[Any]) -> list[Row]:
    import asyncpg

    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return [tuple(record) for record in await connection.fetch(_numbered(sql), *params)]
    finally:
        await connection.close()


def scalar(url: str, sql: str, *params: Any) -> Any:
    rows = query(url, sql, *params)
    return rows[0][0] if rows else None


def table_names(url: str) -> set[str]:
    if is_postgres(url):
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    return {row[0] for row in query(url, sql)}


def plain(value: Any) -> Any:
    """A stored value as SQLite's driver shows it: dates as ISO text, booleans as 0/1, so one expected
    value serves both backends."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def plain_rows(rows: list[Row]) -> list[Row]:
    return [tuple(plain(value) for value in row) for row in rows]


def _away(table: str) -> tuple[str, str]:
    return (f"ALTER TABLE {table} RENAME TO {table}_away", f"ALTER TABLE {table}_away RENAME TO {table}")


@contextlib.contextmanager
def table_missing(url: str, table: str) -> Iterator[None]:
    """The bot's database with `table` gone for a while (renamed away and back): storage failing in a
    way that survives the core's own apology, on SQLite and PostgreSQL alike."""
    away, back = _away(table)
    execute(url, away)
    try:
        yield
    finally:
        execute(url, back)


@contextlib.asynccontextmanager
async def table_missing_meanwhile(url: str, table: str) -> AsyncIterator[None]:
    """`table_missing` for a test whose event loop also runs the bot: the statements go from a thread,
    so the bot (maybe holding a lock the rename waits for) goes on meanwhile."""
    away, back = _away(table)
    await asyncio.to_thread(execute, url, away)
    try:
        yield
    finally:
        await asyncio.to_thread(execute, url, back)
