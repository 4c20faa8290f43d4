"""Reminders as database rows, and the lease that lets one process schedule them.

A reminder is planned ahead (kind, person, due time, a unique dedupe key) and later turned into a
notification by the dispatcher in the same transaction that marks it sent. The scheduler only wakes
the planner and the dispatcher: a restart loses nothing, and the dedupe key and the conditional
status update mean nothing is sent twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime

REMINDER_STATUSES = ("pending", "sent", "cancelled", "skipped")


class Reminder(Base):
    __tablename__ = "reminder"
    __table_args__ = (Index("ix_reminder_status_due_at", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # report_deadline, activity_day, training, bpjs, …
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(10), default="pending")
    # e.g. "report_deadline:12:2026-11:d3" — the same reminder is never planned twice.
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    message_key: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the reminder is about (posyandu_id and month, training_id, …): checked again when due.
    subject: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(String(40))  # why it was skipped or cancelled
    notification_id: Mapped[int | None] = mapped_column(Integer)  # the notification it became
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class ReminderMute(Base):
    """A kind of reminder a person turned off with /pengingat (only non-essential kinds)."""

    __tablename__ = "reminder_mute"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    muted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class SchedulerLock(Base):
    """A lease held by the one process that schedules. It is renewed while the holder lives and may
    be taken over once it has expired (the holder died or hung)."""

    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


__all__ = ["REMINDER_STATUSES", "Reminder", "ReminderMute", "SchedulerLock"]
