"""The main menu: what this person can do, by role and consent."""

from __future__ import annotations

from typing import Any

from handlers.flows.base import Flow
from handlers.flows.language import interrupt_for_language
from handlers.turn import Input, Turn

# menu value → flow it opens; the menu offers only what the person's role allows.
TARGETS = {
    "report": "report",
    "my_reports": "my_reports",
    "register": "registration",
}


def menu_rows(turn: Turn) -> list[tuple[str, str]]:
    person = turn.person
    t = turn.t
    if person.consent_at is None:
        return [
            ("consent", t("menu.give_consent")),
            ("about", t("menu.about")),
            ("language", t("menu.language")),
        ]
    rows: list[tuple[str, str]] = []
    if person.role == "cadre":
        has_draft = "report" in turn.state.drafts
        rows.append(("report", t("menu.report_draft" if has_draft else "menu.report")))
        rows.append(("my_reports", t("menu.my_reports")))
    elif person.role == "resident":
        rows.append(("register", t("menu.register")))
    rows.append(("about", t("menu.about")))
    rows.append(("language", t("menu.language")))
    return rows


class MenuFlow(Flow):
    name = "menu"

    async def begin(self, turn: Turn, **args: Any) -> None:
        name = turn.person.full_name
        title = turn.t("menu.title_named", name=name.split()[0]) if name else turn.t("menu.title")
        turn.ask(title, menu_rows(turn))

    async def resume(self, turn: Turn) -> None:
        await self.begin(turn)

    async def handle(self, turn: Turn, inp: Input) -> None:
        if inp.value in TARGETS:
            await turn.goto(TARGETS[inp.value])
        elif inp.value == "language":
            await interrupt_for_language(turn)
        elif inp.value == "consent":
            await turn.goto("welcome", step="consent")
        elif inp.value == "about":
            turn.say("menu.about_text")
            await self.begin(turn)
        else:
            turn.say("menu.not_understood")
            await self.begin(turn)
