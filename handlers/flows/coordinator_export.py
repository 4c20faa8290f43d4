"""/ekspor [YYYY-MM]: the month's Excel workbook for a region in the coordinator's scope (one row
per Posyandu, and a summary sheet), as a document. Every export goes into the audit log."""

from __future__ import annotations

import datetime as dt

from handlers.compliance import recap, workbook
from handlers.flows.coordinator_common import MENU, RegionReportFlow, month_rows
from handlers.flows.posyandu_verify import deadline_of
from handlers.forms.dates import month_name
from handlers.growth import eppgbm
from handlers.posyandu import verification_recap
from handlers.posyandu.structure import structure_rows
from handlers.turn import Turn
from handlers.types import File
from storage.models import Region
from storage.repositories import audit


class ExportFlow(RegionReportFlow):
    name = "coordinator_export"

    async def present(self, turn: Turn, region: Region, month: dt.date) -> None:
        found = await recap.build(turn.session, region, month, zone=turn.zone)
        if not found.posyandu:
            turn.say("coordinator.recap.no_posyandu", region=region.name)
            await turn.goto(MENU)
            return
        verified = await verification_recap.summarise(
            turn.session, region.code, region.name, deadline=deadline_of(turn), zone=turn.zone
        )
        growth = await eppgbm.load(turn.session, region.code, month)
        data = workbook.build(
            turn.t,
            found,
            zone=turn.zone,
            generated_at=turn.now,
            posyandu_verification=verified,
            structure=await structure_rows(turn.session, region.code, now=turn.now),
            growth=growth,
        )
        name = workbook.filename(found)
        await audit.record(
            turn.session,
            actor=turn.person,
            action="export.xlsx",
            target=f"{region.code} {month:%Y-%m}",
            details={
                "region_code": region.code,
                "month": f"{month:%Y-%m}",
                "rows": len(found.posyandu),
                "measurements": len(growth.rows),  # the e-PPGBM sheet: children's data
            },
            now=turn.now,
        )
        caption = turn.t("coordinator.export.caption", region=region.name, month=month_name(month, turn.lang))
        turn.replies.append(File("document", name, data, caption=caption, mime_type=workbook.MIME))
        turn.state.data = {"month": month.isoformat(), "region": region.code}
        rows = month_rows(turn, month, "coordinator.export.other_month")
        rows.append((MENU, turn.t("coordinator.nav.menu")))
        turn.ask(turn.t("coordinator.export.more"), rows)
