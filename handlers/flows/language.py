"""Choosing the language: at the start, and at any moment with /bahasa (then back to where one was)."""

from __future__ import annotations

from typing import Any

from handlers.flows.base import Flow
from handlers.forms.answers import say_pick_number
from handlers.i18n import LANGUAGES
from handlers.turn import BACK, Input, Turn

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def language_options() -> list[tuple[str, str]]:
    return [(lang, LANGUAGE_NAMES[lang]) for lang in LANGUAGES]


async def interrupt_for_language(turn: Turn) -> None:
    """Leave the current flow for a moment to change language; it continues afterwards."""
    if turn.state.flow != "language":
        turn.state.resume_to = turn.state.snapshot()
    turn.state.flow, turn.state.data = "language", {}
    await turn.flows["language"].begin(turn)


class LanguageFlow(Flow):
    name = "language"

    async def begin(self, turn: Turn, **args: Any) -> None:
        turn.ask(turn.t("language.ask"), [*language_options(), (BACK, turn.t("nav.back"))])

    async def handle(self, turn: Turn, inp: Input) -> None:
        if inp.is_back:
            await self._return(turn, changed=False)
            return
        if inp.value not in LANGUAGES:
            if not say_pick_number(turn, inp):
                turn.say("form.err.pick_option")
                await self.begin(turn)
            return
        turn.set_language(inp.value)
        turn.say("language.changed")
        await self._return(turn, changed=True)

    async def _return(self, turn: Turn, *, changed: bool) -> None:
        """Back to where the person was; a welcome that was asking for the language goes on."""
        back = turn.state.resume_to or {"flow": "menu", "data": {}}
        turn.state.resume_to = None
        if back["flow"] == "welcome" and turn.person.consent_at is not None:
            # Someone who agreed already (set up by an operator, or a demo person) and never went
            # past the welcome: it has nothing left to ask them.
            back = {"flow": "menu", "data": {}}
        data = back["data"]
        if changed and back["flow"] == "welcome" and data.get("step", "language") == "language":
            data = {**data, "step": "consent"}  # the language is chosen: don't ask for it again
        turn.state.flow, turn.state.data = back["flow"], data
        await turn.resume()

    async def resume(self, turn: Turn) -> None:
        await self.begin(turn)
