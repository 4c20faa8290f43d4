"""Weighing day: lines as cadres type them (`Aisyah 9,2 74,5`), a child found by name within the
Posyandu, values checked, and a measurement stored with its z-scores, classes and KMS verdict.

A value that cannot be a balita's (92 kg, 7 cm) is refused with the reason; one that is possible but
unlikely (WHO's implausibility flags, a weight change beyond what a month allows, a child shorter
than last month) is questioned: the cadre keeps it or types the line again."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.forms.dates import month_start, shift_months
from handlers.growth.kms import kbm_table, weight_gain_verdict
from handlers.growth.register import age_months
from handlers.growth.zscore import Measurement, assess
from storage.models_growth import Child, ChildMeasurement
from storage.repositories import children

WEIGHT_KG = (1.0, 40.0)  # what a balita can weigh
HEIGHT_CM = (40.0, 130.0)
MUAC_CM = (7.0, 30.0)
HEAD_CM = (28.0, 60.0)
LYING_BELOW_DAYS = 731  # WHO: recumbent length under 24 months (730 days old still lies down)
# Beyond these in a month a change is questioned: a balita gains at most ~1.5 kg in its first month
# and never loses a fifth of its weight in a month without being gravely ill (then the cadre confirms).
MAX_GAIN_KG_PER_MONTH = 1.5
MAX_LOSS_SHARE_PER_MONTH = 0.15
MAX_SHRINK_CM = 1.5
FUZZY_CUTOFF = 0.8
# WHO's flags (handlers/growth/zscore.py) with their own explanation; any other is named as it is.
KNOWN_FLAGS = frozenset(
    {"waz_implausible", "haz_implausible", "whz_implausible", "bmiz_implausible", "standing_under_9_months"}
)

_NUMBER = re.compile(r"^\d{1,3}(?:[.,]\d{1,2})?$")
_LYING = {"baring", "berbaring", "terlentang", "lying", "pb"}
_STANDING = {"berdiri", "standing", "tb"}


class LineProblem(Exception):
    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Line:
    """One typed line: a name and the numbers after it (weight, height, LiLA, head)."""

    name: str
    weight: float
    height: float | None = None
    muac: float | None = None
    head: float | None = None
    lying: bool | None = None  # said on the line ('berdiri'), else by age


def read_number(token: str) -> float:
    return float(token.replace(",", "."))


def parse_line(text: str) -> Line:
    """`Aisyah 9,2 74,5`, `Budi Santoso 11.4 82 berdiri`, `Siti 7,8 66 13,5 42`."""
    tokens = text.replace("kg", " ").replace("cm", " ").split()
    name_words: list[str] = []
    numbers: list[float] = []
    lying: bool | None = None
    for token in tokens:
        word = token.casefold().strip(".:;-")
        if word in _LYING:
            lying = True
        elif word in _STANDING:
            lying = False
        elif _NUMBER.match(token):
            numbers.append(read_number(token))
        elif numbers:
            raise LineProblem("weighing.err.line_format")
        elif word:
            name_words.append(token)
    if not name_words:
        raise LineProblem("weighing.err.no_name")
    if not numbers:
        raise LineProblem("weighing.err.no_weight")
    if len(numbers) > 4:
        raise LineProblem("weighing.err.line_format")
    padded = [*numbers, None, None, None][:4]
    return Line(" ".join(name_words), padded[0], padded[1], padded[2], padded[3], lying)  # type: ignore[arg-type]


def find_child(kids: list[Child], name: str) -> list[Child]:
    """The children a typed name means: the full name, else a unique first word or a name that
    starts with what was typed, else the close spellings ('Aisya' for 'Aisyah'). Several: ambiguous."""
    typed = " ".join(name.casefold().split())
    exact = [c for c in kids if c.full_name.casefold() == typed]
    if exact:
        return exact
    starts = [
        c for c in kids if c.full_name.casefold().startswith(typed + " ") or c.full_name.casefold() == typed
    ]
    if starts:
        return starts
    prefix = [c for c in kids if c.full_name.casefold().startswith(typed)]
    if prefix:
        return prefix
    scored: list[tuple[float, Child]] = []
    for c in kids:
        full = c.full_name.casefold()
        candidates = [full, *full.split(), " ".join(full.split()[: len(typed.split())])]
        score = max(difflib.SequenceMatcher(None, typed, cand).ratio() for cand in candidates)
        if score >= FUZZY_CUTOFF:
            scored.append((score, c))
    if not scored:
        return []
    best = max(s for s, _ in scored)
    return [c for s, c in scored if s >= best - 0.05]


def check_bounds(line: Line) -> None:
    """Refuse what cannot be a balita's measurement (a slipped comma: '92' for 9,2)."""
    if not WEIGHT_KG[0] <= line.weight <= WEIGHT_KG[1]:
        raise LineProblem("weighing.err.weight_range", low=f"{WEIGHT_KG[0]:g}", high=f"{WEIGHT_KG[1]:g}")
    if line.height is not None and not HEIGHT_CM[0] <= line.height <= HEIGHT_CM[1]:
        raise LineProblem("weighing.err.height_range", low=f"{HEIGHT_CM[0]:g}", high=f"{HEIGHT_CM[1]:g}")
    if line.muac is not None and not MUAC_CM[0] <= line.muac <= MUAC_CM[1]:
        raise LineProblem("weighing.err.muac_range", low=f"{MUAC_CM[0]:g}", high=f"{MUAC_CM[1]:g}")
    if line.head is not None and not HEAD_CM[0] <= line.head <= HEAD_CM[1]:
        raise LineProblem("weighing.err.head_range", low=f"{HEAD_CM[0]:g}", high=f"{HEAD_CM[1]:g}")


