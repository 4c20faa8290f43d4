"""/insentif for cadres: the last six months — amount, status, and why not when not — and the
BPJS Ketenagakerjaan status. Coordinators typing /insentif get their own screen (incentive_admin)."""

from __future__ import annotations

from typing import Any

from handlers import incentives
from handlers.access import COORDINATOR_ROLES
from handlers.bpjs import masked
from handlers.flows.base import Flow
from handlers.incentives import NOT_DUE, POSYANDU_PENDING, MonthView
from handlers.posyandu.verification import waiting_note
from handlers.scheduling.formats import day, moment, month, rupiah
from handlers.turn import Input, Turn
from storage.models_bpjs import NOT_ENROLLED
from storage.models_incentives import ELIGIBLE, PAID, PROCESSING
from storage.repositories import bpjs, cadre_directory, regions


class IncentiveFlow(Flow):
    name = "incentive"
    needs_consent = True
    roles = frozenset({"cadre", *COORDINATOR_ROLES})

    async def begin(self, turn: Turn, **args: Any) -> None:
        if turn.person.role in COORDINATOR_ROLES and not args.get("as_cadre"):  # a coordinator-cadre's menu
            await turn.goto("incentive_admin")
            return
        cadre = await cadre_directory.of_person(turn.session, turn.person.id)
        if cadre is None:
            turn.say("report.not_cadre")
            await turn.goto("menu")
            return
        result = await incentives.of_cadre(turn.session, cadre, now=turn.now, zone=turn.zone)
        lines = [turn.t("incentive.title", posyandu=cadre.posyandu)]
        terms = result.terms
        if terms.amount is None or terms.region_code is None:
            lines.append(turn.t("incentive.no_rule"))
        else:
            region = await regions.get(turn.session, terms.region_code)
            lines.append(
                turn.t(
                    "incentive.amount",
                    amount=rupiah(terms.amount, turn.lang),
                    region=region.name if region else terms.region_code,
                )
            )
            lines.append("")
            lines.extend(self._line(turn, view) for view in result.months)
            if any(view.reason == POSYANDU_PENDING for view in result.months):  # issue 16
                lines += ["", *await waiting_note(turn.session, turn.t, cadre.posyandu_id)]
            lines.append("")
            lines.append(turn.t("incentive.rule_note"))
        row = await bpjs.of_cadre(turn.session, cadre.cadre_id)
        status = row.status if row is not None else NOT_ENROLLED
        lines += ["", turn.t(f"incentive.bpjs.{status}", card=masked(row.card_last4 if row else None))]
        turn.say_text("\n".join(lines))
        await turn.goto("menu")

    @staticmethod
    def _line(turn: Turn, view: MonthView) -> str:
        label = month(view.month, turn.lang)
        amount = rupiah(view.amount, turn.lang) if view.amount else "-"
        if view.status == PAID:
            paid_on = view.paid_on
            return turn.t(
                "incentive.line.paid",
                month=label,
                amount=amount,
                date=day(paid_on, turn.lang) if paid_on else "-",
            )
        if view.status == PROCESSING:
            return turn.t("incentive.line.processing", month=label, amount=amount)
        if view.status == ELIGIBLE:
            return turn.t("incentive.line.eligible", month=label, amount=amount)
        params = {
            name: moment(value, turn.lang, turn.zone)
            for name, value in view.params.items()
            if value is not None
        }
        if view.status == NOT_DUE:
            return turn.t("incentive.line.not_due", month=label, **params)
        if view.reason == POSYANDU_PENDING:
            return turn.t("incentive.line.posyandu_pending", month=label, amount=amount)
        if view.reason == "late_report":
            return turn.t("incentive.line.late", month=label, **params)
        reason = turn.t(f"incentive.reason.{view.reason}", **params)
        return turn.t("incentive.line.not_eligible", month=label, reason=reason)

    async def handle(self, turn: Turn, inp: Input) -> None:
        await turn.goto("menu")
