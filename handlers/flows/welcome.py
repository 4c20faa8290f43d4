"""/start: language, consent under UU 27/2022 (PDP), then cadre or resident.

A first message of any kind ('halo', a question, a photo) starts here. Whoever chose an action
before consenting (a /pengaduan, the urgent TRC form) is taken to it once consent is given."""

from __future__ import annotations

from typing import Any

from handlers.flows.base import Flow
from handlers.flows.language import language_options
from handlers.forms.answers import say_pick_number, say_which_one
from handlers.i18n import LANGUAGES
from handlers.turn import Input, Turn


class WelcomeFlow(Flow):
    name = "welcome"

    async def begin(self, turn: Turn, *, step: str | None = None, **args: Any) -> None:
        person = turn.person
        if step is None and (person.consent_at or person.consent_declined_at):
            turn.say("welcome.back")
            await turn.goto("menu")
            return
        turn.state.data = {"step": step or "language"}
        await self.resume(turn)

    async def resume(self, turn: Turn) -> None:
        step = turn.state.data.get("step", "language")
        if step == "language":
            turn.ask(turn.t("welcome.hello") + "\n\n" + turn.t("language.ask"), language_options())
        elif step == "consent":
            turn.ask(
                turn.t("consent.text"),
                [("accept", turn.t("consent.accept")), ("decline", turn.t("consent.decline"))],
                choice=True,
            )
        else:
            turn.ask(
                turn.t("welcome.who"),
                [("cadre", turn.t("welcome.i_am_cadre")), ("resident", turn.t("welcome.i_am_resident"))],
                choice=True,
            )

    async def handle(self, turn: Turn, inp: Input) -> None:
        data = turn.state.data
        if "step" not in data:  # the very first message, whatever it says: welcome, not a complaint
            await self.begin(turn)
            return
        step = data["step"]
        if step == "language" and inp.value in LANGUAGES:
            turn.set_language(inp.value)
            data["step"] = "consent"
        elif step == "consent" and inp.value == "accept":
            turn.person.consent_at = turn.now
            turn.person.consent_declined_at = None
            turn.say("consent.thanks")
            chosen = turn.state.after_consent
            if chosen:
                turn.state.after_consent = None
                await turn.goto(chosen["flow"], **chosen.get("args", {}))
                return
            if turn.person.role == "cadre":  # a registered cadre agreeing again: their menu
                await turn.goto("menu")
                return
            data["step"] = "role"
        elif step == "consent" and inp.value == "decline":
            # Declining after agreeing withdraws the consent: no personal data is used from now on
            # (no reports, reminders or broadcasts), so only what works without it stays on the menu.
            withdrawn = turn.person.consent_at is not None
            turn.person.consent_at = None
            turn.person.consent_declined_at = turn.now
            turn.say("review.consent.withdrawn" if withdrawn else "consent.declined")
            await turn.goto("menu")
            return
        elif step == "role" and inp.value == "cadre":
            await turn.goto("registration")
            return
        elif step == "role" and inp.value == "resident":
            await turn.goto("menu")
            return
        elif say_pick_number(turn, inp):
            return
        elif not say_which_one(turn, inp):  # 'saya' fits both roles: which one, not 'not understood'
            turn.say("form.err.pick_option")
        await self.resume(turn)
