"""SKDN counted from the register and the weighings, for the monthly report to pre-fill:
S = children on the register at the month's end (active, under 60 months), K = of them with a Buku
KIA/KMS, D = of them weighed in the month, N = of those weighed whose KMS verdict is N (naik).
N ≤ D ≤ S and K ≤ S hold by construction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.forms.dates import shift_months
from storage.repositories import children


@dataclass(frozen=True, slots=True)
class Skdn:
    s: int
    k: int
    d: int
    n: int


async def skdn(session: AsyncSession, posyandu_id: int, month: dt.date) -> Skdn | None:
    """The month's SKDN from the register, or None when the register is empty (nothing to pre-fill)."""
    following = shift_months(month, 1)
    kids = await children.for_skdn(session, posyandu_id, following - dt.timedelta(days=1))
    if not kids:
        return None
    weighed = await children.in_month(session, [c.id for c in kids], month, following)
    return Skdn(
        s=len(kids),
        k=sum(1 for c in kids if c.has_kia),
        d=len(weighed),
        n=sum(1 for m in weighed.values() if m.gain == "N"),
    )
