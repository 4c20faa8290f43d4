"""A lease in the database so that only one process schedules reminders.

Acquiring is one conditional UPDATE (ours already, or expired) and, when there is no row yet, an
INSERT that the primary key lets only one process win. Both are atomic on SQLite and PostgreSQL:
on PostgreSQL a competing UPDATE waits for the first to commit and then re-checks its WHERE clause.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import case, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_scheduling import SchedulerLock


async def acquire(
    session: AsyncSession, name: str, holder: str, *, now: dt.datetime, ttl: dt.timedelta
) -> bool:
    """Take or renew the lease for `ttl`. False while another holder's lease is still valid."""
    if await _renew(session, name, holder, now=now, ttl=ttl):
        return True
    try:
        async with session.begin_nested():
            session.add(SchedulerLock(name=name, holder=holder, acquired_at=now, expires_at=now + ttl))
    except IntegrityError:
        # Someone inserted the row meanwhile — maybe this very holder's other job (the lease job and
        # a work job renewing at once, before any row existed): renew once more against it.
        return await _renew(session, name, holder, now=now, ttl=ttl)
    return True


async def _renew(
    session: AsyncSession, name: str, holder: str, *, now: dt.datetime, ttl: dt.timedelta
) -> bool:
    result = await session.execute(
        update(SchedulerLock)
        .where(
            SchedulerLock.name == name,
            or_(SchedulerLock.holder == holder, SchedulerLock.expires_at <= now),
        )
        .values(
            holder=holder,
            expires_at=now + ttl,
            acquired_at=case((SchedulerLock.holder == holder, SchedulerLock.acquired_at), else_=now),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def release(session: AsyncSession, name: str, holder: str, *, now: dt.datetime) -> None:
    """Let the lease go at once (a clean shutdown), so a standby can take over without waiting."""
    await session.execute(
        update(SchedulerLock)
        .where(SchedulerLock.name == name, SchedulerLock.holder == holder)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


async def current(session: AsyncSession, name: str) -> SchedulerLock | None:
    return await session.get(SchedulerLock, name, populate_existing=True)
