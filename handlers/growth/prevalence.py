"""Stunting, wasting and underweight among the balita weighed in a month, for a region and each of
its child regions — or, under a desa/kelurahan, each Posyandu (issue #17, point 7).

Prevalence = children below −2 SD / children weighed with a valid z-score for that indicator
(TB/U for stunting, BB/TB for wasting, BB/U for underweight); "severe" is below −3 SD. A child
weighed without a valid z-score for an indicator (no length measured, out of the indicator's
range, flagged implausible) is left out of that indicator's denominator and counted as such.
Counted in the database (storage/repositories/growth_recap.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcast_text import number
from handlers.forms.dates import month_name
from handlers.i18n import Translator
from storage.models import Posyandu, Region
from storage.repositories import compliance, growth_recap
from storage.repositories.growth_recap import INDICATORS, GrowthCount

PAGE_SIZE = 8  # areas listed on one screen


@dataclass(frozen=True, slots=True)
class Area:
    """A child region (`code` is its region code) or, under a desa, a Posyandu (`posyandu` True)."""

    code: str
    name: str
    count: GrowthCount
    posyandu: bool = False


@dataclass(frozen=True)
class GrowthRecap:
    region: Region
    month: dt.date
    total: GrowthCount
    areas: list[Area]

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.areas) // PAGE_SIZE))

    def page(self, index: int) -> list[Area]:
        return self.areas[index * PAGE_SIZE : (index + 1) * PAGE_SIZE]


async def summarise(session: AsyncSession, region: Region, month: dt.date) -> GrowthRecap:
    by_desa = await growth_recap.counts(session, region.code, month)
    total = sum(by_desa.values(), GrowthCount())
    children = await compliance.children(session, region.code)
    areas: list[Area] = []
    if children:
        sums: dict[str, GrowthCount] = {}
        codes = {child.code for child in children}
        for code, found in by_desa.items():
            child = next((c for c in compliance.lineage_codes(str(code)) if c in codes), None)
            if child is not None:
                sums[child] = sums.get(child, GrowthCount()) + found
        areas = [Area(c.code, c.name, sums[c.code]) for c in children if c.code in sums]
    if not areas and by_desa:
        by_posyandu = await growth_recap.counts(session, region.code, month, by_posyandu=True)
        rows = await session.execute(
            select(Posyandu.id, Posyandu.name).where(Posyandu.id.in_(list(by_posyandu)))
        )
        names = {int(pid): name for pid, name in rows.all()}
        areas = sorted(
            (
                Area(str(pid), names.get(int(pid), "-"), found, posyandu=True)
                for pid, found in by_posyandu.items()
            ),
            key=lambda a: a.name.casefold(),
        )
    return GrowthRecap(region, month, total, areas)


def share(part: int, whole: int, lang: str) -> str:
    """'26,1%' (one decimal, the language's separator), or '-' with nothing to divide by."""
    if not whole:
        return "-"
    value = (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return format_decimal(value, format="0.0", locale=lang) + "%"  # 5/16 = 31,25 % → 31,3 %


def indicator_lines(t: Translator, count: GrowthCount) -> list[str]:
    lang = t.lang
    lines = []
    for name in INDICATORS:
        found = count.indicator(name)
        line = t(
            f"growth_recap.indicator.{name}",
            below2=number(found.below2, lang),
            valid=number(found.valid, lang),
            percent=share(found.below2, found.valid, lang),
            below3=number(found.below3, lang),
            severe_percent=share(found.below3, found.valid, lang),
        )
        excluded = count.excluded(name)
        if excluded:
            line += " " + t("growth_recap.excluded", count=number(excluded, lang))
        lines.append(line)
    return lines


def area_line(t: Translator, area: Area) -> str:
    lang = t.lang
    c = area.count
    return t(
        "growth_recap.area",
        name=area.name,
        weighed=number(c.weighed, lang),
        registered=number(c.registered, lang),
        stunting=share(c.stunting.below2, c.stunting.valid, lang),
        stunting_n=f"{number(c.stunting.below2, lang)}/{number(c.stunting.valid, lang)}",
        wasting=share(c.wasting.below2, c.wasting.valid, lang),
        wasting_n=f"{number(c.wasting.below2, lang)}/{number(c.wasting.valid, lang)}",
        underweight=share(c.underweight.below2, c.underweight.valid, lang),
        underweight_n=f"{number(c.underweight.below2, lang)}/{number(c.underweight.valid, lang)}",
    )


def text(t: Translator, recap: GrowthRecap, page: int = 0) -> str:
    """One screen: the region's figures, then one line per child region (or Posyandu) of `page`."""
    lang = t.lang
    total = recap.total
    lines = [
        t("growth_recap.title", month=month_name(recap.month, lang), region=recap.region.name),
        t(
            "growth_recap.weighed",
            weighed=number(total.weighed, lang),
            registered=number(total.registered, lang),
            percent=share(total.weighed, total.registered, lang),
        ),
    ]
    if not total.weighed:
        lines.append(t("growth_recap.none_weighed"))
        return "\n".join(lines)
    lines += indicator_lines(t, total)
    if recap.areas:
        heading = "growth_recap.areas_posyandu" if recap.areas[0].posyandu else "growth_recap.areas"
        lines += ["", t(heading, page=page + 1, pages=recap.pages)]
        lines += [area_line(t, area) for area in recap.page(page)]
    lines += ["", t("growth_recap.note")]
    return "\n".join(lines)
