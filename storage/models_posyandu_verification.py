"""The DPMD's verification of a Posyandu 6 SPM institution (the lembaga, never a pos pelayanan).

One row per institution: its current state. The ketua submits it (`submitted`), a coordinator of
the region returns it with a reason (`returned`) or verifies it (`verified`); every step is also
in the audit log. `checklist` is the checklist as it stood at the last step: the computed items,
the verifier's ticks, and the ketua's reason for each SPM field not served.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime

SUBMITTED = "submitted"
RETURNED = "returned"
VERIFIED = "verified"
VERIFICATION_STATUSES = (SUBMITTED, RETURNED, VERIFIED)


class PosyanduVerification(Base):
    __tablename__ = "posyandu_verification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    posyandu_id: Mapped[int] = mapped_column(ForeignKey("posyandu.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(12))
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str | None] = mapped_column(String(240))  # why it was returned
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


__all__ = ["RETURNED", "SUBMITTED", "VERIFICATION_STATUSES", "VERIFIED", "PosyanduVerification"]
