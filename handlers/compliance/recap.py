"""A month's reporting compliance for a region: who reported, who did not (and their cadres, to
nudge), SKDN coverage, and the reporting rate of each child region."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import covers
from handlers.broadcast_text import number
from handlers.broadcast_text import percent as share
from handlers.forms.dates import month_name
from handlers.i18n import Translator
from handlers.skdn import percent
from storage.models import Region
from storage.repositories import compliance
from storage.repositories.compliance import PosyanduMonth

MISSING_SHOWN = 25  # Posyandu listed by name in a chat message; the export has them all


@dataclass(frozen=True, slots=True)
class Rate:
    """One bar of the chart: a child region (or, under a desa, one Posyandu)."""

    code: str
    name: str
    total: int
    reported: int

    @property
    def rate(self) -> float:
        return self.reported / self.total if self.total else 0.0


@dataclass(frozen=True)
class Recap:
    region: Region
    month: dt.date
    posyandu: list[PosyanduMonth]
    rates: list[Rate]

    @property
    def total(self) -> int:
        return len(self.posyandu)

    @property
    def reported(self) -> list[PosyanduMonth]:
        return [p for p in self.posyandu if p.reported]

    @property
    def missing(self) -> list[PosyanduMonth]:
        return [p for p in self.posyandu if not p.reported]

    def skdn_total(self, letter: str) -> int:
        """Sum of S, K, D or N over the reports of Posyandu that held their day."""
        return sum(
            getattr(p.report, letter) or 0 for p in self.reported if p.report and p.report.held != "not_held"
        )


async def build(session: AsyncSession, region: Region, month: dt.date) -> Recap:
    posyandu = await compliance.posyandu_month(session, region.code, month)
    return Recap(region, month, posyandu, await rates(session, region, posyandu))


async def rates(session: AsyncSession, region: Region, posyandu: list[PosyanduMonth]) -> list[Rate]:
    """Reporting per child region that has Posyandu; under a desa (no child regions), per Posyandu."""
    found: list[Rate] = []
    for child in await compliance.children(session, region.code):
        inside = [p for p in posyandu if covers(child.code, p.region_code)]
        if inside:
            found.append(Rate(child.code, child.name, len(inside), sum(p.reported for p in inside)))
    if not found:
        found = [Rate(p.code, p.name, 1, int(p.reported)) for p in posyandu]
    return found


def text(t: Translator, recap: Recap) -> str:
    """The chat message: the headline figures, then the Posyandu still to report with their cadres."""
    lang = t.lang
    reported = len(recap.reported)
    lines = [
        t("coordinator.recap.title", month=month_name(recap.month, lang), region=recap.region.name),
        t(
            "coordinator.recap.reported",
            reported=number(reported, lang),
            total=number(recap.total, lang),
            percent=share(reported, recap.total),
        ),
        t(
            "coordinator.recap.skdn",
            ds=percent(recap.skdn_total("d"), recap.skdn_total("s")),
            nd=percent(recap.skdn_total("n"), recap.skdn_total("d")),
        ),
    ]
    not_held = sum(1 for p in recap.reported if p.report and p.report.held == "not_held")
    if not_held:
        lines.append(t("coordinator.recap.not_held", count=number(not_held, lang)))
    missing = recap.missing
    if not missing:
        lines += ["", t("coordinator.recap.all_reported")]
        return "\n".join(lines)
    lines += ["", t("coordinator.recap.missing_title", count=number(len(missing), lang))]
    for p in missing[:MISSING_SHOWN]:
        desa = p.lineage[-1][1] if p.lineage else p.region_code
        cadres = ", ".join(f"{c.name} ({c.phone})" if c.phone else c.name for c in p.cadres)
        lines.append(t("coordinator.recap.missing_line", posyandu=p.name, desa=desa, cadres=cadres or "-"))
    if len(missing) > MISSING_SHOWN:
        lines.append(t("coordinator.recap.more", count=number(len(missing) - MISSING_SHOWN, lang)))
    return "\n".join(lines)
