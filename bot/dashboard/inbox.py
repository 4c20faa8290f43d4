"""The helpdesk inbox (issue #18, point 3), what its pages show: the queue of residents' open
requests and urgent (TRC) cases in the coordinator's regions, urgent first, then the longest
waiting — the chat's own queue (storage/repositories/ticket_desk.py) — with each one's assignee;
and one ticket's thread: the request, its history, the messages both ways, who may take it over.

The queue shows no resident's words or name, like the chat's list; those are on the thread page,
whose opening is audited as the chat's ticket screen is (handlers/helpdesk.py). What the pages do
(write, assign, close) is handlers/helpdesk.py's, shared with the chat."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import Scope
from storage.models import Person, Region
from storage.models_tickets import NEXT_STATUSES, Ticket
from storage.repositories import ticket_desk, ticket_thread, tickets

SHOWN = 200


@dataclass(frozen=True, slots=True)
class Row:
    number: str
    urgent: bool
    category: str
    status: str
    region_name: str
    waiting: dt.timedelta
    assignee: str | None


async def queue(session: AsyncSession, scope: Scope, *, now: dt.datetime) -> tuple[list[Row], bool]:
    """The open tickets in the scope, and whether there are more than SHOWN."""
    found = await ticket_desk.open_within(session, roots=scope.sql_roots, limit=SHOWN + 1)
    shown = found[:SHOWN]
    codes = {t.region_code for t in shown}
    names = dict(
        (await session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))).all()
    )
    assigned = await ticket_thread.assignees(session, [t.id for t in shown])
    rows = [
        Row(
            t.number,
            t.urgent,
            t.category,
            t.status,
            names.get(t.region_code, t.region_code),
            now - t.created_at,
            _name(assigned[t.id]) if t.id in assigned else None,
        )
        for t in shown
    ]
    return rows, len(found) > SHOWN


@dataclass(frozen=True, slots=True)
class Step:
    """A step of the ticket's history: a status it entered, or (`message`) a note written to the
    resident in chat that left the status as it was."""

    status: str
    note: str | None
    message: bool
    actor: str | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Colleague:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Thread:
    ticket: Ticket
    region: str
    location: str | None
    steps: list[Step]
    lines: list[ticket_thread.Line]
    assignee: Colleague | None
    colleagues: list[Colleague]
    waiting: dt.timedelta

    @property
    def closed(self) -> bool:
        return self.ticket.status in ticket_desk.CLOSED

    @property
    def writable(self) -> bool:
        """Whether a message can still reach the resident."""
        return not self.closed and self.ticket.person_id is not None

    @property
    def close_statuses(self) -> list[str]:
        return [s for s in NEXT_STATUSES.get(self.ticket.status, ()) if s in ticket_desk.CLOSED]


async def thread(session: AsyncSession, ticket: Ticket, *, now: dt.datetime) -> Thread:
    events = await tickets.history(session, ticket.id)
    actors = await _names(session, {e.actor_person_id for e in events if e.actor_person_id is not None})
    steps: list[Step] = []
    previous: str | None = None
    for event in events:
        steps.append(
            Step(
                event.status,
                event.note,
                event.status == previous,
                actors.get(event.actor_person_id) if event.actor_person_id is not None else None,
                event.created_at,
            )
        )
        previous = event.status
    assigned = (await ticket_thread.assignees(session, [ticket.id])).get(ticket.id)
    location = None
    if ticket.urgent:
        where = tickets.Location(ticket.location_lat, ticket.location_lon, ticket.location_text)
        location = where.describe()
    return Thread(
        ticket=ticket,
        region=await tickets.region_label(session, ticket.region_code),
        location=location,
        steps=steps,
        lines=await ticket_thread.lines(session, ticket.id),
        assignee=Colleague(assigned.id, _name(assigned)) if assigned is not None else None,
        colleagues=[
            Colleague(p.id, _name(p)) for p in await ticket_thread.colleagues(session, ticket.region_code)
        ],
        waiting=now - ticket.created_at,
    )


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = await session.execute(select(Person).where(Person.id.in_(ids)))
    return {p.id: _name(p) for p in found.scalars()}


def _name(person: Person) -> str:
    return person.full_name or f"#{person.id}"
