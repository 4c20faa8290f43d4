"""Helpers for the coordinator and outbox tests: many reachable people at once, a coordinator on a
platform channel, an in-memory platform channel with scripted failures, a broadcast composed
through the chat as a coordinator would."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select

from bot.app import KaderBot
from bot.channels.base import RateLimited, Unreachable
from handlers.types import File, Reply, Text
from storage.db import Database
from storage.models import Cadre, ChannelIdentity, Person, Posyandu
from storage.models_tickets import Ticket
from storage.repositories import scopes, tickets
from tests.chat import Chat

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


async def add_cadres(
    db: Database,
    *,
    count: int,
    posyandu_code: str,
    first_address: int,
    channel: str = "telegram",
    verification: str = "verified",
) -> list[str]:
    """`count` consenting cadres of one Posyandu, each with an identity on `channel`; their addresses."""
    async with db.sessions() as session, session.begin():
        posyandu_id = (
            await session.execute(select(Posyandu.id).where(Posyandu.code == posyandu_code))
        ).scalar_one()
        people = [
            {
                "full_name": f"Kader Uji {first_address + i}",
                "phone": None,
                "language": "id",
                "role": "cadre",
                "consent_at": NOW,
                "created_at": NOW,
            }
            for i in range(count)
        ]
        inserted = await session.execute(
            insert(Person).returning(Person.id, sort_by_parameter_order=True), people
        )
        ids = list(inserted.scalars())
        addresses = [str(first_address + i) for i in range(count)]
        await session.execute(
            insert(ChannelIdentity),
            [
                {"channel": channel, "address": address, "person_id": pid, "created_at": NOW}
                for pid, address in zip(ids, addresses, strict=True)
            ],
        )
        await session.execute(
            insert(Cadre),
            [
                {
                    "person_id": pid,
                    "posyandu_id": posyandu_id,
                    "position": "anggota",
                    "verification": verification,
                    "registered_at": NOW,
                }
                for pid in ids
            ],
        )
    return addresses


async def add_identity(db: Database, console_handle: str, channel: str, address: str) -> None:
    """Give a demo person (known by their console handle) an identity on another channel."""
    async with db.sessions() as session, session.begin():
        person_id = (
            await session.execute(
                select(ChannelIdentity.person_id).where(
                    ChannelIdentity.channel == "console", ChannelIdentity.address == console_handle
                )
            )
        ).scalar_one()
        session.add(ChannelIdentity(channel=channel, address=address, person_id=person_id, created_at=NOW))


async def make_coordinator(
    db: Database, channel: str, address: str, *regions: str, name: str = "Koordinator"
) -> None:
    """What `kaderbot admin add-coordinator --telegram …` does, for a person who has not written yet."""
    async with db.sessions() as session, session.begin():
        person = await scopes.find_person(session, channel=channel, address=address)
        if person is None:
            person = Person(full_name=name, language="id", role="resident", consent_at=NOW, created_at=NOW)
            session.add(person)
            await session.flush()
            session.add(
                ChannelIdentity(channel=channel, address=address, person_id=person.id, created_at=NOW)
            )
        for region in regions:
            await scopes.grant(session, person, region)


async def compose_broadcast(
    chat: Chat, text: str, *, audience: str = "Kader", path: Sequence[str] = (), whole: str | None = None
) -> None:
    """/siaran up to the 'when' question: text, no attachment, audience, walk `path`, then 'whole'."""
    await chat.say("/siaran")
    if "Mulai dari awal" in [o.label for r in chat.replies if hasattr(r, "options") for o in r.options]:
        await chat.press("Mulai dari awal")  # an unfinished broadcast is kept as a draft
    await chat.say(text)
    await chat.press("Lewati")
    await chat.press(audience)
    for step in path:
        await chat.press(step)
    if whole is not None:
        await chat.press(f"Seluruh {whole}")


async def file_ticket(kaderbot: KaderBot, address: str, region: str, *, urgent: bool = False) -> str:
    """A resident on Telegram with a ticket about `region` (the NIK typed in it gets masked)."""
    async with kaderbot.db.sessions() as session, session.begin():
        person = Person(
            full_name=f"Warga {address}", language="id", role="resident", consent_at=NOW, created_at=NOW
        )
        session.add(person)
        await session.flush()
        session.add(ChannelIdentity(channel="telegram", address=address, person_id=person.id, created_at=NOW))
        new = tickets.NewTicket(
            category="darurat" if urgent else "bantuan",
            region_code=region,
            description="Nenek di rumah sebelah tinggal sendiri, 1234567890123456, belum dapat bantuan",
            urgent=urgent,
            location=tickets.Location(text="RT 07 dekat masjid") if urgent else None,
        )
        await tickets.open_ticket(session, person_id=person.id, new=new, now=NOW)
        return (
            await session.execute(select(Ticket.number).where(Ticket.person_id == person.id))
        ).scalar_one()


@dataclass
class Sent:
    address: str
    replies: list[Reply]
    at: float


@dataclass
class MemoryChannel:
    """A platform channel in memory. Script failures per address with `fail`; `progress` edits one
    message when `edits` is on; `download` serves `media`."""

    name: str = "telegram"
    edits: bool = True
    media: dict[str, bytes] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    progress_log: list[tuple[str, str, str | None]] = field(default_factory=list)
    failures: dict[str, list[Exception]] = field(default_factory=dict)
    attempts: list[tuple[str, float]] = field(default_factory=list)
    latency: float = 0.0

    def fail(self, address: str, *errors: Exception) -> None:
        self.failures.setdefault(address, []).extend(errors)

    def router(self) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def healthy(self) -> bool:
        return True

    async def send(self, address: str, replies: Sequence[Reply], *, kind: str = "notification") -> str | None:
        self.attempts.append((address, time.monotonic()))
        if self.latency:
            await asyncio.sleep(self.latency)
        queued = self.failures.get(address)
        if queued:
            raise queued.pop(0)
        self.sent.append(Sent(address, list(replies), time.monotonic()))
        return f"m{len(self.sent)}"

    def texts(self, address: str) -> list[str]:
        found = []
        for sent in self.sent:
            if sent.address == address:
                for reply in sent.replies:
                    if isinstance(reply, Text):
                        found.append(reply.text)
                    elif isinstance(reply, File):
                        found.append(reply.caption or "")
        return found

    def addresses(self) -> list[str]:
        return [s.address for s in self.sent]


class EditingChannel(MemoryChannel):
    """A MemoryChannel that can show live progress (the optional ShowsProgress capability)."""

    async def send_progress(self, address: str, text: str, handle: str | None) -> str | None:
        self.progress_log.append((address, text, handle))
        return handle or f"progress-{len(self.progress_log)}"

    async def download(self, ref: str) -> bytes:
        return self.media[ref]


__all__ = ["RateLimited", "Unreachable"]
