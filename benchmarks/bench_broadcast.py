"""Broadcast throughput of the outbox sender against the fake Bot API.

The sender runs as its own process (`python -m bot.outbox`, as beside a deployed bot) and the fake
Bot API as a real HTTP server in this process, over 127.0.0.1, on the same SQLite file. Two rounds
of one 3,000-recipient broadcast each:

1. the limiter at 300 messages/s: the ideal is 3,000 / 300 = 10 s; target ≤ 1.05 × ideal;
2. the limiter off: messages per second, target ≥ 1,000/s.

Times come from the fake's clock: from the first sendMessage it answered to the last. The start-up
of the sender process is printed apart. Every message goes the whole way: claim (a committed
UPDATE), render, python-telegram-bot over HTTP, record (a committed UPDATE).

Two ceilings are printed beside the results, so they can be read honestly: what the fake Bot API
answers at best (a bare HTTP client, one request at a time and four at once), and what the outbox
does with no network at all (a channel that returns at once, same database, same code path).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
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
UNLIMITED_SLOTS = 4  # the fake answers best with few requests at once (see its ceiling below)
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


def run_round(
    fake: FakeBotAPI, url: str, broadcast_id: int, rate: float, slots: int
) -> tuple[float, float, int]:
    """(seconds from the first to the last send, seconds from process start to the first send, sends)."""
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
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "bot.outbox"], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = started + TIMEOUT
        while not asyncio.run(finished(url, broadcast_id)):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the broadcast did not finish (sender exit {process.poll()})")
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    sends = [c for c in fake.calls("sendMessage") if c.index >= mark and c.ok]
    times = sorted(c.at for c in sends)
    return times[-1] - times[0], times[0] - started, len(sends)


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


def fake_ceiling(fake: FakeBotAPI, parallel: int, count: int = 1_000) -> float:
    """Requests per second the fake answers a bare httpx client (in its own process)."""
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, fake.base_url, fake.token, str(count), str(parallel)],
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

    async def send(self, address: str, replies: object) -> str:
        return address


async def pipeline_ceiling(url: str, broadcast_id: int, slots: int) -> float:
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
        started = time.perf_counter()
        await sender.run(asyncio.Event(), until_idle=True)  # returns once nothing is due
        elapsed = time.perf_counter() - started
        assert await finished(url, broadcast_id)
        return RECIPIENTS / elapsed
    finally:
        await db.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, FakeBotAPI() as fake:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'broadcast.sqlite3'}"
        upgrade(url)
        coordinator = asyncio.run(prepare(url))

        first = asyncio.run(queue_broadcast(url, coordinator, "Siaran uji: laju terbatas"))
        span, startup, sent = run_round(fake, url, first, LIMITED_RATE, slots=8)
        ideal = (RECIPIENTS - 1) / LIMITED_RATE
        verdict = "ok" if span <= TARGET_RATIO * ideal else "MISSED"
        print(
            f"limiter {LIMITED_RATE:.0f}/s: {sent:,} messages in {span:.2f} s, ideal {ideal:.2f} s "
            f"→ {span / ideal:.3f}× (target ≤ {TARGET_RATIO}×: {verdict}); sender start-up {startup:.2f} s"
        )

        second = asyncio.run(queue_broadcast(url, coordinator, "Siaran uji: tanpa batas laju"))
        span, startup, sent = run_round(fake, url, second, 0.0, slots=UNLIMITED_SLOTS)
        rate = (sent - 1) / span
        verdict = "ok" if rate >= TARGET_UNLIMITED else "MISSED"
        print(
            f"limiter off: {sent:,} messages in {span:.2f} s → {rate:,.0f} messages/s "
            f"(target ≥ {TARGET_UNLIMITED:,.0f}/s: {verdict}); sender start-up {startup:.2f} s"
        )
        alone, four = fake_ceiling(fake, 1), fake_ceiling(fake, 4)
        print(
            f"  ceiling of the fake Bot API (bare httpx, no bot): {alone:,.0f} requests/s one at a time, "
            f"{four:,.0f}/s four at once"
        )
        third = asyncio.run(queue_broadcast(url, coordinator, "Siaran uji: tanpa jaringan"))
        print(
            f"  ceiling of the outbox without a network ({UNLIMITED_SLOTS} slots, same database): "
            f"{asyncio.run(pipeline_ceiling(url, third, UNLIMITED_SLOTS)):,.0f} messages/s"
        )


if __name__ == "__main__":
    main()
