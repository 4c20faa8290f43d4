"""BPJS Ketenagakerjaan (employment social security) enrolment of each cadre.

The card number is never stored: only its last four digits, enough for a cadre to recognise it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime

ENROLLED = "terdaftar"
IN_PROGRESS = "dalam_proses"
NOT_ENROLLED = "belum"
BPJS_STATUSES = (ENROLLED, IN_PROGRESS, NOT_ENROLLED)


class CadreBpjs(Base):
    __tablename__ = "cadre_bpjs"

    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


__all__ = ["BPJS_STATUSES", "ENROLLED", "IN_PROGRESS", "NOT_ENROLLED", "CadreBpjs"]
