"""Coordinators' growth recap (issue #17, point 7): for a region in the coordinator's scope and a
month, the balita weighed and the prevalence of stunting, wasting and underweight (each also
severe), with their denominators, then one line per child region — or, under a desa/kelurahan, per
Posyandu — paged, a child region opened in turn. Opened from /rekap ("Status gizi balita") for the
region and month shown there; the scope is checked on every step (CoordinatorFlow), and every
screen shown goes into the audit log like the other coordinator views."""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers.access import require_region
from handlers.flows.coordinator_common import MENU, RegionReportFlow, month_rows
from handlers.flows.privacy_audit import LISTED, personal_data_seen
from handlers.forms.dates import month_name
from handlers.growth import prevalence
from handlers.growth.prevalence_chart import prevalence_chart
from handlers.turn import Input, Turn
from handlers.types import File
from storage.models import Region
from storage.repositories.growth_recap import INDICATORS

RECAP = "recap"  # back to /rekap of the region and month shown


class GrowthRecapFlow(RegionReportFlow):
    name = "coordinator_growth"

    async def start(
        self, turn: Turn, *, region: str | None = None, month: str | None = None, **args: Any
    ) -> None:
        """From /rekap: `region` (its code) and `month` (ISO date) of the recap shown; else as /rekap
        starts (the month given or the latest closed one, the coordinator's region or one picked)."""
        if region is None or month is None:
            await super().start(turn, month=month, **args)
            return
        found = await require_region(turn.session, await self.scope(turn), region)
        await self.present(turn, found, dt.date.fromisoformat(month))

    async def step(self, turn: Turn, inp: Input) -> None:
        value = inp.value or ""
        data = turn.state.data
        if value == RECAP and "region" in data:
            month = dt.date.fromisoformat(data["month"])
            await turn.goto("coordinator_recap", month=f"{month:%Y-%m}")
            return
        if value.startswith("p") and value[1:].isdigit() and "region" in data:
            region = await require_region(turn.session, await self.scope(turn), data["region"])
            await self.present(turn, region, dt.date.fromisoformat(data["month"]), page=int(value[1:]))
            return
        await super().step(turn, inp)

    async def present(self, turn: Turn, region: Region, month: dt.date, *, page: int = 0) -> None:
        found = await prevalence.summarise(turn.session, region, month)
        page = min(max(page, 0), found.pages - 1)
        if page == 0:
            # Counts per Posyandu of a small village can point at a family: audited like /rekap.
            await personal_data_seen(turn, LISTED, f"{region.code} {month:%Y-%m}", what="growth_recap")
        turn.state.data = {"month": month.isoformat(), "step": "drill", "region": region.code}
        rows = [(f"r{a.code}", a.name) for a in found.page(page) if not a.posyandu]
        if page > 0:
            rows.append((f"p{page - 1}", turn.t("growth_recap.nav.previous")))
        if page + 1 < found.pages:
            rows.append((f"p{page + 1}", turn.t("growth_recap.nav.next")))
        rows += month_rows(turn, month, "growth_recap.other_month")
        rows.append((RECAP, turn.t("growth_recap.nav.recap")))
        rows.append((MENU, turn.t("coordinator.nav.menu")))
        turn.ask(prevalence.text(turn.t, found, page), rows)
        if page == 0 and found.total.weighed and found.areas:
            self.attach_chart(turn, found)

    @staticmethod
    def attach_chart(turn: Turn, found: prevalence.GrowthRecap) -> None:
        """The shares below −2 SD per child region (or Posyandu) as a picture, after the figures."""
        title = turn.t(
            "growth_recap.chart.title", region=found.region.name, month=month_name(found.month, turn.lang)
        )
        labels = {name: turn.t(f"growth_recap.chart.{name}") for name in INDICATORS}
        areas = [(area.name, area.count) for area in found.areas]
        image = prevalence_chart(title, areas, labels, axis_label=turn.t("growth_recap.chart.axis"))
        name = f"gizi-{found.region.code}-{found.month:%Y-%m}.png"
        turn.replies.append(File("photo", name, image, caption=title, mime_type="image/png"))
