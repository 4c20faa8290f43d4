"""Trainings for cadres, and the seats on them (registered, waitlisted, cancelled, attended)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime

SEAT_STATUSES = ("registered", "waitlisted", "cancelled", "attended")


class Training(Base):
    __tablename__ = "training"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    certified: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), index=True)
    place: Mapped[str] = mapped_column(String(240))
    quota: Mapped[int] = mapped_column(Integer)
    # Cadres whose Posyandu lies in this region (or below it) see the training.
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class TrainingSeat(Base):
    """One cadre on one training. `position` orders sign-ups: the waitlisted seat with the lowest
    position moves up when a place frees."""

    __tablename__ = "training_seat"
    __table_args__ = (UniqueConstraint("training_id", "cadre_id", name="uq_training_seat_cadre"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id", ondelete="CASCADE"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


__all__ = ["SEAT_STATUSES", "Training", "TrainingSeat"]
