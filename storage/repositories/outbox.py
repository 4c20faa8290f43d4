"""The outbox: enqueueing broadcasts and notices, and the sender's claim → record cycle.

The sender's statements are written so that each transaction starts with a write (an UPDATE): on
SQLite that takes the write lock up front, waiting for it instead of failing on a stale snapshot.
Claiming is one `UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED) AND status='pending'
RETURNING …`: on PostgreSQL concurrent senders skip each other's rows; on SQLite (which ignores FOR
UPDATE) the write lock serialises them; on both, the `status='pending'` guard means a row can be
claimed once only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.types import Identity
from storage.models import Person, UtcDateTime
from storage.models_outbox import (
    CANCELLED,
    DONE,
    FAILED,
    OPEN_STATUSES,
    PENDING,
    RUNNING,
    SCHEDULED,
    SENDING,
    SENT,
    UNCONFIRMED,
    UNREACHABLE,
    Broadcast,
    OutboxMessage,
)
from storage.repositories.audience import REACHABLE, Recipient, best_identities
from storage.repositories.notifications import PULLED
from storage.repositories.scopes import within

ERROR_CHARS = 240
IN_DOUBT = "in doubt: the sender stopped between claiming and recording this message"
_rows = OutboxMessage.__table__


# -- enqueueing ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # photo, document
    ref: str
    filename: str | None = None
    mime_type: str | None = None


async def create_broadcast(
    session: AsyncSession,
    *,
    created_by: int,
    origin: Identity,
    text: str,
    attachment: Attachment | None,
    audience: Mapping[str, Any],
    region_code: str,
    recipients: Sequence[Recipient],
    scheduled_at: dt.datetime | None,
    now: dt.datetime,
) -> Broadcast:
    """The broadcast and one pending row per recipient, in the caller's transaction."""
    broadcast = Broadcast(
        created_by=created_by,
        origin_channel=origin.channel,
        origin_address=origin.address,
        text=text,
        attachment_kind=attachment.kind if attachment else None,
        attachment_ref=attachment.ref if attachment else None,
        attachment_name=attachment.filename if attachment else None,
        attachment_mime=attachment.mime_type if attachment else None,
        audience=dict(audience),
        region_code=region_code,
        total=len(recipients),
        scheduled_at=scheduled_at,
        status=SCHEDULED,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    due = scheduled_at or now
    if recipients:
        await session.execute(
            insert(_rows),
            [
                {
                    "broadcast_id": broadcast.id,
                    "kind": "broadcast",
                    "person_id": r.person_id,
                    "channel": r.channel,
                    "address": r.address,
                    "status": PENDING,
                    "attempts": 0,
                    "not_before": due,
                    "created_at": now,
                }
                for r in recipients
            ],
        )
    return broadcast


async def enqueue_message(
    session: AsyncSession,
    *,
    to: Recipient,
    key: str,
    params: Mapping[str, Any] | None = None,
    now: dt.datetime,
    kind: str = "notice",
    not_before: dt.datetime | None = None,
) -> OutboxMessage:
    """A catalogue message for one identity, rendered in the person's language when sent. A
    parameter written as {"key": "<message key>"} is itself translated."""
    row = OutboxMessage(
        kind=kind,
        person_id=to.person_id,
        channel=to.channel,
        address=to.address,
        message_key=key,
        params=dict(params or {}),
        status=PENDING,
        attempts=0,
        not_before=not_before or now,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def notify_person(
    session: AsyncSession,
    person_id: int,
    *,
    key: str,
    params: Mapping[str, Any] | None = None,
    now: dt.datetime,
    kind: str = "notice",
) -> OutboxMessage | None:
    """A notice to a person on the channel they last wrote from (a console person sees it at their
    next turn); None when they cannot be reached."""
    best = await best_identities(session, {person_id}, channels=REACHABLE)
    if person_id not in best:
        return None
    return await enqueue_message(session, to=best[person_id], key=key, params=params, now=now, kind=kind)


# -- the sender's cycle ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row this sender now owns until it records the result."""

    id: int
    token: str
    broadcast_id: int | None
    kind: str
    person_id: int | None
    channel: str
    address: str
    message_key: str | None
    params: dict[str, Any] | None
    text: str | None
    attempts: int


# Built once: a statement made per call costs more in SQLAlchemy than the database takes to run it.
# The pick is a materialized CTE joined with UPDATE … FROM: PostgreSQL may evaluate `id IN (SELECT …
# LIMIT n FOR UPDATE SKIP LOCKED)` more than once and so claim far more than n rows.
_PICKED = (
    select(_rows.c.id)
    .where(
        _rows.c.status == PENDING,
        _rows.c.channel == bindparam("c_channel"),
        _rows.c.not_before <= bindparam("c_now", type_=UtcDateTime()),
    )
    .order_by(_rows.c.not_before, _rows.c.id)
    .limit(bindparam("c_limit"))
    .with_for_update(skip_locked=True)
    .cte("picked")
    .prefix_with("MATERIALIZED", dialect="postgresql")
)
_CLAIM = (
    update(_rows)
    .where(_rows.c.id == _PICKED.c.id, _rows.c.status == PENDING)
    .values(
        status=SENDING,
        claim_token=bindparam("c_token"),
        claimed_at=bindparam("c_claimed_at", type_=UtcDateTime()),
        attempts=_rows.c.attempts + 1,
    )
    .returning(
        _rows.c.id,
        _rows.c.broadcast_id,
        _rows.c.kind,
        _rows.c.person_id,
        _rows.c.channel,
        _rows.c.address,
        _rows.c.message_key,
        _rows.c.params,
        _rows.c.text,
        _rows.c.attempts,
    )
)


async def claim(
    session: AsyncSession, *, channel: str, limit: int, token: str, now: dt.datetime
) -> list[Claimed]:
    """Take up to `limit` due rows for `channel`, oldest due first."""
    if limit <= 0:
        return []
    result = await session.execute(
        _CLAIM, {"c_channel": channel, "c_now": now, "c_limit": limit, "c_token": token, "c_claimed_at": now}
    )
    claimed = sorted((Claimed(row[0], token, *row[1:]) for row in result.all()), key=lambda c: c.id)
    if len(claimed) > limit:  # never expected; if a database ever does it, give the rest back unsent
        extra = [c.id for c in claimed[limit:]]
        await session.execute(
            update(_rows)
            .where(_rows.c.id.in_(extra), _rows.c.claim_token == token)
            .values(status=PENDING, claim_token=None, claimed_at=None, attempts=_rows.c.attempts - 1)
        )
        claimed = claimed[:limit]
    return claimed


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to a claimed row. `status` pending means: try again at `not_before`."""

    id: int
    token: str
    status: str  # sent, failed, unreachable, pending
    error: str | None = None
    platform_message_id: str | None = None
    not_before: dt.datetime | None = None


_RECORD = (
    update(_rows)
    .where(_rows.c.id == bindparam("r_id"), _rows.c.claim_token == bindparam("r_token"))
    .values(
        status=bindparam("r_status"),
        last_error=bindparam("r_error"),
        platform_message_id=bindparam("r_platform_id"),
        sent_at=bindparam("r_sent_at", type_=UtcDateTime()),
        not_before=func.coalesce(bindparam("r_not_before", type_=UtcDateTime()), _rows.c.not_before),
    )
)


async def record(session: AsyncSession, outcomes: Sequence[Outcome], *, now: dt.datetime) -> None:
    """Store results. Only the claim's owner (by token) can: a row re-claimed since is untouched, and
    a row settled as in doubt while its slow send was still running gets its real result back."""
    if not outcomes:
        return
    await session.execute(
        _RECORD,
        [
            {
                "r_id": o.id,
                "r_token": o.token,
                "r_status": o.status,
                "r_error": o.error[:ERROR_CHARS] if o.error else None,
                "r_platform_id": o.platform_message_id,
                "r_sent_at": now if o.status == SENT else None,
                "r_not_before": o.not_before,
            }
            for o in outcomes
        ],
    )


async def settle_in_doubt(
    session: AsyncSession, *, claimed_before: dt.datetime, keep: Iterable[int] = ()
) -> int:
    """Rows a stopped sender left in `sending`: the message may or may not have gone out, and
    sending again could deliver it twice, so they are marked `unconfirmed`, never resent.
    `keep`: rows this sender still has in flight."""
    query = update(_rows).where(_rows.c.status == SENDING, _rows.c.claimed_at < claimed_before)
    kept = list(keep)
    if kept:
        query = query.where(_rows.c.id.not_in(kept))
    result = await session.execute(query.values(status=UNCONFIRMED, last_error=IN_DOUBT))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def fail_unserved(session: AsyncSession, *, served: Sequence[str], now: dt.datetime) -> int:
    """Due rows for channels no sender here can use (e.g. WhatsApp not configured) fail at once, so
    a broadcast still finishes and shows them as failed. Console rows wait for the person's turn."""
    query = update(_rows).where(
        _rows.c.status == PENDING, _rows.c.not_before <= now, _rows.c.channel.not_in(PULLED)
    )
    if served:
        query = query.where(_rows.c.channel.not_in(list(served)))
    result = await session.execute(query.values(status=FAILED, last_error="no channel to send on"))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def languages(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Person.id, Person.language).where(Person.id.in_(ids)))
    return {person_id: language for person_id, language in rows.all()}


# -- broadcasts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    by_status: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, status: str) -> int:
        return self.by_status.get(status, 0)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def open(self) -> int:
        return sum(self[s] for s in OPEN_STATUSES)

    @property
    def failed(self) -> int:
        """Everything that did not get through, whatever the reason."""
        return self.total - self[SENT] - self.open - self[CANCELLED]


async def counts(session: AsyncSession, broadcast_ids: Iterable[int]) -> dict[int, Counts]:
    ids = sorted(set(broadcast_ids))
    found: dict[int, dict[str, int]] = {i: {} for i in ids}
    if ids:
        rows = await session.execute(
            select(_rows.c.broadcast_id, _rows.c.status, func.count())
            .where(_rows.c.broadcast_id.in_(ids))
            .group_by(_rows.c.broadcast_id, _rows.c.status)
        )
        for broadcast_id, status, number in rows.all():
            found[broadcast_id][status] = int(number)
    return {i: Counts(found[i]) for i in ids}


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def get_many(session: AsyncSession, ids: Iterable[int]) -> dict[int, Broadcast]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(Broadcast).where(Broadcast.id.in_(wanted)))
    return {b.id: b for b in rows.scalars()}


