"""The month's Excel workbook of a region, as /ekspor sends it and the dashboard's /dasbor/ekspor
downloads it: the same bytes from the same facts, and the same audit entry (`export.xlsx`, naming the
region, the month and how many rows, children's measurements included)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.compliance import recap, workbook
from handlers.growth import eppgbm
from handlers.i18n import Translator
from handlers.posyandu import verification_recap
from handlers.posyandu.structure import structure_rows
from storage.models import Person, Region
from storage.repositories import audit

ACTION = "export.xlsx"
MIME = workbook.MIME


@dataclass(frozen=True, slots=True)
class Workbook:
    filename: str
    data: bytes


async def monthly_workbook(
    session: AsyncSession,
    t: Translator,
    region: Region,
    month: dt.date,
    *,
    actor: Person,
    zone: ZoneInfo,
    now: dt.datetime,
    deadline: dt.date,
) -> Workbook | None:
    """The workbook of `region` for `month`, recorded in the audit log as exported by `actor`;
    None when the region has no Posyandu (nothing is recorded then). `deadline`: the Posyandu
    verification deadline in force."""
    found = await recap.build(session, region, month, zone=zone)
    if not found.posyandu:
        return None
    verified = await verification_recap.summarise(
        session, region.code, region.name, deadline=deadline, zone=zone
    )
    growth = await eppgbm.load(session, region.code, month)
    data = workbook.build(
        t,
        found,
        zone=zone,
        generated_at=now,
        posyandu_verification=verified,
        structure=await structure_rows(session, region.code, now=now),
        growth=growth,
    )
    await audit.record(
        session,
        actor=actor,
        action=ACTION,
        target=f"{region.code} {month:%Y-%m}",
        details={
            "region_code": region.code,
            "month": f"{month:%Y-%m}",
            "rows": len(found.posyandu),
            "measurements": len(growth.rows),  # the e-PPGBM sheet: children's data
        },
        now=now,
    )
    return Workbook(workbook.filename(found), data)
