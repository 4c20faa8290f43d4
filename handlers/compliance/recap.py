"""A month's reporting compliance for a region: who reported, who did not (and their cadres, to
nudge), SKDN coverage, and the reporting rate of each child region — as a `Summary` for the chat
(counted in the database) and as a full `Recap` of every Posyandu for the Excel export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcast_text import number
from handlers.broadcast_text import percent as share
from handlers.forms.dates import month_name
from handlers.i18n import Translator
from handlers.report_fields import Question, sections
from handlers.scheduling.deadlines import deadline, on_time, terms_for
from handlers.skdn import percent
from storage.models import Region
from storage.models_incentives import IncentiveRule
from storage.repositories import compliance, incentives, reports
from storage.repositories.compliance import AreaCount, Cutoffs, PosyanduMonth, PosyanduStatus

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


@dataclass(frozen=True, slots=True)
class FieldFigure:
    """One question of an SPM field's section over a region's reports: how many reports answered
    it, and the sum of a count or the number of 'yes'."""

    question: Question
    answered: int
    total: int


@dataclass(frozen=True, slots=True)
class FieldSummary:
    """An SPM field other than kesehatan over a region's reports of a month (issue 16, point 6)."""

    field: str
    reports: int  # reports that answered the field's section
    figures: tuple[FieldFigure, ...]


async def field_summaries(session: AsyncSession, region_code: str, month: dt.date) -> list[FieldSummary]:
    """The sections' counts and yes/no answers summed in the database, in SPM order; fields no
    report answered are left out. Free text is in the workbook only."""
    asked = [q for section in sections().values() for q in section.questions if q.kind != "text"]
    totals = await reports.field_totals(
        session, region_code, month, [(q.field, q.key, q.kind) for q in asked]
    )
    found = []
    for code, section in sections().items():
        figures = tuple(
            FieldFigure(q, *totals[(code, q.key)]) for q in section.questions if (code, q.key) in totals
        )
        answered = figures[0].answered if figures else 0
        if answered:
            found.append(FieldSummary(code, answered, figures))
    return found


@dataclass(frozen=True)
class Summary:
    """What /rekap shows for a region and month, counted in the database: the figures, the reporting
    rate per child region, and the first Posyandu still to report with their cadres (to nudge).
    Its cost grows with the number of desa, not of Posyandu, reports or cadres."""

    region: Region
    month: dt.date
    total: int
    reported: int
    not_held: int
    skdn: Mapping[str, int]  # S, K, D and N summed over the reports of Posyandu that held their day
    rates: list[Rate]
    missing: list[PosyanduStatus]  # the first `shown`, ordered by region, then name
    late: int = 0  # reports first sent after their region's deadline
    fields: tuple[FieldSummary, ...] = ()  # the other SPM fields' sections, in SPM order

    @property
    def missing_count(self) -> int:
        return self.total - self.reported


def cutoffs(rules: list[IncentiveRule], region_code: str, month: dt.date, zone: ZoneInfo) -> Cutoffs:
    """When `month`'s report becomes late under `region_code`: its own rule's deadline, and that
    of every more specific rule below it (a report is late from the minute after the deadline)."""

    def late_from(code: str) -> dt.datetime:
        return deadline(terms_for(rules, code), month, zone) + dt.timedelta(minutes=1)

    inner = sorted(
        (r.region_code for r in rules if r.region_code.startswith(region_code + ".")), key=len, reverse=True
    )
    return Cutoffs(late_from(region_code), tuple((code, late_from(code)) for code in inner))


async def summarise(
    session: AsyncSession, region: Region, month: dt.date, *, zone: ZoneInfo, shown: int = MISSING_SHOWN
) -> Summary:
    rules = await incentives.rules(session)
    areas = await compliance.area_counts(
        session, region.code, month, cutoffs=cutoffs(rules, region.code, month, zone)
    )
    total = sum(a.total for a in areas)
    reported = sum(a.reported for a in areas)
    missing: list[PosyanduStatus] = []
    if reported < total:
        missing = await compliance.statuses(session, region.code, month, missing_only=True, limit=shown)
    rates = await child_rates(session, region, areas)
    if not rates and total:
        everyone = await compliance.statuses(session, region.code, month)
        rates = [Rate(p.code, p.name, 1, int(p.reported)) for p in everyone]
    return Summary(
        region=region,
        month=month,
        total=total,
        reported=reported,
        not_held=sum(a.not_held for a in areas),
        skdn={letter: sum(getattr(a, letter) for a in areas) for letter in "skdn"},
        rates=rates,
        missing=missing,
        late=sum(a.late for a in areas),
        fields=tuple(await field_summaries(session, region.code, month)) if reported else (),
    )


