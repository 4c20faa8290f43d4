"""The audit log: who broadcast what to how many, who verified whom, who exported what, when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person
from storage.models_outbox import AuditLog

CLI = "cli"


async def record(
    session: AsyncSession,
    *,
    actor: Person | None,
    action: str,
    target: str,
    details: Mapping[str, Any] | None = None,
    now: dt.datetime,
) -> AuditLog:
    """One entry, in the same transaction as the action itself. `actor` None: the command line."""
    entry = AuditLog(
        at=now,
        actor_person_id=actor.id if actor is not None else None,
        actor=(actor.full_name or f"person {actor.id}")[:120] if actor is not None else CLI,
        action=action,
        target=target[:120],
        details=dict(details or {}),
    )
    session.add(entry)
    await session.flush()
    return entry


async def recent(session: AsyncSession, *, limit: int = 50, action: str | None = None) -> list[AuditLog]:
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if action is not None:
        query = query.where(AuditLog.action == action)
    return list((await session.execute(query)).scalars())
