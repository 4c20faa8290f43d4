"""Choosing the language: at the start, and at any moment with /bahasa (then back to where one was)."""

from __future__ import annotations

from typing import Any

from handlers.flows.base import Flow
from handlers.i18n import LANGUAGES
from handlers.turn import Input, Turn

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
        turn.ask(turn.t("language.ask"), language_options())

    async def handle(self, turn: Turn, inp: Input) -> None:
        if inp.value not in LANGUAGES:
            turn.say("form.err.pick_option")
            await self.begin(turn)
            return
        turn.set_language(inp.value)
        turn.say("language.changed")
        back = turn.state.resume_to or {"flow": "menu", "data": {}}
        turn.state.resume_to = None
        turn.state.flow, turn.state.data = back["flow"], back["data"]
        await turn.resume()

    async def resume(self, turn: Turn) -> None:
        await self.begin(turn)
