"""WHO z-scores per second (issue #17 target: ≥ 20,000/s), through `assess()` and through the real
command line `kaderbot zscore --batch`.

A "child" is one measurement (sex, age, weight, length/height, position) and gives up to four
z-scores (waz, haz, whz, bmiz); the target is read in z-scores/s as the issue words it, and the
stricter children/s is printed beside it.
The measurements are random but plausible (seeded), spread over 0–60 months, both sexes, lying
and standing, with and without a lying/standing mismatch.
- `assess()`: the median of three timed passes over the same children, in this process.
- CLI: the rate excludes interpreter start-up: the same command runs once with one child and once
  with all of them, and the rate is the extra children over the extra time (median of three pairs).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from handlers.growth import Measurement, assess

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))
CHILDREN = int(os.environ.get("BENCH_GROWTH_CHILDREN", "50000"))
TARGET = 20_000
PAIRS = 3


def children(n: int, seed: int = 17) -> list[Measurement]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        age = rng.randint(0, 1826)
        months = age / 30.4375
        height = 50 + 45 * (months / 60) ** 0.6 + rng.gauss(0, 3)
        weight = 3.3 + 14 * (months / 60) ** 0.7 + rng.gauss(0, 1.2)
        lying = rng.random() < (0.9 if age < 731 else 0.1)
        out.append(Measurement(rng.choice("mf"), age, round(max(weight, 1.5), 1), round(height, 1), lying))  # type: ignore[arg-type]
    return out


def _assess_rate(kids: list[Measurement]) -> tuple[float, int]:
    rates = []
    scores = 0
    for _ in range(3):
        started = time.perf_counter()
        results = [assess(m) for m in kids]
        rates.append(len(kids) / (time.perf_counter() - started))
        scores = sum(
            (r.waz is not None) + (r.haz is not None) + (r.whz is not None) + (r.bmiz is not None)
            for r in results
        )
    return statistics.median(rates), scores


def _run_cli(lines: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [KADERBOT, "zscore", "--batch"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    elapsed = time.perf_counter() - started
    if done.stdout.count("\n") != len(lines):
        raise RuntimeError("kaderbot zscore --batch did not answer every line")
    return elapsed


def _cli_rate(kids: list[Measurement]) -> float:
    lines = [
        json.dumps(
            {
                "sex": m.sex,
                "age_days": m.age_days,
                "weight_kg": m.weight_kg,
                "height_cm": m.height_cm,
                "lying": m.lying,
            }
        )
        for m in kids
    ]
    rates = []
    for _ in range(PAIRS):
        one = _run_cli(lines[:1])
        full = _run_cli(lines)
        rates.append((len(lines) - 1) / max(full - one, 1e-9))
    return statistics.median(rates)


def _verdict(per_second: float) -> str:
    return f"{'meets' if per_second >= TARGET else 'BELOW'} the target of {TARGET:,} z-scores/s"


def main() -> None:
    kids = children(CHILDREN)
    rate, scores = _assess_rate(kids)
    per_child = scores / len(kids)
    print(
        f"assess(): {rate:,.0f} children/s = {rate * per_child:,.0f} z-scores/s"
        f" — {_verdict(rate * per_child)}"
    )
    cli = _cli_rate(kids)
    print(
        f"kaderbot zscore --batch ({len(kids):,} lines, start-up excluded): {cli:,.0f} children/s"
        f" = {cli * per_child:,.0f} z-scores/s — {_verdict(cli * per_child)}"
    )


if __name__ == "__main__":
    main()
