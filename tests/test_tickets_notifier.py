"""Ticket news goes through the outbox like every message the bot starts by itself: one row per
recipient on the identity they last wrote from, sent by the outbox sender in each recipient's
language with its kind; a blocked identity hands the notice on to the next one; the console shows
pending news at the person's next turn."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.app import KaderBot
from bot.channels.base import RateLimited, Unreachable, WindowClosed
from bot.channels.console import ConsoleChannel
from bot.notifier import ConsoleNotices
from bot.outbox import OutboxConfig, OutboxSender
from bot.rate_limit import RateLimit
from handlers.types import Reply, Text
from storage.models import ChannelIdentity, Person
from storage.models_outbox import OutboxMessage
from storage.repositories import tickets
from tests.chat import Chat, Clock
from tests.flows import onboard
from tests.test_tickets_lifecycle import file_complaint


@dataclass
class FakeChannel:
    """A platform channel that records what it was asked to send, or fails the way it is told to."""

    name: str
    fail_with: Exception | None = None
    sent: list[tuple[str, list[Reply]]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    delivered: asyncio.Event = field(default_factory=asyncio.Event)

    def router(self) -> None:
        return None

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def healthy(self) -> bool:
        return True

    async def send(self, address: str, replies: Sequence[Reply], *, kind: str = "notification") -> str:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append((address, list(replies)))
        self.kinds.append(kind)
        self.delivered.set()
        return f"m{len(self.sent)}"


def sender(kaderbot: KaderBot, clock: Clock, *channels: FakeChannel) -> OutboxSender:
    """The outbox sender over `channels`, no rate limits, quick polls."""
    config = OutboxConfig(idle_poll=0.02, progress_every=0.05, limits={c.name: RateLimit() for c in channels})
    return OutboxSender(kaderbot.db, kaderbot.catalogues, list(channels), config, clock=clock)  # type: ignore[arg-type]


async def drain(kaderbot: KaderBot, clock: Clock, *channels: FakeChannel) -> int:
    """Run the sender until nothing due is left; how many messages the channels took."""
    before = sum(len(c.sent) for c in channels)
    await asyncio.wait_for(sender(kaderbot, clock, *channels).run(asyncio.Event(), until_idle=True), 30)
    return sum(len(c.sent) for c in channels) - before


async def person_id(kaderbot: KaderBot, name: str) -> int:
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(Person.id).where(Person.full_name == name))).scalar_one()


async def add_identity(kaderbot: KaderBot, who: int, channel: str, address: str, last: dt.datetime) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        session.add(
            ChannelIdentity(
                channel=channel, address=address, person_id=who, last_inbound_at=last, created_at=last
            )
        )


async def rows(kaderbot: KaderBot) -> list[OutboxMessage]:
    async with kaderbot.db.sessions() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


@pytest.fixture
async def siti_on_two_channels(kaderbot: KaderBot, clock: Clock) -> int:
    """Coordinator Siti (Kukar) wrote on WhatsApp yesterday and on Telegram an hour ago."""
    siti = await person_id(kaderbot, "Siti Rahmawati")
    await add_identity(kaderbot, siti, "whatsapp", "6281100000001", clock() - dt.timedelta(days=1))
    await add_identity(kaderbot, siti, "telegram", "7001", clock() - dt.timedelta(hours=1))
    return siti


async def test_new_ticket_reaches_the_coordinator_on_the_channel_she_last_used(
    chat: Chat, kaderbot: KaderBot, clock: Clock, siti_on_two_channels: int
) -> None:
    telegram, whatsapp = FakeChannel("telegram"), FakeChannel("whatsapp")
    await onboard(chat, role="warga")
    number = await file_complaint(chat)
    assert await drain(kaderbot, clock, telegram, whatsapp) == 1
    assert whatsapp.sent == []
    ((address, replies),) = telegram.sent
    assert address == "7001"
    assert isinstance(replies[0], Text) and number in replies[0].text and "Permohonan baru" in replies[0].text
    (row,) = await rows(kaderbot)
    assert row.kind == "ticket_new"
    assert telegram.kinds == [row.kind]  # the kind travels, so WhatsApp can pick the right template
    assert (row.channel, row.address, row.status) == ("telegram", "7001", "sent")
    assert row.sent_at == clock() and row.attempts == 1 and row.platform_message_id == "m1"
    assert await drain(kaderbot, clock, telegram, whatsapp) == 0  # sent once only
    assert len(telegram.sent) == 1


async def test_a_blocked_channel_is_marked_unreachable_and_the_next_one_is_used(
    chat: Chat, kaderbot: KaderBot, clock: Clock, siti_on_two_channels: int
) -> None:
    telegram, whatsapp = FakeChannel("telegram", fail_with=Unreachable("403")), FakeChannel("whatsapp")
    await onboard(chat, role="warga")
    await file_complaint(chat)
    assert await drain(kaderbot, clock, telegram, whatsapp) == 1
    assert [address for address, _ in whatsapp.sent] == ["6281100000001"]
    blocked, rerouted = await rows(kaderbot)
    assert (blocked.channel, blocked.status) == ("telegram", "unreachable")
    assert (rerouted.channel, rerouted.status, rerouted.kind) == ("whatsapp", "sent", "ticket_new")
    async with kaderbot.db.sessions() as session:
        blocked = (
            await session.execute(select(ChannelIdentity).where(ChannelIdentity.channel == "telegram"))
        ).scalar_one()
    assert blocked.unreachable_at == clock()


async def test_rate_limit_leaves_the_row_for_later(
    chat: Chat, kaderbot: KaderBot, clock: Clock, siti_on_two_channels: int
) -> None:
    telegram = FakeChannel("telegram", fail_with=RateLimited(3))
    await onboard(chat, role="warga")
    await file_complaint(chat)
    assert await drain(kaderbot, clock, telegram) == 0
    (row,) = await rows(kaderbot)
    assert row.status == "pending" and row.not_before == clock() + dt.timedelta(seconds=3)
    telegram.fail_with = None
    assert await drain(kaderbot, clock, telegram) == 0  # not before the platform's wait is over
    clock.now += dt.timedelta(seconds=3)
    assert await drain(kaderbot, clock, telegram) == 1


async def test_outside_the_whatsapp_window_it_fails_once_and_is_left_alone(
    chat: Chat, kaderbot: KaderBot, clock: Clock
) -> None:
    siti = await person_id(kaderbot, "Siti Rahmawati")
    await add_identity(kaderbot, siti, "whatsapp", "6281100000001", clock() - dt.timedelta(days=3))
    whatsapp = FakeChannel("whatsapp", fail_with=WindowClosed("131047"))
    await onboard(chat, role="warga")
    await file_complaint(chat)
    assert await drain(kaderbot, clock, whatsapp) == 0
    (row,) = await rows(kaderbot)
    assert row.status == "failed" and row.attempts == 1 and "window closed" in (row.last_error or "")
    whatsapp.fail_with = None
    assert await drain(kaderbot, clock, whatsapp) == 0  # a failed row is left alone


async def test_each_recipient_reads_it_in_their_own_language(
    kaderbot: KaderBot, clock: Clock, siti_on_two_channels: int
) -> None:
    telegram = FakeChannel("telegram")
    ana = Chat(kaderbot.core, "ana-tg", channel="telegram")
    await onboard(ana, role="resident", language="English")
    await ana.press("File a request")
    await ana.press("Request for assistance")
    await ana.press("Kutai Kartanegara")
    await ana.press("Tenggarong")
    await ana.press("Melayu")
    await ana.say("My mother needs a wheelchair, she cannot walk any more.")
    await ana.press("Skip")
    await ana.press("Send")
    number = tickets.parse_number(ana.text)
    assert number is not None
    async with kaderbot.db.sessions() as session, session.begin():
        found = await tickets.by_number(session, number)
        assert found is not None
        await tickets.change_status(
            session, found, status="diproses", note="Asesmen Senin.", actor_person_id=None, now=clock()
        )
    assert await drain(kaderbot, clock, telegram) == 2
    by_address = {address: replies[0].text for address, replies in telegram.sent}  # type: ignore[union-attr]
    assert by_address["7001"].startswith("📥 Permohonan baru")  # Siti reads Indonesian
    assert by_address["ana-tg"].startswith(f"📣 Update on request {number}: the status is now In progress")


async def test_the_console_shows_pending_news_at_the_next_turn(
    chat: Chat, kaderbot: KaderBot, clock: Clock
) -> None:
    await onboard(chat, role="warga")
    number = await file_complaint(chat)
    async with kaderbot.db.sessions() as session, session.begin():
        found = await tickets.by_number(session, number)
        assert found is not None
        await tickets.change_status(
            session, found, status="selesai", note="Sudah diperbaiki.", actor_person_id=None, now=clock()
        )
    notices = ConsoleNotices(kaderbot.db, kaderbot.catalogues, clock=clock)
    assert await drain(kaderbot, clock, FakeChannel("telegram")) == 0  # the sender leaves them alone
    console = ConsoleChannel(kaderbot.core, "budi", out=io.StringIO(), notices=notices)
    shown = await console.send("/menu")
    assert shown.startswith(f"📣 Kabar permohonan {number}: status sekarang Selesai.")
    assert "Menu utama" in shown
    assert "Kabar permohonan" not in await console.send("/menu")  # shown once
    # Siti (console only) sees the new ticket the same way.
    siti = ConsoleChannel(kaderbot.core, "siti", out=io.StringIO(), notices=notices)
    assert f"📥 Permohonan baru {number}" in await siti.send("/menu")


async def test_the_running_sender_delivers_news_written_meanwhile(
    chat: Chat, kaderbot: KaderBot, clock: Clock, siti_on_two_channels: int
) -> None:
    telegram = FakeChannel("telegram")
    stop = asyncio.Event()
    loop = asyncio.create_task(sender(kaderbot, clock, telegram).run(stop))
    await onboard(chat, role="warga")
    await file_complaint(chat)
    await asyncio.wait_for(telegram.delivered.wait(), timeout=30)
    stop.set()
    await asyncio.wait_for(loop, timeout=30)
    assert len(telegram.sent) == 1
