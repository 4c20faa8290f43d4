"""/lapor: the Posyandu's monthly activity report, one per Posyandu per month, revisable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.forms.dates import DayField, month_name, month_start, parse_month, shift_months
from handlers.forms.engine import Check, FormFlow, FormSpec, SoftCheck
from handlers.forms.fields import (
    Accept,
    Answers,
    ChoiceField,
    Field,
    FieldContext,
    IntField,
    Invalid,
    OptionRow,
    PhotosField,
    Stay,
    TextField,
)
from handlers.growth import report_prefill
from handlers.i18n import Translator
from handlers.posyandu.spm import SPM_FIELDS
from handlers.report_fields import DEFAULT_FIELDS, HEALTH, Question, sections, served
from handlers.skdn import percent
from handlers.turn import Input, Turn
from storage.repositories import cadres, regions, reports

MONTHS_BACK = 3  # a report may be filed for this month or up to three months back
VISIT_GROUPS = ("ibu_hamil", "balita", "remaja", "usia_produktif", "lansia")
COUNT_MAX = 1000  # a Posyandu serves tens to a few hundred people; more is a typing slip
VITAMIN_A_MONTHS = (2, 8)  # Bulan Vitamin A: February and August


SERVED = "_spm"  # hidden answer: the Posyandu's SPM fields when the form began (kept in drafts)


def _held(answers: Answers) -> bool:
    return answers.get("held") in ("usual_place", "other_place")


def _serves(answers: Answers, code: str) -> bool:
    # Asked of every field each time the form works out which questions are active: the hidden
    # answer is already clean and ordered (set when the form begins), so only a draft saved before
    # it existed needs the default.
    fields = answers.get(SERVED)
    return code in (fields or DEFAULT_FIELDS)


def _health(answers: Answers) -> bool:
    """The health questions (SKDN and the rest): a Posyandu serving kesehatan, on a day it was held."""
    return _held(answers) and _serves(answers, HEALTH)


def _section_title(fc: FieldContext, code: str) -> str | None:
    """The heading before a field's first question; none for a Posyandu serving kesehatan only, so
    its report reads as it always did."""
    if served(fc.answers.get(SERVED)) == (HEALTH,):
        return None
    return fc.t("report_fields.section", field=fc.t(f"spm.short.{code}"))


def _with_title(fc: FieldContext, section: str | None, text: str) -> str:
    title = _section_title(fc, section) if section else None
    return f"{title}\n{text}" if title else text


def _title_keys(section: str | None) -> list[str]:
    return ["report_fields.section", f"spm.short.{section}"] if section else []


@dataclass(frozen=True, kw_only=True)
class _Sectioned(Field):
    """The first question of a field's section opens it with the field's heading."""

    section: str | None = None

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        text, options, numbered = await super().question(fc)
        return _with_title(fc, self.section, text), options, numbered

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), *_title_keys(self.section)]


@dataclass(frozen=True, kw_only=True)
class SectionIntField(_Sectioned, IntField):
    """A count in a field's section."""


@dataclass(frozen=True, kw_only=True)
class SectionChoiceField(_Sectioned, ChoiceField):
    """A choice in a field's section."""


@dataclass(frozen=True, kw_only=True)
class SectionTextField(_Sectioned, TextField):
    """Free text in a field's section."""


