"""Notification rows: written with the change that causes them, drained later by the notifier."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Person
from storage.models_notifications import Notification

ERROR_CHARS = 240


async def add(
    session: AsyncSession,
    person_ids: Iterable[int],
    *,
    kind: str,
    key: str,
    params: Mapping[str, Any],
    now: dt.datetime,
) -> list[Notification]:
    """One pending row per recipient (duplicates in `person_ids` are ignored)."""
    rows = [
        Notification(
            person_id=person_id,
            kind=kind,
            message_key=key,
            params=dict(params),
            status="pending",
            attempts=0,
            created_at=now,
        )
        for person_id in dict.fromkeys(person_ids)
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def pending(
    session: AsyncSession, *, channels: Sequence[str], limit: int = 50, max_attempts: int = 5
) -> list[tuple[Notification, Person]]:
    """Oldest pending rows whose recipient can be reached on one of `channels` now."""
    reachable = exists().where(
        ChannelIdentity.person_id == Notification.person_id,
        ChannelIdentity.channel.in_(list(channels)),
        ChannelIdentity.unreachable_at.is_(None),
    )
    result = await session.execute(
        select(Notification, Person)
        .join(Person, Person.id == Notification.person_id)
        .where(Notification.status == "pending", Notification.attempts < max_attempts, reachable)
        .order_by(Notification.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in result.all()]


async def pending_for(session: AsyncSession, person_id: int) -> list[Notification]:
    result = await session.execute(
        select(Notification)
        .where(Notification.person_id == person_id, Notification.status == "pending")
        .order_by(Notification.id)
    )
    return list(result.scalars())


async def identities(session: AsyncSession, person_id: int, channels: Sequence[str]) -> list[ChannelIdentity]:
    """The person's reachable identities on `channels`, the one they last wrote on first."""
    result = await session.execute(
        select(ChannelIdentity)
        .where(
            ChannelIdentity.person_id == person_id,
            ChannelIdentity.channel.in_(list(channels)),
            ChannelIdentity.unreachable_at.is_(None),
        )
        .order_by(ChannelIdentity.last_inbound_at.desc().nulls_last(), ChannelIdentity.id)
    )
    return list(result.scalars())


async def mark_sent(session: AsyncSession, notification_id: int, now: dt.datetime) -> None:
    row = await session.get(Notification, notification_id)
    if row is not None:
        row.status = "sent"
        row.sent_at = now
        row.attempts += 1
        row.last_error = None


async def mark_attempt_failed(
    session: AsyncSession, notification_id: int, error: str, *, max_attempts: int, final: bool = False
) -> None:
    """Count a failed attempt; the row stays pending for a retry until it runs out of attempts."""
    row = await session.get(Notification, notification_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error[:ERROR_CHARS]
    if final or row.attempts >= max_attempts:
        row.status = "failed"


async def pending_for_address(
    session: AsyncSession, channel: str, address: str
) -> tuple[Person, list[Notification]] | None:
    """The person behind an address and their pending notifications, oldest first."""
    person = (
        await session.execute(
            select(Person)
            .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.address == address)
        )
    ).scalar_one_or_none()
    if person is None:
        return None
    return person, await pending_for(session, person.id)
