"""Updates per second through the conversation core on SQLite: many cadres registering and filing a full
monthly report, their messages interleaved. Target (issue #2): ≥ 2,000 updates/s, one core."""

from __future__ import annotations

import asyncio
import cProfile
import datetime as dt
import gc
import os
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

from bot.app import build
from bot.settings import load_settings
from handlers.core import Core
from handlers.types import Choice, Identity, IncomingEvent, Reply
from storage.migrate import upgrade
from storage.models import Posyandu, Region

CADRES = int(os.environ.get("BENCH_CADRES", "1000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "1"))
# The channel the cadres write on. "bench" keeps no replies for sending; "telegram" or "whatsapp" also
# writes each turn's replies in its transaction (durable replies, bot/replies.py), as they do live.
CHANNEL = os.environ.get("BENCH_CHANNEL", "bench")
# Runs on fresh copies of the same prepared database; the verdict takes the median (this machine's
# wall clock varies by ±15 % from one run to the next).
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
TARGET = 2000.0
# BENCH_PROFILE=file: cProfile over the bench's own loop, written to that file (the per-update CPU
# breakdown: `python -c "import pstats; pstats.Stats('file').sort_stats('tottime').print_stats(30)"`).
# The profiler itself slows the run some threefold; its figures are shares, not speeds.
PROFILE = os.environ.get("BENCH_PROFILE")
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 WITA

Step = tuple[str, str]  # ("say", text) or ("press", label)


def script(index: int) -> list[Step]:
    desa = index // 20
    steps: list[Step] = [
        ("say", "/start"),
        ("press", "Bahasa Indonesia"),
        ("press", "Setuju"),
        ("press", "Saya kader Posyandu"),
        ("say", f"Kader Nomor {index}"),
        ("say", f"0812{index:08d}"),
        ("press", "Kabupaten Bench"),
        ("press", f"Kecamatan {desa // 10:02d}"),
        ("press", f"Desa {desa:03d}"),
        ("press", f"Posyandu {index:04d}"),
        ("press", "Anggota"),
        ("press", "✅ Kirim"),
        ("say", "/lapor"),
        ("press", "November 2026"),
        ("press", "Ya, di tempat biasa"),
        ("say", "12"),
    ]
    # Vitamin A is given in February and August: 0 in November (a count there is questioned).
    steps += [("say", v) for v in ("40", "35", "32", "28", "6", "32", "4", "10", "12", "2", "9", "0")]
    steps += [("say", "Lancar"), ("press", "Lewati"), ("press", "✅ Kirim")]
    return steps


async def prepare(url: str) -> None:
    from storage.db import open_database

    db = open_database(url)
    async with db.sessions() as session, session.begin():
        session.add(Region(code="99", parent_code=None, level="provinsi", name="Provinsi Bench"))
        session.add(Region(code="99.01", parent_code="99", level="kabupaten", name="Kabupaten Bench"))
        desas = (CADRES + 19) // 20
        for kec in range((desas + 9) // 10):
            session.add(
                Region(
                    code=f"99.01.{kec:02d}",
                    parent_code="99.01",
                    level="kecamatan",
                    name=f"Kecamatan {kec:02d}",
                )
            )
        await session.flush()
        for desa in range(desas):
            code = f"99.01.{desa // 10:02d}.{2000 + desa}"
            session.add(
                Region(
                    code=code, parent_code=f"99.01.{desa // 10:02d}", level="desa", name=f"Desa {desa:03d}"
                )
            )
        await session.flush()
        for index in range(CADRES):
            desa = index // 20
            session.add(
                Posyandu(
                    code=f"B-{index}",
                    region_code=f"99.01.{desa // 10:02d}.{2000 + desa}",
                    name=f"Posyandu {index:04d}",
                )
            )
    await db.dispose()


async def play(
    core: Core, items: list[tuple[int, Step]], last: dict[int, list[Reply]], latencies: list[float]
) -> None:
    """One lane of cadres' steps through the core, in order; buttons pressed by label from `last`."""
    for count, (index, (kind, value)) in enumerate(items):
        who = Identity(CHANNEL, f"c{index}")
        mid = f"{index}-{kind}-{count}-{id(items)}"
        if kind == "say":
            event = IncomingEvent(who, text=value, message_id=mid)
        else:
            event = IncomingEvent(who, payload=payload_for(last[index], value), message_id=mid)
        t0 = time.perf_counter()
        outcome = await core.handle(event)
        latencies.append(time.perf_counter() - t0)
        last[index] = outcome.replies


def payload_for(replies: list[Reply], label: str) -> str:
    for reply in reversed(replies):
        if isinstance(reply, Choice):
            for option in reply.options:
                if option.label == label:
                    return option.payload
    raise LookupError(f"{label!r} not offered: {replies!r}")


def interleaved() -> Iterator[tuple[int, Step]]:
    scripts = [script(i) for i in range(CADRES)]
    for position in range(max(len(s) for s in scripts)):
        for index, steps in enumerate(scripts):
            if position < len(steps):
                yield index, steps[position]


async def run(url: str) -> float:
    kaderbot = build(load_settings(database_url=url), clock=lambda: NOW)
    # As `kaderbot run` does once started (bot/web.py): what start-up built is frozen out of the
    # collector's sight, so a full collection does not walk it in the middle of a turn.
    gc.collect()
    gc.freeze()
    last: dict[int, list[Reply]] = {}
    latencies: list[float] = []
    tracemalloc_on = os.environ.get("BENCH_TRACEMALLOC") == "1"
    if tracemalloc_on:
        tracemalloc.start()
    steps = list(interleaved())
    # Several people write at the same moment, as on a deadline day; each person's own messages
    # stay in order because a person's next message is sent only after the reply to the last one.
    lanes = [[step for step in steps if step[0] % CONCURRENCY == lane] for lane in range(CONCURRENCY)]

    async def lane(items: list[tuple[int, Step]]) -> None:
        await play(kaderbot.core, items, last, latencies)

    profile = cProfile.Profile() if PROFILE else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    await asyncio.gather(*(lane(items) for items in lanes))
    if profile is not None:
        profile.disable()
        profile.dump_stats(PROFILE)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = tracemalloc.get_traced_memory()[1] if tracemalloc_on else 0
    tracemalloc.stop()
    from sqlalchemy import func, select

    from storage.models import MonthlyReport

    async with kaderbot.db.sessions() as session:
        stored = (await session.execute(select(func.count()).select_from(MonthlyReport))).scalar_one()
    await kaderbot.close()
    gc.unfreeze()  # the next run builds its own bot: let this one be collected
    latencies.sort()
    rate = len(latencies) / elapsed
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # CPU time is steadier than the wall clock on a machine shared with other work.
    print(
        f"run: {rate:,.0f} updates/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
        f"CPU {cpu / len(latencies) * 1000:.3f} ms per update "
        f"({len(latencies)} updates from {CADRES} cadres on {CHANNEL}, {CONCURRENCY} sender(s), "
        f"{stored} reports stored; "
        f"peak RSS {rss:.0f} MB" + (f", traced {peak / 1e6:.1f} MB" if peak else "") + ")"
    )
    return rate


async def storage_floor(url: str, transactions: int = 2000) -> tuple[float, float]:
    """What each turn cost in storage alone before storage/turns.py (and still does on the pooled path):
    the three statements every update needs at least (record the message id, read the person's
    state, write it back) and a commit, through SQLAlchemy's async session, nothing else."""
    from sqlalchemy import text

    from storage.db import open_database

    db = open_database(url)
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE floor_state (id INTEGER PRIMARY KEY, state TEXT)"))
        await connection.execute(text("CREATE TABLE floor_seen (id TEXT PRIMARY KEY)"))
        await connection.execute(text("INSERT INTO floor_state VALUES (1, '{}')"))
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(transactions):
        async with db.sessions() as session, session.begin():
            await session.execute(text("INSERT INTO floor_seen VALUES (:id)"), {"id": str(i)})
            (await session.execute(text("SELECT state FROM floor_state WHERE id = 1"))).scalar_one()
            await session.execute(text("UPDATE floor_state SET state = :s WHERE id = 1"), {"s": str(i)})
    rate = transactions / (time.perf_counter() - started)
    cpu = (time.process_time() - cpu_started) / transactions
    await db.dispose()
    return rate, cpu


def sqlite_floor(path: Path, transactions: int = 5000) -> tuple[float, float]:
    """The same three statements and commit straight on sqlite3 with KaderBot's pragmas: the floor no
    turn on the embedded database can go below."""
    import sqlite3

    connection = sqlite3.connect(path)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("CREATE TABLE floor_state (id INTEGER PRIMARY KEY, state TEXT)")
    connection.execute("CREATE TABLE floor_seen (id TEXT PRIMARY KEY)")
    connection.execute("INSERT INTO floor_state VALUES (1, '{}')")
    connection.commit()
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(transactions):
        connection.execute("INSERT INTO floor_seen VALUES (?)", (str(i),))
        connection.execute("SELECT state FROM floor_state WHERE id = 1").fetchone()
        connection.execute("UPDATE floor_state SET state = ? WHERE id = 1", (str(i),))
        connection.commit()
    rate = transactions / (time.perf_counter() - started)
    cpu = (time.process_time() - cpu_started) / transactions
    connection.close()
    return rate, cpu


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        floor, floor_cpu = sqlite_floor(Path(folder) / "floor-sqlite3.sqlite3")
        print(
            f"baseline: sqlite3 floor {floor:,.0f} transactions/s, CPU {floor_cpu * 1000:.3f} ms each "
            "(3 statements + commit straight on sqlite3: the least any turn can cost)"
        )
        async_floor, async_cpu = asyncio.run(
            storage_floor(f"sqlite+aiosqlite:///{Path(folder) / 'floor.sqlite3'}")
        )
        print(
            f"baseline: SQLAlchemy async floor {async_floor:,.0f} transactions/s, "
            f"CPU {async_cpu * 1000:.3f} ms each (the same through an AsyncSession: "
            "a turn's storage cost before storage/turns.py)"
        )
        prepared = Path(folder) / "prepared.sqlite3"
        upgrade(f"sqlite+aiosqlite:///{prepared}")  # Alembic runs its own event loop, so outside ours
        asyncio.run(prepare(f"sqlite+aiosqlite:///{prepared}"))
        rates = []
        for attempt in range(REPEAT):
            copy = Path(folder) / f"run-{attempt}.sqlite3"
            shutil.copy(prepared, copy)
            rates.append(asyncio.run(run(f"sqlite+aiosqlite:///{copy}")))
        rate = statistics.median(rates)
        verdict = "meets" if rate >= TARGET else "BELOW"
        print(
            f"throughput: median {rate:,.0f} updates/s of {REPEAT} runs (lowest {min(rates):,.0f}), "
            f"target ≥ {TARGET:,.0f} updates/s on one core → {verdict} the target "
            f"({rate / TARGET:.2f}× of it)"
        )
        print(
            f"→ the core runs at {rate / floor:.0%} of the sqlite3 floor, "
            f"{rate / async_floor:.0%} of the async one"
        )


if __name__ == "__main__":
    main()
