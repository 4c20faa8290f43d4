"""The helpdesk of residents' tickets (issue #18, point 3), one set of rules for the dashboard's
inbox and the chat: which ticket a coordinator may open (the chat's scope rule), the audit of
opening it (the chat's ticket screen's entry), a message to the resident with a "Balas" button,
the resident's answer, assigning a colleague, and closing with a note (the chat's status change,
storage/repositories/tickets.py, so the resident is told the same way).

Everything here runs in the caller's transaction; a refusal is a HelpdeskError naming a catalogue
message, or OutOfScope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import OutOfScope, Scope
from handlers.flows.privacy_audit import VIEWED
from storage.models import Person
from storage.models_thread import TicketMessage
from storage.models_tickets import Ticket
from storage.repositories import audit, ticket_thread, tickets
from storage.repositories.notifications import BUTTONS
from storage.repositories.ticket_desk import CLOSED

TEXT_MIN, TEXT_MAX = 3, 1000
NOTICE_REPLY = "helpdesk.notify_reply"
REPLY_BUTTON = "helpdesk.reply_button"
REPLY_COMMAND = "/balas"  # the command a "Balas" button types (handlers/commands.py)
# The audit log's actions, as the chat's ticket desk writes them (handlers/flows/coordinator_tickets.py).
MESSAGE_ACTION, STATUS_ACTION, ASSIGN_ACTION = "ticket.message", "ticket.status", "ticket.assign"


class HelpdeskError(Exception):
    """An action the ticket's state does not allow; `key` is the catalogue message saying why."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def clean_text(text: str | None) -> str:
    """What a person typed for the other side: NIKs masked, spaces tidied, lines kept; HelpdeskError
    when it is too short or too long."""
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    cleaned = tickets.mask_nik("\n".join(lines).strip())
    while "\n\n\n" in cleaned:
        cleaned = cleaned.replace("\n\n\n", "\n\n")
    if not TEXT_MIN <= len(cleaned) <= TEXT_MAX:
        raise HelpdeskError("helpdesk.text_length", min=TEXT_MIN, max=TEXT_MAX)
    return cleaned


async def ticket_in_scope(session: AsyncSession, scope: Scope, number: str) -> Ticket:
    """The ticket with that number when the coordinator's regions cover it (the chat's rule);
    OutOfScope otherwise, also when there is no such ticket."""
    ticket = await tickets.by_number(session, number)
    if ticket is None or not scope.covers(ticket.region_code):
        raise OutOfScope(f"ticket {number}")
    return ticket


async def opened(session: AsyncSession, ticket: Ticket, *, actor: Person, now: dt.datetime) -> None:
    """A coordinator saw the ticket, the resident's words in it: the chat's audit entry."""
    await audit.record(
        session,
        actor=actor,
        action=VIEWED,
        target=ticket.number,
        details={"what": "ticket", "ticket_id": ticket.id},
        now=now,
    )


def reply_payload(number: str) -> str:
    return f"{REPLY_COMMAND} {number}"


async def write(
    session: AsyncSession, ticket: Ticket, *, text: str, actor: Person, now: dt.datetime
) -> TicketMessage:
    """A coordinator's message to the resident: kept in the thread, sent as a notice with a "Balas"
    button through the outbox, audited."""
    if ticket.status in CLOSED:
        raise HelpdeskError("helpdesk.closed", number=ticket.number)
    if ticket.person_id is None:
        raise HelpdeskError("helpdesk.asker_gone", number=ticket.number)
    params = {
        "number": ticket.number,
        "message": text,
        BUTTONS: [[reply_payload(ticket.number), {"key": REPLY_BUTTON}]],
    }
    message = await ticket_thread.write_to_resident(
        session,
        ticket,
        text=text,
        author_person_id=actor.id,
        notice_key=NOTICE_REPLY,
        notice_params=params,
        now=now,
    )
    await audit.record(
        session,
        actor=actor,
        action=MESSAGE_ACTION,
        target=ticket.number,
        details={"ticket_id": ticket.id, "note": text, "via": "dashboard"},
        now=now,
    )
    return message


async def own_open_ticket(session: AsyncSession, person_id: int, typed: str | None) -> Ticket:
    """The resident's own ticket that still takes answers; HelpdeskError otherwise (someone else's
    number gets the answer an unknown one gets)."""
    number = tickets.parse_number(typed or "")
    ticket = await tickets.own_by_number(session, person_id, number) if number else None
    if ticket is None:
        raise HelpdeskError("helpdesk.answer.not_found", number=number or (typed or "").strip()[:40] or "-")
    if ticket.status in CLOSED:
        raise HelpdeskError("helpdesk.answer.closed", number=ticket.number)
    return ticket


async def answer(session: AsyncSession, ticket: Ticket, *, text: str, now: dt.datetime) -> TicketMessage:
    """The resident's answer, kept in the thread the dashboard shows."""
    if ticket.status in CLOSED:
        raise HelpdeskError("helpdesk.answer.closed", number=ticket.number)
    return await ticket_thread.keep_answer(session, ticket, text=text, now=now)


async def assign(
    session: AsyncSession, ticket: Ticket, *, person_id: int | None, actor: Person, now: dt.datetime
) -> None:
    """Assign the ticket to a colleague whose regions cover it, or (None) to nobody; audited."""
    if person_id is not None:
        allowed = {p.id for p in await ticket_thread.colleagues(session, ticket.region_code)}
        if person_id not in allowed:
            raise HelpdeskError("helpdesk.assign.not_colleague")
    await ticket_thread.assign(session, ticket, person_id=person_id, by_person_id=actor.id, now=now)
    await audit.record(
        session,
        actor=actor,
        action=ASSIGN_ACTION,
        target=ticket.number,
        details={"ticket_id": ticket.id, "person_id": person_id},
        now=now,
    )


async def close(
    session: AsyncSession, ticket: Ticket, *, status: str, note: str | None, actor: Person, now: dt.datetime
) -> None:
    """Close the ticket (selesai or ditolak) with a note: the chat's status change, which tells the
    resident; audited as the chat audits it."""
    if status not in CLOSED:
        raise HelpdeskError("helpdesk.close.bad_status")
    try:
        await tickets.change_status(
            session, ticket, status=status, note=note, actor_person_id=actor.id, now=now
        )
    except tickets.TicketError:
        raise HelpdeskError("helpdesk.changed_meanwhile", number=ticket.number) from None
    await audit.record(
        session,
        actor=actor,
        action=STATUS_ACTION,
        target=ticket.number,
        details={"ticket_id": ticket.id, "status": status, "note": note},
        now=now,
    )
