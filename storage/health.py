"""`/healthz`'s write probe: a heartbeat row committed, so a database that reads but cannot write
(a full disk, a read-only file or a PostgreSQL standby after a fail-over) shows as down.

The heartbeat is a row of the lease table (`scheduler_lock`, name `healthz`), which nothing else
reads. A probe never holds up the event loop for long: SQLite is written from a helper thread with a
short busy timeout, PostgreSQL under a time limit. A database that is only busy (another writer holds
SQLite's lock) is not a failing one: the probe then says "not known" (None).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import create_engine, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from storage.db import Database
from storage.models_scheduling import SchedulerLock

HEARTBEAT = "healthz"
SQLITE_BUSY_WAIT = 0.25  # seconds SQLite waits for another writer's lock before "busy"
PROBE_TIMEOUT = 2.0  # seconds, at most, for a PostgreSQL probe
_sync_engines: dict[str, Engine] = {}


async def write_probe(db: Database, *, now: dt.datetime) -> bool | None:
    """True: a write committed. False: the database refused or failed it. None: busy, not known."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None  # nothing on disk to fail; the engine's own checks cover it
        return await asyncio.to_thread(_sqlite_probe, url.render_as_string(hide_password=False), now)
    try:
        async with asyncio.timeout(PROBE_TIMEOUT), db.sessions() as session, session.begin():
            result = await session.execute(_beat(now))
            if int(result.rowcount or 0) == 0:  # type: ignore[attr-defined]
                try:
                    async with session.begin_nested():
                        session.add(_row(now))
                except IntegrityError as exc:
                    if not _raced(exc):
                        raise
    except TimeoutError:
        return False
    except (SQLAlchemyError, OSError):
        return False
    return True


def _raced(error: IntegrityError) -> bool:
    """Another probe inserted the heartbeat row at the same moment: the database writes."""
    message = str(error.orig).casefold()
    return "unique" in message or "duplicate" in message


def _row(now: dt.datetime) -> SchedulerLock:
    return SchedulerLock(name=HEARTBEAT, holder=HEARTBEAT, acquired_at=now, expires_at=now)


def _beat(now: dt.datetime):  # type: ignore[no-untyped-def]
    return (
        update(SchedulerLock)
        .where(SchedulerLock.name == HEARTBEAT)
        .values(holder=HEARTBEAT, acquired_at=now, expires_at=now)
        .execution_options(synchronize_session=False)
    )


def _sqlite_probe(url: str, now: dt.datetime) -> bool | None:
    engine = _sync_engines.get(url)
    if engine is None:
        sync_url = make_url(url).set(drivername="sqlite")
        engine = create_engine(sync_url, connect_args={"timeout": SQLITE_BUSY_WAIT}, poolclass=NullPool)
        _sync_engines[url] = engine
    try:
        with Session(engine) as session, session.begin():
            if int(session.execute(_beat(now)).rowcount or 0) == 0:  # type: ignore[attr-defined]
                try:
                    with session.begin_nested():
                        session.add(_row(now))
                except IntegrityError as exc:
                    if not _raced(exc):
                        raise
    except OperationalError as exc:
        message = str(exc.orig).casefold()
        if "locked" in message or "busy" in message:
            return None
        return False
    except SQLAlchemyError:
        return False
    return True
