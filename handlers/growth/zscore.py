"""WHO 2006 Child Growth Standards z-scores and Permenkes 2/2020 classes.

The computation follows WHO's own `anthro` R package (the code behind WHO Anthro):
age in whole days, 0–1826 (under 60 months); a length measured standing before 731 days gets
+0.7 cm, a height measured lying from 731 days −0.7 cm (a standing measure before 9 months is
treated as of unknown position); weight-for-length (45–110 cm) before 731 days, weight-for-height
(65–120 cm) from 731 days, interpolated between the 0.1 cm rows; BMI from the adjusted length;
WHO's restricted computation beyond ±3 SD for weight-for-age, weight-for-length/height and
BMI-for-age (not for length/height-for-age); z-scores rounded to two decimals; WHO's
implausibility flags (waz < −6 or > 5, haz < −6 or > 6, whz and bmiz < −5 or > 5) blank the
value. Tables and their source: `handlers/growth/data/SOURCE.md`.

Class codes (Permenkes 2/2020, Lampiran, Tabel kategori dan ambang batas status gizi anak):
BB/U `bb_sangat_kurang` < −3, `bb_kurang` −3 to < −2, `bb_normal` −2 to +1, `risiko_bb_lebih` > +1;
PB/U or TB/U `sangat_pendek` < −3, `pendek` −3 to < −2, `tb_normal` −2 to +3, `tinggi` > +3;
BB/PB or BB/TB and IMT/U `gizi_buruk` < −3, `gizi_kurang` −3 to < −2, `gizi_baik` −2 to +1,
`risiko_gizi_lebih` > +1 to +2, `gizi_lebih` > +2 to +3, `obesitas` > +3.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

DATA_DIR = Path(__file__).with_name("data")
DAYS_PER_MONTH = 30.4375
MAX_AGE_DAYS = 1826  # last day under 60 months (60 * 30.4375 = 1826.25)
LYING_UNTIL_DAYS = 731  # lying (length) before this age, standing (height) from it
MEASURE_SHIFT_CM = 0.7
STANDING_IMPLAUSIBLE_MONTHS = 9
WFL_RANGE = (45.0, 110.0)
WFH_RANGE = (65.0, 120.0)

WAZ_CLASSES = ("bb_sangat_kurang", "bb_kurang", "bb_normal", "risiko_bb_lebih")
HAZ_CLASSES = ("sangat_pendek", "pendek", "tb_normal", "tinggi")
WHZ_CLASSES = ("gizi_buruk", "gizi_kurang", "gizi_baik", "risiko_gizi_lebih", "gizi_lebih", "obesitas")
ALL_CLASSES = WAZ_CLASSES + HAZ_CLASSES + WHZ_CLASSES

Sex = Literal["m", "f"]
LMS = tuple[float, float, float]


@dataclass(frozen=True)
class Measurement:
    sex: Sex
    age_days: int
    weight_kg: float | None
    height_cm: float | None
    lying: bool | None


@dataclass(frozen=True)
class GrowthResult:
    waz: float | None = None
    haz: float | None = None
    whz: float | None = None
    bmiz: float | None = None
    waz_class: str | None = None
    haz_class: str | None = None
    whz_class: str | None = None
    bmiz_class: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Tables:
    wfa: dict[str, tuple[LMS, ...]]
    lhfa: dict[str, tuple[LMS, ...]]
    bmi: dict[str, tuple[LMS, ...]]
    wfl: dict[str, dict[int, LMS]]  # key: length in tenths of a cm
    wfh: dict[str, dict[int, LMS]]


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / f"{name}.txt").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _by_age(name: str) -> dict[str, tuple[LMS, ...]]:
    out: dict[str, list[LMS]] = {"m": [], "f": []}
    for row in _rows(name):
        sex = "m" if row["sex"] == "1" else "f"
        if int(row["age"]) != len(out[sex]):
            raise ValueError(f"{name}: ages not contiguous at {row['age']}")
        out[sex].append((float(row["l"]), float(row["m"]), float(row["s"])))
    return {sex: tuple(rows) for sex, rows in out.items()}


def _by_length(name: str, column: str) -> dict[str, dict[int, LMS]]:
    out: dict[str, dict[int, LMS]] = {"m": {}, "f": {}}
    for row in _rows(name):
        sex = "m" if row["sex"] == "1" else "f"
        out[sex][round(float(row[column]) * 10)] = (float(row["l"]), float(row["m"]), float(row["s"]))
    return out


@cache
def tables() -> _Tables:
    return _Tables(
        wfa=_by_age("weianthro"),
        lhfa=_by_age("lenanthro"),
        bmi=_by_age("bmianthro"),
        wfl=_by_length("wflanthro", "length"),
        wfh=_by_length("wfhanthro", "height"),
    )


def lms_z(y: float, lms: LMS) -> float:
    l, m, s = lms  # noqa: E741
    return ((y / m) ** l - 1) / (s * l)


def lms_z_restricted(y: float, lms: LMS) -> float:
    """WHO's restricted computation: beyond ±3 SD the distance is measured in units of the 2–3 SD gap."""
    z = lms_z(y, lms)
    if -3 <= z <= 3:
        return z
    l, m, s = lms  # noqa: E741

    def sd(k: float) -> float:
        return m * (1 + l * s * k) ** (1 / l)

    if z > 3:
        sd3 = sd(3)
        return 3 + (y - sd3) / (sd3 - sd(2))
    sd3neg = sd(-3)
    return -3 + (y - sd3neg) / (sd(-2) - sd3neg)