def lying_by_age(child: Child, on: dt.date) -> bool:
    return (on - child.birth_date).days < LYING_BELOW_DAYS


@dataclass
class Assessed:
    """A measurement ready to store, and what in it is doubtful (message keys with parameters)."""

    child_id: int
    values: dict[str, Any]
    doubts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def assess_line(child: Child, line: Line, on: dt.date, previous: ChildMeasurement | None) -> Assessed:
    """Z-scores, classes and the KMS verdict for a line, and the doubts to put to the cadre."""
    lying = line.lying if line.lying is not None else lying_by_age(child, on)
    age_days = (on - child.birth_date).days
    result = assess(
        Measurement(
            sex=child.sex, age_days=age_days, weight_kg=line.weight, height_cm=line.height, lying=lying
        )  # type: ignore[arg-type]
    )
    doubts: list[tuple[str, dict[str, Any]]] = [
        (f"weighing.doubt.{flag}", {}) if flag in KNOWN_FLAGS else ("weighing.doubt.flag", {"flag": flag})
        for flag in result.flags
    ]
    months = age_months(child.birth_date, on)
    if previous is not None and previous.weight_kg is not None:
        span = max((on - previous.measured_on).days / 30.4, 1.0)
        change = line.weight - previous.weight_kg
        if (
            change > MAX_GAIN_KG_PER_MONTH * span
            or -change > MAX_LOSS_SHARE_PER_MONTH * previous.weight_kg * span
        ):
            doubts.append(
                ("weighing.doubt.weight_change", {"before": previous.weight_kg, "date": previous.measured_on})
            )
        if (
            line.height is not None
            and previous.height_cm is not None
            and previous.height_cm - line.height > MAX_SHRINK_CM
        ):
            doubts.append(("weighing.doubt.shorter", {"before": previous.height_cm}))
    gain = weight_gain_verdict(
        previous.weight_kg if previous else None,
        previous.measured_on if previous else None,
        line.weight,
        on,
        max(months, min(kbm_table())),  # a newborn weighed twice in its first month: the first KBM
    )
    classes = {
        "waz": result.waz_class,
        "haz": result.haz_class,
        "whz": result.whz_class,
        "bmiz": result.bmiz_class,
    }
    if result.flags:
        classes["flags"] = list(result.flags)
    values = {
        "measured_on": on,
        "weight_kg": line.weight,
        "height_cm": line.height,
        "lying": lying if line.height is not None else None,
        "muac_cm": line.muac,
        "head_cm": line.head,
        "waz": result.waz,
        "haz": result.haz,
        "whz": result.whz,
        "bmiz": result.bmiz,
        "classes": classes,
        "gain": gain,
    }
    return Assessed(child.id, values, doubts)


async def previous_for(
    session: AsyncSession, child_ids: list[int], on: dt.date
) -> dict[int, ChildMeasurement]:
    """Each child's latest measurement before this month: what this month's weight is judged against."""
    return await children.last_before(session, child_ids, month_start(on))


async def this_month(session: AsyncSession, child_ids: list[int], on: dt.date) -> dict[int, ChildMeasurement]:
    month = month_start(on)
    return await children.in_month(session, child_ids, month, shift_months(month, 1))


def store(
    session: AsyncSession,
    assessed: Assessed,
    existing: ChildMeasurement | None,
    *,
    person_id: int,
    now: dt.datetime,
) -> ChildMeasurement:
    """Store the month's measurement of a child; a second one the same month (`existing`) is a
    correction and replaces the first."""
    if existing is not None:
        for column, value in assessed.values.items():
            setattr(existing, column, value)
        existing.recorded_by, existing.recorded_at = person_id, now
        return existing
    measurement = ChildMeasurement(
        child_id=assessed.child_id, recorded_by=person_id, recorded_at=now, **assessed.values
    )
    session.add(measurement)
    return measurement
