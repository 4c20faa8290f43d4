"""WHO 2006 z-scores against WHO's own published outputs; Permenkes 2/2020 classes; WHO flags.

Reference data: tests/data/growth/who_igrowup_survey_z_rc.csv — WHO's igrowup output for its
sample survey (source in the file's header) — and the expected values of WHO's `anthro` R package
tests (https://github.com/WorldHealthOrganization/anthro/tree/b776d8a1/tests/testthat).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.growth import GrowthResult, Measurement, assess
from handlers.growth.zscore import (
    HAZ_CLASSES,
    WAZ_CLASSES,
    WHZ_CLASSES,
    classify_bmiz,
    classify_haz,
    classify_waz,
    classify_whz,
)

REFERENCE = Path(__file__).parent / "data" / "growth" / "who_igrowup_survey_z_rc.csv"
COLUMNS = (
    ("waz", "_ZWEI", "_FWEI"),
    ("haz", "_ZLEN", "_FLEN"),
    ("whz", "_ZWFL", "_FWFL"),
    ("bmiz", "_ZBMI", "_FBMI"),
)


def _reference_rows() -> list[dict[str, str]]:
    with REFERENCE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    # WHO's current anthro computes only under 60 months (igrowup went to 1856 days); oedema
    # blanks the weight-based indices and is not recorded by KaderBot.
    return [r for r in rows if r["oedema"] == "n" and r["_agedays"] and float(r["agemons"]) < 60]


ROWS = _reference_rows()


def _measurement(row: dict[str, str]) -> Measurement:
    return Measurement(
        sex="m" if row["GENDER"] == "1" else "f",
        age_days=int(row["_agedays"]),
        weight_kg=float(row["WEIGHT"]) if row["WEIGHT"] else None,
        height_cm=float(row["HEIGHT"]) if row["HEIGHT"] else None,
        lying={"l": True, "h": False}.get(row["measure"]),
    )


def test_reference_set_covers_ages_sexes_and_positions() -> None:
    assert len(ROWS) >= 400
    ages = [int(r["_agedays"]) for r in ROWS]
    assert min(ages) == 0 and max(ages) > 1800
    assert {r["GENDER"] for r in ROWS} == {"1", "2"}
    assert {r["measure"] for r in ROWS} >= {"l", "h"}
    mismatched = [r for r in ROWS if (r["measure"] == "h") == (int(r["_agedays"]) < 731) and r["measure"]]
    assert len(mismatched) >= 40  # the ±0.7 cm correction is exercised
    beyond_3 = [r for r in ROWS for _, z, _ in COLUMNS if r[z] and abs(float(r[z])) > 3]
    assert len(beyond_3) >= 10  # WHO's restricted computation beyond ±3 SD is exercised


@pytest.mark.parametrize("row", ROWS, ids=[r["id"] for r in ROWS])
def test_matches_who_igrowup_output(row: dict[str, str]) -> None:
    result = assess(_measurement(row))
    for name, z_col, flag_col in COLUMNS:
        ours = getattr(result, name)
        expected = float(row[z_col]) if row[z_col] and row[flag_col] != "1" else None
        if expected is None:
            assert ours is None, name
        else:
            assert ours == pytest.approx(expected, abs=0.01), name
        classify = {"waz": classify_waz, "haz": classify_haz, "whz": classify_whz, "bmiz": classify_bmiz}[
            name
        ]
        assert getattr(result, f"{name}_class") == (None if expected is None else classify(expected))


def test_who_anthro_package_expected_values() -> None:
    # weight-for-age, girl of 1522 days, 17 kg → 0.24
    assert assess(Measurement("f", 1522, 17.0, None, None)).waz == 0.24
    # length-for-age, boy of 44 days, 50 cm → ((50 / 56.4833) − 1) / 0.03492
    assert assess(Measurement("m", 44, None, 50.0, True)).haz == round((50 / 56.4833 - 1) / 0.03492, 2)
    # 24 months (731 days), girl, 77.5 cm of unknown position → −2.55
    assert assess(Measurement("f", 731, None, 77.5, None)).haz == -2.55
    # 9 months (274 days), boy measured standing 60 cm → +0.7 cm → −5.02
    assert assess(Measurement("m", 274, None, 60.0, False)).haz == -5.02


def test_length_for_age_is_not_restricted_and_flagged_beyond_6() -> None:
    # WHO anthro: boy of 987 days, 72.86 cm lying → 72.16 cm standing → haz −6.09, flagged.
    result = assess(Measurement("m", 987, None, 72.86, True))
    assert result.haz is None and result.haz_class is None
    assert "haz_implausible" in result.flags


def test_weight_for_age_flag_is_asymmetric() -> None:
    # WHO anthro: girl of 1 day, 10.37 kg → waz above +5, flagged.
    heavy = assess(Measurement("f", 1, 10.37, None, None))
    assert heavy.waz is None and heavy.flags == ("waz_implausible",)
    # waz between −6 and −5 is kept (the lower WHO bound for weight-for-age is −6).
    light = assess(Measurement("m", 365, 5.0, None, None))
    assert light.waz is not None and -6 <= light.waz < -5
    assert light.waz_class == "bb_sangat_kurang" and light.flags == ()


def test_weight_for_height_and_bmi_flags_beyond_5() -> None:
    result = assess(Measurement("m", 1000, 30.0, 90.0, False))
    assert result.whz is None and result.bmiz is None
    assert {"whz_implausible", "bmiz_implausible"} <= set(result.flags)
    assert result.haz is not None  # height itself is plausible


def test_standing_under_9_months_is_not_corrected() -> None:
    # WHO anthro: boy of 8 months (244 days) standing 60 cm → no +0.7 → −4.81 (within 0.01).
    result = assess(Measurement("m", 244, None, 60.0, False))
    assert result.haz == pytest.approx(-4.81, abs=0.01)
    assert "standing_under_9_months" in result.flags
    assert result.haz == assess(Measurement("m", 244, None, 60.0, None)).haz


@pytest.mark.parametrize(
    ("age_days", "lying", "height", "same_as"),
    [
        (700, False, 80.0, (True, 80.7)),  # standing before 731 days: +0.7 cm
        (730, False, 80.0, (True, 80.7)),  # 730 days still counts as lying age
        (731, True, 86.7, (False, 86.0)),  # lying from 731 days: −0.7 cm
        (1500, True, 100.7, (False, 100.0)),
    ],
)
def test_lying_standing_adjustment(
    age_days: int, lying: bool, height: float, same_as: tuple[bool, float]
) -> None:
    measured = assess(Measurement("f", age_days, 11.0, height, lying))
    reference = assess(Measurement("f", age_days, 11.0, same_as[1], same_as[0]))
    assert measured == reference
    # and the adjustment matters: without it the z-scores differ
    unadjusted = assess(Measurement("f", age_days, 11.0, height, None))
    assert unadjusted.haz != measured.haz


def test_weight_for_length_switches_to_height_table_at_731_days() -> None:
    # 80 cm of unknown position: before 731 days it is a length (weight-for-length table), from
    # 731 days a height (weight-for-height table, whose curves sit 0.7 cm apart).
    at_730 = assess(Measurement("m", 730, 10.0, 80.0, None))
    at_731 = assess(Measurement("m", 731, 10.0, 80.0, None))
    assert at_730.whz is not None and at_731.whz is not None
    assert at_731.whz < at_730.whz  # the height table expects a heavier child at 80 cm
    # a standing 80 cm at 730 days is the lying 80.7 cm
    assert (
        assess(Measurement("m", 730, 10.0, 80.0, False)).whz
        == assess(Measurement("m", 730, 10.0, 80.7, True)).whz
    )


def test_weight_for_height_outside_table_is_not_applicable() -> None:
    assert assess(Measurement("m", 1500, 20.0, 121.0, False)).whz is None  # wfh: 65–120 cm
    assert assess(Measurement("m", 0, 2.0, 44.0, True)).whz is None  # wfl: 45–110 cm
    assert assess(Measurement("m", 0, 2.0, 44.0, True)).haz is not None


def test_age_limits() -> None:
    assert assess(Measurement("m", 1826, 18.0, 110.0, False)).waz is not None  # 59.99 months
    over = assess(Measurement("m", 1827, 18.0, 110.0, False))
    assert over == GrowthResult(flags=("age_out_of_range",))
    assert assess(Measurement("m", -1, 3.0, None, None)).flags == ("age_out_of_range",)


@pytest.mark.parametrize(
    ("z", "code"),
    [(-3.01, "bb_sangat_kurang"), (-3.0, "bb_kurang"), (-2.01, "bb_kurang"), (-2.0, "bb_normal"),
     (1.0, "bb_normal"), (1.01, "risiko_bb_lebih")],
)  # fmt: skip
def test_weight_for_age_classes_at_boundaries(z: float, code: str) -> None:
    assert classify_waz(z) == code


@pytest.mark.parametrize(
    ("z", "code"),
    [(-3.01, "sangat_pendek"), (-3.0, "pendek"), (-2.01, "pendek"), (-2.0, "tb_normal"),
     (3.0, "tb_normal"), (3.01, "tinggi")],
)  # fmt: skip
def test_height_for_age_classes_at_boundaries(z: float, code: str) -> None:
    assert classify_haz(z) == code


@pytest.mark.parametrize(
    ("z", "code"),
    [(-3.01, "gizi_buruk"), (-3.0, "gizi_kurang"), (-2.01, "gizi_kurang"), (-2.0, "gizi_baik"),
     (1.0, "gizi_baik"), (1.01, "risiko_gizi_lebih"), (2.0, "risiko_gizi_lebih"), (2.01, "gizi_lebih"),
     (3.0, "gizi_lebih"), (3.01, "obesitas")],
)  # fmt: skip
def test_weight_for_height_and_bmi_classes_at_boundaries(z: float, code: str) -> None:
    assert classify_whz(z) == code
    assert classify_bmiz(z) == code


@given(
    sex=st.sampled_from(["m", "f"]),
    age=st.integers(0, 1826),
    weight=st.floats(0.5, 40, allow_nan=False),
    height=st.floats(35, 130, allow_nan=False),
    lying=st.sampled_from([True, False, None]),
)
def test_any_measurement_gives_bounded_scores_and_matching_classes(
    sex: str, age: int, weight: float, height: float, lying: bool | None
) -> None:
    result = assess(Measurement(sex, age, weight, height, lying))  # type: ignore[arg-type]
    bounds = {"waz": (-6, 5), "haz": (-6, 6), "whz": (-5, 5), "bmiz": (-5, 5)}
    classes = {"waz": WAZ_CLASSES, "haz": HAZ_CLASSES, "whz": WHZ_CLASSES, "bmiz": WHZ_CLASSES}
    for name, (low, high) in bounds.items():
        z = getattr(result, name)
        code = getattr(result, f"{name}_class")
        if z is None:
            assert code is None
        else:
            assert low <= z <= high and round(z, 2) == z
            assert code in classes[name]
    assert result.waz is not None or "waz_implausible" in result.flags