@dataclass(frozen=True, kw_only=True)
class ReportMonthField(Field):
    """This month or up to three back. A month already reported offers a revision, pre-filled."""

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        this = month_start(fc.turn.today)
        if "revise" in fc.local:
            return [("revise", fc.t("report.revise.yes")), ("other", fc.t("report.revise.other"))]
        return [
            (shift_months(this, -i).strftime("%Y-%m"), month_name(shift_months(this, -i), fc.t.lang))
            for i in range(MONTHS_BACK + 1)
        ]

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        if "revise" in fc.local:
            month = dt.date.fromisoformat(fc.local["revise"] + "-01")
            text = fc.t("report.revise.ask", month=month_name(month, fc.t.lang))
            return text, await self.choices(fc), True
        return fc.t(self.prompt), await self.choices(fc), True

    async def accept(self, fc: FieldContext, inp: Input) -> Accept | Stay:
        session, posyandu_id = fc.turn.session, fc.context["posyandu_id"]
        if "revise" in fc.local:
            month_key = fc.local["revise"]
            if inp.value == "other":
                fc.local.pop("revise")
                return Stay()
            if inp.value != "revise":
                raise Invalid("form.err.pick_option")
            existing = await reports.for_month(session, posyandu_id, dt.date.fromisoformat(month_key + "-01"))
            prefill = _answers_from(existing, fc.context.get("spm_fields")) if existing else None
            return Accept(month_key, prefill=prefill)
        this = month_start(fc.turn.today)
        if inp.value is not None:
            month = dt.date.fromisoformat(inp.value + "-01")
        else:
            parsed = parse_month(inp.text or "", fc.turn.today)
            if parsed is None:
                raise Invalid("form.err.month")
            month = parsed
        if month > this:
            raise Invalid("form.err.month_future")
        if month < shift_months(this, -MONTHS_BACK):
            raise Invalid("form.err.month_too_old", months=MONTHS_BACK)
        month_key = month.strftime("%Y-%m")
        if fc.answers.get(self.name) != month_key and await reports.filed(session, posyandu_id, month):
            fc.local["revise"] = month_key
            return Stay()
        return Accept(month_key)

    def show(self, t: Translator, value: Any) -> str:
        return month_name(dt.date.fromisoformat(value + "-01"), t.lang) if value else "-"

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "report.revise.yes", "report.revise.other", "report.revise.ask"]


def _count(
    name: str, *, when: Any = _health, maximum: int = COUNT_MAX, section: str | None = None
) -> IntField:
    return SectionIntField(
        name=name,
        prompt=f"report.ask.{name}",
        label=f"report.label.{name}",
        maximum=maximum,
        when=when,
        section=section,
    )


def _asked(q: Question) -> Callable[[Answers], bool]:
    """Whether a field's question is asked: the Posyandu serves the field (held or not: a flood that
    stopped the Posyandu day is still a trantibumlinmas event), and its condition holds."""
    condition = None if q.only_if is None else f"{q.field}__{q.only_if}"

    def when(answers: Answers) -> bool:
        if not _serves(answers, q.field):
            return False
        return condition is None or (answers.get(condition) or 0) > 0

    return when


def _section_field(q: Question, *, first: bool) -> Field:
    section = q.field if first else None
    common: dict[str, Any] = {"name": q.name, "prompt": q.prompt, "label": q.label, "when": _asked(q)}
    if q.kind == "count":
        return SectionIntField(maximum=q.maximum, section=section, **common)
    if q.kind == "yes_no":
        return SectionChoiceField(
            choices_=(("yes", "report_fields.yes"), ("no", "report_fields.no")), section=section, **common
        )
    return SectionTextField(optional=q.optional, max_length=q.maximum, section=section, **common)


def _health_fields() -> tuple[Field, ...]:
    return (
        report_prefill.source_field(_health),  # SKDN from the child register, when it has children
        _count("s", section=HEALTH),
        _count("k"),
        _count("d"),
        _count("n"),
        *(_count(f"visits_{group}") for group in VISIT_GROUPS),
        _count("referrals_gizi"),
        _count("immunizations"),
        _count("vitamin_a"),
    )


def _field_sections() -> tuple[Field, ...]:
    """Every field's questions in SPM order: kesehatan's are the health questions."""
    found: list[Field] = []
    for code in SPM_FIELDS:
        if code == HEALTH:
            found.extend(_health_fields())
        elif code in sections():
            questions = sections()[code].questions
            found.extend(_section_field(q, first=i == 0) for i, q in enumerate(questions))
    return tuple(found)


