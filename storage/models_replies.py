"""A turn's replies, kept until they are sent: a crash between a turn's commit and its replies'
send no longer loses them (bot/replies.py sends them, at most once).

A row is written in the turn's own transaction, keyed by the inbound message that caused it, and
removed once its replies went out. A row claimed for sending (`sending`) that a crashed process left
behind is never sent again: it is settled as `unconfirmed`, as the outbox does (bot/outbox.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime

# pending: stored with its turn, not yet claimed; sending: claimed, its send under way (or cut short
# by a crash); failed: the send raised; unconfirmed: claimed by a process that died. Sent rows go.
PENDING, SENDING, FAILED, UNCONFIRMED = "pending", "sending", "failed", "unconfirmed"


class TurnReply(Base):
    """The replies of one handled inbound message, serialised (storage/repositories/turn_replies.py)."""

    __tablename__ = "turn_reply"
    __table_args__ = (
        # Purged with the inbound message id it belongs to (storage/repositories/inbound.py).
        ForeignKeyConstraint(
            ["channel", "message_id"],
            ["inbound_message.channel", "inbound_message.message_id"],
            ondelete="CASCADE",
        ),
        # The sweep's walk: WHERE channel AND status ORDER BY created_at.
        Index("ix_turn_reply_channel_status", "channel", "status", "created_at"),
    )

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    replies: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


__all__ = ["FAILED", "PENDING", "SENDING", "UNCONFIRMED", "TurnReply"]
