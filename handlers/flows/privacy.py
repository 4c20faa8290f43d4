"""/privasi: what KaderBot holds about the person and why, one short screen per kind of data
(UU 27/2022 PDP), with the way to erase it (/hapusdata, handlers/flows/privacy_erase.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_date

from handlers.flows.base import Flow
from handlers.retention import RetentionPolicy
from handlers.turn import BACK, Input, Turn
from storage.repositories.privacy_report import Holdings, held_about

SECTIONS = ("identity", "role", "activity", "tickets", "keeping")
ERASE, MENU = "erase", "menu"
CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp", "console": "Console"}


class PrivacyFlow(Flow):
    name = "privacy"

    def __init__(self, retention: RetentionPolicy | None = None) -> None:
        self.retention = retention or RetentionPolicy()

    async def begin(self, turn: Turn, **args: Any) -> None:
        held = await held_about(turn.session, turn.person)
        turn.state.data = {"step": "overview"}
        rows = [(section, turn.t(f"privacy.section.{section}")) for section in SECTIONS]
        rows += [(ERASE, turn.t("privacy.erase_button")), (MENU, turn.t("privacy.menu_button"))]
        turn.ask(turn.t("privacy.title") + "\n\n" + self._summary(turn, held), rows)

    async def handle(self, turn: Turn, inp: Input) -> None:
        if inp.value == MENU:
            await turn.goto("menu")
        elif inp.value == ERASE:
            await turn.goto("privacy_erase")
        elif inp.is_back:
            await self.begin(turn)
        elif inp.value in SECTIONS:
            held = await held_about(turn.session, turn.person)
            turn.state.data = {"step": inp.value}
            text = "\n".join(getattr(self, f"_{inp.value}")(turn, held))
            turn.ask(
                text,
                [
                    (BACK, turn.t("nav.back")),
                    (ERASE, turn.t("privacy.erase_button")),
                    (MENU, turn.t("privacy.menu_button")),
                ],
            )
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    # -- screens ----------------------------------------------------------------------------

    @staticmethod
    def _summary(turn: Turn, held: Holdings) -> str:
        lines = [turn.t("privacy.summary.who", name=held.full_name or "-", role=_role(turn, held.role))]
        if held.cadre is not None:
            lines.append(turn.t("privacy.summary.cadre", posyandu=held.cadre.posyandu))
        lines.append(turn.t("privacy.summary.pick"))
        return "\n".join(lines)

    @staticmethod
    def _identity(turn: Turn, held: Holdings) -> list[str]:
        channels = ", ".join(CHANNEL_NAMES.get(c, c) for c in held.channels) or "-"
        if held.consent_at is not None:
            consent = turn.t("privacy.consent.given", date=_date(turn, held.consent_at))
        elif held.consent_declined_at is not None:
            consent = turn.t("privacy.consent.declined", date=_date(turn, held.consent_declined_at))
        else:
            consent = turn.t("privacy.consent.none")
        return [
            turn.t("privacy.identity.title"),
            turn.t(
                "privacy.identity.body",
                name=held.full_name or "-",
                phone=held.phone or "-",
                channels=channels,
                language=turn.t(f"privacy.language.{held.language}"),
                since=_date(turn, held.created_at),
                consent=consent,
            ),
            "",
            turn.t("privacy.identity.why"),
        ]

    @staticmethod
    def _role(turn: Turn, held: Holdings) -> list[str]:
        lines = [turn.t("privacy.role.title"), turn.t("privacy.role.is", role=_role(turn, held.role))]
        cadre = held.cadre
        if cadre is not None:
            lines.append(
                turn.t(
                    "privacy.role.cadre_line",
                    posyandu=cadre.posyandu,
                    position=turn.t(f"registration.position.{cadre.position}"),
                    verification=turn.t(f"privacy.verification.{cadre.verification}"),
                    since=_date(turn, cadre.registered_at),
                )
            )
        if held.regions:
            lines.append(turn.t("privacy.role.regions", count=held.regions))
        lines += ["", turn.t("privacy.role.why")]
        return lines

    @staticmethod
    def _activity(turn: Turn, held: Holdings) -> list[str]:
        lines = [turn.t("privacy.activity.title")]
        cadre = held.cadre
        if cadre is not None:
            bpjs = turn.t(f"privacy.bpjs.{cadre.bpjs_status}" if cadre.bpjs_status else "privacy.bpjs.none")
            lines.append(
                turn.t(
                    "privacy.activity.cadre",
                    reports=cadre.revisions_submitted,
                    incentives=cadre.incentive_records,
                    seats=cadre.training_seats,
                    certificates=cadre.certificates,
                    bpjs=bpjs,
                )
            )
        muted = ", ".join(turn.t(f"reminders.kind.{kind}") for kind in held.muted_kinds) or "-"
        lines.append(
            turn.t(
                "privacy.activity.messages",
                reminders=held.reminders_planned,
                muted=muted,
                queued=held.messages_queued,
            )
        )
        lines += ["", turn.t("privacy.activity.why")]
        return lines

    @staticmethod
    def _tickets(turn: Turn, held: Holdings) -> list[str]:
        return [
            turn.t("privacy.tickets.title"),
            turn.t("privacy.tickets.count", count=held.tickets, open=held.open_tickets),
            *([turn.t("privacy.files.count", count=held.personal_files)] if held.personal_files else []),
            "",
            turn.t("privacy.tickets.why"),
        ]

    def _keeping(self, turn: Turn, held: Holdings) -> list[str]:
        return [
            turn.t("privacy.keeping.title"),
            turn.t(
                "privacy.keeping.body",
                inbound_days=self.retention.inbound_days,
                draft_days=self.retention.draft_days,
            ),
        ]


def _role(turn: Turn, role: str) -> str:
    return turn.t(f"privacy.rolename.{role}")


def _date(turn: Turn, moment: dt.datetime) -> str:
    return format_date(moment.astimezone(turn.zone).date(), "d MMM yyyy", locale=turn.lang)
