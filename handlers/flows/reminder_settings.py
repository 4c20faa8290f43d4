"""/pengingat: turn the non-essential reminders on or off. Essential ones (the report deadline, and
trainings one signed up for) are always on, and the screen says so."""

from __future__ import annotations

from typing import Any

from handlers.flows.base import Flow
from handlers.growth import mother_link
from handlers.scheduling import kinds
from handlers.turn import Input, Turn
from storage.repositories import reminders

DONE = "done"


class ReminderSettingsFlow(Flow):
    name = "reminder_settings"
    needs_consent = True
    # Cadres, and mothers linked to a child (issue #17): each sees the kinds that concern them.

    async def refusal(self, turn: Turn) -> str | None:
        refused = await super().refusal(turn)
        if refused is None and not await mother_link.reminder_kinds(turn.session, turn.person):
            return "access.role"
        return refused

    async def begin(self, turn: Turn, **args: Any) -> None:
        await self._show(turn)

    async def _show(self, turn: Turn) -> None:
        muted = await reminders.muted_kinds(turn.session, turn.person.id)
        shown = await mother_link.reminder_kinds(turn.session, turn.person)
        rows = [
            (
                f"k{kind}",
                turn.t(
                    "reminders.row.off" if kind in muted else "reminders.row.on",
                    kind=turn.t(f"reminders.kind.{kind}"),
                ),
            )
            for kind in shown
        ]
        rows.append((DONE, turn.t("reminders.done")))
        cadre = any(kind in kinds.MUTABLE for kind in shown)
        turn.ask(turn.t("reminders.title" if cadre else "mothers.reminders.title"), rows)

    async def handle(self, turn: Turn, inp: Input) -> None:
        value = inp.value or ""
        if value == DONE:
            turn.say("reminders.saved")
            await turn.goto("menu")
            return
        kind = value[1:] if value.startswith("k") else ""
        if kind not in await mother_link.reminder_kinds(turn.session, turn.person):
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        muted = kind in await reminders.muted_kinds(turn.session, turn.person.id)
        await reminders.set_muted(turn.session, turn.person.id, kind, muted=not muted, now=turn.now)
        turn.say(
            "reminders.turned_on" if muted else "reminders.turned_off", kind=turn.t(f"reminders.kind.{kind}")
        )
        await self._show(turn)
