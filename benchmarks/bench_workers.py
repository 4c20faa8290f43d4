"""Updates per second through the core on PostgreSQL with one worker process and with two (issue #8):
each worker is its own OS process running the core against the same database, with its own slice
of the cadres; every cadre registers and files a full report (bench_core's script), interleaved.

The same senders (people writing at once, each waiting for the reply to their last message) are
spread over the workers, so the two runs see the same traffic and differ only in how many processes
serve it. Each run gets a fresh copy of one prepared database. The machine's cores are shared with
the PostgreSQL server (and whatever else runs), so two workers cannot double the rate; the ratio
says how much of the second core the second worker wins."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import statistics
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from benchmarks.bench_core import CADRES as PREPARED_CADRES
from benchmarks.bench_core import NOW, Step, play, prepare, script
from bot.app import KaderBot, build
from bot.settings import load_settings
from handlers.types import Reply
from storage.migrate import upgrade
from storage.models import MonthlyReport

CADRES = min(int(os.environ.get("BENCH_WORKER_CADRES", "200")), PREPARED_CADRES)
SENDERS = int(os.environ.get("BENCH_WORKER_SENDERS", "8"))  # in all, split over the workers
TEMPLATE = "bench_workers_template"


@dataclass(frozen=True, slots=True)
class WorkerResult:
    updates: int
    latencies: list[float]
    started: float  # time.monotonic(): one clock for every process on the machine
    finished: float
    cpu: float  # seconds of this process's CPU time while it ran
    error: str | None


def lanes_of(worker: int, workers: int) -> list[list[tuple[int, Step]]]:
    """The senders this worker serves: sender s serves cadres i with i % SENDERS == s, their steps
    interleaved as in bench_core; sender s belongs to worker s % workers."""
    scripts = {i: script(i) for i in range(CADRES)}
    found = []
    for sender in range(worker, SENDERS, workers):
        mine = [i for i in range(CADRES) if i % SENDERS == sender]
        longest = max((len(scripts[i]) for i in mine), default=0)
        found.append(
            [
                (i, scripts[i][position])
                for position in range(longest)
                for i in mine
                if position < len(scripts[i])
            ]
        )
    return found


async def serve(url: str, worker: int, workers: int, barrier: Barrier) -> tuple[WorkerResult, KaderBot]:
    kaderbot = build(load_settings(database_url=url), clock=lambda: NOW)
    lanes = lanes_of(worker, workers)
    last: dict[int, list[Reply]] = {}
    latencies: list[float] = []
    async with kaderbot.db.sessions() as session:  # connect before the clock starts
        await session.execute(select(1))

    async def lane(items: list[tuple[int, Step]]) -> None:
        await play(kaderbot.core, items, last, latencies)

    await asyncio.to_thread(barrier.wait)  # everyone connected: the parent reads the server's CPU …
    await asyncio.to_thread(barrier.wait)  # … then lets all workers go at once
    started, cpu = time.monotonic(), time.process_time()
    error = None
    try:
        await asyncio.gather(*(lane(items) for items in lanes))
    except Exception as exc:  # a step the script expected was not offered: report it, do not hang
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
    finished, cpu = time.monotonic(), time.process_time() - cpu
    return WorkerResult(len(latencies), latencies, started, finished, cpu, error), kaderbot


async def serve_and_report(
    url: str, worker: int, workers: int, barrier: Barrier, results: multiprocessing.Queue
) -> None:
    result, kaderbot = await serve(url, worker, workers, barrier)
    results.put(result)
    # Connections stay open until the parent has read the server's CPU time: the time of a backend
    # that has exited no longer shows in /proc.
    await asyncio.to_thread(barrier.wait)
    await kaderbot.close()


def worker_main(
    url: str, worker: int, workers: int, barrier: Barrier, results: multiprocessing.Queue
) -> None:
    asyncio.run(serve_and_report(url, worker, workers, barrier, results))


@dataclass(frozen=True, slots=True)
class RunResult:
    workers: int
    updates: int
    elapsed: float
    latencies: list[float]
    cpu: float
    server_cpu: float | None
    reports: int
    errors: list[str]

    @property
    def rate(self) -> float:
        return self.updates / self.elapsed if self.elapsed else 0.0


def server_cpu(postmaster: int | None) -> float | None:
    """CPU seconds the PostgreSQL server has used so far: the postmaster and the processes it started
    (one backend per connection). None where /proc cannot tell (not Linux)."""
    if postmaster is None or not Path("/proc").is_dir():
        return None
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) ": state, ppid, …
        if int(entry.name) == postmaster or int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run(url: str, workers: int, postmaster: int | None) -> RunResult:
    context = multiprocessing.get_context("spawn")  # a clean interpreter each, as `kaderbot run` would be
    barrier = context.Barrier(workers + 1)  # the workers and this process: ready, go, done
    results: multiprocessing.Queue = context.Queue()
    processes = [
        context.Process(target=worker_main, args=(url, w, workers, barrier, results)) for w in range(workers)
    ]
    for process in processes:
        process.start()
    barrier.wait(timeout=300)
    server_before = server_cpu(postmaster)
    barrier.wait(timeout=60)
    found: list[WorkerResult] = [results.get(timeout=1800) for _ in processes]
    server_after = server_cpu(postmaster)
    barrier.wait(timeout=60)
    for process in processes:
        process.join()
    latencies = sorted(x for r in found for x in r.latencies)
    return RunResult(
        workers=workers,
        updates=sum(r.updates for r in found),
        elapsed=max(r.finished for r in found) - min(r.started for r in found),
        latencies=latencies,
        cpu=sum(r.cpu for r in found),
        server_cpu=None if server_before is None or server_after is None else server_after - server_before,
        reports=asyncio.run(_count_reports(url)),
        errors=[r.error for r in found if r.error],
    )


async def _count_reports(url: str) -> int:
    from storage.db import open_database

    db = open_database(url)
    async with db.sessions() as session:
        count = (await session.execute(select(func.count()).select_from(MonthlyReport))).scalar_one()
    await db.dispose()
    return int(count)


def database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def admin(server_url: str, *statements: str) -> None:
    """CREATE/DROP DATABASE through the maintenance database (they cannot run in a transaction)."""

    async def _run() -> None:
        import asyncpg

        dsn = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(_run())


def report(result: RunResult, baseline: RunResult | None) -> None:
    p50 = statistics.median(result.latencies) * 1000 if result.latencies else 0.0
    p99 = result.latencies[max(0, int(len(result.latencies) * 0.99) - 1)] * 1000 if result.latencies else 0.0
    per_update = 1000 / max(1, result.updates)
    server = "?" if result.server_cpu is None else f"{result.server_cpu * per_update:.2f}"
    line = (
        f"  {result.workers} worker{'s' if result.workers > 1 else ' '}: {result.rate:6,.0f} updates/s   "
        f"p50 {p50:6.2f} ms   p99 {p99:7.2f} ms   CPU per update: workers {result.cpu * per_update:.2f} ms, "
        f"server {server} ms"
    )
    if baseline is not None and baseline.rate:
        line += f"   → two/one: ×{result.rate / baseline.rate:.2f}"
    print(line)
    if result.reports != CADRES or result.updates != CADRES * len(script(0)):
        print(f"  !! {result.updates:,} updates, {result.reports} reports stored (expected {CADRES} reports)")
    for error in result.errors:
        print(f"  !! a worker stopped: {error}")


def main() -> None:
    from tests.postgres import PostgresUnavailable, start_server

    try:
        server = start_server()
    except PostgresUnavailable as reason:
        print(f"PostgreSQL: NOT RUN — {reason}")
        return
    try:
        template = database_url(server.url, TEMPLATE)
        admin(server.url, f"CREATE DATABASE {TEMPLATE}")
        upgrade(template)
        asyncio.run(prepare(template))
        load = os.getloadavg()[0]
        pid_file = server.datadir / "postmaster.pid"
        postmaster = int(pid_file.read_text().split()[0]) if pid_file.exists() else None
        print(
            f"PostgreSQL {server.bindir.parent.name} (throw-away, fsync off) on this machine's "
            f"{os.cpu_count()} cores, load average {load:.1f} before the runs"
        )
        print(
            f"  {CADRES} cadres × {len(script(0))} updates (register + full report), "
            f"{SENDERS} senders in all, split over the workers"
        )
        baseline = None
        for workers in (1, 2):
            name = f"bench_workers_{workers}"
            admin(server.url, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
            result = run(database_url(server.url, name), workers, postmaster)
            report(result, baseline)
            baseline = baseline or result
        print(
            "  (the server shares the cores with the workers. CPU per update is steadier than the wall "
            f"clock on a shared machine: {os.cpu_count()} cores ÷ (workers + server) CPU per update "
            "bounds the rate)"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
