"""Broadcast throughput of the outbox sender against the fake Bot API.

The sender runs as its own process (`python -m bot.outbox`, as beside a deployed bot) and the fake
Bot API as a real HTTP server in this process, over 127.0.0.1, on the same SQLite file. Two rounds
of one 3,000-recipient broadcast each:

1. the limiter at 300 messages/s: the ideal is 3,000 / 300 = 10 s; target ≤ 1.05 × ideal;
2. the limiter off: messages per second, target ≥ 1,000/s.

Times come from the fake's clock: from the first sendMessage it answered to the last. The start-up
of the sender process is printed apart. Every message goes the whole way: claim (a committed
UPDATE), render, python-telegram-bot over HTTP, record (a committed UPDATE).

The fake runs its light HTTP server (tests/fakes/light_http.py): uvicorn + Starlette cost the fake
about a millisecond of CPU per request, which on two cores shared with the sender capped the
measurement near 700/s whatever the sender did. Client and server still share this machine's two
cores, and so does everything else running on it: the load average is printed, and the CPU time
each side spent per message, which does not depend on the load much. From those, the rate the two
processes could reach with both cores to themselves is printed as an estimate, marked as such.

Ceilings printed beside the results, so they can be read honestly: what the fake answers at best
(a lean raw-socket client, and a bare httpx client), and what the outbox does with no network at
all (a channel that returns at once, same database, same code path).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert, select

from handlers.types import Identity
from storage.db import open_database
from storage.migrate import upgrade
from storage.models import Cadre, ChannelIdentity, Person, Posyandu
from storage.models_outbox import Broadcast, OutboxMessage
from storage.repositories import outbox
from storage.repositories.audience import Audience, resolve
from storage.seed import seed_demo
from tests.fakes.bot_api import FakeBotAPI

RECIPIENTS = 3_000
LIMITED_RATE = 300.0
TARGET_RATIO = 1.05
TARGET_UNLIMITED = 1_000.0
FIRST_CHAT = 900_000
TIMEOUT = 120.0
UNLIMITED_SLOTS = 16  # sends in flight: enough to keep both processes busy while the other works
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


async def prepare(url: str) -> int:
    """Demo data and RECIPIENTS cadres on Telegram; returns the coordinator's person id."""
    db = open_database(url)
    try:
        await seed_demo(db, now=NOW)
        async with db.sessions() as session, session.begin():
            posyandu = (
                await session.execute(select(Posyandu.id).where(Posyandu.code == "PY-6402-0001"))
            ).scalar_one()
            people = [
                {"full_name": f"Kader {n}", "language": "id", "role": "cadre", "consent_at": NOW}
                for n in range(RECIPIENTS)
            ]
            inserted = await session.execute(
                insert(Person).returning(Person.id, sort_by_parameter_order=True), people
            )
            ids = list(inserted.scalars())
            await session.execute(
                insert(ChannelIdentity),
                [
                    {"channel": "telegram", "address": str(FIRST_CHAT + n), "person_id": i, "created_at": NOW}
                    for n, i in enumerate(ids)
                ],
            )
            await session.execute(
                insert(Cadre),
                [
                    {
                        "person_id": i,
                        "posyandu_id": posyandu,
                        "position": "anggota",
                        "verification": "verified",
                    }
                    for i in ids
                ],
            )
            coordinator = (
                await session.execute(select(Person.id).where(Person.full_name == "Siti Rahmawati"))
            ).scalar_one()
        return int(coordinator)
    finally:
        await db.dispose()


async def queue_broadcast(url: str, coordinator: int, text: str) -> int:
    db = open_database(url)
    try:
        async with db.sessions() as session, session.begin():
            resolved = await resolve(session, Audience("cadres", region="64.02"))
            broadcast = await outbox.create_broadcast(
                session,
                created_by=coordinator,
                origin=Identity("console", "siti"),
                text=text,
                attachment=None,
                audience={"who": "cadres", "region": "64.02", "label": "bench"},
                region_code="64.02",
                recipients=resolved.recipients,
                scheduled_at=None,
                now=NOW,
            )
            return broadcast.id
    finally:
        await db.dispose()


def finished_now(path: Path, broadcast_id: int) -> bool:
    """`finished`, by plain sqlite3: polled every 50 ms beside the fake, so it must cost little."""
    with sqlite3.connect(path, timeout=30) as connection:
        (status,) = connection.execute(
            "SELECT status FROM broadcast WHERE id = ?", (broadcast_id,)
        ).fetchone()
        (left,) = connection.execute(
            "SELECT count(*) FROM outbox_message WHERE broadcast_id = ? AND status IN ('pending', 'sending')",
            (broadcast_id,),
        ).fetchone()
    return bool(status == "done" and left == 0)


