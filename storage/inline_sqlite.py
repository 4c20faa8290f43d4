"""SQLite for SQLAlchemy's asyncio engine without a thread hop per call.

aiosqlite runs every cursor operation on a helper thread and wakes the event loop for each result:
about four round trips per statement, which dominates a conversation turn. SQLite itself answers
in microseconds from its page cache, so for the embedded single-process default we call it
directly on the event loop instead, behind the small part of aiosqlite's interface that
SQLAlchemy's `sqlite+aiosqlite` dialect uses (wired through `create_async_engine(async_creator=…)`).

While another *process* holds SQLite's write lock, a statement must wait. SQLite's own busy wait
would block the event loop for all of it (webhooks, /healthz), so each connection waits only a few
milliseconds itself (BUSY_WAIT); then `patiently` lets the loop run (`await asyncio.sleep`) and tries
again, up to the overall limit (the URL's `timeout`, 30 s by default), after which `DatabaseBusy`
is raised. Deployments with several processes use PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

BUSY_WAIT = 0.02  # seconds SQLite's busy handler waits on the event loop before giving it back
FIRST_PAUSE = 0.01  # seconds asleep before trying again; doubled each time up to MAX_PAUSE
MAX_PAUSE = 0.25


class DatabaseBusy(sqlite3.OperationalError):
    """Another process held SQLite's write lock for longer than the overall limit."""


def is_busy(error: BaseException, *, snapshot: bool = False) -> bool:
    """SQLITE_BUSY: the lock is taken; waiting may help. With `snapshot`, also SQLITE_BUSY_SNAPSHOT
    (a read transaction cannot become a write one after another writer committed): only worth
    trying again from the start of the transaction, after a rollback."""
    if isinstance(error, DatabaseBusy) or not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:  # not from SQLite's C layer
        return False
    if code == sqlite3.SQLITE_BUSY_SNAPSHOT:
        return snapshot
    return code & 0xFF == sqlite3.SQLITE_BUSY


def locked_out(error: BaseException) -> bool:
    """Whether `error` is DatabaseBusy: the lock stayed taken past the limit (raised as is, or
    wrapped by SQLAlchemy when it came through the ORM session)."""
    return isinstance(error, DatabaseBusy) or isinstance(getattr(error, "orig", None), DatabaseBusy)


async def patiently(
    call: Callable[[], T],
    *,
    limit: float,
    snapshot: bool = False,
    before_retry: Callable[[], None] | None = None,
) -> T:
    """`call()`, tried again while SQLite says busy, sleeping between tries, for up to `limit`
    seconds in all; then DatabaseBusy. `before_retry` runs before each new try (a rollback)."""
    deadline: float | None = None
    pause = FIRST_PAUSE
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not is_busy(error, snapshot=snapshot):
                raise
            now = time.monotonic()
            if deadline is None:
                deadline = now + max(0.0, limit - BUSY_WAIT)
            if now >= deadline:
                raise DatabaseBusy(f"database is locked (waited {limit:g} s)") from error
            if before_retry is not None:
                before_retry()
            await asyncio.sleep(min(pause, deadline - now))
            pause = min(pause * 2, MAX_PAUSE)


async def commit(connection: sqlite3.Connection, *, limit: float) -> None:
    """Commit `connection`'s transaction, waiting `patiently` while another process holds the lock
    (without a coroutine for the retry loop in the usual case)."""
    try:
        connection.commit()
    except sqlite3.OperationalError as error:
        if not is_busy(error):
            raise
        await patiently(connection.commit, limit=limit)


class InlineCursor:
    __slots__ = ("_cursor", "_limit")

    def __init__(self, cursor: sqlite3.Cursor, limit: float) -> None:
        self._cursor = cursor
        self._limit = limit

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        try:
            self._cursor.execute(sql, parameters)
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            await patiently(lambda: self._cursor.execute(sql, parameters), limit=self._limit)
        return self

    async def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> InlineCursor:
        rows = list(seq)  # an iterator would be used up by the first try
        try:
            self._cursor.executemany(sql, rows)
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            await patiently(lambda: self._cursor.executemany(sql, rows), limit=self._limit)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """The subset of `aiosqlite.Connection` that SQLAlchemy's aiosqlite dialect calls."""

    def __init__(self, connection: sqlite3.Connection, *, limit: float) -> None:
        self._conn: sqlite3.Connection | None = connection
        self.limit = limit  # seconds a statement may wait for another process's write lock in all

    @property
    def _connection(self) -> sqlite3.Connection | None:  # the dialect checks it before commit/rollback
        return self._conn

    @property
    def sqlite(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for storage/turns.py's statements."""
        return self._live()

    def _live(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ValueError("Connection closed")
        return self._conn

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._live().cursor(), self.limit)

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        await commit(self._live(), limit=self.limit)

    async def rollback(self) -> None:
        self._live().rollback()

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def create_function(self, name: str, num_params: int, func: Callable[..., Any], **kw: Any) -> None:
        self._live().create_function(name, num_params, func, **kw)

    @property
    def isolation_level(self) -> str | None:
        return self._live().isolation_level

    @isolation_level.setter
    def isolation_level(self, value: str | None) -> None:
        self._live().isolation_level = value


def creator(path: str, *, timeout: float) -> Callable[[], Any]:
    """Connections that wait for another process's write lock up to `timeout` seconds in all,
    without holding up the event loop for more than BUSY_WAIT at a time."""

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(path, timeout=min(timeout, BUSY_WAIT), check_same_thread=False)
        return InlineConnection(connection, limit=timeout)

    return connect
