"""/tiket: residents' new and open requests and complaints in the coordinator's regions (urgent ones
first); open one, move it on (diproses, selesai, ditolak) with a message for the resident, or just
write to the resident. A button switches the list to the closed tickets (selesai, ditolak) and back.
The resident is told by storage.repositories.tickets (change_status, write_to_asker); every step is
kept in the ticket's history and audited."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from handlers.access import OutOfScope
from handlers.flows.coordinator_common import MENU, CoordinatorFlow
from handlers.flows.coordinator_fields import zone_name
from handlers.flows.posyandu_documents import open_media
from handlers.flows.privacy_audit import VIEWED, personal_data_seen
from handlers.scheduling.formats import date_time
from handlers.turn import BACK, SKIP, Input, Turn
from storage.models_tickets import NEXT_STATUSES, Ticket
from storage.repositories import audit, ticket_desk, tickets
from storage.repositories import media as media_repo

NOTE_MIN, NOTE_MAX = 3, 500
WRITE = "write"
OPEN_LIST, CLOSED_LIST = "open", "closed"  # the list's filter buttons
PHOTOS = "photos"


class TicketsFlow(CoordinatorFlow):
    name = "coordinator_tickets"

    async def start(self, turn: Turn, **args: Any) -> None:
        await self._list(turn)

    async def step(self, turn: Turn, inp: Input) -> None:
        step = turn.state.data.get("step")
        if step == "ticket":
            await self._on_ticket(turn, inp)
        elif step == "note":
            await self._on_note(turn, inp)
        elif step == "message":
            await self._on_message(turn, inp)
        else:
            await self._on_list(turn, inp)

    async def _list(self, turn: Turn, *, closed: bool = False) -> None:
        """The open tickets, or (`closed`) the closed ones, with a button for the other list."""
        roots = (await self.scope(turn)).sql_roots
        found = await (ticket_desk.closed_within if closed else ticket_desk.open_within)(
            turn.session, roots=roots
        )
        switch = (
            (OPEN_LIST, turn.t("review.tickets.show_open"))
            if closed
            else (CLOSED_LIST, turn.t("review.tickets.show_closed"))
        )
        menu = (MENU, turn.t("coordinator.nav.menu"))
        if (
            not found
            and not closed
            and not await ticket_desk.closed_within(turn.session, roots=roots, limit=1)
        ):
            turn.say("coordinator.tickets.none")  # nothing at all to look at
            await turn.goto(MENU)
            return
        turn.state.data = {"step": "list", "closed": closed}
        if not found:
            turn.ask(
                turn.t("review.tickets.none_closed" if closed else "coordinator.tickets.none"), [switch, menu]
            )
            return
        rows = [(f"t{t.id}", self._row(turn, t)) for t in found]
        rows += [switch, menu]
        key = "review.tickets.list_closed" if closed else "coordinator.tickets.list"
        turn.ask(turn.t(key, count=len(found)), rows)

    @staticmethod
    def _row(turn: Turn, ticket: Ticket) -> str:
        return turn.t(
            "coordinator.tickets.row_urgent" if ticket.urgent else "coordinator.tickets.row",
            number=ticket.number,
            category=turn.t(f"resident.category.{ticket.category}"),
            status=turn.t(f"resident.status.{ticket.status}"),
        )

    async def _ticket(self, turn: Turn, ticket_id: int | None) -> Ticket:
        """A ticket the coordinator may handle: it lies in their scope."""
        scope = await self.scope(turn)
        ticket = await ticket_desk.get(turn.session, ticket_id) if ticket_id is not None else None
        if ticket is None or not scope.covers(ticket.region_code):
            raise OutOfScope(f"ticket {ticket_id}")
        return ticket

    async def _on_list(self, turn: Turn, inp: Input) -> None:
        if inp.value == MENU:
            await turn.goto(MENU)
            return
        if inp.value in (OPEN_LIST, CLOSED_LIST):
            await self._list(turn, closed=inp.value == CLOSED_LIST)
            return
        value = inp.value or ""
        if not (value.startswith("t") and value[1:].isdigit()):
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        await self._show(turn, await self._ticket(turn, int(value[1:])))

    async def _show(self, turn: Turn, ticket: Ticket) -> None:
        created = date_time(ticket.created_at, turn.lang, turn.zone)
        lines = [
            turn.t(
                "coordinator.tickets.detail",
                number=ticket.number,
                category=turn.t(f"resident.category.{ticket.category}"),
                status=turn.t(f"resident.status.{ticket.status}"),
                region=await tickets.region_label(turn.session, ticket.region_code),
                created=f"{created} {zone_name(turn.zone)}",
                description=ticket.description,
            )
        ]
        if ticket.urgent:
            where = tickets.Location(
                ticket.location_lat, ticket.location_lon, ticket.location_text
            ).describe()
            lines.append(turn.t("coordinator.tickets.urgent", location=where))
            if ticket.danger_now is not None:  # the resident's answer to "is anyone in danger now?"
                key = "resident.trc.danger_now" if ticket.danger_now else "resident.trc.no_danger_now"
                lines.append(turn.t("coordinator.tickets.danger", answer=turn.t(key)))
        if ticket.photos:
            lines.append(turn.t("coordinator.tickets.photos", count=len(ticket.photos)))
        previous = None
        for event in await tickets.history(turn.session, ticket.id):
            # An event that keeps the status is a message to the resident (tickets.write_to_asker).
            if event.note:
                key = (
                    "coordinator.tickets.message_line"
                    if event.status == previous
                    else "coordinator.tickets.note_line"
                )
                lines.append(turn.t(key, status=turn.t(f"resident.status.{event.status}"), note=event.note))
            previous = event.status
        # Which list 'back' returns to.
        turn.state.data = {
            "step": "ticket",
            "ticket": ticket.id,
            "closed": turn.state.data.get("closed", False),
        }
        await personal_data_seen(turn, VIEWED, ticket.number, what="ticket", ticket_id=ticket.id)
        rows = [
            (status, turn.t("coordinator.tickets.move", status=turn.t(f"resident.status.{status}")))
            for status in NEXT_STATUSES.get(ticket.status, ())
        ]
        if ticket.person_id is not None:
            rows.append((WRITE, turn.t("coordinator.tickets.write")))
        if media_repo.media_ids(ticket.photos):  # kept in the media store: sent back on request
            count = len(media_repo.media_ids(ticket.photos))
            rows.append((PHOTOS, turn.t("coordinator.tickets.open_photos", count=count)))
        rows.append((BACK, turn.t("nav.back")))
        turn.ask("\n".join(lines), rows)

    async def _on_ticket(self, turn: Turn, inp: Input) -> None:
        ticket = await self._ticket(turn, turn.state.data.get("ticket"))
        if inp.is_back:
            await self._list(turn, closed=bool(turn.state.data.get("closed")))
        elif inp.value == PHOTOS and media_repo.media_ids(ticket.photos):
            await open_media(turn, media_repo.media_ids(ticket.photos), stem=ticket.number.lower())
            turn.show_prompt()
        elif inp.value == WRITE and ticket.person_id is not None:
            turn.state.data.update(step="message")
            turn.ask(
                turn.t("coordinator.tickets.ask_message", number=ticket.number), [(BACK, turn.t("nav.back"))]
            )
        elif inp.value in NEXT_STATUSES.get(ticket.status, ()):
            turn.state.data.update(step="note", status=inp.value)
            turn.ask(
                turn.t("coordinator.tickets.ask_note", status=turn.t(f"resident.status.{inp.value}")),
                [(SKIP, turn.t("nav.skip")), (BACK, turn.t("nav.back"))],
            )
        else:
            turn.say("form.err.pick_option")
            await self._show(turn, ticket)

    async def _on_message(self, turn: Turn, inp: Input) -> None:
        ticket = await self._ticket(turn, turn.state.data.get("ticket"))
        if inp.is_back:
            await self._show(turn, ticket)
            return
        text = self._typed_note(turn, inp)
        if text is None:
            return
        change = tickets.write_to_asker(
            turn.session, ticket, text=text, actor_person_id=turn.person.id, now=turn.now
        )
        if await self._settle(turn, ticket, change, action="ticket.message", details={"note": text}):
            turn.say("coordinator.tickets.message_sent", number=ticket.number)
            await self._show(turn, ticket)

    async def _on_note(self, turn: Turn, inp: Input) -> None:
        ticket = await self._ticket(turn, turn.state.data.get("ticket"))
        status = turn.state.data.get("status", "")
        if inp.is_back:
            await self._show(turn, ticket)
            return
        note: str | None = None
        if inp.value != SKIP:
            note = self._typed_note(turn, inp)
            if note is None:
                return
        change = tickets.change_status(
            turn.session, ticket, status=status, note=note, actor_person_id=turn.person.id, now=turn.now
        )
        details = {"status": status, "note": note}
        if await self._settle(turn, ticket, change, action="ticket.status", details=details):
            turn.say(
                "coordinator.tickets.moved", number=ticket.number, status=turn.t(f"resident.status.{status}")
            )
            await self._list(turn)

    @staticmethod
    def _typed_note(turn: Turn, inp: Input) -> str | None:
        """What the coordinator typed for the resident, NIKs masked; None (and the question again)
        when it is too short or too long."""
        note = tickets.mask_nik(" ".join((inp.text or "").split()))
        if NOTE_MIN <= len(note) <= NOTE_MAX:
            return note
        turn.say("coordinator.tickets.note_length", min=NOTE_MIN, max=NOTE_MAX)
        turn.show_prompt()
        return None

    async def _settle(
        self, turn: Turn, ticket: Ticket, change: Awaitable[object], *, action: str, details: dict[str, Any]
    ) -> bool:
        """Apply a change to the ticket and audit it; False (the ticket shown again) when the ticket
        moved meanwhile or the resident erased their data."""
        try:
            await change
        except tickets.TicketError:
            turn.say("coordinator.tickets.changed_meanwhile")
            await self._show(turn, ticket)
            return False
        await audit.record(
            turn.session,
            actor=turn.person,
            action=action,
            target=ticket.number,
            details={"ticket_id": ticket.id, **details},
            now=turn.now,
        )
        return True
