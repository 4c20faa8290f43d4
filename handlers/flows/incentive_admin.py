"""Incentives for coordinators (/insentif): a region within the scope and a month whose report
deadline has passed → who meets the conditions, who does not and why → mark the month `diproses`,
or `dibayar` today. Only cadres who meet the conditions are marked; the paid get a notice.
(A list of paid cadres from the payment office is imported with `kaderbot admin import-paid`.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers import incentives
from handlers.access import require_region
from handlers.flows.coordinator_common import MENU, CoordinatorFlow, scope_roots
from handlers.flows.privacy_audit import LISTED, personal_data_seen
from handlers.incentives import RegionMonth
from handlers.scheduling.deadlines import terms_for
from handlers.scheduling.formats import day, month, rupiah
from handlers.turn import Input, Turn
from storage.models import Region
from storage.models_incentives import ELIGIBLE, NOT_ELIGIBLE, PAID, PROCESSING
from storage.repositories import incentives as incentive_rules

BACK = "back"
NAMES_SHOWN = 10


class IncentiveAdminFlow(CoordinatorFlow):
    name = "incentive_admin"

    async def start(self, turn: Turn, **args: Any) -> None:
        roots = await scope_roots(turn, await self.scope(turn))
        if len(roots) == 1:
            await self._months(turn, roots[0])
            return
        await self._regions(turn, roots)

    async def step(self, turn: Turn, inp: Input) -> None:
        value = inp.value or ""
        step = turn.state.data.get("step")
        if value == MENU:
            await turn.goto(MENU)
        elif step == "region" and value.startswith("r"):
            await self._months(turn, await require_region(turn.session, await self.scope(turn), value[1:]))
        elif step == "month" and value.startswith("m"):
            region = await require_region(turn.session, await self.scope(turn), turn.state.data["region"])
            await self._summary(turn, region, dt.date.fromisoformat(value[1:]))
        elif step == "summary" and value in (PROCESSING, PAID):
            await self._mark(turn, value)
        elif step == "summary" and value == BACK:
            region = await require_region(turn.session, await self.scope(turn), turn.state.data["region"])
            await self._months(turn, region)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    async def _regions(self, turn: Turn, roots: list[Region]) -> None:
        rows = [(f"r{r.code}", r.name) for r in roots]
        rows.append((MENU, turn.t("training.nav.menu")))
        turn.state.data = {"step": "region"}
        turn.ask(turn.t("incentive.admin.pick_region"), rows)

    async def _months(self, turn: Turn, region: Region) -> None:
        terms = terms_for(await incentive_rules.rules(turn.session), region.code)
        if terms.amount is None:
            turn.say("incentive.admin.no_rule", region=region.name)
            await turn.goto(MENU)
            return
        months = incentives.payable_months([terms], now=turn.now, zone=turn.zone)
        rows = [(f"m{m.isoformat()}", month(m, turn.lang)) for m in months]
        rows.append((MENU, turn.t("training.nav.menu")))
        turn.state.data = {"step": "month", "region": region.code}
        turn.ask(
            turn.t("incentive.admin.pick_month", region=region.name, amount=rupiah(terms.amount, turn.lang)),
            rows,
        )

    async def _summary(self, turn: Turn, region: Region, chosen: dt.date) -> None:
        result = await incentives.region_month(
            turn.session, region.code, chosen, now=turn.now, zone=turn.zone
        )
        lines = [
            turn.t(
                "incentive.admin.summary",
                region=region.name,
                month=month(chosen, turn.lang),
                eligible=result.count(ELIGIBLE),
                eligible_total=rupiah(result.total(ELIGIBLE), turn.lang),
                processing=result.count(PROCESSING),
                paid=result.count(PAID),
                not_eligible=result.count(NOT_ELIGIBLE),
            )
        ]
        lines += self._not_eligible(turn, result)
        if result.count(NOT_ELIGIBLE):  # those cadres are named, with the reason
            await personal_data_seen(turn, LISTED, f"{region.code} {chosen:%Y-%m}", what="incentive")
        rows = []
        if result.count(ELIGIBLE):
            rows.append((PROCESSING, turn.t("incentive.admin.do.processing")))
        if result.count(ELIGIBLE) or result.count(PROCESSING):
            rows.append((PAID, turn.t("incentive.admin.do.paid", date=day(turn.today, turn.lang))))
        rows.append((BACK, turn.t("incentive.admin.other_month")))
        rows.append((MENU, turn.t("training.nav.menu")))
        turn.state.data = {"step": "summary", "region": region.code, "month": chosen.isoformat()}
        turn.ask("\n".join(lines), rows)

    @staticmethod
    def _not_eligible(turn: Turn, result: RegionMonth) -> list[str]:
        waiting = [(c, v) for c, v in result.cadres if v.status == NOT_ELIGIBLE]
        if not waiting:
            return []
        lines = ["", turn.t("incentive.admin.not_eligible_title")]
        lines += [
            turn.t(
                "incentive.admin.not_eligible_line",
                name=c.name,
                posyandu=c.posyandu,
                reason=turn.t(f"incentive.admin.reason.{v.reason}"),
            )
            for c, v in waiting[:NAMES_SHOWN]
        ]
        if len(waiting) > NAMES_SHOWN:
            lines.append(turn.t("incentive.admin.more", count=len(waiting) - NAMES_SHOWN))
        return lines

    async def _mark(self, turn: Turn, status: str) -> None:
        data = turn.state.data
        # The scope again, at the moment it matters.
        region = await require_region(turn.session, await self.scope(turn), data["region"])
        chosen = dt.date.fromisoformat(data["month"])
        changed = await incentives.mark_region(
            turn.session, region.code, chosen, status=status, actor=turn.person, now=turn.now, zone=turn.zone
        )
        turn.say(
            f"incentive.admin.done.{status}",
            count=changed,
            month=month(chosen, turn.lang),
            region=region.name,
        )
        turn.state.data = {}
        await turn.goto(MENU)
