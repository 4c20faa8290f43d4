"""A mother linked to her child's growth record, and the one-time codes a cadre gives her (issue #17).

A link exists only once the mother has agreed to see her child's data (`consent_at`). A code is kept
as a hash, is valid for a few days and is used once (handlers/growth/mother_link.py).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime, _utcnow

LINK_WAYS = ("phone", "code")


class MotherLink(Base):
    __tablename__ = "mother_link"
    __table_args__ = (UniqueConstraint("child_id", "person_id", name="uq_mother_link_child_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    linked_by: Mapped[str] = mapped_column(String(8))  # phone or code
    consent_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


class MotherLinkCode(Base):
    __tablename__ = "mother_link_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


__all__ = ["LINK_WAYS", "MotherLink", "MotherLinkCode"]
