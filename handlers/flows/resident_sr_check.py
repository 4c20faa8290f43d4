"""Cek syarat Sekolah Rakyat: a few questions, then likely / possibly / probably not a target.

Never a promise: candidates come from DTSEN (desil 1 first, then 2) and Dinas Sosial verifies
them; the result always ends with the next step and the note that the government decides.
"""

from __future__ import annotations

from typing import Any

from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import ChoiceField, IntField
from handlers.turn import Turn

LEVELS = ("sd", "smp", "sma")
# Usual ages for each level, with a year of slack either side (late starts, repeated years).
USUAL_AGES = {"sd": (5, 13), "smp": (11, 16), "sma": (14, 19)}
DESILS = ("1", "2", "3", "4", "5", "unknown")

SR_CHECK_FORM = FormSpec(
    name="resident_sr_check",
    title="resident.sr.title",
    fields=(
        IntField(
            name="age", prompt="resident.sr.ask.age", label="resident.sr.label.age", minimum=3, maximum=25
        ),
        ChoiceField(
            name="level",
            prompt="resident.sr.ask.level",
            label="resident.sr.label.level",
            choices_=tuple((level, f"resident.sr.level.{level}") for level in LEVELS),
        ),
        ChoiceField(
            name="in_dtsen",
            prompt="resident.sr.ask.in_dtsen",
            label="resident.sr.label.in_dtsen",
            choices_=(
                ("yes", "common.yes"),
                ("no", "resident.common.no"),
                ("unsure", "resident.common.unsure"),
            ),
        ),
        ChoiceField(
            name="desil",
            prompt="resident.sr.ask.desil",
            label="resident.sr.label.desil",
            choices_=tuple((d, f"resident.sr.desil.{d}") for d in DESILS),
            when=lambda a: a.get("in_dtsen") == "yes",
        ),
        ChoiceField(
            name="out_of_school",
            prompt="resident.sr.ask.out_of_school",
            label="resident.sr.label.out_of_school",
            choices_=(("yes", "common.yes"), ("no", "resident.common.no")),
        ),
    ),
)


def verdict(answers: dict[str, Any]) -> str:
    """likely, possibly or unlikely — a hint from what the family says, never a decision."""
    if answers.get("in_dtsen") == "no":
        return "unlikely"
    if answers.get("in_dtsen") == "unsure" or answers.get("desil") == "unknown":
        result = "possibly"
    elif answers.get("desil") in ("1", "2"):
        result = "likely"
    else:
        result = "unlikely"  # desil 3 and above: Sekolah Rakyat takes desil 1, then desil 2
    low, high = USUAL_AGES.get(answers.get("level", ""), (0, 99))
    if result == "likely" and not low <= int(answers.get("age", 0)) <= high:
        result = "possibly"  # an unusual age for the level: Dinas Sosial will look at it
    return result


class SekolahRakyatCheckFlow(FormFlow):
    name = "resident_sr_check"
    spec = SR_CHECK_FORM
    needs_consent = True

    async def context(self, turn: Turn, **args: Any) -> dict[str, Any] | None:
        turn.say("resident.sr.intro")
        return {}

    async def summary_header(self, turn: Turn, context: dict[str, Any]) -> str:
        return turn.t("resident.sr.summary")

    async def submit(self, turn: Turn, answers: dict[str, Any], context: dict[str, Any]) -> None:
        result = verdict(answers)
        lines = [turn.t(f"resident.sr.result.{result}")]
        low, high = USUAL_AGES[answers["level"]]
        if not low <= answers["age"] <= high:
            lines.append(turn.t("resident.sr.note.age", age=answers["age"]))
        if answers.get("out_of_school") == "yes":
            lines.append(turn.t("resident.sr.note.out_of_school"))
        not_listed = answers.get("in_dtsen") == "no"
        lines.append(turn.t("resident.sr.next_step.no_dtsen" if not_listed else "resident.sr.next_step"))
        lines.append(turn.t("resident.sr.final_say"))
        turn.say_text("\n\n".join(lines))
        turn.state.data = {}
        await turn.goto("menu")
