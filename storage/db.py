"""Database engine and session factory, built from a URL and passed in explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage import inline_sqlite, json_codec
from storage.turns import InlineSqliteTurns, PooledTurns, Turns

DEFAULT_BUSY_LIMIT = 30.0  # seconds an SQLite statement waits for another process's write lock in all


@dataclass(frozen=True)
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    turns: Turns  # conversation turns' transactions (storage/turns.py)

    async def dispose(self) -> None:
        await self.turns.close()
        await self.engine.dispose()


def ensure_sqlite_dir(url: str) -> None:
    """An SQLite URL may point into ./data/ on a fresh clone; create the folder first."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def open_database(url: str, *, echo: bool = False) -> Database:
    ensure_sqlite_dir(url)
    parsed = make_url(url)
    # JSON columns (every turn's state) through orjson (storage/json_codec.py).
    kwargs: dict[str, object] = {
        "echo": echo,
        "json_serializer": json_codec.dumps,
        "json_deserializer": json_codec.loads,
    }
    inline = parsed.get_backend_name() == "sqlite" and bool(parsed.database) and parsed.database != ":memory:"
    if inline:
        # Wait up to 30 s (or the URL's `?timeout=`) for a competing writer, another process, instead
        # of failing at once; without blocking the event loop meanwhile (storage/inline_sqlite.py).
        timeout = float(str(parsed.query.get("timeout", DEFAULT_BUSY_LIMIT)))
        kwargs["async_creator"] = inline_sqlite.creator(str(parsed.database), timeout=timeout)
    elif parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _tune_sqlite(engine)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    turns: Turns = InlineSqliteTurns(engine, sessions) if inline else PooledTurns(sessions)
    return Database(engine, sessions, turns)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        # WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