async def mark_started(session: AsyncSession, ids: Iterable[int], now: dt.datetime) -> None:
    wanted = sorted(set(ids))
    if wanted:
        await session.execute(
            update(Broadcast)
            .where(Broadcast.id.in_(wanted), Broadcast.status == SCHEDULED)
            .values(status=RUNNING, started_at=now)
        )


async def finish(session: AsyncSession, now: dt.datetime) -> list[int]:
    """Broadcasts with nothing left to send become `done`; each is returned by exactly one caller."""
    still_open = exists().where(_rows.c.broadcast_id == Broadcast.id, _rows.c.status.in_(OPEN_STATUSES))
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.status.in_((SCHEDULED, RUNNING)), ~still_open)
        .values(status=DONE, finished_at=now)
        .returning(Broadcast.id)
    )
    return sorted(result.scalars())


async def take_progress(
    session: AsyncSession, broadcast_id: int, owner: str, now: dt.datetime, *, quiet_after: dt.timedelta
) -> bool:
    """True when `owner` is the sender that shows this broadcast's live progress: it already was,
    nobody was, or the one that was has been quiet for `quiet_after` (it died or stopped). With
    several workers this keeps one progress message, edited by one sender with counts that only
    grow. The conditional UPDATE is the lock: of two senders asking at once, one wins."""
    result = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            or_(
                Broadcast.progress_owner.is_(None),
                Broadcast.progress_owner == owner,
                Broadcast.progress_at < now - quiet_after,
            ),
        )
        .values(progress_owner=owner, progress_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_progress_ref(session: AsyncSession, broadcast_id: int, ref: str | None) -> None:
    await session.execute(update(Broadcast).where(Broadcast.id == broadcast_id).values(progress_ref=ref))


async def cancel(session: AsyncSession, broadcast: Broadcast, now: dt.datetime) -> int:
    """Stop a scheduled or running broadcast: rows not yet claimed are cancelled; rows in flight
    finish. Returns how many rows were cancelled."""
    result = await session.execute(
        update(_rows)
        .where(_rows.c.broadcast_id == broadcast.id, _rows.c.status == PENDING)
        .values(status=CANCELLED)
    )
    broadcast.status = CANCELLED
    broadcast.cancelled_at = now
    await session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def recent(session: AsyncSession, *, roots: Sequence[str] | None, limit: int = 8) -> list[Broadcast]:
    """The newest broadcasts to audiences within `roots` (None: all)."""
    result = await session.execute(
        select(Broadcast)
        .where(within(Broadcast.region_code, roots))
        .order_by(Broadcast.id.desc())
        .limit(limit)
    )
    return list(result.scalars())


async def rows_of(session: AsyncSession, broadcast_id: int) -> list[OutboxMessage]:
    result = await session.execute(
        select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id).order_by(OutboxMessage.id)
    )
    return list(result.scalars())


async def due_count(session: AsyncSession, now: dt.datetime) -> int:
    """Rows a sender should be busy with now: due and pending, or being sent (console rows are the
    console's)."""
    result = await session.execute(
        select(func.count()).where(
            ((_rows.c.status == PENDING) & (_rows.c.not_before <= now)) | (_rows.c.status == SENDING),
            _rows.c.channel.not_in(PULLED),
        )
    )
    return int(result.scalar_one())


__all__ = [
    "CANCELLED",
    "DONE",
    "FAILED",
    "IN_DOUBT",
    "PENDING",
    "RUNNING",
    "SCHEDULED",
    "SENDING",
    "SENT",
    "UNCONFIRMED",
    "UNREACHABLE",
    "Attachment",
    "Claimed",
    "Counts",
    "Outcome",
]
