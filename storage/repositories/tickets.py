"""Tickets (requests, complaints, urgent cases): opening, status changes, and who hears about them.

Every change writes its notices (outbox rows) in the same transaction, so a ticket never exists without
its coordinators being told, and a status never changes without the asker being told.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CoordinatorScope, Person, Region
from storage.models_tickets import CATEGORIES, NEXT_STATUSES, URGENT_CATEGORY, Ticket, TicketEvent
from storage.repositories import notifications

NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")  # a 16-digit NIK typed into free text
NIK_MASK = "*" * 16
NUMBER = re.compile(r"KB[\s\-_/.]*(\d{4})[\s\-_/.]*(\d{1,6})", re.IGNORECASE)
DESCRIPTION_IN_NOTICE = 300  # characters of the description repeated in a coordinator's notice

# Catalogue messages the outbox sender renders in each recipient's language.
NOTICE_NEW = "resident.notify.ticket_new"
NOTICE_URGENT = "resident.notify.ticket_urgent"
NOTICE_STATUS = "resident.notify.ticket_status"
NOTICE_MESSAGE = "coordinator.tickets.notify_message"


class TicketError(ValueError):
    """A change the ticket's rules do not allow (unknown category, a closed ticket reopened, …)."""


@dataclass(frozen=True)
class Location:
    latitude: float | None = None
    longitude: float | None = None
    text: str | None = None

    def describe(self) -> str:
        parts = [self.text] if self.text else []
        if self.latitude is not None and self.longitude is not None:
            lat, lon = f"{self.latitude:.6f}", f"{self.longitude:.6f}"
            parts.append(f"{lat}, {lon} (https://www.openstreetmap.org/?mlat={lat}&mlon={lon})")
        return " — ".join(parts) or "-"


@dataclass(frozen=True)
class NewTicket:
    category: str
    region_code: str
    description: str
    photos: list[dict[str, str]] = field(default_factory=list)
    urgent: bool = False
    location: Location | None = None
    danger_now: bool | None = None


def mask_nik(text: str) -> str:
    """Never keep a NIK in clear (UU 27/2022 PDP): residents sometimes type theirs into a complaint."""
    return NIK.sub(NIK_MASK, text)


def format_number(year: int, sequence: int) -> str:
    return f"KB-{year:04d}-{sequence:06d}"


def parse_number(text: str) -> str | None:
    """'KB-2026-000123', 'kb 2026 123', 'KB2026000123' → 'KB-2026-000123'; anything else → None."""
    found = NUMBER.search(text or "")
    return format_number(int(found[1]), int(found[2])) if found else None


def region_lineage_codes(code: str) -> list[str]:
    """'64.02.06.1005' → ['64', '64.02', '64.02.06', '64.02.06.1005'] (Kemendagri codes nest by prefix)."""
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


async def region_label(session: AsyncSession, code: str) -> str:
    """'Melayu, Tenggarong, Kutai Kartanegara': the region and the levels above it up to kabupaten/kota."""
    codes = region_lineage_codes(code)
    rows = {
        r.code: r for r in (await session.execute(select(Region).where(Region.code.in_(codes)))).scalars()
    }
    names = [rows[c].name for c in reversed(codes) if c in rows and rows[c].level != "provinsi"]
    return ", ".join(names) or code


async def coordinators_for(session: AsyncSession, region_code: str) -> list[int]:
    """Coordinators whose scope is the region or any region above it."""
    result = await session.execute(
        select(Person.id)
        .join(CoordinatorScope, CoordinatorScope.person_id == Person.id)
        .where(
            Person.role == "coordinator", CoordinatorScope.region_code.in_(region_lineage_codes(region_code))
        )
        .distinct()
        .order_by(Person.id)
    )
    return list(result.scalars())


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    notified: int  # coordinators told about it; 0 when nobody covers that region yet


