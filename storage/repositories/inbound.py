"""Processed inbound message ids: a redelivered message is handled once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, bindparam, delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboundMessage

# A plain table-level statement, built once: the ORM-enabled form costs more than the insert itself.
_RECORD = insert(InboundMessage.__table__).values(
    channel=bindparam("channel"), message_id=bindparam("message_id"), received_at=bindparam("now")
)


async def record(session: AsyncSession, channel: str, message_id: str, now: dt.datetime) -> None:
    """Insert the id; raises IntegrityError when it was already handled."""
    await session.execute(_RECORD, {"channel": channel, "message_id": message_id, "now": now})


def record_now(connection: Connection, channel: str, message_id: str, now: dt.datetime) -> None:
    """`record` for code already inside `AsyncSession.run_sync` (the core's turn)."""
    connection.execute(_RECORD, {"channel": channel, "message_id": message_id, "now": now})


async def purge_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    result = await session.execute(delete(InboundMessage).where(InboundMessage.received_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
