"""The main menu: what this person can do, by role and consent."""

from __future__ import annotations

from typing import Any

from handlers.flows.base import Flow
from handlers.flows.language import interrupt_for_language
from handlers.forms.answers import say_pick_number, typed_meanings
from handlers.safety.floor import with_floor
from handlers.turn import Input, Turn
from storage.repositories import people

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
    "posyandu": "posyandu_profile",
    "my_child": "my_child",
}
# Incentives, trainings and reminders, in menu order (the labels live in scheduling.po).
CADRE_EXTRA_ROWS = ("incentive", "training", "certificates", "reminders")
COORDINATOR_EXTRA_ROWS = ("training_admin", "incentive_admin")
# What residents can do, in menu order (the labels live in residents.po).
RESIDENT_ROWS = ("ask", "sr_check", "ticket", "status", "trc")
# What coordinators and admins can do, in menu order (the labels live in coordinators.po).
COORDINATOR_ROWS = ("verify", "broadcast", "broadcast_status", "recap", "export", "tickets")
# A coordinator who is also a cadre: one "Menu kader" row opens the cadre's rows (the list stays ≤ 10).
CADRE_MENU, MAIN_MENU = "cadre_menu", "main_menu"


def menu_rows(turn: Turn, *, also_cadre: bool = False) -> list[tuple[str, str]]:
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
        rows.append(("ask", t("resident.menu.ask")))  # everyone can ask what residents ask
        # The Posyandu's profile leads on to its structure, children and weighing, and documents.
        rows.append(("posyandu", t("menu.posyandu")))
    elif person.role == "resident":
        rows.extend((value, t(f"resident.menu.{value}")) for value in RESIDENT_ROWS)
        rows.append(("my_child", t("mothers.menu")))  # a mother sees her child's growth (issue #17)
        rows.append(("register", t("menu.register")))
    elif person.role in ("coordinator", "admin"):
        rows.extend((value, t(f"coordinator.menu.{value}")) for value in COORDINATOR_ROWS)
        rows.extend((value, t(f"scheduling.menu.{value}")) for value in COORDINATOR_EXTRA_ROWS)
        if also_cadre:  # "Tanya program" is in the cadre's rows
            rows.append((CADRE_MENU, t("menu.cadre_menu")))
        else:
            rows.append(("ask", t("resident.menu.ask")))
    if person.role not in ("coordinator", "admin"):
        # Coordinators' menu is full (a WhatsApp list holds 10 rows): they have /privasi, and
        # "Tanya program" took the place of "Tentang KaderBot" (office staff know what it is). A
        # cadre's menu is full too: "Profil Posyandu" took that place (/bantuan still tells about it).
        rows.append(("privacy", t("privacy.menu")))
        if person.role != "cadre":
            rows.append(("about", t("menu.about")))
    rows.append(("language", t("menu.language")))
    return rows


def cadre_rows(turn: Turn) -> list[tuple[str, str]]:
    """The cadre's menu of a coordinator who is also a cadre."""
    t = turn.t
    rows = [("report", t("menu.report_draft" if "report" in turn.state.drafts else "menu.report"))]
    rows.append(("my_reports", t("menu.my_reports")))
    rows.extend((value, t(f"scheduling.menu.{value}")) for value in CADRE_EXTRA_ROWS)
    rows.append(("ask", t("resident.menu.ask")))
    rows.append((MAIN_MENU, t("menu.back_to_main")))
    return rows


class MenuFlow(Flow):
    name = "menu"

    async def begin(self, turn: Turn, **args: Any) -> None:
        if turn.state.data.get("sub") == CADRE_MENU:
            turn.ask(turn.t("menu.cadre_title"), cadre_rows(turn))
            return
        name = turn.person.full_name
        title = turn.t("menu.title_named", name=name.split()[0]) if name else turn.t("menu.title")
        also_cadre = (
            turn.person.consent_at is not None
            and turn.person.role in ("coordinator", "admin")
            and await people.is_cadre(turn.session, turn.person.id)
        )
        turn.ask(title, menu_rows(turn, also_cadre=also_cadre))

    async def resume(self, turn: Turn) -> None:
        await self.begin(turn)

    async def handle(self, turn: Turn, inp: Input) -> None:
        if inp.value in (CADRE_MENU, MAIN_MENU):
            turn.state.data["sub"] = CADRE_MENU if inp.value == CADRE_MENU else None
            await self.begin(turn)
        elif inp.value in TARGETS:
            # From the cadre's rows, /insentif and /pelatihan show the cadre's own screens.
            cadre_screen = turn.state.data.get("sub") == CADRE_MENU and inp.value in ("incentive", "training")
            as_cadre = {"as_cadre": True} if cadre_screen else {}
            await turn.goto(TARGETS[inp.value], **as_cadre)
        elif inp.value == "language":
            await interrupt_for_language(turn)
        elif inp.value == "consent":
            await turn.goto("welcome", step="consent")
        elif inp.value == "about":
            turn.say("menu.about_text")
            await self.begin(turn)
        elif say_pick_number(turn, inp):  # '8' in a menu of 5: "pilih 1–5", not a question
            return
        elif inp.value is None and "greeting" in typed_meanings(inp.text or "", turn.lang):
            turn.say("menu.greeting")  # "halo" is a hello, not a question outside our services
            await self.begin(turn)
        elif inp.value is None and inp.text and inp.text.strip():
            # Typed text is a question about programmes, whoever types it: a cadre or coordinator gets
            # the answer a resident would, and an unknown subject the polite refusal with the menu.
            await turn.goto("resident_ask", question=inp.text)
        else:
            turn.say_text(with_floor(turn.t, turn.t("menu.not_understood"), button=False))
            await self.begin(turn)
