"""A Posyandu's child register and each child's measurements on weighing day (issue #17)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime, _utcnow

CHILD_STATUSES = ("active", "aged_out", "moved", "died", "erased")  # erased: anonymised, mother asked
GAINS = ("N", "T", "O", "B")  # naik, tidak naik, not weighed last month, first weighing


class Child(Base):
    """A balita on a Posyandu's register. The mother's NIK is never kept in clear: a keyed hash to
    find a duplicate and the last four digits to show (handlers/growth/register.py)."""

    __tablename__ = "child"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    posyandu_id: Mapped[int] = mapped_column(ForeignKey("posyandu.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))  # 'm' or 'f'
    birth_date: Mapped[dt.date] = mapped_column(Date)
    mother_name: Mapped[str] = mapped_column(String(120))
    mother_phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    mother_nik_masked: Mapped[str | None] = mapped_column(String(20))
    has_kia: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="active", server_default="active")
    left_reason: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


class ChildMeasurement(Base):
    """One weighing of one child: what was measured, and the z-scores, classes and KMS verdict
    computed when it was stored (handlers/growth)."""

    __tablename__ = "child_measurement"
    __table_args__ = (Index("ix_child_measurement_child_measured", "child_id", "measured_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    measured_on: Mapped[dt.date] = mapped_column(Date)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    height_cm: Mapped[float | None] = mapped_column(Float)
    lying: Mapped[bool | None] = mapped_column(Boolean)
    muac_cm: Mapped[float | None] = mapped_column(Float)
    head_cm: Mapped[float | None] = mapped_column(Float)
    waz: Mapped[float | None] = mapped_column(Float)
    haz: Mapped[float | None] = mapped_column(Float)
    whz: Mapped[float | None] = mapped_column(Float)
    bmiz: Mapped[float | None] = mapped_column(Float)
    classes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    gain: Mapped[str | None] = mapped_column(String(1))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


__all__ = ["CHILD_STATUSES", "GAINS", "Child", "ChildMeasurement"]
