"""The durable outbox and the audit log.

The outbox is the one table of deliveries: every message the bot starts by itself is a row here,
one per recipient identity — a broadcast's copy, a due reminder, ticket news, a coordinator's
summary. One sender (bot/outbox.py) drains it; the console reads its own rows at the person's turn.

A row is *claimed* (status `sending`, a claim token) in a committed transaction before its send
starts, and its result is recorded right after. A row a crashed sender left in `sending` is never
sent again: it is settled as `unconfirmed` (see bot/outbox.py for the exactly-once policy).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime

# Row statuses. `pending` and `sending` are open; the rest are final.
PENDING, SENDING = "pending", "sending"
SENT, FAILED, UNREACHABLE, UNCONFIRMED, CANCELLED = (
    "sent",
    "failed",
    "unreachable",
    "unconfirmed",
    "cancelled",
)
OPEN_STATUSES = (PENDING, SENDING)
FINAL_STATUSES = (SENT, FAILED, UNREACHABLE, UNCONFIRMED, CANCELLED)

# What a row carries: a broadcast's text (and attachment), or a catalogue message rendered in the
# recipient's language when it is sent. The kind travels to the channel, which picks WhatsApp's
# template by it (bot/channels/whatsapp_templates.yaml; unknown kinds use its default).
KINDS = ("broadcast", "notice", "reminder", "notification", "ticket_new", "ticket_urgent", "ticket_status")

# Broadcast statuses.
SCHEDULED, RUNNING, DONE = "scheduled", "sending", "done"
BROADCAST_STATUSES = (SCHEDULED, RUNNING, DONE, CANCELLED)


class Broadcast(Base):
    """A coordinator's notice to many people; its recipients are rows of `outbox_message`."""

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    # Where the coordinator wrote it: live progress and the summary go back there.
    origin_channel: Mapped[str] = mapped_column(String(16))
    origin_address: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    attachment_kind: Mapped[str | None] = mapped_column(String(12))  # photo, document
    attachment_ref: Mapped[str | None] = mapped_column(String(512))  # the origin channel's file handle
    attachment_name: Mapped[str | None] = mapped_column(String(120))
    attachment_mime: Mapped[str | None] = mapped_column(String(80))
    # {"who": cadres|residents|both|verified|posyandu, "region": code, "posyandu_id": id, "label": text}
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    region_code: Mapped[str] = mapped_column(String(16), index=True)  # the audience's region, for scope
    total: Mapped[int] = mapped_column(Integer, default=0)
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(12), default=SCHEDULED, index=True)
    progress_ref: Mapped[str | None] = mapped_column(String(128))  # the live progress message's handle
    # The one sender (of several workers) that shows the live progress, and when it last did.
    progress_owner: Mapped[str | None] = mapped_column(String(64))
    progress_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class OutboxMessage(Base):
    """One message to one recipient identity."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # One row per person per broadcast, whatever happens: the database refuses a second.
        UniqueConstraint("broadcast_id", "person_id", name="uq_outbox_message_broadcast_person"),
        # The sender's picker walks this index in due order: WHERE status, channel ORDER BY not_before, id.
        Index("ix_outbox_message_due", "status", "channel", "not_before", "id"),
        Index("ix_outbox_message_broadcast_status", "broadcast_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcast.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    message_key: Mapped[str | None] = mapped_column(String(80))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Due time: creation, the scheduled time, or the end of a back-off. Never NULL, so one index
    # orders the queue on both databases (they sort NULLs differently).
    not_before: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(String(240))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class AuditLog(Base):
    """Who did what to whom, when: broadcasts, verifications, exports, role changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(120))  # a name, or "cli" for the command line
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(120))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


__all__ = [
    "BROADCAST_STATUSES",
    "CANCELLED",
    "DONE",
    "FAILED",
    "FINAL_STATUSES",
    "KINDS",
    "OPEN_STATUSES",
    "PENDING",
    "RUNNING",
    "SCHEDULED",
    "SENDING",
    "SENT",
    "UNCONFIRMED",
    "UNREACHABLE",
    "AuditLog",
    "Broadcast",
    "OutboxMessage",
]
