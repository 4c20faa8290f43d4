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
    "ask": "resident_ask",
    "sr_check": "resident_sr_check",
    "ticket": "resident_ticket",
    "status": "resident_status",
    "trc": "resident_trc",
    "verify": "coordinator_verify",
    "broadcast": "coordinator_broadcast",
    "broadcast_status": "coordinator_broadcast_status",
    "recap": "coordinator_recap",
    "export": "coordinator_export",
    "tickets": "coordinator_tickets",
    "incentive": "incentive",
    "training": "training",
    "certificates": "certificates",
    "reminders": "reminder_settings",
    "training_admin": "training_admin",
    "incentive_admin": "incentive_admin",
    "privacy": "privacy",
}
# Incentives, trainings and reminders, in menu order (the labels live in scheduling.po).
CADRE_EXTRA_ROWS = ("incentive", "training", "certificates", "reminders")
COORDINATOR_EXTRA_ROWS = ("training_admin", "incentive_admin")
# What residents can do, in menu order (the labels live in residents.po).
RESIDENT_ROWS = ("ask", "sr_check", "ticket", "status", "trc")
# What coordinators and admins can do, in menu order (the labels live in coordinators.po).
COORDINATOR_ROWS = ("verify", "broadcast", "broadcast_status", "recap", "export", "tickets")


def menu_rows(turn: Turn) -> list[tuple[str, str]]:
    person = turn.person
    t = turn.t
    if person.consent_at is None:
        # Public information only: programme answers need no personal data.
        return [
            ("consent", t("menu.give_consent")),
            ("ask", t("resident.menu.ask")),
            ("privacy", t("privacy.menu")),
            ("about", t("menu.about")),
            ("language", t("menu.language")),
        ]
    rows: list[tuple[str, str]] = []
    if person.role == "cadre":
        has_draft = "report" in turn.state.drafts
        rows.append(("report", t("menu.report_draft" if has_draft else "menu.report")))
        rows.append(("my_reports", t("menu.my_reports")))
        rows.extend((value, t(f"scheduling.menu.{value}")) for value in CADRE_EXTRA_ROWS)
    elif person.role == "resident":
        rows.extend((value, t(f"resident.menu.{value}")) for value in RESIDENT_ROWS)
        rows.append(("register", t("menu.register")))
    elif person.role in ("coordinator", "admin"):
        rows.extend((value, t(f"coordinator.menu.{value}")) for value in COORDINATOR_ROWS)
        rows.extend((value, t(f"scheduling.menu.{value}")) for value in COORDINATOR_EXTRA_ROWS)
    if person.role not in ("coordinator", "admin"):
        # Coordinators' menu is full (a WhatsApp list holds 10 rows): they have /privasi.
        rows.append(("privacy", t("privacy.menu")))
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
        elif inp.value is None and inp.text and inp.text.strip() and _asks_programmes(turn):
            await turn.goto("resident_ask", question=inp.text)  # free text is a question about programmes
        else:
            turn.say("menu.not_understood")
            await self.begin(turn)


def _asks_programmes(turn: Turn) -> bool:
    """Residents, and people who declined consent, type questions; the programme matcher takes them."""
    return turn.person.role == "resident" or turn.person.consent_at is None
