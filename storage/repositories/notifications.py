"""Notices to one person outside a conversation turn (ticket news, an urgent case in one's region, a
training seat, a due reminder): the producer side of the outbox.

A notice is one `outbox_message` row on the identity the person last wrote from, written in the
caller's transaction together with the change that causes it (a ticket never exists without its
coordinators' rows). The row names a catalogue message and its parameters, not text: the outbox
sender (bot/outbox.py) renders it in the person's language when it sends it, with the same claim,
rate limits, unreachable handling and crash guarantees as a broadcast, and hands `kind` to the
channel (WhatsApp picks its template by it). A parameter {"key": "<message key>"} is translated too.

The console cannot push: a row for a console identity (a notice, or a broadcast's row) waits until
the person's next console turn, where `take_console` hands it over and marks it sent in one statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import UtcDateTime
from storage.models_outbox import PENDING, SENT, UNREACHABLE, OutboxMessage
from storage.repositories.audience import CONSOLE, REACHABLE, best_identities

# Where a notice can wait for its person: the push channels, and the console's next turn.
NOTICE_CHANNELS = REACHABLE
# Channels nobody pushes to: the outbox sender leaves their rows alone.
PULLED = (CONSOLE,)
NO_REACHABLE_IDENTITY = "no reachable identity"
# A parameter that is no text: the notice's buttons, [[payload, label], …] (a label may be
# {"key": "<message key>"}); bot/notifier.py renders them as a question with those options.
BUTTONS = "buttons"

_rows = OutboxMessage.__table__


async def add(
    session: AsyncSession,
    person_ids: Iterable[int],
    *,
    kind: str,
    key: str,
    params: Mapping[str, Any],
    now: dt.datetime,
) -> list[OutboxMessage]:
    """One outbox row per recipient (duplicates in `person_ids` are ignored), on the identity each
    last wrote from. A person whose every identity is unreachable still gets a row, already
    `unreachable`, so the record shows who could not be told; a person with no identity at all
    (none is ever created so) gets none."""
    ids = list(dict.fromkeys(person_ids))
    if not ids:
        return []
    best = await best_identities(session, set(ids), channels=NOTICE_CHANNELS)
    lost = await best_identities(
        session, {i for i in ids if i not in best}, channels=None, reachable_only=False
    )
    rows: list[OutboxMessage] = []
    for person_id in ids:
        to = best.get(person_id) or lost.get(person_id)
        if to is None:
            continue
        reachable = person_id in best
        rows.append(
            OutboxMessage(
                kind=kind,
                person_id=person_id,
                channel=to.channel,
                address=to.address,
                message_key=key,
                params=dict(params),
                status=PENDING if reachable else UNREACHABLE,
                attempts=0,
                last_error=None if reachable else NO_REACHABLE_IDENTITY,
                not_before=now,
                created_at=now,
            )
        )
    session.add_all(rows)
    await session.flush()
    return rows


async def reroute(session: AsyncSession, row_id: int, *, now: dt.datetime) -> OutboxMessage | None:
    """A notice whose identity turned out unreachable goes again to the person's next reachable
    identity (the failed one is already marked). Broadcast rows are not rerouted: a broadcast
    reaches each person once, on the identity chosen when it was sent."""
    row = await session.get(OutboxMessage, row_id)
    if row is None or row.broadcast_id is not None or row.person_id is None or row.message_key is None:
        return None
    best = await best_identities(session, {row.person_id}, channels=NOTICE_CHANNELS)
    to = best.get(row.person_id)
    if to is None or (to.channel, to.address) == (row.channel, row.address):
        return None
    again = OutboxMessage(
        kind=row.kind,
        person_id=row.person_id,
        channel=to.channel,
        address=to.address,
        message_key=row.message_key,
        params=dict(row.params or {}),
        status=PENDING,
        attempts=0,
        not_before=now,
        created_at=now,
    )
    session.add(again)
    await session.flush()
    return again


@dataclass(frozen=True, slots=True)
class Taken:
    """A console notice (or a broadcast's row) handed over at the person's turn."""

    id: int
    person_id: int | None
    message_key: str | None
    params: dict[str, Any] | None
    text: str | None
    broadcast_id: int | None = None


_TAKE = (
    update(_rows)
    .where(
        _rows.c.channel == CONSOLE,
        _rows.c.address == bindparam("t_address"),
        _rows.c.status == PENDING,
        _rows.c.not_before <= bindparam("t_now", type_=UtcDateTime()),
    )
    .values(status=SENT, sent_at=bindparam("t_sent_at", type_=UtcDateTime()), attempts=_rows.c.attempts + 1)
    .returning(
        _rows.c.id, _rows.c.person_id, _rows.c.message_key, _rows.c.params, _rows.c.text, _rows.c.broadcast_id
    )
)


async def take_console(session: AsyncSession, address: str, *, now: dt.datetime) -> list[Taken]:
    """The console handle's due notices, oldest first, marked sent in the same statement: the
    `status = 'pending'` guard hands each to one turn only."""
    result = await session.execute(_TAKE, {"t_address": address, "t_now": now, "t_sent_at": now})
    return sorted((Taken(*row) for row in result.all()), key=lambda t: t.id)


__all__ = ["BUTTONS", "CONSOLE", "NOTICE_CHANNELS", "PULLED", "Taken", "add", "reroute", "take_console"]
