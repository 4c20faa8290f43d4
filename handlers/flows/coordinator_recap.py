"""/rekap [YYYY-MM]: for a region in the coordinator's scope, Posyandu reported / total, those not
yet reported with their cadres (to nudge), SKDN coverage D/S and N/D, the sums of the other SPM
fields' sections (issue 16), and a bar chart of the reporting rate per child region. A child region
can be opened in turn."""

from __future__ import annotations

import datetime as dt

from handlers.compliance import chart, recap
from handlers.flows.coordinator_common import MENU, RegionReportFlow, month_rows
from handlers.flows.privacy_audit import LISTED, personal_data_seen
from handlers.forms.dates import month_name
from handlers.turn import Input, Turn
from handlers.types import File
from storage.models import Region

POSYANDU_VERIFICATION = "pv"  # the DPMD's verification recap of the region shown (posyandu_verify.py)
GROWTH = "gz"  # the balita's growth (stunting, wasting, underweight) of the region and month shown


class RecapFlow(RegionReportFlow):
    name = "coordinator_recap"

    async def step(self, turn: Turn, inp: Input) -> None:
        if inp.value == POSYANDU_VERIFICATION and "region" in turn.state.data:
            await turn.goto("posyandu_recap", region=turn.state.data["region"])
            return
        if inp.value == GROWTH and "region" in turn.state.data:
            data = turn.state.data
            await turn.goto("coordinator_growth", region=data["region"], month=data["month"])
            return
        await super().step(turn, inp)

    async def present(self, turn: Turn, region: Region, month: dt.date) -> None:
        found = await recap.summarise(turn.session, region, month, zone=turn.zone)
        if not found.total:
            turn.say("coordinator.recap.no_posyandu", region=region.name)
            await turn.goto(MENU)
            return
        # The Posyandu not yet reported are listed with their cadres' names and phone numbers.
        await personal_data_seen(turn, LISTED, f"{region.code} {month:%Y-%m}", what="recap")
        turn.say_text(recap.text(turn.t, found))
        title = turn.t("coordinator.chart.title", region=region.name, month=month_name(month, turn.lang))
        image = chart.reporting_chart(title, found.rates, axis_label=turn.t("coordinator.chart.axis"))
        turn.replies.append(
            File("photo", f"rekap-{month:%Y-%m}.png", image, caption=title, mime_type="image/png")
        )
        deeper = [r for r in found.rates if r.code.startswith(region.code + ".")]  # regions, not Posyandu
        turn.state.data = {"month": month.isoformat(), "step": "drill", "region": region.code}
        rows = [(f"r{r.code}", r.name) for r in deeper]
        rows += month_rows(turn, month, "coordinator.recap.other_month")
        # Other views of the same region and month are offered here, one row each (issue 16: the
        # DPMD's Posyandu verification recap).
        rows.append((POSYANDU_VERIFICATION, turn.t("posyandu_verify.recap.option")))
        rows.append((GROWTH, turn.t("growth_recap.option")))
        rows.append((MENU, turn.t("coordinator.nav.menu")))
        turn.ask(turn.t("coordinator.recap.drill" if deeper else "coordinator.recap.done"), rows)
