"""Residents' requests and complaints (tickets), urgent TRC cases among them, with their status history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime

# A ticket moves diterima → diproses → selesai or ditolak; it may also be closed straight away.
STATUSES = ("diterima", "diproses", "selesai", "ditolak")
NEXT_STATUSES = {
    "diterima": ("diproses", "selesai", "ditolak"),
    "diproses": ("selesai", "ditolak"),
    "selesai": (),
    "ditolak": (),
}
CATEGORIES = ("salah_sasaran", "data_dtsen", "bantuan", "lainnya", "darurat")
URGENT_CATEGORY = "darurat"


class Ticket(Base):
    """One request or complaint. `number` (KB-2026-000123) is what the asker sees and types."""

    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # The asker. NULL once they erased their data (UU 27/2022 PDP): the ticket stays, anonymised,
    # for the office's statistics (see storage/repositories/erasure.py).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    region_code: Mapped[str] = mapped_column(
        ForeignKey("region.code"), index=True
    )  # desa/kelurahan, or above
    description: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # channel file handles
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    location_lat: Mapped[float | None] = mapped_column(Float)
    location_lon: Mapped[float | None] = mapped_column(Float)
    location_text: Mapped[str | None] = mapped_column(String(240))
    danger_now: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(12), default="diterima", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class TicketEvent(Base):
    """A status the ticket entered, with the note shown to the asker and who set it."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


__all__ = ["CATEGORIES", "NEXT_STATUSES", "STATUSES", "URGENT_CATEGORY", "Ticket", "TicketEvent"]
