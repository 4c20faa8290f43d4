"""The organisation of a Posyandu 6 SPM: pengurus and, per SPM field it serves, a koordinator and kader.

Positions belong to the *institution* (the lembaga; a pos pelayanan's parent). A person may hold
several places; one row per (institution, person, field, role). `field` is NULL for the pengurus.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime, _utcnow

KETUA = "ketua"
SEKRETARIS = "sekretaris"
BENDAHARA = "bendahara"
KOORDINATOR = "koordinator"
KADER = "kader"
PENGURUS_ROLES = (KETUA, SEKRETARIS, BENDAHARA)
FIELD_ROLES = (KOORDINATOR, KADER)
POSITION_ROLES = PENGURUS_ROLES + FIELD_ROLES


class PosyanduPosition(Base):
    __tablename__ = "posyandu_position"
    __table_args__ = (
        UniqueConstraint("posyandu_id", "person_id", "field", "role", name="uq_posyandu_position_place"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    posyandu_id: Mapped[int] = mapped_column(ForeignKey("posyandu.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    field: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


__all__ = [
    "BENDAHARA",
    "FIELD_ROLES",
    "KADER",
    "KETUA",
    "KOORDINATOR",
    "PENGURUS_ROLES",
    "POSITION_ROLES",
    "SEKRETARIS",
    "PosyanduPosition",
]
