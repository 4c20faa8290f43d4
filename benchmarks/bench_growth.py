"""WHO z-scores per second (issue #17 target: ≥ 20,000/s), through `assess()` and through the real
command line `kaderbot zscore --batch`; and a Posyandu day of 60 children typed as one pasted
message of 60 lines, answered by the conversation core on SQLite in under 1 s (issue #17).

A "child" is one measurement (sex, age, weight, length/height, position) and gives up to four
z-scores (waz, haz, whz, bmiz); the target is read in z-scores/s as the issue words it, and the
stricter children/s is printed beside it.
The measurements are random but plausible (seeded), spread over 0–60 months, both sexes, lying
and standing, with and without a lying/standing mismatch.
- `assess()`: the median of three timed passes over the same children, in this process.
- CLI: the rate excludes interpreter start-up: the same command runs once with one child and once
  with all of them, and the rate is the extra children over the extra time (median of three pairs).
- Paste: the demo database with 60 children on Posyandu Melati 1's register; its cadre opens
  /timbang, then the one message of 60 lines (`Nama 9,5 75`) goes through `Core.handle` — the time
  of that one call, median of PASTE_RUNS runs, each on a fresh copy of the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from handlers.growth import Measurement, assess

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))
CHILDREN = int(os.environ.get("BENCH_GROWTH_CHILDREN", "50000"))
TARGET = 20_000
PAIRS = 3
PASTE_CHILDREN = 60
PASTE_TARGET_S = 1.0
PASTE_RUNS = int(os.environ.get("BENCH_GROWTH_PASTE_RUNS", "5"))
PASTE_NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 WITA, a Posyandu day
FIRST = ("Aisyah Bagas Citra Dimas Eka Fajar Gita Hana Indra Joko Kirana Lutfi Maya Nanda Oki Putri Qori "
         "Rizky Sinta Teguh").split()  # fmt: skip
LAST = ("Pratama", "Lestari", "Saputra")


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


def paste_day() -> list[tuple[str, dt.date, float, float]]:
    """60 children of 12–58 months: (name, date of birth, weight near the WHO median, height)."""
    out = []
    for i in range(PASTE_CHILDREN):
        months = 12 + i * 46 // (PASTE_CHILDREN - 1)
        year, month = divmod(2026 * 12 + 10 - months, 12)
        name = f"{FIRST[i % len(FIRST)]} {LAST[i // len(FIRST)]}"
        out.append((name, dt.date(year, month + 1, 10), round(9.5 + (months - 12) * 0.19, 1),
                    round(75 + (months - 12) * 0.72, 1)))  # fmt: skip
    return out


async def _prepare_paste(url: str) -> None:
    from sqlalchemy import select

    from storage.db import open_database
    from storage.models import Posyandu
    from storage.repositories import children as register
    from storage.seed import seed_demo

    db = open_database(url)
    await seed_demo(db, now=PASTE_NOW)
    async with db.sessions() as session, session.begin():
        posyandu = (
            await session.execute(select(Posyandu.id).where(Posyandu.code == "PY-6402-0001"))
        ).scalar_one()
        for i, (name, born, _, _) in enumerate(paste_day()):
            values = {"full_name": name, "sex": "mf"[i % 2], "birth_date": born, "mother_name": f"Ibu {name}",
                      "mother_phone": None, "mother_nik_masked": None, "has_kia": True}  # fmt: skip
            await register.add(session, posyandu_id=posyandu, values=values, person_id=None, now=PASTE_NOW)  # type: ignore[arg-type]
    await db.dispose()


async def _paste_once(url: str) -> float:
    from bot.app import build
    from bot.settings import load_settings
    from handlers.types import Choice, Identity, IncomingEvent, Text

    kaderbot = build(load_settings(database_url=url), clock=lambda: PASTE_NOW)
    sari = Identity("console", "sari")  # the demo cadre of Posyandu Melati 1
    try:
        await kaderbot.core.handle(IncomingEvent(sari, text="/timbang", message_id="open"))
        pasted = "\n".join(f"{name} {w:g} {h:g}".replace(".", ",") for name, _, w, h in paste_day())
        started = time.perf_counter()
        outcome = await kaderbot.core.handle(IncomingEvent(sari, text=pasted, message_id="paste"))
        elapsed = time.perf_counter() - started
    finally:
        await kaderbot.close()
    answer = "\n".join(r.text for r in outcome.replies if isinstance(r, (Text, Choice)))
    if answer.count("✅") != PASTE_CHILDREN:
        raise RuntimeError(f"the paste was not taken whole: {answer[:500]}")
    return elapsed


def paste_seconds() -> list[float]:
    from storage.migrate import upgrade

    with tempfile.TemporaryDirectory() as folder:
        prepared = Path(folder) / "prepared.sqlite3"
        upgrade(f"sqlite+aiosqlite:///{prepared}")  # Alembic runs its own event loop, so outside ours
        asyncio.run(_prepare_paste(f"sqlite+aiosqlite:///{prepared}"))
        times = []
        for attempt in range(PASTE_RUNS):
            copy = Path(folder) / f"run-{attempt}.sqlite3"
            shutil.copy(prepared, copy)
            times.append(asyncio.run(_paste_once(f"sqlite+aiosqlite:///{copy}")))
    return times


def main() -> None:
    times = paste_seconds()
    median = statistics.median(times)
    verdict = "meets" if median < PASTE_TARGET_S else "BELOW"
    print(
        f"{PASTE_CHILDREN}-line paste through the core (SQLite): median {median * 1000:,.0f} ms of "
        f"{len(times)} runs (slowest {max(times) * 1000:,.0f} ms), target < {PASTE_TARGET_S:g} s"
        f" → {verdict} the target"
    )
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