def _section_checks() -> tuple[Check, ...]:
    """A field's [smaller, larger] pairs from the data file (e.g. PMKS referred ≤ PMKS found)."""
    checks = []
    for code, section in sections().items():
        for small, large in section.checks:
            a, b = section.question(small).name, section.question(large).name
            checks.append(
                Check(
                    (a, b),
                    lambda answers, a=a, b=b: answers[a] <= answers[b],
                    {a: f"report.{code}.err.{small}_gt_{large}", b: f"report.{code}.err.{large}_lt_{small}"},
                )
            )
    return tuple(checks)


def _month_of(answers: Answers) -> dt.date:
    return dt.date.fromisoformat(answers["month"] + "-01")


def _last_s(answers: Answers, context: Mapping[str, Any]) -> tuple[str, int] | None:
    """The Posyandu's last S reported before this report's month: (month key, S)."""
    earlier = [(m, s) for m, s in (context.get("recent_s") or {}).items() if m < answers["month"]]
    return max(earlier) if earlier else None


def _s_steady(answers: Answers, context: Mapping[str, Any]) -> bool:
    last = _last_s(answers, context)
    return last is None or last[1] == 0 or abs(answers["s"] - last[1]) * 3 <= last[1]


def _s_jump_params(t: Translator, answers: Answers, context: Mapping[str, Any]) -> dict[str, object]:
    last = _last_s(answers, context)
    assert last is not None
    return {
        "s": answers["s"],
        "last": last[1],
        "last_month": month_name(dt.date.fromisoformat(last[0] + "-01"), t.lang),
    }


def _counts(*names: str) -> Callable[[Translator, Answers, Mapping[str, Any]], dict[str, object]]:
    return lambda t, answers, context: {name: answers[name] for name in names}


def _vitamin_a_month_params(t: Translator, answers: Answers, context: Mapping[str, Any]) -> dict[str, object]:
    return {"vitamin_a": answers["vitamin_a"], "month": month_name(_month_of(answers), t.lang)}


# Unusual, not impossible: the cadre is told why and may keep the answer (issue 15, point 5).
SOFT_CHECKS = (
    SoftCheck(
        "immunizations_gt_s",
        ("immunizations", "s"),
        lambda a, c: a["immunizations"] <= a["s"],
        "report.warn.immunizations_gt_s",
        _counts("immunizations", "s"),
    ),
    SoftCheck(
        "vitamin_a_gt_s",
        ("vitamin_a", "s"),
        lambda a, c: a["vitamin_a"] <= a["s"],
        "report.warn.vitamin_a_gt_s",
        _counts("vitamin_a", "s"),
    ),
    SoftCheck("s_jump", ("s",), _s_steady, "report.warn.s_jump", _s_jump_params),
    # Every balita weighed (D) was also served at the Posyandu: fewer served than weighed is a slip.
    SoftCheck(
        "balita_served_lt_d",
        ("visits_balita", "d"),
        lambda a, c: a["visits_balita"] >= a["d"],
        "report_fields.warn.balita_served_lt_d",
        _counts("visits_balita", "d"),
    ),
    SoftCheck(
        "vitamin_a_month",
        ("vitamin_a",),
        lambda a, c: a["vitamin_a"] == 0 or _month_of(a).month in VITAMIN_A_MONTHS,
        "report.warn.vitamin_a_month",
        _vitamin_a_month_params,
    ),
)


def _coverage(t: Translator, answers: Answers) -> list[str]:
    if not _health(answers):
        return []
    return [
        t("report.coverage.ds", value=percent(answers.get("d"), answers.get("s"))),
        t("report.coverage.nd", value=percent(answers.get("n"), answers.get("d"))),
    ]


