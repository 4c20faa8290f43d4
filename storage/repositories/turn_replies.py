"""A turn's replies kept until sent (storage/models_replies.py), and the statements that move them on.

Plain synchronous statements over a `conversations.Statements` runner, built once, like the rest of a
turn: the row is written inside the turn's own transaction (storage/turns.py), and bot/replies.py
claims, records and sweeps through `Turns.write`. Replies are stored as JSON, files base64-encoded.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update

from handlers.types import Choice, ClearOptions, File, Option, Reply, Text
from storage.models import UtcDateTime
from storage.models_replies import FAILED, PENDING, SENDING, UNCONFIRMED, TurnReply
from storage.repositories.conversations import Statements

_T = TurnReply.__table__
# Bind names differ from column names: SQLAlchemy keeps those for an UPDATE's SET clause.
_KEY = (_T.c.channel == bindparam("r_channel"), _T.c.message_id == bindparam("r_message_id"))
_NOW = bindparam("r_now", type_=UtcDateTime())

_RECORD = insert(_T).values(
    channel=bindparam("channel"),
    message_id=bindparam("message_id"),
    address=bindparam("address"),
    language=bindparam("language"),
    replies=bindparam("replies"),
    status=PENDING,
    created_at=bindparam("created_at"),
)
_CLAIM = update(_T).where(*_KEY, _T.c.status == PENDING).values(status=SENDING, claimed_at=_NOW)
_SENT = delete(_T).where(*_KEY)
# Rows never to be sent again keep no words of the replies (they may carry personal data), only the
# ids, until the inbound message id is purged with them.
_FAIL = update(_T).where(*_KEY).values(status=FAILED, replies=[])
_UNSENT = select(_T.c.message_id, _T.c.address, _T.c.language, _T.c.replies).where(
    *_KEY, _T.c.status == PENDING
)
_ORPHANS = (
    select(_T.c.message_id, _T.c.address, _T.c.language, _T.c.replies)
    .where(
        _T.c.channel == bindparam("r_channel"),
        _T.c.status == PENDING,
        _T.c.created_at < bindparam("r_before", type_=UtcDateTime()),
    )
    .order_by(_T.c.created_at)
    .limit(bindparam("r_limit"))
)
_IN_DOUBT = select(_T.c.message_id).where(
    _T.c.channel == bindparam("r_channel"),
    _T.c.status == SENDING,
    _T.c.claimed_at < bindparam("r_before", type_=UtcDateTime()),
)
_SETTLE = update(_T).where(*_KEY, _T.c.status == SENDING).values(status=UNCONFIRMED, replies=[])


@dataclass(frozen=True, slots=True)
class Unsent:
    """The replies of one turn, not yet claimed by anybody."""

    message_id: str
    address: str
    language: str
    replies: list[Reply]


@dataclass(frozen=True, slots=True)
class Kept:
    """A turn's replies to keep with it (handlers/core.py makes one, storage/turns.py records it)."""

    channel: str
    message_id: str
    address: str
    language: str
    replies: Sequence[Reply]
    created_at: dt.datetime

    def record(self, run: Statements) -> None:
        """Keep the replies, in the turn's transaction."""
        run.changed(
            _RECORD,
            {
                "channel": self.channel,
                "message_id": self.message_id,
                "address": self.address,
                "language": self.language,
                "replies": encode(self.replies),
                "created_at": self.created_at,
            },
        )


def claim(run: Statements, channel: str, message_ids: Sequence[str], now: dt.datetime) -> set[str]:
    """Take pending rows for sending; the ids taken (a row someone else took, or sent, is not)."""
    return settle_and_claim(run, channel, sent=(), failed=(), wanted=message_ids, now=now)


def settle(run: Statements, channel: str, *, sent: Sequence[str], failed: Sequence[str]) -> None:
    """Record claimed rows' results: sent ones go (whatever their status meanwhile: a slow send
    settled as unconfirmed by another worker did get through), failed ones stay as failed."""
    settle_and_claim(run, channel, sent=sent, failed=failed, wanted=(), now=None)


