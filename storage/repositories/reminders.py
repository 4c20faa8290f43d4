"""Reminder rows: planned once (by dedupe key), settled once (a conditional update), and the kinds a
person muted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_scheduling import Reminder, ReminderMute

KEY_CHUNK = 500  # dedupe keys per IN (…) lookup, well under every database's parameter limit


@dataclass(frozen=True, slots=True)
class NewReminder:
    kind: str
    person_id: int
    due_at: dt.datetime
    dedupe_key: str
    message_key: str
    params: Mapping[str, Any] = field(default_factory=dict)
    subject: Mapping[str, Any] = field(default_factory=dict)


async def plan(session: AsyncSession, wanted: Sequence[NewReminder], *, now: dt.datetime) -> int:
    """Insert the reminders not planned before; returns how many are new. Safe to call again."""
    unique = {r.dedupe_key: r for r in wanted}
    known: set[str] = set()
    keys = list(unique)
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = keys[start : start + KEY_CHUNK]
        found = await session.execute(select(Reminder.dedupe_key).where(Reminder.dedupe_key.in_(chunk)))
        known.update(found.scalars())
    fresh = [_row(new, now) for key, new in unique.items() if key not in known]
    if not fresh:
        return 0
    try:
        async with session.begin_nested():  # all at once: the usual case, one round of inserts
            session.add_all(fresh)
        return len(fresh)
    except IntegrityError:
        pass
    # Another transaction planned some of the same keys meanwhile (a coordinator marking a month
    # paid twice at once): one savepoint per row, and the unique key decides.
    added = 0
    for key, new in unique.items():
        if key in known:
            continue
        try:
            async with session.begin_nested():
                session.add(_row(new, now))
            added += 1
        except IntegrityError:
            continue
    return added


def _row(new: NewReminder, now: dt.datetime) -> Reminder:
    return Reminder(
        kind=new.kind,
        person_id=new.person_id,
        due_at=new.due_at,
        status="pending",
        dedupe_key=new.dedupe_key,
        message_key=new.message_key,
        params=dict(new.params),
        subject=dict(new.subject),
        created_at=now,
    )


async def due(session: AsyncSession, *, now: dt.datetime, limit: int = 200) -> list[Reminder]:
    result = await session.execute(
        select(Reminder)
        .where(Reminder.status == "pending", Reminder.due_at <= now)
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    )
    return list(result.scalars())


async def settle(
    session: AsyncSession,
    reminder_id: int,
    *,
    status: str,
    now: dt.datetime,
    reason: str | None = None,
) -> bool:
    """Move a pending reminder to `status`. False when it was no longer pending: another dispatcher
    got there first, so the caller must not act on it (this is what makes sending exactly once)."""
    result = await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == "pending")
        .values(status=status, reason=reason, sent_at=now if status == "sent" else None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]


async def link_notification(session: AsyncSession, reminder_id: int, notification_id: int) -> None:
    await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id)
        .values(notification_id=notification_id)
        .execution_options(synchronize_session=False)
    )


async def cancel_pending(
    session: AsyncSession, *, person_id: int, kind: str, subject: Mapping[str, Any], reason: str
) -> int:
    """Withdraw a person's pending reminders of a kind about `subject` (e.g. one training)."""
    rows = await session.execute(
        select(Reminder).where(
            Reminder.person_id == person_id, Reminder.kind == kind, Reminder.status == "pending"
        )
    )
    cancelled = 0
    for reminder in rows.scalars():
        if all(reminder.subject.get(k) == v for k, v in subject.items()):
            reminder.status = "cancelled"
            reminder.reason = reason
            cancelled += 1
    await session.flush()
    return cancelled


async def of_person(session: AsyncSession, person_id: int) -> list[Reminder]:
    result = await session.execute(
        select(Reminder).where(Reminder.person_id == person_id).order_by(Reminder.due_at, Reminder.id)
    )
    return list(result.scalars())


# -- muting ------------------------------------------------------------------------------------


async def muted_kinds(session: AsyncSession, person_id: int) -> set[str]:
    result = await session.execute(select(ReminderMute.kind).where(ReminderMute.person_id == person_id))
    return set(result.scalars())


async def muted_pairs(session: AsyncSession, person_ids: Iterable[int]) -> set[tuple[int, str]]:
    ids = list(set(person_ids))
    if not ids:
        return set()
    result = await session.execute(
        select(ReminderMute.person_id, ReminderMute.kind).where(ReminderMute.person_id.in_(ids))
    )
    return {(person_id, kind) for person_id, kind in result.all()}


async def set_muted(
    session: AsyncSession, person_id: int, kind: str, *, muted: bool, now: dt.datetime
) -> None:
    if not muted:
        await session.execute(
            delete(ReminderMute).where(ReminderMute.person_id == person_id, ReminderMute.kind == kind)
        )
        return
    if await session.get(ReminderMute, (person_id, kind)) is None:
        session.add(ReminderMute(person_id=person_id, kind=kind, muted_at=now))
        await session.flush()
