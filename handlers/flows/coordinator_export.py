"""/ekspor [YYYY-MM]: the month's Excel workbook for a region in the coordinator's scope (one row
per Posyandu, and a summary sheet), as a document. Every export goes into the audit log."""

from __future__ import annotations

import datetime as dt

from handlers.compliance import export
from handlers.flows.coordinator_common import MENU, RegionReportFlow, month_rows
from handlers.flows.posyandu_verify import deadline_of
from handlers.forms.dates import month_name
from handlers.turn import Turn
from handlers.types import File
from storage.models import Region


class ExportFlow(RegionReportFlow):
    name = "coordinator_export"

    async def present(self, turn: Turn, region: Region, month: dt.date) -> None:
        exported = await export.monthly_workbook(
            turn.session,
            turn.t,
            region,
            month,
            actor=turn.person,
            zone=turn.zone,
            now=turn.now,
            deadline=deadline_of(turn),
        )
        if exported is None:
            turn.say("coordinator.recap.no_posyandu", region=region.name)
            await turn.goto(MENU)
            return
        caption = turn.t("coordinator.export.caption", region=region.name, month=month_name(month, turn.lang))
        turn.replies.append(
            File("document", exported.filename, exported.data, caption=caption, mime_type=export.MIME)
        )
        turn.state.data = {"month": month.isoformat(), "region": region.code}
        rows = month_rows(turn, month, "coordinator.export.other_month")
        rows.append((MENU, turn.t("coordinator.nav.menu")))
        turn.ask(turn.t("coordinator.export.more"), rows)
