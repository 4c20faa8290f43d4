"""KMS N/T by the minimum weight gain (KBM) of the Buku KIA, O, B, 2T and months not weighed."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.growth.kms import (
    kbm_table,
    minimum_gain_g,
    months_missed,
    not_weighed_two_months,
    two_t,
    weight_gain_verdict,
)

D = dt.date


def test_kbm_table_is_the_buku_kia_sequence() -> None:
    # Buku KIA (2023) prints 800 900 800 600 500 400 300 200 along the months.
    assert [kbm_table()[m] for m in range(1, 13)] == [
        800,
        900,
        800,
        600,
        500,
        400,
        400,
        300,
        300,
        300,
        200,
        200,
    ]
    assert minimum_gain_g(24) == minimum_gain_g(59) == 200
    with pytest.raises(ValueError):
        minimum_gain_g(0)


@pytest.mark.parametrize(
    ("prev_kg", "kg", "age_months", "verdict"),
    [
        (4.0, 4.8, 1, "N"),  # exactly the KBM of 800 g at 1 month
        (4.0, 4.7, 1, "T"),  # 700 g < 800 g
        (5.0, 5.9, 2, "N"),
        (5.0, 5.8, 2, "T"),  # 800 g is enough at 1 and 3 months, not at 2 (900 g)
        (6.0, 6.8, 3, "N"),
        (7.0, 7.4, 7, "N"),
        (7.0, 7.3, 7, "T"),
        (8.0, 8.3, 9, "N"),
        (9.2, 9.4, 11, "N"),  # 200 g from 11 months on
        (12.0, 12.1, 30, "T"),
        (12.0, 12.0, 30, "T"),  # flat
        (12.0, 11.5, 30, "T"),  # falling
    ],
)
def test_naik_or_tidak_naik_by_kbm(prev_kg: float, kg: float, age_months: int, verdict: str) -> None:
    assert weight_gain_verdict(prev_kg, D(2026, 5, 14), kg, D(2026, 6, 11), age_months) == verdict


def test_first_weighing_is_b_and_a_missed_month_is_o() -> None:
    assert weight_gain_verdict(None, None, 7.0, D(2026, 6, 11), 5) == "B"
    assert weight_gain_verdict(6.0, D(2026, 4, 9), 7.0, D(2026, 6, 11), 5) == "O"
    # across the new year the previous month is December
    assert weight_gain_verdict(9.0, D(2025, 12, 10), 9.3, D(2026, 1, 14), 14) == "N"
    with pytest.raises(ValueError):
        weight_gain_verdict(9.0, D(2026, 6, 2), 9.3, D(2026, 6, 20), 14)


def test_two_t_over_several_months() -> None:
    weights = [(D(2026, 1, 8), 8.0), (D(2026, 2, 12), 8.4), (D(2026, 3, 12), 8.5), (D(2026, 4, 9), 8.5)]
    history: list[str] = []
    previous: tuple[dt.date, float] | None = None
    for month, (on, kg) in enumerate(weights, start=10):
        history.append(
            weight_gain_verdict(
                previous[1] if previous else None, previous[0] if previous else None, kg, on, month
            )
        )
        previous = (on, kg)
    assert history == ["B", "N", "T", "T"]
    assert two_t(history)
    assert not two_t(history[:3])
    assert not two_t(["T", "O", "T"])  # a missed month breaks the run
    assert not two_t(["T", "N"])


def test_not_weighed_for_two_months() -> None:
    assert months_missed(None, D(2026, 6, 1)) is None
    assert months_missed(D(2026, 6, 3), D(2026, 6, 30)) == 0
    assert not not_weighed_two_months(D(2026, 5, 3), D(2026, 6, 30))
    assert not_weighed_two_months(D(2026, 4, 3), D(2026, 6, 1))
    assert not_weighed_two_months(D(2025, 11, 20), D(2026, 1, 5))
    assert not not_weighed_two_months(None, D(2026, 1, 5))