async def finished(url: str, broadcast_id: int) -> bool:
    db = open_database(url)
    try:
        async with db.sessions() as session:
            status = (
                await session.execute(select(Broadcast.status).where(Broadcast.id == broadcast_id))
            ).scalar_one()
            left = await session.execute(
                select(func.count()).where(
                    OutboxMessage.broadcast_id == broadcast_id,
                    OutboxMessage.status.in_(("pending", "sending")),
                )
            )
            return status == "done" and left.scalar_one() == 0
    finally:
        await db.dispose()


@dataclass(frozen=True)
class Round:
    span: float  # seconds from the first send the fake answered to the last
    startup: float  # seconds from the sender's process start to its first send
    sent: int
    sender_cpu: float  # CPU seconds of the sender process from its first send to the end
    fake_cpu: float  # CPU seconds of this process (the fake, and the cheap polling) meanwhile
    load: float  # the machine's 1-minute load average at the end

    @property
    def rate(self) -> float:
        return (self.sent - 1) / self.span

    def per_message(self, cpu: float) -> float:
        return cpu / self.sent * 1e6


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_round(fake: FakeBotAPI, url: str, broadcast_id: int, rate: float, slots: int) -> Round:
    mark = fake.mark()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "OUTBOX_"))}
    env.update(
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_RATE_LIMIT="0",  # PTB's own limiter off: the outbox's is the one measured
        OUTBOX_TELEGRAM_RATE=str(rate),
        OUTBOX_SLOTS=str(slots),
        OUTBOX_PROGRESS_EVERY="1",
        LOG_LEVEL="WARNING",
    )
    path = Path(url.split(":///", 1)[1])
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bot.outbox"], env=env, stdout=subprocess.DEVNULL)
    try:
        fake.wait_for_call("sendMessage", timeout=TIMEOUT, after=mark)
        sender_from, fake_from = process_cpu(process.pid), own_cpu()
        deadline = started + TIMEOUT
        while not finished_now(path, broadcast_id):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the broadcast did not finish (sender exit {process.poll()})")
            time.sleep(0.05)
        sender_cpu, fake_cpu = process_cpu(process.pid) - sender_from, own_cpu() - fake_from
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    sends = [c for c in fake.calls("sendMessage") if c.index >= mark and c.ok]
    times = sorted(c.at for c in sends)
    return Round(
        times[-1] - times[0], times[0] - started, len(sends), sender_cpu, fake_cpu, os.getloadavg()[0]
    )


CLIENT = """
import asyncio, sys, time, httpx
base, token, count, parallel = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
async def run():
    async with httpx.AsyncClient() as client:
        gate = asyncio.Semaphore(parallel)
        async def one(i):
            async with gate:
                form = {"chat_id": str(700000 + i), "text": "x"}
                answer = await client.post(f"{base}{token}/sendMessage", data=form)
                answer.raise_for_status()
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        print(count / (time.perf_counter() - started))
asyncio.run(run())
"""


# The leanest client: keep-alive connections on asyncio streams, one request at a time on each, the
# request bytes prepared once. What the fake answers this is the fake's own ceiling.
RAW_CLIENT = """
import asyncio, sys, time
from urllib.parse import urlsplit
base, token, count, parallel = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
url = urlsplit(base)
async def lane(n):
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    for i in range(n):
        body = f"chat_id={700000 + i}&text=x".encode()
        writer.write(
            f"POST {url.path}{token}/sendMessage HTTP/1.1\\r\\nhost: {url.netloc}\\r\\n"
            f"content-type: application/x-www-form-urlencoded\\r\\n"
            f"content-length: {len(body)}\\r\\n\\r\\n".encode()
            + body
        )
        head = await reader.readuntil(b"\\r\\n\\r\\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\\r\\n")[0])
        assert head.startswith(b"HTTP/1.1 200") and b'"ok":true' in await reader.readexactly(length)
    writer.close()
async def run():
    started = time.perf_counter()
    await asyncio.gather(*(lane(count // parallel) for _ in range(parallel)))
    print(count / (time.perf_counter() - started))
asyncio.run(run())
"""


def fake_ceiling(fake: FakeBotAPI, parallel: int, count: int = 1_000, *, client: str = CLIENT) -> float:
    """Requests per second the fake answers a client in its own process (bare httpx by default)."""
    done = subprocess.run(
        [sys.executable, "-c", client, fake.base_url, fake.token, str(count), str(parallel)],
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT,
    )
    return float(done.stdout.strip())


