"""Cadre incentives: the rule of each region, and what coordinators recorded per cadre per month.

Whether a cadre *meets the conditions* for a month (verified, the Posyandu's report in by the
deadline) is computed from the data every time it is shown, so it is never stale. Only what a
coordinator decides is stored here: a month `diproses` (being processed) or `dibayar` (paid, with
the date and the amount paid).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime

NOT_ELIGIBLE = "belum_memenuhi_syarat"
ELIGIBLE = "memenuhi_syarat"
PROCESSING = "diproses"
PAID = "dibayar"
INCENTIVE_STATUSES = (NOT_ELIGIBLE, ELIGIBLE, PROCESSING, PAID)


class IncentiveRule(Base):
    """The incentive of one region (a kabupaten/kota, or any region: the most specific one applies).

    `region_code` has no foreign key on purpose: a rule may be set up before the region tree is
    loaded (the first migration carries Kukar's rule)."""

    __tablename__ = "incentive_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(16), unique=True)
    monthly_amount: Mapped[int] = mapped_column(Integer)  # rupiah
    # The report for month M is due on this day of month M+1, at this local time (inclusive).
    deadline_day: Mapped[int] = mapped_column(Integer, default=5)
    deadline_hour: Mapped[int] = mapped_column(Integer, default=23)
    deadline_minute: Mapped[int] = mapped_column(Integer, default=59)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


class IncentiveStatus(Base):
    """A coordinator's record for one cadre and month: `diproses` or `dibayar` (see module doc)."""

    __tablename__ = "incentive_status"
    __table_args__ = (UniqueConstraint("cadre_id", "month", name="uq_incentive_status_cadre_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("cadre.id", ondelete="CASCADE"), index=True)
    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month
    status: Mapped[str] = mapped_column(String(24))
    amount: Mapped[int | None] = mapped_column(Integer)  # rupiah paid (dibayar)
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(12))  # chat, import
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())


__all__ = [
    "ELIGIBLE",
    "INCENTIVE_STATUSES",
    "NOT_ELIGIBLE",
    "PAID",
    "PROCESSING",
    "IncentiveRule",
    "IncentiveStatus",
]