REPORT_FORM = FormSpec(
    name="report",
    title="report.title",
    fields=(
        ReportMonthField(name="month", prompt="report.ask.month", label="report.label.month"),
        ChoiceField(
            name="held",
            prompt="report.ask.held",
            label="report.label.held",
            params=lambda fc: {"month": month_name(_month_of(fc.answers), fc.t.lang)},
            choices_=(
                ("usual_place", "report.held.usual_place"),
                ("other_place", "report.held.other_place"),
                ("not_held", "report.held.not_held"),
            ),
        ),
        TextField(
            name="place_note",
            prompt="report.ask.place_note",
            label="report.label.place_note",
            max_length=200,
            when=lambda a: a.get("held") == "other_place",
        ),
        TextField(
            name="not_held_reason",
            prompt="report.ask.not_held_reason",
            label="report.label.not_held_reason",
            max_length=200,
            when=lambda a: a.get("held") == "not_held",
            suggestions=(
                ("weather", "report.reason.weather"),
                ("holiday", "report.reason.holiday"),
                ("cadres_absent", "report.reason.cadres_absent"),
                ("no_place", "report.reason.no_place"),
            ),
        ),
        DayField(
            name="held_on",
            prompt="report.ask.held_on",
            label="report.label.held_on",
            month_field="month",
            when=_held,
        ),
        *_field_sections(),
        TextField(
            name="notes", prompt="report.ask.notes", label="report.label.notes", optional=True, max_length=500
        ),
        PhotosField(
            name="photos",
            prompt="report.ask.photos",
            label="report.label.photos",
            optional=True,
            when=_held,
            media_kind="report_photo",
        ),
    ),
    checks=(
        Check(("n", "d"), lambda a: a["n"] <= a["d"], {"n": "report.err.n_gt_d", "d": "report.err.d_lt_n"}),
        Check(("d", "s"), lambda a: a["d"] <= a["s"], {"d": "report.err.d_gt_s", "s": "report.err.s_lt_d"}),
        Check(("k", "s"), lambda a: a["k"] <= a["s"], {"k": "report.err.k_gt_s", "s": "report.err.s_lt_k"}),
        Check(
            ("referrals_gizi", "s"),
            lambda a: a["referrals_gizi"] <= a["s"],
            {"referrals_gizi": "report.err.referrals_gt_s", "s": "report.err.s_lt_referrals"},
        ),
        *_section_checks(),
    ),
    warnings=SOFT_CHECKS,
    notes=_coverage,
    typical={"held": "usual_place"},
)


def _answers_from(report: Any, fields: Any) -> dict[str, Any]:
    """A stored report as form answers, so a revision starts from what was sent. `fields`: the SPM
    fields the Posyandu serves now (a field added since is asked afresh)."""
    answers: dict[str, Any] = {
        SERVED: list(served(fields)),
        "held": report.held,
        "place_note": report.place_note,
        "not_held_reason": report.not_held_reason,
        "held_on": report.held_on.isoformat() if report.held_on else None,
        "s": report.s,
        "k": report.k,
        "d": report.d,
        "n": report.n,
        "referrals_gizi": report.referrals_gizi,
        "immunizations": report.immunizations,
        "vitamin_a": report.vitamin_a,
        "notes": report.notes,
        "photos": report.photos or None,
    }
    for group in VISIT_GROUPS:
        answers[f"visits_{group}"] = (report.visits or {}).get(group)
    skipped = set()  # optional questions answered by skipping them
    for code, section in sections().items():
        stored = (report.field_answers or {}).get(code) or {}
        for q in section.questions:
            if q.key not in stored:
                continue
            value = stored[q.key]
            if q.kind == "yes_no" and value is not None:
                value = "yes" if value else "no"
            answers[q.name] = value
            if value is None and q.optional:
                skipped.add(q.name)
    # Keep only what the stored report actually answered, so nothing unanswered looks answered.
    active = {f.name for f in REPORT_FORM.active(answers)}
    kept = {"notes", "photos", *skipped}
    return {k: v for k, v in answers.items() if k == SERVED or (k in active and (v is not None or k in kept))}


