"""Who a broadcast reaches: people chosen by role and region, each on one channel that can deliver.

Cadres belong to a region through their Posyandu. Residents do not register a home region; a
resident belongs to the regions of the requests and complaints they filed (tickets), the only place
they have told us where they live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, ChannelIdentity, Person, Posyandu
from storage.models_tickets import Ticket
from storage.repositories.scopes import under

# Channels the outbox can push to.
DELIVERABLE = ("telegram", "whatsapp")
# The console cannot be pushed to, but its people are reachable all the same: what is sent to them
# waits for their next console turn (storage/repositories/notifications.py `take_console`).
CONSOLE = "console"
REACHABLE = (*DELIVERABLE, CONSOLE)
WHO = ("cadres", "verified", "residents", "both", "posyandu")


@dataclass(frozen=True, slots=True)
class Audience:
    """`who` is one of WHO; `region` for all but 'posyandu', which names `posyandu_id` instead."""

    who: str
    region: str | None = None
    posyandu_id: int | None = None

    def __post_init__(self) -> None:
        if self.who not in WHO:
            raise ValueError(f"unknown audience {self.who!r}")
        if (self.who == "posyandu") != (self.posyandu_id is not None):
            raise ValueError("a Posyandu audience names a Posyandu, and only it does")
        if self.who != "posyandu" and not self.region:
            raise ValueError("this audience needs a region")

    def to_json(self) -> dict[str, Any]:
        return {"who": self.who, "region": self.region, "posyandu_id": self.posyandu_id}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Audience:
        return cls(raw["who"], raw.get("region"), raw.get("posyandu_id"))


@dataclass(frozen=True, slots=True)
class Recipient:
    person_id: int
    channel: str
    address: str


@dataclass(frozen=True, slots=True)
class Resolved:
    recipients: list[Recipient]
    unreachable: int  # people in the audience with no identity a message can reach


def _people(audience: Audience) -> list[Select[tuple[int]]]:
    queries: list[Select[tuple[int]]] = []
    if audience.who in ("cadres", "verified", "both", "posyandu"):
        cadres = (
            select(Cadre.person_id)
            .join(Person, Person.id == Cadre.person_id)
            .join(Posyandu, Posyandu.id == Cadre.posyandu_id)
            # A coordinator who is also a cadre hears what cadres hear.
            .where(Person.role.in_(("cadre", "coordinator", "admin")))
        )
        if audience.who == "verified":
            cadres = cadres.where(Cadre.verification == "verified")
        else:
            cadres = cadres.where(Cadre.verification != "rejected")
        if audience.who == "posyandu":
            cadres = cadres.where(Posyandu.id == audience.posyandu_id)
        else:
            cadres = cadres.where(under(Posyandu.region_code, audience.region or ""))
        queries.append(cadres)
    if audience.who in ("residents", "both"):
        residents = (
            select(Ticket.person_id)
            .join(Person, Person.id == Ticket.person_id)
            .where(
                Person.role == "resident",
                Person.consent_at.is_not(None),
                under(Ticket.region_code, audience.region or ""),
            )
        )
        queries.append(residents)
    return queries


async def person_ids(session: AsyncSession, audience: Audience) -> set[int]:
    found: set[int] = set()
    for query in _people(audience):
        found.update((await session.execute(query.distinct())).scalars())
    return found


async def resolve(
    session: AsyncSession, audience: Audience, *, channels: Sequence[str] = REACHABLE
) -> Resolved:
    """Everyone in the audience, each once, on the reachable identity they last wrote from. A console
    handle counts once someone has written from it: its rows wait for that person's next turn, and
    a handle nobody uses would keep the broadcast open for ever."""
    people = await person_ids(session, audience)
    best = await best_identities(session, people, channels=channels, console_if_used=True)
    recipients = [best[p] for p in sorted(best)]
    return Resolved(recipients, unreachable=len(people) - len(recipients))


async def best_identities(
    session: AsyncSession,
    person_ids: set[int],
    *,
    channels: Sequence[str] | None = DELIVERABLE,
    reachable_only: bool = True,
    console_if_used: bool = False,
) -> dict[int, Recipient]:
    """Each person's identity they last wrote from, among `channels` (None: any channel), skipping
    unreachable ones unless `reachable_only` is False, and console handles never written from when
    `console_if_used`."""
    chosen: dict[int, Recipient] = {}
    ids = sorted(person_ids)
    for start in range(0, len(ids), 5000):  # keep IN lists well under any driver's parameter limit
        conditions = [ChannelIdentity.person_id.in_(ids[start : start + 5000])]
        if channels is not None:
            conditions.append(ChannelIdentity.channel.in_(list(channels)))
        if reachable_only:
            conditions.append(ChannelIdentity.unreachable_at.is_(None))
        if console_if_used:
            conditions.append(
                or_(ChannelIdentity.channel != CONSOLE, ChannelIdentity.last_inbound_at.is_not(None))
            )
        rows = await session.execute(
            select(ChannelIdentity.person_id, ChannelIdentity.channel, ChannelIdentity.address)
            .where(*conditions)
            .order_by(
                ChannelIdentity.person_id,
                ChannelIdentity.last_inbound_at.desc().nulls_last(),
                case((ChannelIdentity.channel == CONSOLE, 1), else_=0),  # unused alike: a push channel first
                ChannelIdentity.id,
            )
        )
        for person_id, channel, address in rows:
            chosen.setdefault(person_id, Recipient(person_id, channel, address))
    return chosen
