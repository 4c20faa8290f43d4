"""What a cadre did about a child on the follow-up list (issue #17 point 4)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime, _utcnow

FOLLOWUP_ACTIONS = ("referred", "visited", "recovered")  # dirujuk, kunjungan rumah, sudah membaik
NOTE_MAX = 200


class ChildFollowUp(Base):
    """One action recorded for a child on the follow-up list: the reasons the child was listed for
    at that moment (codes of handlers/growth/followup.py), what was done and an optional short note
    (plain text, shown escaped)."""

    __tablename__ = "child_followup"
    __table_args__ = (Index("ix_child_followup_child_recorded", "child_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    action: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


__all__ = ["FOLLOWUP_ACTIONS", "NOTE_MAX", "ChildFollowUp"]