def settle_and_claim(
    run: Statements,
    channel: str,
    *,
    sent: Sequence[str],
    failed: Sequence[str],
    wanted: Sequence[str],
    now: dt.datetime | None,
) -> set[str]:
    """`settle` and `claim` in one pass over the rows in message-id order: two workers writing
    overlapping rows (the same update posted to both) then lock them in the same order, so
    PostgreSQL never finds them waiting for each other (a deadlock, seen in CI)."""
    steps = sorted(
        [(message_id, 0) for message_id in sent]
        + [(message_id, 1) for message_id in failed]
        + [(message_id, 2) for message_id in wanted]
    )
    taken: set[str] = set()
    for message_id, step in steps:
        key = {"r_channel": channel, "r_message_id": message_id}
        if step == 0:
            run.changed(_SENT, key)
        elif step == 1:
            run.changed(_FAIL, key)
        elif run.changed(_CLAIM, {**key, "r_now": now}):
            taken.add(message_id)
    return taken


def unsent(run: Statements, channel: str, message_id: str) -> Unsent | None:
    rows = run.rows(_UNSENT, {"r_channel": channel, "r_message_id": message_id})
    return _unsent(rows[0]) if rows else None


def orphans(run: Statements, channel: str, *, before: dt.datetime, limit: int) -> list[Unsent]:
    """Pending rows older than `before`, oldest first: their process died before sending them."""
    rows = run.rows(_ORPHANS, {"r_channel": channel, "r_before": before, "r_limit": limit})
    return [_unsent(row) for row in rows]


def settle_in_doubt(run: Statements, channel: str, *, before: dt.datetime, keep: set[str]) -> int:
    """Rows claimed before `before` and still `sending`, other than `keep` (this process's sends in
    flight): their sender died mid-send, nobody can tell whether they went out, so they become
    `unconfirmed`, never sent again. The number settled."""
    ids = sorted(row[0] for row in run.rows(_IN_DOUBT, {"r_channel": channel, "r_before": before}))
    return sum(
        run.changed(_SETTLE, {"r_channel": channel, "r_message_id": message_id})
        for message_id in ids
        if message_id not in keep
    )


def _unsent(row: Sequence[Any]) -> Unsent:
    return Unsent(row[0], row[1], row[2], decode(row[3]))


# -- replies as JSON ------------------------------------------------------------------------------


def encode(replies: Sequence[Reply]) -> list[dict[str, Any]]:
    return [_encode(reply) for reply in replies]


def _encode(reply: Reply) -> dict[str, Any]:
    if isinstance(reply, Text):
        return {"t": "text", "text": reply.text}
    if isinstance(reply, Choice):
        return {
            "t": "choice",
            "text": reply.text,
            "options": [[o.payload, o.label, o.description] for o in reply.options],
            "page": reply.page,
            "turn": reply.turn,
            "numbered": reply.numbered,
        }
    if isinstance(reply, File):
        return {
            "t": "file",
            "kind": reply.kind,
            "filename": reply.filename,
            "data": base64.b64encode(reply.data).decode("ascii"),
            "caption": reply.caption,
            "mime_type": reply.mime_type,
        }
    return {"t": "clear"}


def decode(data: Sequence[dict[str, Any]]) -> list[Reply]:
    return [_decode(item) for item in data]


def _decode(item: dict[str, Any]) -> Reply:
    kind = item["t"]
    if kind == "text":
        return Text(item["text"])
    if kind == "choice":
        options = tuple(
            Option(payload, label, description) for payload, label, description in item["options"]
        )
        return Choice(item["text"], options, page=item["page"], turn=item["turn"], numbered=item["numbered"])
    if kind == "file":
        return File(
            item["kind"],
            item["filename"],
            base64.b64decode(item["data"]),
            caption=item["caption"],
            mime_type=item["mime_type"],
        )
    return ClearOptions()