async def open_ticket(session: AsyncSession, *, person_id: int, new: NewTicket, now: dt.datetime) -> Opened:
    """Store the ticket as 'diterima', number it, and notify the region's coordinators."""
    if new.category not in CATEGORIES:
        raise TicketError(f"unknown category {new.category!r}")
    if await session.get(Region, new.region_code) is None:
        raise TicketError(f"unknown region {new.region_code!r}")
    location = new.location or Location()
    ticket = Ticket(
        number=f"new-{uuid.uuid4().hex[:16]}",  # unique until replaced below, once the id is known
        person_id=person_id,
        category=new.category,
        region_code=new.region_code,
        description=mask_nik(new.description),
        photos=list(new.photos),
        urgent=new.urgent or new.category == URGENT_CATEGORY,
        location_lat=location.latitude,
        location_lon=location.longitude,
        location_text=mask_nik(location.text) if location.text else None,
        danger_now=new.danger_now,
        status="diterima",
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()
    ticket.number = format_number(now.year, ticket.id)
    session.add(TicketEvent(ticket_id=ticket.id, status="diterima", created_at=now))
    await session.flush()
    where = Location(location.latitude, location.longitude, ticket.location_text)
    return Opened(ticket, await _tell_coordinators(session, ticket, where, now))


async def _tell_coordinators(
    session: AsyncSession, ticket: Ticket, location: Location, now: dt.datetime
) -> int:
    recipients = await coordinators_for(session, ticket.region_code)
    if not recipients:
        return 0
    params: dict[str, Any] = {
        "number": ticket.number,
        "category": {"key": f"resident.category.{ticket.category}"},
        "region": await region_label(session, ticket.region_code),
        "description": _brief(ticket.description),
    }
    if ticket.urgent:
        params["location"] = location.describe()
        params["danger"] = {
            "key": "resident.trc.danger_now" if ticket.danger_now else "resident.trc.no_danger_now"
        }
        await notifications.add(
            session, recipients, kind="ticket_urgent", key=NOTICE_URGENT, params=params, now=now
        )
    else:
        await notifications.add(
            session, recipients, kind="ticket_new", key=NOTICE_NEW, params=params, now=now
        )
    return len(recipients)


def _brief(text: str) -> str:
    return text if len(text) <= DESCRIPTION_IN_NOTICE else text[: DESCRIPTION_IN_NOTICE - 1].rstrip() + "…"


async def change_status(
    session: AsyncSession,
    ticket: Ticket,
    *,
    status: str,
    note: str | None,
    actor_person_id: int | None,
    now: dt.datetime,
) -> TicketEvent:
    """Move the ticket on, keep the step in its history, and notify the asker."""
    if status not in NEXT_STATUSES.get(ticket.status, ()):
        raise TicketError(f"{ticket.number}: cannot go from {ticket.status} to {status}")
    ticket.status = status
    params = {"number": ticket.number, "status": {"key": f"resident.status.{status}"}, "note": note or "-"}
    return await _keep_and_tell(session, ticket, note, actor_person_id, now, key=NOTICE_STATUS, params=params)


async def write_to_asker(
    session: AsyncSession, ticket: Ticket, *, text: str, actor_person_id: int | None, now: dt.datetime
) -> TicketEvent:
    """A coordinator's message to the person who asked: kept in the ticket's history (an event that
    leaves the status as it is) and sent to them like a status notice."""
    if ticket.person_id is None:
        raise TicketError(f"{ticket.number}: the person who asked has erased their data")
    params = {"number": ticket.number, "message": text}
    return await _keep_and_tell(
        session, ticket, text, actor_person_id, now, key=NOTICE_MESSAGE, params=params
    )


async def _keep_and_tell(
    session: AsyncSession,
    ticket: Ticket,
    note: str | None,
    actor_person_id: int | None,
    now: dt.datetime,
    *,
    key: str,
    params: dict[str, Any],
) -> TicketEvent:
    """One step in the ticket's history (at its current status), and a notice to the asker."""
    ticket.updated_at = now
    event = TicketEvent(
        ticket_id=ticket.id,
        status=ticket.status,
        note=note or None,
        actor_person_id=actor_person_id,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    await notifications.add(
        session, [ticket.person_id], kind="ticket_status", key=key, params=params, now=now
    )
    return event


async def by_number(session: AsyncSession, number: str) -> Ticket | None:
    return (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one_or_none()


async def own_by_number(session: AsyncSession, person_id: int, number: str) -> Ticket | None:
    """The asker's own ticket with that number; another person's ticket is simply not found."""
    result = await session.execute(
        select(Ticket).where(Ticket.number == number, Ticket.person_id == person_id)
    )
    return result.scalar_one_or_none()


async def of_person(session: AsyncSession, person_id: int, *, limit: int = 8) -> list[Ticket]:
    result = await session.execute(
        select(Ticket).where(Ticket.person_id == person_id).order_by(Ticket.id.desc()).limit(limit)
    )
    return list(result.scalars())


async def history(session: AsyncSession, ticket_id: int) -> list[TicketEvent]:
    result = await session.execute(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    )
    return list(result.scalars())
