"""/balas KB-2026-000123 — the resident answers a coordinator's message about their ticket (the
"Balas" button under that message types it). The answer is kept in the ticket's thread, where the
dashboard's inbox shows it (handlers/helpdesk.py), and the resident is told it arrived."""

from __future__ import annotations

from typing import Any

from handlers import helpdesk
from handlers.flows.base import Flow
from handlers.turn import Input, Turn
from storage.models_tickets import Ticket

CANCEL = "cancel"


class TicketReplyFlow(Flow):
    name = "resident_ticket_reply"
    needs_consent = True

    async def begin(self, turn: Turn, *, number: str | None = None, **args: Any) -> None:
        turn.state.data = {}
        ticket = await self._ticket(turn, number)
        if ticket is None:
            return
        turn.state.data = {"number": ticket.number}
        turn.ask(
            turn.t("helpdesk.answer.ask", number=ticket.number), [(CANCEL, turn.t("helpdesk.answer.cancel"))]
        )

    async def handle(self, turn: Turn, inp: Input) -> None:
        if inp.value == CANCEL:
            turn.say("helpdesk.answer.cancelled")
            await turn.goto("menu")
            return
        ticket = await self._ticket(turn, turn.state.data.get("number"))
        if ticket is None:
            return
        try:
            text = helpdesk.clean_text(inp.text)
            await helpdesk.answer(turn.session, ticket, text=text, now=turn.now)
        except helpdesk.HelpdeskError as refused:
            turn.say(refused.key, **refused.params)
            if refused.key == "helpdesk.text_length":
                turn.show_prompt()
            else:
                await turn.goto("menu")
            return
        turn.say("helpdesk.answer.sent", number=ticket.number)
        await turn.goto("menu")

    async def _ticket(self, turn: Turn, number: str | None) -> Ticket | None:
        """The resident's own ticket that still takes answers; None (said why, back to the menu)."""
        try:
            return await helpdesk.own_open_ticket(turn.session, turn.person.id, number)
        except helpdesk.HelpdeskError as refused:
            turn.say(refused.key, **refused.params)
            await turn.goto("menu")
            return None