class NoNetwork:
    """A channel that delivers instantly: what is left is the outbox itself."""

    name = "telegram"

    def router(self) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def healthy(self) -> bool:
        return True

    async def send(self, address: str, replies: object, *, kind: str = "notification") -> str:
        return address


async def pipeline_ceiling(url: str, broadcast_id: int, slots: int) -> tuple[float, float]:
    """(messages per second, CPU microseconds per message) of the outbox with no network."""
    from bot.outbox import OutboxConfig, OutboxSender
    from bot.rate_limit import RateLimit
    from bot.settings import PROJECT_ROOT
    from handlers.i18n import Catalogues

    db = open_database(url)
    try:
        config = OutboxConfig(
            slots=slots, idle_poll=0.05, progress_every=1.0, limits={"telegram": RateLimit()}
        )
        sender = OutboxSender(db, Catalogues.load(PROJECT_ROOT / "locales"), [NoNetwork()], config)  # type: ignore[list-item]
        started, cpu = time.perf_counter(), time.process_time()
        await sender.run(asyncio.Event(), until_idle=True)  # returns once nothing is due
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert await finished(url, broadcast_id)
        return RECIPIENTS / elapsed, cpu / RECIPIENTS * 1e6
    finally:
        await db.dispose()


def main() -> None:
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores, shared by the sender, the fake and whatever else runs here")
    with tempfile.TemporaryDirectory() as folder, FakeBotAPI(http="light") as fake:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'broadcast.sqlite3'}"
        upgrade(url)
        coordinator = asyncio.run(prepare(url))

        first = asyncio.run(queue_broadcast(url, coordinator, "Siaran uji: laju terbatas"))
        limited = run_round(fake, url, first, LIMITED_RATE, slots=8)
        ideal = (RECIPIENTS - 1) / LIMITED_RATE
        verdict = "ok" if limited.span <= TARGET_RATIO * ideal else "MISSED"
        print(
            f"limiter {LIMITED_RATE:.0f}/s: {limited.sent:,} messages in {limited.span:.2f} s, "
            f"ideal {ideal:.2f} s "
            f"→ {limited.span / ideal:.3f}× (target ≤ {TARGET_RATIO}×: {verdict}); "
            f"sender start-up {limited.startup:.2f} s; load average {limited.load:.1f}"
        )

        second = asyncio.run(queue_broadcast(url, coordinator, "Siaran uji: tanpa batas laju"))
        free = run_round(fake, url, second, 0.0, slots=UNLIMITED_SLOTS)
        verdict = "ok" if free.rate >= TARGET_UNLIMITED else "MISSED"
        print(
            f"limiter off ({UNLIMITED_SLOTS} slots): {free.sent:,} messages in {free.span:.2f} s → "
            f"{free.rate:,.0f} messages/s (target ≥ {TARGET_UNLIMITED:,.0f}/s: {verdict}); "
            f"sender start-up {free.startup:.2f} s; load average {free.load:.1f} on {cores} cores"
        )
        sender_us, fake_us = free.per_message(free.sender_cpu), free.per_message(free.fake_cpu)
        print(
            f"  CPU per message: sender {sender_us:,.0f} µs (outbox + python-telegram-bot + aiohttp), "
            f"fake Bot API {fake_us:,.0f} µs"
        )
        # Estimate, not a measurement: each process needs its CPU per message on a core of its own.
        alone = 1e6 / max(sender_us, fake_us, (sender_us + fake_us) / cores)
        print(f"  estimate with the {cores} cores to these two processes alone: ≈ {alone:,.0f} messages/s")
        lean, httpx_four = fake_ceiling(fake, 4, 3_000, client=RAW_CLIENT), fake_ceiling(fake, 4)
        print(
            f"  ceiling of the fake Bot API (light server): {lean:,.0f} requests/s to a raw-socket client, "
            f"{httpx_four:,.0f}/s to a bare httpx client (4 connections each)"
        )
        third = asyncio.run(queue_broadcast(url, coordinator, "Siaran uji: tanpa jaringan"))
        rate, cpu = asyncio.run(pipeline_ceiling(url, third, UNLIMITED_SLOTS))
        print(
            f"  ceiling of the outbox without a network ({UNLIMITED_SLOTS} slots, same database): "
            f"{rate:,.0f} messages/s, {cpu:,.0f} µs CPU per message"
        )


if __name__ == "__main__":
    main()
