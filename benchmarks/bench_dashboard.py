"""The coordinators' web dashboard at scale (issue #18): real HTTP requests to KaderBot's own web app
(uvicorn on 127.0.0.1, as `kaderbot run` serves it) from a signed-in browser session, on SQLite.

  * the overview of a province with 10,000 Posyandu (benchmarks/scale_data.py: twelve months of
    reports) for its latest closed month — target p95 < 300 ms;
  * the helpdesk inbox with 5,000 open requests in that province — target p95 < 200 ms.

Each page is checked before it is timed: the overview prints the number of Posyandu that reported
that the data was built with, the inbox lists its rows. The client runs in the same process (one
event loop), so a figure includes the client's share too. `BENCH_DASHBOARD_RUNS` (default 20) sets
the timed requests per page, after two warm-ups. Beside the wall clock, the CPU time of this
process shows what an idle machine would make one wait: this one is shared."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import os
import random
import re
import socket
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import insert, select

from benchmarks import scale_data
from bot.app import KaderBot, build
from bot.dashboard import session as dashboard_session
from bot.settings import load_settings
from bot.web import create_web_app
from storage.migrate import upgrade
from storage.models import ChannelIdentity, Person
from storage.models_tickets import Ticket
from storage.repositories import dashboard

RUNS = int(os.environ.get("BENCH_DASHBOARD_RUNS", "20"))
WARM_UPS = 2
OPEN_REQUESTS = 5000
URGENT_SHARE = 0.02
NOW = dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 WITA: November's deadline has passed
TARGETS = {"overview": 300.0, "inbox": 200.0}  # ms, p95
REPORTED = re.compile(r'data-figure="reported">([^<]*)<')
TICKET = re.compile(r'data-ticket="')


def p(values: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted values, in ms."""
    return values[max(0, min(len(values) - 1, math.ceil(share * len(values)) - 1))] * 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def add_open_requests(kaderbot: KaderBot, count: int) -> None:
    """`count` open requests from the province's desa, 2 % of them urgent, filed over the past year."""
    rng = random.Random(18)
    desas = [
        f"{scale_data.PROVINCE}.{kab:02d}.{kec:02d}.{2000 + desa}"
        for kab in range(1, scale_data.FAN_OUT + 1)
        for kec in range(1, scale_data.FAN_OUT + 1)
        for desa in range(1, scale_data.FAN_OUT + 1)
    ]
    rows = []
    for i in range(1, count + 1):
        filed = NOW - dt.timedelta(minutes=rng.randint(5, 365 * 24 * 60))
        urgent = rng.random() < URGENT_SHARE
        rows.append(
            {
                "number": f"KB-2026-{i:06d}",
                "person_id": None,
                "category": "darurat" if urgent else rng.choice(("bantuan", "data", "pengaduan")),
                "region_code": rng.choice(desas),
                "description": "Belum dapat bantuan sembako",
                "photos": [],
                "urgent": urgent,
                "status": "diterima" if rng.random() < 0.7 else "diproses",
                "created_at": filed,
                "updated_at": filed,
            }
        )
    async with kaderbot.db.engine.begin() as connection:
        await connection.execute(insert(Ticket.__table__), rows)


async def signed_in(kaderbot: KaderBot, address: str) -> str:
    """A dashboard session of the coordinator with that chat address (as a used login link opens)."""
    async with kaderbot.db.sessions() as db_session, db_session.begin():
        person = await db_session.get(Person, await _person_id(kaderbot, address))
        assert person is not None and await dashboard_session.may_use(db_session, person) is not None
        opened = await dashboard.open_session(db_session, person.id, now=NOW)
    return opened.session_id


async def _person_id(kaderbot: KaderBot, address: str) -> int:
    async with kaderbot.db.sessions() as db_session:
        found = await db_session.execute(
            select(ChannelIdentity.person_id).where(ChannelIdentity.address == address)
        )
        return int(found.scalar_one())


async def timed(client: httpx.AsyncClient, url: str) -> tuple[list[float], list[float], str]:
    """Sorted wall times and CPU times of this process (server and client, every thread), and the page."""
    page = ""
    for _ in range(WARM_UPS):
        page = (await client.get(url)).text
    wall, cpu = [], []
    for _ in range(RUNS):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = await client.get(url)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    return sorted(wall), sorted(cpu), page


async def measure(kaderbot: KaderBot, built: scale_data.Built) -> bool:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_web_app(kaderbot, []), host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
    )
    task = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started:
            break
        await asyncio.sleep(0.01)
    province = built.coordinators[0]
    month = scale_data.LAST_MONTH
    ok = True
    try:
        cookie = await signed_in(kaderbot, province.address)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", cookies={dashboard_session.COOKIE: cookie}, timeout=60
        ) as client:
            pages = (
                ("overview", f"/dasbor/wilayah/{province.region_code}?bulan={month:%Y-%m}"),
                ("inbox", "/dasbor/tiket"),
            )
            for name, url in pages:
                wall, cpu, page = await timed(client, url)
                if name == "overview":
                    shown = REPORTED.search(page)
                    expected = f"{built.reported_last_month[province.region_code]:,}".replace(",", ".")
                    right = shown is not None and shown[1] == expected
                    what = f"{province.label}, {month:%Y-%m}: {shown[1] if shown else '?'} reported"
                else:
                    rows = len(TICKET.findall(page))
                    right = rows > 0
                    what = f"{OPEN_REQUESTS:,} open requests, {rows} rows shown"
                if not right:
                    print(f"  !! {name}: the page does not show what the data holds ({what})")
                target = TARGETS[name]
                verdict = "meets" if p(wall, 0.95) < target else "MISSES"
                ok = ok and right and verdict == "meets"
                print(f"  {name}: {what}")
                print(
                    f"    GET {url:<34} p50 {statistics.median(wall) * 1000:7.1f} ms   "
                    f"p95 {p(wall, 0.95):7.1f} ms  → {verdict} p95 < {target:.0f} ms"
                )
                print(
                    f"      CPU per request (server and client) p50 {statistics.median(cpu) * 1000:6.1f} ms"
                )
    finally:
        server.should_exit = True
        await task
    return ok


async def run(url: str) -> bool:
    db_started = time.perf_counter()
    settings = load_settings(database_url=url)
    kaderbot = build(settings, clock=lambda: NOW)
    try:
        built = await scale_data.build(kaderbot.db)
        await add_open_requests(kaderbot, OPEN_REQUESTS)
        print(
            f"  built {built.posyandu:,} Posyandu, {built.reports:,} reports, "
            f"{OPEN_REQUESTS:,} open requests in {time.perf_counter() - db_started:.1f} s"
        )
        return await measure(kaderbot, built)
    finally:
        await kaderbot.close()


def main() -> None:
    print(
        f"SQLite, real HTTP to the web app on 127.0.0.1 (runs: {RUNS} per page after {WARM_UPS} warm-ups); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'dashboard.sqlite3'}"
        upgrade(url)
        ok = asyncio.run(run(url))
    print(f"→ targets: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
