"""The outbox sender against an in-memory platform channel: every recipient once, live progress and
a summary, 429 / blocked / network errors, in-doubt rows after a crash, two senders at once,
cancelling, scheduling, attachments, and rate-limit spacing (behaviour, measured as gaps)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select, update

from bot.app import KaderBot
from bot.channels.base import RateLimited, Unreachable
from bot.outbox import OutboxConfig, OutboxSender
from bot.rate_limit import RateLimit
from handlers.types import File
from storage.db import open_database
from storage.models import ChannelIdentity, Person
from storage.models_outbox import Broadcast, OutboxMessage
from storage.repositories import outbox
from storage.repositories.audience import Recipient
from tests.chat import Chat, Clock
from tests.outbox_support import (
    EditingChannel,
    MemoryChannel,
    add_cadres,
    compose_broadcast,
    make_coordinator,
)

COORDINATOR = "9001"
TIMEOUT = 20.0


class RunningClock:
    """The test's clock, moving on in real time (and jumpable), for a sender that waits on it."""

    def __init__(self, start: Clock) -> None:
        self.start = start.now
        self.origin = time.monotonic()
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return self.start + self.offset + dt.timedelta(seconds=time.monotonic() - self.origin)


def config(**changes: object) -> OutboxConfig:
    base: dict[str, object] = {
        "slots": 4,
        "idle_poll": 0.02,
        "progress_every": 0.05,
        "in_doubt_after": 0.5,
        "backoff_base": 0.05,
        "backoff_max": 0.2,
        "limits": {"telegram": RateLimit(), "whatsapp": RateLimit()},
    }
    base.update(changes)
    return OutboxConfig(**base)  # type: ignore[arg-type]


async def rows(kaderbot: KaderBot) -> list[OutboxMessage]:
    async with kaderbot.db.sessions() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def settled(kaderbot: KaderBot) -> bool:
    """Nothing left to send and every broadcast finished (its summary row sent too)."""
    async with kaderbot.db.sessions() as session:
        # Broadcasts first: on PostgreSQL each statement sees the latest commit, and the one that
        # finishes a broadcast also queues its summary, which the second count then still sees.
        running = await session.execute(
            select(func.count()).where(Broadcast.status.in_(("scheduled", "sending")))
        )
        open_rows = await session.execute(
            select(func.count()).where(OutboxMessage.status.in_(("pending", "sending")))
        )
        return running.scalar_one() == 0 and open_rows.scalar_one() == 0


