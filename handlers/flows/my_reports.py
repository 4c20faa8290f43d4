"""/laporanku: the Posyandu's last six months at a glance; a report first sent after its deadline
is marked late (the rule of the Posyandu's region, as incentives judge it). Under each month, a
short line per SPM field other than kesehatan that the report answered (issue 16)."""

from __future__ import annotations

from typing import Any

from handlers.flows.base import Flow
from handlers.forms.dates import month_name, month_start, shift_months
from handlers.i18n import Translator
from handlers.report_fields import sections, show_value
from handlers.scheduling.deadlines import DEFAULT_TERMS, deadline, on_time, terms_for
from handlers.skdn import percent
from handlers.turn import Input, Turn
from storage.repositories import cadres, incentives, regions, reports

MONTHS_SHOWN = 6


class MyReportsFlow(Flow):
    name = "my_reports"
    needs_consent = True
    roles = frozenset({"cadre"})

    async def begin(self, turn: Turn, **args: Any) -> None:
        cadre = await cadres.standing(turn.session, turn.identity.person_id)
        if cadre is None:
            turn.say("report.not_cadre")
            await turn.goto("menu")
            return
        place = await regions.place(turn.session, cadre.posyandu_id)
        this = month_start(turn.today)
        since = shift_months(this, -(MONTHS_SHOWN - 1))
        found = {r.month: r for r in await reports.recent(turn.session, cadre.posyandu_id, since)}
        rules = await incentives.rules(turn.session)
        terms = terms_for(rules, place.region_code) if place else DEFAULT_TERMS
        lines = [turn.t("my_reports.title", posyandu=place.name if place else "-"), ""]
        for i in range(MONTHS_SHOWN):
            month = shift_months(this, -i)
            label = month_name(month, turn.lang)
            report = found.get(month)
            if report is None:
                lines.append(turn.t("my_reports.missing", month=label))
            elif report.held == "not_held":
                lines.append(turn.t("my_reports.not_held", month=label))
            elif report.s is None:  # a Posyandu that does not serve kesehatan: no SKDN to show
                lines.append(turn.t("report_fields.my.held", month=label))
            else:
                lines.append(
                    turn.t(
                        "my_reports.line",
                        month=label,
                        ds=percent(report.d, report.s),
                        nd=percent(report.n, report.d),
                    )
                )
            if report is not None and report.revision > 1:
                lines[-1] += " " + turn.t("my_reports.revised", revision=report.revision)
            if report is not None and not on_time(
                report.first_submitted_at, deadline(terms, month, turn.zone)
            ):
                lines[-1] += " " + turn.t("my_reports.late")
            if report is not None:
                lines += field_lines(turn.t, report.field_answers or {})
        if cadre.verification != "verified":
            lines += ["", turn.t("my_reports.unverified")]
        turn.say_text("\n".join(lines))
        await turn.goto("menu")

    async def handle(self, turn: Turn, inp: Input) -> None:
        await turn.goto("menu")


def field_lines(t: Translator, answers: dict[str, dict[str, Any]]) -> list[str]:
    """A report's answers per SPM field other than kesehatan, one short line per field (free text
    left out: the summary before sending showed it)."""
    lines = []
    for code, section in sections().items():
        given = answers.get(code) or {}
        items = [
            t("report_fields.recap.item", label=t(q.label), value=show_value(t, q, given[q.key]))
            for q in section.questions
            if q.kind != "text" and given.get(q.key) is not None
        ]
        if items:
            lines.append(t("report_fields.my.field", field=t(f"spm.short.{code}"), items="; ".join(items)))
    return lines
