"""KMS weight-gain verdicts: N (naik), T (tidak naik), O (not weighed last month), B (first weighing).

Rules of the KMS in the Buku KIA (Permenkes 155/2010 on the KMS; Buku KIA 2023): a child weighed
this month and last month is N when the gain is at least the minimum gain for its age (KBM,
`data/kbm.tsv`), otherwise T (a flat or falling weight is T too); a child not weighed last month
is O, a child weighed for the first time B (as in the SKDN report, where N counts only children
weighed both months). 2T is two T in a row; "tidak ditimbang" counts the months missed since
the last weighing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Literal

Verdict = Literal["N", "T", "O", "B"]
KBM_FILE = Path(__file__).with_name("data") / "kbm.tsv"


@cache
def kbm_table() -> dict[int, int]:
    """Minimum monthly gain in grams by age in months (from `data/kbm.tsv`)."""
    out: dict[int, int] = {}
    lines = [ln for ln in KBM_FILE.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    for line in lines[1:]:
        age, grams = line.split("\t")
        out[int(age)] = int(grams)
    return out


def minimum_gain_g(age_months: int) -> int:
    """KBM for a child aged `age_months` (completed months) at this weighing."""
    table = kbm_table()
    if age_months < min(table):
        raise ValueError(f"no minimum gain before {min(table)} month(s) of age")
    return table[min(age_months, max(table))]


def _month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def months_missed(last_weighed: dt.date | None, month: dt.date) -> int | None:
    """Months after the last weighing up to and including `month` (None when never weighed)."""
    if last_weighed is None:
        return None
    return max(0, _month_index(month) - _month_index(last_weighed))


def not_weighed_two_months(last_weighed: dt.date | None, month: dt.date) -> bool:
    """True when the child missed the weighings of two months or more ("tidak ditimbang" 2 bulan)."""
    missed = months_missed(last_weighed, month)
    return missed is not None and missed >= 2


def weight_gain_verdict(
    prev_kg: float | None,
    prev_date: dt.date | None,
    kg: float,
    date: dt.date,
    age_months: int,
) -> Verdict:
    """N/T/O/B for this month's weight `kg` on `date`, given the child's previous weighing."""
    if prev_kg is None or prev_date is None:
        return "B"
    gap = _month_index(date) - _month_index(prev_date)
    if gap <= 0:
        raise ValueError("the previous weighing must be in an earlier month")
    if gap >= 2:
        return "O"
    gain_g = round((kg - prev_kg) * 1000)
    return "N" if gain_g >= minimum_gain_g(age_months) else "T"


def two_t(history: Sequence[str]) -> bool:
    """True when the last two verdicts (oldest first) are T, T — 2T, refer or visit."""
    return len(history) >= 2 and history[-1] == "T" and history[-2] == "T"