async def run_until(
    sender: OutboxSender, done: Callable[[], Awaitable[bool]], *, within: float = TIMEOUT
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        deadline = time.monotonic() + within
        while not await done():
            assert time.monotonic() < deadline, "the sender did not finish in time"
            assert not task.done(), task.exception() if task.done() else None
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def sender_for(kaderbot: KaderBot, channel: MemoryChannel, clock: Clock, **changes: object) -> OutboxSender:
    return OutboxSender(
        kaderbot.db, kaderbot.catalogues, [channel], config(**changes), clock=RunningClock(clock)
    )


@pytest.fixture
async def coordinator(kaderbot: KaderBot) -> Chat:
    """A Kutai Kartanegara coordinator writing from Telegram (so progress and summary reach her)."""
    await make_coordinator(kaderbot.db, "telegram", COORDINATOR, "64.02", name="Siti Telegram")
    return Chat(kaderbot.core, COORDINATOR, channel="telegram")


async def send_now(chat: Chat, text: str = "Pelatihan kader hari Sabtu") -> None:
    await compose_broadcast(chat, text, whole="Kutai Kartanegara")
    await chat.press("Kirim sekarang")
    await chat.press("Kirim")
    assert "sedang dikirim" in chat.text


async def test_every_recipient_once_with_live_progress_and_a_summary(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    addresses = await add_cadres(kaderbot.db, count=60, posyandu_code="PY-6402-0001", first_address=10_000)
    await send_now(coordinator)
    channel = EditingChannel(latency=0.01)
    await run_until(sender_for(kaderbot, channel, clock), lambda: settled(kaderbot))

    to_cadres = [a for a in channel.addresses() if a != COORDINATOR]
    assert sorted(to_cadres) == sorted(addresses)  # each exactly once
    assert channel.texts(addresses[0]) == ["Pelatihan kader hari Sabtu"]
    # One progress message, sent once and then edited in place.
    assert channel.progress_log[0][2] is None
    assert {handle for _, _, handle in channel.progress_log[1:]} == {"progress-1"}
    assert len(channel.progress_log) >= 2
    assert channel.progress_log[-1][1] == "Siaran #1 — terkirim 60/60 ▓▓▓▓▓▓▓▓▓▓ 100% · gagal 0"
    [summary] = channel.texts(COORDINATOR)
    assert summary.startswith("📢 Siaran #1 selesai.") and "Terkirim: 60 dari 60" in summary
    stored = await rows(kaderbot)
    assert {r.status for r in stored} == {"sent"}
    assert all(r.platform_message_id and r.attempts == 1 and r.sent_at for r in stored)
    async with kaderbot.db.sessions() as session:
        broadcast = (await session.execute(select(Broadcast))).scalar_one()
    assert broadcast.status == "done" and broadcast.progress_ref == "progress-1"


async def test_a_429_pauses_everything_for_retry_after_then_retries(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    addresses = await add_cadres(kaderbot.db, count=30, posyandu_code="PY-6402-0001", first_address=11_000)
    await send_now(coordinator)
    channel = MemoryChannel(latency=0.005)
    channel.fail(addresses[5], RateLimited(0.4))
    await run_until(sender_for(kaderbot, channel, clock), lambda: settled(kaderbot))

    tries = [at for address, at in channel.attempts if address == addresses[5]]
    assert len(tries) == 2 and tries[1] - tries[0] >= 0.4
    # After the 429 came back, nothing at all went out until retry_after had passed.
    refused_at = tries[0] + channel.latency
    quiet = [at for _, at in channel.attempts if refused_at + 0.05 < at < tries[0] + 0.39]
    assert quiet == []
    assert sorted(a for a in channel.addresses() if a != COORDINATOR) == sorted(addresses)


async def test_blocked_recipient_is_marked_unreachable(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    addresses = await add_cadres(kaderbot.db, count=5, posyandu_code="PY-6402-0001", first_address=12_000)
    await send_now(coordinator)
    channel = MemoryChannel()
    channel.fail(addresses[2], Unreachable("Forbidden: bot was blocked by the user"))
    await run_until(sender_for(kaderbot, channel, clock), lambda: settled(kaderbot))

    by_address = {r.address: r for r in await rows(kaderbot)}
    assert by_address[addresses[2]].status == "unreachable"
    assert "blocked" in (by_address[addresses[2]].last_error or "")
    async with kaderbot.db.sessions() as session:
        identity = (
            await session.execute(select(ChannelIdentity).where(ChannelIdentity.address == addresses[2]))
        ).scalar_one()
    assert identity.unreachable_at is not None  # later broadcasts skip this person
    [summary] = channel.texts(COORDINATOR)
    assert "Terkirim: 4 dari 5" in summary and "Memblokir bot / tidak aktif: 1" in summary


async def test_network_errors_back_off_and_give_up_after_max_attempts(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    addresses = await add_cadres(kaderbot.db, count=4, posyandu_code="PY-6402-0001", first_address=13_000)
    await send_now(coordinator)
    channel = MemoryChannel()
    channel.fail(addresses[0], ConnectionError("reset"), ConnectionError("reset"))
    channel.fail(addresses[1], *(ConnectionError("down") for _ in range(5)))
    await run_until(sender_for(kaderbot, channel, clock, max_attempts=3), lambda: settled(kaderbot))

    by_address = {r.address: r for r in await rows(kaderbot)}
    assert by_address[addresses[0]].status == "sent" and by_address[addresses[0]].attempts == 3
    tries = [at for address, at in channel.attempts if address == addresses[0]]
    assert tries[1] - tries[0] >= 0.05  # backed off before trying again
    assert by_address[addresses[1]].status == "failed" and by_address[addresses[1]].attempts == 3
    assert "ConnectionError: down" in (by_address[addresses[1]].last_error or "")


async def test_rows_left_sending_by_a_crash_are_settled_not_resent(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    addresses = await add_cadres(kaderbot.db, count=6, posyandu_code="PY-6402-0001", first_address=14_000)
    await send_now(coordinator)
    # A sender claimed this row and died before recording what happened.
    async with kaderbot.db.sessions() as session, session.begin():
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.address == addresses[3])
            .values(status="sending", claim_token="dead", claimed_at=clock.now, attempts=1)
        )
    channel = MemoryChannel()
    await run_until(sender_for(kaderbot, channel, clock), lambda: settled(kaderbot))

    assert addresses[3] not in channel.addresses()  # never twice: it may have gone out already
    by_address = {r.address: r for r in await rows(kaderbot)}
    assert by_address[addresses[3]].status == "unconfirmed"
    assert sorted(a for a in channel.addresses() if a != COORDINATOR) == sorted(
        set(addresses) - {addresses[3]}
    )
    [summary] = channel.texts(COORDINATOR)
    assert "Belum pasti terkirim: 1" in summary


async def test_two_senders_share_one_queue_without_sending_twice(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    addresses = await add_cadres(kaderbot.db, count=200, posyandu_code="PY-6402-0001", first_address=15_000)
    await send_now(coordinator)
    second_db = open_database(kaderbot.settings.database_url)  # as a second process would
    try:
        first, second = MemoryChannel(latency=0.002), MemoryChannel(latency=0.002)
        other = OutboxSender(second_db, kaderbot.catalogues, [second], config(), clock=RunningClock(clock))
        stop = asyncio.Event()
        other_task = asyncio.create_task(other.run(stop))
        try:
            await run_until(sender_for(kaderbot, first, clock), lambda: settled(kaderbot))
        finally:
            stop.set()
            await other_task
    finally:
        await second_db.dispose()
    delivered = [a for a in first.addresses() + second.addresses() if a != COORDINATOR]
    assert sorted(delivered) == sorted(addresses)
    assert first.addresses() and second.addresses()  # both did part of the work


async def test_cancelled_broadcast_sends_nothing_more(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    await add_cadres(kaderbot.db, count=8, posyandu_code="PY-6402-0001", first_address=16_000)
    await send_now(coordinator)
    await coordinator.say("/siaran_status")
    await coordinator.press("#1")
    await coordinator.press("Batalkan")
    await coordinator.press("Ya, batalkan")
    assert "Siaran #1 dibatalkan: 8 pesan tidak dikirim." in coordinator.text
    channel = MemoryChannel()
    await run_until(sender_for(kaderbot, channel, clock), lambda: settled(kaderbot))
    assert channel.sent == []
    assert {r.status for r in await rows(kaderbot)} == {"cancelled"}


async def test_scheduled_broadcast_waits_for_its_time(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    addresses = await add_cadres(kaderbot.db, count=3, posyandu_code="PY-6402-0001", first_address=17_000)
    await compose_broadcast(coordinator, "Besok posyandu buka jam 8", whole="Kutai Kartanegara")
    await coordinator.press("Jadwalkan")
    await coordinator.press("Besok")
    await coordinator.press("08.00")
    await coordinator.press("Jadwalkan")
    assert "dijadwalkan pada Sabtu, 21 November 2026 08.00 WITA" in coordinator.text
    channel = MemoryChannel()
    running = RunningClock(clock)
    sender = OutboxSender(kaderbot.db, kaderbot.catalogues, [channel], config(), clock=running)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    await asyncio.sleep(0.3)
    assert channel.sent == []  # Friday 10:00: not yet
    running.offset = dt.timedelta(hours=22, minutes=1)  # Saturday 08:01 WITA
    deadline = time.monotonic() + TIMEOUT
    while not await settled(kaderbot):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    stop.set()
    await task
    assert sorted(a for a in channel.addresses() if a != COORDINATOR) == sorted(addresses)


async def test_photo_is_fetched_once_and_sent_to_everyone_with_the_text(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    addresses = await add_cadres(kaderbot.db, count=5, posyandu_code="PY-6402-0001", first_address=18_000)
    await coordinator.say("/siaran")
    await coordinator.say("Poster kampanye imunisasi")
    await coordinator.photo("poster-file-id")
    await coordinator.press("Kader")
    await coordinator.press("Seluruh Kutai Kartanegara")
    await coordinator.press("Kirim sekarang")
    assert "Lampiran: foto" in coordinator.text
    await coordinator.press("Kirim")
    channel = EditingChannel(media={"poster-file-id": b"\x89PNG fake poster"})
    downloads: list[str] = []
    original = channel.download

    async def counting(ref: str) -> bytes:
        downloads.append(ref)
        return await original(ref)

    channel.download = counting  # type: ignore[method-assign]
    await run_until(sender_for(kaderbot, channel, clock), lambda: settled(kaderbot))
    assert downloads == ["poster-file-id"]
    for address in addresses:
        [sent] = [s for s in channel.sent if s.address == address]
        [reply] = sent.replies
        assert isinstance(reply, File) and reply.kind == "photo"
        assert reply.data == b"\x89PNG fake poster" and reply.caption == "Poster kampanye imunisasi"


async def test_overall_rate_and_per_chat_gap_are_kept(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    addresses = await add_cadres(kaderbot.db, count=25, posyandu_code="PY-6402-0001", first_address=19_000)
    await send_now(coordinator)
    async with kaderbot.db.sessions() as session, session.begin():  # two more messages to one chat
        person_id = (
            await session.execute(
                select(ChannelIdentity.person_id).where(ChannelIdentity.address == addresses[0])
            )
        ).scalar_one()
        for _ in range(2):
            await outbox.enqueue_message(
                session,
                to=Recipient(person_id, "telegram", addresses[0]),
                key="coordinator.verify.none",
                now=clock.now,
            )
    channel = MemoryChannel()
    limits = {"telegram": RateLimit(per_second=50, chat_interval=0.3)}
    await run_until(sender_for(kaderbot, channel, clock, limits=limits), lambda: settled(kaderbot))
    times = sorted(at for _, at in channel.attempts)
    assert len(times) == 28
    # 50/s with a burst of 5: in any 200 ms at most 10 + 5 sends, and 28 sends take at least 22/50 s.
    assert max(sum(1 for t in times if start <= t < start + 0.2) for start in times) <= 15
    assert times[-1] - times[0] >= (28 - 1 - 5) / 50 - 1e-3
    one_chat = [at for address, at in channel.attempts if address == addresses[0]]
    assert len(one_chat) == 3 and min(b - a for a, b in itertools.pairwise(one_chat)) >= 0.3 - 1e-4


async def test_notice_is_rendered_in_the_recipients_language(kaderbot: KaderBot, clock: Clock) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        rina = (
            await session.execute(select(Person).where(Person.full_name == "Rina Kusumawati"))
        ).scalar_one()
        rina.language = "en"
        session.add(ChannelIdentity(channel="whatsapp", address="6281100000013", person_id=rina.id))
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("Rina")
    await siti.press("Setujui")
    assert "Rina Kusumawati akan menerima pemberitahuan." in siti.text
    channel = MemoryChannel(name="whatsapp")
    await run_until(sender_for(kaderbot, channel, clock), lambda: settled(kaderbot))
    assert channel.texts("6281100000013") == [
        "Your details as a cadre of Posyandu Teratai have been verified by the coordinator. "
        "Thank you for your service."
    ]


async def test_rows_for_a_channel_nobody_serves_fail_instead_of_waiting(
    kaderbot: KaderBot, coordinator: Chat, clock: Clock
) -> None:
    await add_cadres(kaderbot.db, count=2, posyandu_code="PY-6402-0001", first_address=20_000)
    whatsapp = await add_cadres(
        kaderbot.db, count=2, posyandu_code="PY-6402-0002", first_address=628_110_000, channel="whatsapp"
    )
    await send_now(coordinator)
    channel = MemoryChannel()  # Telegram only
    await run_until(sender_for(kaderbot, channel, clock), lambda: settled(kaderbot))
    by_address = {r.address: r for r in await rows(kaderbot)}
    assert {by_address[a].status for a in whatsapp} == {"failed"}
    assert by_address[whatsapp[0]].last_error == "no channel to send on"