def field_answers(answers: Answers) -> dict[str, dict[str, Any]]:
    """Form answers → the report's answers per SPM field other than kesehatan, as stored."""
    stored: dict[str, dict[str, Any]] = {}
    for code, section in sections().items():
        for q in section.questions:
            if q.name not in answers:
                continue
            value = answers[q.name]
            if q.kind == "yes_no" and value is not None:
                value = value == "yes"
            stored.setdefault(code, {})[q.key] = value
    return stored


def report_values(answers: Answers) -> dict[str, Any]:
    """Form answers → the stored report's columns."""
    values: dict[str, Any] = {
        "held": answers["held"],
        "held_on": dt.date.fromisoformat(answers["held_on"]) if answers.get("held_on") else None,
        "place_note": answers.get("place_note"),
        "not_held_reason": answers.get("not_held_reason"),
        "notes": answers.get("notes"),
        "photos": answers.get("photos") or [],
    }
    for name in ("s", "k", "d", "n", "referrals_gizi", "immunizations", "vitamin_a"):
        values[name] = answers.get(name)
    visits = {g: answers[f"visits_{g}"] for g in VISIT_GROUPS if answers.get(f"visits_{g}") is not None}
    values["visits"] = visits
    values["field_answers"] = field_answers(answers)
    values["skdn_source"] = report_prefill.source(answers)
    return values


class ReportFlow(FormFlow):
    name = "report"
    spec = REPORT_FORM
    needs_consent = True
    roles = frozenset({"cadre"})

    async def context(self, turn: Turn, **args: Any) -> dict[str, Any] | None:
        cadre = await cadres.standing(turn.session, turn.identity.person_id)
        if cadre is None or cadre.verification == "rejected":
            turn.say("report.not_cadre")
            await turn.goto("menu")
            return None
        place = await regions.place(turn.session, cadre.posyandu_id)
        posyandu = await regions.get_posyandu(turn.session, cadre.posyandu_id)
        assert place is not None and posyandu is not None
        return {
            "posyandu_id": cadre.posyandu_id,
            "posyandu": f"{place.name} — {place.desa}",
            "usual_day": posyandu.usual_day,
            "spm_fields": list(served(await reports.spm_fields(turn.session, cadre.posyandu_id))),
            "verified": cadre.verification == "verified",
            # The last year's S per month, for the soft check on a sudden change of S.
            "recent_s": {
                month.strftime("%Y-%m"): s
                for month, s in await reports.recent_s(
                    turn.session, cadre.posyandu_id, shift_months(month_start(turn.today), -12)
                )
                if s is not None
            },
        }

    async def _advance(self, turn: Turn) -> None:
        # The fields served, fixed when the form begins and kept with its answers (and its draft),
        # so the questions' conditions see them. A draft from before this existed reads as kesehatan.
        data = turn.state.data
        data["answers"].setdefault(SERVED, data.get("context", {}).get("spm_fields") or list(served(None)))
        await report_prefill.refresh(turn, data["answers"], data["context"]["posyandu_id"])
        await super()._advance(turn)

    async def summary_header(self, turn: Turn, context: dict[str, Any]) -> str:
        month = turn.state.data["answers"].get("month")
        label = month_name(dt.date.fromisoformat(month + "-01"), turn.lang) if month else "-"
        return turn.t("report.summary_title", month=label, posyandu=context["posyandu"])

    async def submit(self, turn: Turn, answers: dict[str, Any], context: dict[str, Any]) -> None:
        month = dt.date.fromisoformat(answers["month"] + "-01")
        report = await reports.submit(
            turn.session,
            posyandu_id=context["posyandu_id"],
            month=month,
            values=report_values(answers),
            person_id=turn.identity.person_id,  # no Person entity needed (issue #19)
            now=turn.now,
        )
        label = month_name(month, turn.lang)
        if report.revision > 1:
            turn.say("report.saved_revision", month=label, revision=report.revision)
        else:
            turn.say("report.saved", month=label)
        if not context.get("verified"):
            turn.say("report.unverified_note")
        turn.state.data = {}
        await turn.goto("menu")
