"""A ticket's thread and assignee (storage/models_thread.py): the messages written to the resident
from the dashboard and the resident's answers, each kept with the notice that carries it, and the
colleague the ticket is assigned to. The rules (who may, what is said) live in handlers/helpdesk.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person
from storage.models_outbox import OutboxMessage
from storage.models_thread import FROM_RESIDENT, TO_RESIDENT, TicketAssignment, TicketMessage
from storage.models_tickets import Ticket
from storage.repositories import notifications
from storage.repositories.tickets import coordinators_for

NOTICE_KIND = "ticket_status"  # the kind of the chat's own messages to an asker (tickets.write_to_asker)


@dataclass(frozen=True, slots=True)
class Line:
    """One message of a thread as the thread page shows it."""

    id: int
    direction: str
    text: str
    author: str | None  # the coordinator's name (None for the resident, or an erased coordinator)
    delivery: str | None  # the carrying notice's outbox status (None for the resident's answers)
    created_at: dt.datetime


async def write_to_resident(
    session: AsyncSession,
    ticket: Ticket,
    *,
    text: str,
    author_person_id: int,
    notice_key: str,
    notice_params: Mapping[str, Any],
    now: dt.datetime,
) -> TicketMessage:
    """Keep the message in the thread and queue its notice to the asker in the same transaction
    (the outbox sends it like every other notice; ValueError when the asker erased their data)."""
    if ticket.person_id is None:
        raise ValueError(f"{ticket.number}: the asker has erased their data")
    rows = await notifications.add(
        session, [ticket.person_id], kind=NOTICE_KIND, key=notice_key, params=notice_params, now=now
    )
    message = TicketMessage(
        ticket_id=ticket.id,
        asker_person_id=ticket.person_id,
        direction=TO_RESIDENT,
        author_person_id=author_person_id,
        text=text,
        outbox_message_id=rows[0].id if rows else None,
        created_at=now,
    )
    ticket.updated_at = now
    session.add(message)
    await session.flush()
    return message


async def keep_answer(session: AsyncSession, ticket: Ticket, *, text: str, now: dt.datetime) -> TicketMessage:
    """The asker's own answer in chat."""
    if ticket.person_id is None:
        raise ValueError(f"{ticket.number}: the asker has erased their data")
    message = TicketMessage(
        ticket_id=ticket.id,
        asker_person_id=ticket.person_id,
        direction=FROM_RESIDENT,
        text=text,
        created_at=now,
    )
    ticket.updated_at = now
    session.add(message)
    await session.flush()
    return message


async def lines(session: AsyncSession, ticket_id: int) -> list[Line]:
    """The thread, oldest first, with each author's name and each notice's delivery status."""
    result = await session.execute(
        select(TicketMessage, Person.full_name, OutboxMessage.status)
        .outerjoin(Person, Person.id == TicketMessage.author_person_id)
        .outerjoin(OutboxMessage, OutboxMessage.id == TicketMessage.outbox_message_id)
        .where(TicketMessage.ticket_id == ticket_id)
        .order_by(TicketMessage.id)
    )
    return [
        Line(m.id, m.direction, m.text, name, status if m.direction == TO_RESIDENT else None, m.created_at)
        for m, name, status in result.all()
    ]


async def colleagues(session: AsyncSession, region_code: str) -> list[Person]:
    """Coordinators whose regions cover the ticket's region: those it may be assigned to."""
    ids = await coordinators_for(session, region_code)
    if not ids:
        return []
    found = await session.execute(
        select(Person).where(Person.id.in_(ids)).order_by(Person.full_name, Person.id)
    )
    return list(found.scalars())


async def assign(
    session: AsyncSession, ticket: Ticket, *, person_id: int | None, by_person_id: int, now: dt.datetime
) -> None:
    """Assign the ticket to `person_id`, or (None) to nobody."""
    current = await session.get(TicketAssignment, ticket.id)
    if person_id is None:
        if current is not None:
            await session.delete(current)
    elif current is None:
        session.add(
            TicketAssignment(
                ticket_id=ticket.id, person_id=person_id, assigned_by_person_id=by_person_id, assigned_at=now
            )
        )
    else:
        current.person_id, current.assigned_by_person_id, current.assigned_at = person_id, by_person_id, now
    await session.flush()


async def assignees(session: AsyncSession, ticket_ids: Iterable[int]) -> dict[int, Person]:
    """Ticket id → the person it is assigned to, for the tickets that have one."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    result = await session.execute(
        select(TicketAssignment.ticket_id, Person)
        .join(Person, Person.id == TicketAssignment.person_id)
        .where(TicketAssignment.ticket_id.in_(ids))
    )
    return {ticket_id: person for ticket_id, person in result.all()}
