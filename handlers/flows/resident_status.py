"""Cek status permohonan: the asker's own tickets only, chosen from a list or typed by number.

A number that belongs to someone else gets exactly the answer a number that does not exist gets,
so guessing numbers reveals nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers.flows.base import Flow
from handlers.scheduling.formats import date_time
from handlers.turn import Input, Turn
from storage.models_tickets import Ticket
from storage.repositories import tickets

LISTED = 8  # most recent tickets offered as options


class StatusFlow(Flow):
    name = "resident_status"
    needs_consent = True

    async def begin(self, turn: Turn, *, number: str | None = None, **args: Any) -> None:
        turn.state.data = {}
        if number is not None:
            await self._lookup(turn, number)
        else:
            await self._list(turn)

    async def resume(self, turn: Turn) -> None:
        if turn.state.prompt is not None:
            turn.show_prompt()
        else:
            await self._list(turn)

    async def handle(self, turn: Turn, inp: Input) -> None:
        if inp.value == "menu":
            await turn.goto("menu")
        elif inp.value == "list":
            await self._list(turn)
        elif inp.value is not None:
            await self._lookup(turn, inp.value)
        elif inp.text and inp.text.strip():
            await self._lookup(turn, inp.text)
        else:
            turn.say("form.err.pick_option")
            await self.resume(turn)

    async def _list(self, turn: Turn) -> None:
        own = await tickets.of_person(turn.session, turn.person.id, limit=LISTED)
        if not own:
            turn.say("resident.status.none")
            await turn.goto("menu")
            return
        rows = [(ticket.number, _line(turn, ticket)) for ticket in own]
        rows.append(("menu", turn.t("resident.ask.menu")))
        turn.ask(turn.t("resident.status.pick"), rows)

    async def _lookup(self, turn: Turn, typed: str) -> None:
        number = tickets.parse_number(typed)
        ticket = await tickets.own_by_number(turn.session, turn.person.id, number) if number else None
        if ticket is None:
            turn.say("resident.status.not_found", number=number or typed.strip()[:40])
            await self._list(turn)
            return
        turn.say_text(await self._details(turn, ticket))
        turn.ask(
            turn.t("resident.ask.anything_else"),
            [("list", turn.t("resident.status.other")), ("menu", turn.t("resident.ask.menu"))],
        )

    async def _details(self, turn: Turn, ticket: Ticket) -> str:
        t = turn.t
        lines = [
            t(
                "resident.status.detail",
                number=ticket.number,
                category=t(f"resident.category.{ticket.category}"),
                region=await tickets.region_label(turn.session, ticket.region_code),
                date=_when(turn, ticket.created_at),
                status=t(f"resident.status.{ticket.status}"),
            ),
            "",
            t("resident.status.history"),
        ]
        for event in await tickets.history(turn.session, ticket.id):
            status = t(f"resident.status.{event.status}")
            if event.note:
                lines.append(
                    t(
                        "resident.status.step_note",
                        date=_when(turn, event.created_at),
                        status=status,
                        note=event.note,
                    )
                )
            else:
                lines.append(t("resident.status.step", date=_when(turn, event.created_at), status=status))
        return "\n".join(lines)


def _line(turn: Turn, ticket: Ticket) -> str:
    return turn.t(
        "resident.status.line", number=ticket.number, status=turn.t(f"resident.status.{ticket.status}")
    )


def _when(turn: Turn, moment: dt.datetime) -> str:
    return date_time(moment, turn.lang, turn.zone)
