"""Which children a Posyandu must follow up, why, and what to do next (issue #17 point 4).

A child is on the follow-up list for the month when its latest measurement up to that month shows
(codes, in the order they are shown):

- `2t` — weight not gained at two weighings in a row (KMS verdicts T, T: handlers/growth/kms.py);
- `bb_sangat_kurang` — BB/U < −3 SD;
- `sangat_pendek`, `pendek` — PB/U or TB/U < −3 SD, −3 to < −2 SD;
- `gizi_buruk`, `gizi_kurang` — BB/PB or BB/TB < −3 SD, −3 to < −2 SD (IMT/U when BB/PB-BB/TB could
  not be computed, as Permenkes 2/2020 classes both alike for balita);
- `tidak_ditimbang_2bln` — no weighing in the last two months or more (kms.not_weighed_two_months).

The classes are those of Permenkes 2/2020 stored with each measurement (handlers/growth/zscore.py).
A child not weighed for two months keeps the reasons of its last measurement: what was last known
about it is still what needs checking on the home visit.

Next step per reason (`steps_for`):

- `refer` (rujuk ke Puskesmas): 2T, BB sangat kurang, sangat pendek, gizi buruk. Source: the KMS page
  of the Buku KIA (Kemenkes, edition of 2023): the cadre plots the weighing, advises the mother and
  refers to the health worker — "Rujuk bila berat badan anak tidak naik (T) atau di bawah garis merah"
  (the red line being −3 SD); sangat pendek and gizi buruk are the −3 SD classes of the other indices
  of Permenkes 2/2020 and are referred alike (KaderBot's rule, as the issue asks).
- `counsel` (konseling gizi dan makanan tambahan di Posyandu, ukur ulang bulan depan, rujuk bila
  tidak membaik): pendek, gizi kurang — KaderBot's rule; when a child also has a reason to refer,
  referral covers it.
- `visit` (kunjungan rumah): not weighed for two months or more — KaderBot's rule (a cadre's home
  visit is how an absent balita is found).

A recorded action (dirujuk, kunjungan rumah, sudah membaik) counts for the calendar month it was
recorded in (local time): the child then shows as "sudah ditindaklanjuti" until the month ends, and
is listed as needing follow-up again next month if its measurements still say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.growth.kms import months_missed, not_weighed_two_months, two_t
from handlers.growth.zscore import classify_haz, classify_waz, classify_whz
from storage.models_growth import Child, ChildMeasurement
from storage.models_growth_followup import ChildFollowUp
from storage.repositories import child_followup, children

REASON_CODES = (
    "2t",
    "bb_sangat_kurang",
    "sangat_pendek",
    "pendek",
    "gizi_buruk",
    "gizi_kurang",
    "tidak_ditimbang_2bln",
)
STEPS = ("refer", "visit", "counsel")  # in the order shown
STEP_OF = {
    "2t": "refer",
    "bb_sangat_kurang": "refer",
    "sangat_pendek": "refer",
    "gizi_buruk": "refer",
    "pendek": "counsel",
    "gizi_kurang": "counsel",
    "tidak_ditimbang_2bln": "visit",
}


@dataclass(frozen=True)
class FollowUpReason:
    code: str  # one of REASON_CODES

    @property
    def step(self) -> str:
        return STEP_OF[self.code]


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _class(m: ChildMeasurement, index: str) -> str | None:
    """The stored Permenkes class of an index, else the class of its stored z-score."""
    stored = (m.classes or {}).get(index)
    if isinstance(stored, str):
        return stored
    z = getattr(m, index)
    if z is None:
        return None
    return {"waz": classify_waz, "haz": classify_haz, "whz": classify_whz, "bmiz": classify_whz}[index](z)


def reasons_for(history: Sequence[ChildMeasurement], month: dt.date) -> tuple[FollowUpReason, ...]:
    """Why a child needs follow-up in `month` (any day of it), from its measurements (oldest first;
    those after the month are ignored). Empty: no follow-up needed, or never weighed."""
    end = _month_end(month)
    seen = [m for m in history if m.measured_on <= end]
    if not seen:
        return ()
    last = seen[-1]
    codes: set[str] = set()
    if two_t([m.gain or "" for m in seen]):
        codes.add("2t")
    if _class(last, "waz") == "bb_sangat_kurang":
        codes.add("bb_sangat_kurang")
    haz = _class(last, "haz")
    if haz in ("sangat_pendek", "pendek"):
        codes.add(haz)
    nutrition = _class(last, "whz") or _class(last, "bmiz")
    if nutrition in ("gizi_buruk", "gizi_kurang"):
        codes.add(nutrition)
    if not_weighed_two_months(last.measured_on, month):
        codes.add("tidak_ditimbang_2bln")
    return tuple(FollowUpReason(code) for code in REASON_CODES if code in codes)


def steps_for(reasons: Iterable[FollowUpReason]) -> tuple[str, ...]:
    """The next steps for these reasons, each once; referral makes counselling at the Posyandu moot."""
    steps = {r.step for r in reasons}
    if "refer" in steps:
        steps.discard("counsel")
    return tuple(s for s in STEPS if s in steps)


@dataclass(frozen=True)
class Entry:
    """A child on the follow-up list: why, what next, the last measurement and this month's action."""

    child: Child
    reasons: tuple[FollowUpReason, ...]
    last: ChildMeasurement
    done: ChildFollowUp | None  # the latest action recorded this month

    @property
    def steps(self) -> tuple[str, ...]:
        return steps_for(self.reasons)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)


def _priority(entry: Entry) -> tuple[int, int, str, int]:
    """Not yet followed up first; then referrals, home visits, counselling; then by name."""
    first_step = STEPS.index(entry.steps[0]) if entry.steps else len(STEPS)
    return (entry.done is not None, first_step, entry.child.full_name.casefold(), entry.child.id)


def missed_months(entry: Entry, today: dt.date) -> int:
    return months_missed(entry.last.measured_on, today) or 0


async def followup_list(
    session: AsyncSession, posyandu_id: int, *, today: dt.date, since: dt.datetime
) -> list[Entry]:
    """The Posyandu's active children needing follow-up this month (`today`'s), with the action
    recorded since `since` (the local start of the month, in UTC), in the order to show them."""
    kids = await children.active(session, posyandu_id)
    ids = [c.id for c in kids]
    found = await child_followup.histories(session, ids)
    done = await child_followup.latest_since(session, ids, since)
    entries = []
    for child in kids:
        history = found.get(child.id, [])
        reasons = reasons_for(history, today)
        if reasons:
            entries.append(Entry(child, reasons, history[-1], done.get(child.id)))
    return sorted(entries, key=_priority)


async def entry_for(
    session: AsyncSession, child: Child, *, today: dt.date, since: dt.datetime
) -> Entry | None:
    """One child's follow-up entry, or None when it needs none (or was never weighed)."""
    history = (await child_followup.histories(session, [child.id])).get(child.id, [])
    reasons = reasons_for(history, today)
    if not reasons:
        return None
    done = (await child_followup.latest_since(session, [child.id], since)).get(child.id)
    return Entry(child, reasons, history[-1], done)


__all__ = [
    "REASON_CODES",
    "STEPS",
    "Entry",
    "FollowUpReason",
    "entry_for",
    "followup_list",
    "reasons_for",
    "steps_for",
]