async def child_rates(session: AsyncSession, region: Region, areas: list[AreaCount]) -> list[Rate]:
    """Reporting per child region that has Posyandu (none under a desa: it has no child regions)."""
    children = await compliance.children(session, region.code)
    by_code = {child.code: [0, 0] for child in children}
    for area in areas:
        # The child is the area's ancestor one level below `region`: look its lineage up, not every pair.
        child = next((c for c in compliance.lineage_codes(area.region_code) if c in by_code), None)
        if child is not None:
            by_code[child][0] += area.total
            by_code[child][1] += area.reported
    return [
        Rate(child.code, child.name, *by_code[child.code]) for child in children if by_code[child.code][0]
    ]


@dataclass(frozen=True)
class Recap:
    """Every Posyandu of a region with its whole report for a month: what the Excel export writes."""

    region: Region
    month: dt.date
    posyandu: list[PosyanduMonth]
    rates: list[Rate]
    late_ids: frozenset[int] = frozenset()  # Posyandu whose report was first sent after the deadline

    def is_late(self, p: PosyanduMonth) -> bool | None:
        """Whether the report came late; None when there is no report."""
        return None if p.report is None else p.id in self.late_ids

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


async def build(session: AsyncSession, region: Region, month: dt.date, *, zone: ZoneInfo) -> Recap:
    posyandu = await compliance.posyandu_month(session, region.code, month)
    rates = await child_rates(session, region, await compliance.area_counts(session, region.code, month))
    if not rates:
        rates = [Rate(p.code, p.name, 1, int(p.reported)) for p in posyandu]
    rules = await incentives.rules(session)
    late = frozenset(
        p.id
        for p in posyandu
        if p.report is not None
        and not on_time(p.report.first_submitted_at, deadline(terms_for(rules, p.region_code), month, zone))
    )
    return Recap(region, month, posyandu, rates, late)


def text(t: Translator, recap: Summary) -> str:
    """The chat message: the headline figures, then the Posyandu still to report with their cadres."""
    lang = t.lang
    reported = recap.reported
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
            ds=percent(recap.skdn["d"], recap.skdn["s"]),
            nd=percent(recap.skdn["n"], recap.skdn["d"]),
        ),
    ]
    if recap.not_held:
        lines.append(t("coordinator.recap.not_held", count=number(recap.not_held, lang)))
    if recap.late:
        lines.append(t("coordinator.recap.late", count=number(recap.late, lang)))
    lines += field_lines(t, recap.fields)
    if not recap.missing_count:
        lines += ["", t("coordinator.recap.all_reported")]
        return "\n".join(lines)
    lines += ["", t("coordinator.recap.missing_title", count=number(recap.missing_count, lang))]
    for p in recap.missing:
        cadres = ", ".join(f"{c.name} ({c.phone})" if c.phone else c.name for c in p.cadres)
        lines.append(
            t("coordinator.recap.missing_line", posyandu=p.name, desa=p.region_name, cadres=cadres or "-")
        )
    if recap.missing_count > len(recap.missing):
        lines.append(
            t("coordinator.recap.more", count=number(recap.missing_count - len(recap.missing), lang))
        )
    return "\n".join(lines)


def field_lines(t: Translator, fields: tuple[FieldSummary, ...] | list[FieldSummary]) -> list[str]:
    """One line per SPM field other than kesehatan: its reports, then each count's sum and how many
    answered 'yes' to each yes/no question."""
    lang = t.lang
    lines = []
    for found in fields:
        items = []
        for figure in found.figures:
            label = t(figure.question.label)
            if figure.question.kind == "yes_no":
                items.append(
                    t(
                        "report_fields.recap.yes_item",
                        label=label,
                        yes=number(figure.total, lang),
                        answered=number(figure.answered, lang),
                    )
                )
            else:
                items.append(t("report_fields.recap.item", label=label, value=number(figure.total, lang)))
        lines.append(
            t(
                "report_fields.recap.line",
                field=t(f"spm.short.{found.field}"),
                reports=number(found.reports, lang),
                items="; ".join(items),
            )
        )
    return lines
