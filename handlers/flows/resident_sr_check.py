"""Cek syarat Sekolah Rakyat: a few questions, then likely / possibly / probably not a target.

Never a promise: candidates come from DTSEN (desil 1 first, then 2) and Dinas Sosial verifies
them; the result always ends with the next step and the note that the government decides.

The age a level accepts follows published rules kept as data in `locales/sekolah_rakyat_ages.yaml`
(each bound with its basis): an age outside them is refused with the reason, whatever the desil.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import ChoiceField, IntField
from handlers.i18n import LANGUAGES
from handlers.turn import Turn

LEVELS = ("sd", "smp", "sma")
AGE_RULES_FILE = Path(__file__).resolve().parents[2] / "locales" / "sekolah_rakyat_ages.yaml"
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


@dataclass(frozen=True)
class AgeRange:
    """The ages one level accepts; `basis` names the published rule behind each bound, per language."""

    minimum: int
    maximum: int
    min_basis: dict[str, str]
    max_basis: dict[str, str]


def load_age_rules(path: Path = AGE_RULES_FILE) -> dict[str, AgeRange]:
    """Read and check the age rules: every level, a sane range, a basis in every language."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    levels = raw.get("levels") if isinstance(raw, dict) else None
    if not isinstance(levels, dict) or set(levels) != set(LEVELS):
        raise ValueError(f"{path}: 'levels' must describe exactly {LEVELS}")
    rules: dict[str, AgeRange] = {}
    for level in LEVELS:
        entry = levels[level]
        low, high = entry.get("min"), entry.get("max")
        if not (isinstance(low, int) and isinstance(high, int) and 0 < low <= high):
            raise ValueError(f"{path}: {level} needs whole-year 'min' ≤ 'max'")
        for name in ("min_basis", "max_basis"):
            basis = entry.get(name)
            if not isinstance(basis, dict) or any(
                not str(basis.get(lang) or "").strip() for lang in LANGUAGES
            ):
                raise ValueError(f"{path}: {level}.{name} needs a text in {LANGUAGES}")
        rules[level] = AgeRange(low, high, dict(entry["min_basis"]), dict(entry["max_basis"]))
    return rules


AGE_RULES = load_age_rules()


def age_refusal(answers: dict[str, Any], rules: dict[str, AgeRange] = AGE_RULES) -> str | None:
    """'too_young' or 'too_old' when the age is outside what the chosen level accepts, else None."""
    rule = rules.get(str(answers.get("level", "")))
    if rule is None or "age" not in answers:
        return None
    age = int(answers["age"])
    if age < rule.minimum:
        return "too_young"
    if age > rule.maximum:
        return "too_old"
    return None


def verdict(answers: dict[str, Any]) -> str:
    """too_young / too_old (by the published age rules), else likely, possibly or unlikely — a
    hint from what the family says, never a decision."""
    refusal = age_refusal(answers)
    if refusal is not None:
        return refusal
    if answers.get("in_dtsen") == "no":
        return "unlikely"
    if answers.get("in_dtsen") == "unsure" or answers.get("desil") == "unknown":
        result = "possibly"
    elif answers.get("desil") in ("1", "2"):
        result = "likely"
    else:
        result = "unlikely"  # desil 3 and above: Sekolah Rakyat takes desil 1, then desil 2
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
        if result in ("too_young", "too_old"):
            rule = AGE_RULES[answers["level"]]
            bound, basis = (
                (rule.minimum, rule.min_basis) if result == "too_young" else (rule.maximum, rule.max_basis)
            )
            lines = [
                turn.t(
                    f"resident.sr.result.{result}",
                    age=answers["age"],
                    level=turn.t(f"resident.sr.level.{answers['level']}"),
                    bound=bound,
                    basis=basis.get(turn.lang) or basis["id"],
                ),
                turn.t("resident.sr.next_step.age"),
                turn.t("resident.sr.final_say"),
            ]
            turn.say_text("\n\n".join(lines))
            turn.state.data = {}
            await turn.goto("menu")
            return
        lines = [turn.t(f"resident.sr.result.{result}")]
        if answers.get("out_of_school") == "yes":
            lines.append(turn.t("resident.sr.note.out_of_school"))
        not_listed = answers.get("in_dtsen") == "no"
        lines.append(turn.t("resident.sr.next_step.no_dtsen" if not_listed else "resident.sr.next_step"))
        lines.append(turn.t("resident.sr.final_say"))
        turn.say_text("\n\n".join(lines))
        turn.state.data = {}
        await turn.goto("menu")