def adjusted_length(age_days: int, height_cm: float, lying: bool | None) -> float:
    """Length/height after WHO's ±0.7 cm correction for a lying/standing mismatch with the age."""
    if lying is False and age_days < LYING_UNTIL_DAYS:
        return height_cm + MEASURE_SHIFT_CM
    if lying is True and age_days >= LYING_UNTIL_DAYS:
        return height_cm - MEASURE_SHIFT_CM
    return height_cm


def _interpolated(table: dict[int, LMS], length_cm: float) -> LMS | None:
    low = math.trunc(length_cm * 10)
    upp = math.trunc(length_cm * 10 + 1)
    diff = (length_cm - low / 10) / 0.1
    lower = table.get(low)
    if lower is None:
        return None
    if diff <= 0:
        return lower
    upper = table.get(upp)
    if upper is None:
        return None
    return (
        lower[0] + diff * (upper[0] - lower[0]),
        lower[1] + diff * (upper[1] - lower[1]),
        lower[2] + diff * (upper[2] - lower[2]),
    )


def classify_waz(z: float) -> str:
    """BB/U: < −3, −3 to < −2, −2 to +1, > +1."""
    if z < -3:
        return "bb_sangat_kurang"
    if z < -2:
        return "bb_kurang"
    return "bb_normal" if z <= 1 else "risiko_bb_lebih"


def classify_haz(z: float) -> str:
    """PB/U or TB/U: < −3, −3 to < −2, −2 to +3, > +3."""
    if z < -3:
        return "sangat_pendek"
    if z < -2:
        return "pendek"
    return "tb_normal" if z <= 3 else "tinggi"


def classify_whz(z: float) -> str:
    """BB/PB or BB/TB (and IMT/U): < −3, −3 to < −2, −2 to +1, > +1 to +2, > +2 to +3, > +3."""
    if z < -3:
        return "gizi_buruk"
    if z < -2:
        return "gizi_kurang"
    if z <= 1:
        return "gizi_baik"
    if z <= 2:
        return "risiko_gizi_lebih"
    return "gizi_lebih" if z <= 3 else "obesitas"


classify_bmiz = classify_whz


def _r2(z: float) -> float:
    return round(z, 2) + 0.0  # two decimals as WHO reports them; never -0.0


def assess(m: Measurement) -> GrowthResult:
    """Z-scores and Permenkes 2/2020 classes for one measurement."""
    sex, age, weight, height, lying = m.sex, m.age_days, m.weight_kg, m.height_cm, m.lying
    if sex != "m" and sex != "f":
        raise ValueError(f"sex must be 'm' or 'f', not {sex!r}")
    if age < 0 or age > MAX_AGE_DAYS:
        return GrowthResult(flags=("age_out_of_range",))
    t = tables()
    flags: list[str] = []
    if weight is not None and not weight > 0:
        weight = None
    if height is not None and not height > 0:
        height = None
    if lying is False and age < STANDING_IMPLAUSIBLE_MONTHS * DAYS_PER_MONTH:
        flags.append("standing_under_9_months")
        lying = None

    waz = haz = whz = bmiz = None
    waz_class = haz_class = whz_class = bmiz_class = None
    if weight is not None:
        waz = _r2(lms_z_restricted(weight, t.wfa[sex][age]))
        if waz < -6 or waz > 5:
            flags.append("waz_implausible")
            waz = None
        else:
            waz_class = classify_waz(waz)
    if height is not None:
        length = adjusted_length(age, height, lying)
        haz = _r2(lms_z(length, t.lhfa[sex][age]))
        if haz < -6 or haz > 6:
            flags.append("haz_implausible")
            haz = None
        else:
            haz_class = classify_haz(haz)
        if weight is not None:
            if age < LYING_UNTIL_DAYS:
                lms = _interpolated(t.wfl[sex], length) if WFL_RANGE[0] <= length <= WFL_RANGE[1] else None
            else:
                lms = _interpolated(t.wfh[sex], length) if WFH_RANGE[0] <= length <= WFH_RANGE[1] else None
            if lms is not None:
                whz = _r2(lms_z_restricted(weight, lms))
                if whz < -5 or whz > 5:
                    flags.append("whz_implausible")
                    whz = None
                else:
                    whz_class = classify_whz(whz)
            metres = length / 100
            bmiz = _r2(lms_z_restricted(weight / (metres * metres), t.bmi[sex][age]))
            if bmiz < -5 or bmiz > 5:
                flags.append("bmiz_implausible")
                bmiz = None
            else:
                bmiz_class = classify_whz(bmiz)
    return GrowthResult(waz, haz, whz, bmiz, waz_class, haz_class, whz_class, bmiz_class, tuple(flags))
