"""The monthly report's SKDN pre-filled from the child register and the weighings (issue #17,
point 5). handlers/flows/report.py asks one question before S — "from the register: S 40, K 35,
D 32, N 28. Use these numbers?" — when the register has children for the report's month: using them
fills S, K, D and N at once (the cadre only confirms the summary); typing them stays possible. The
report keeps where its SKDN came from: 'register', or 'typed' (typed, or changed after pre-filling).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.forms.dates import month_name
from handlers.forms.fields import Accept, Answers, ChoiceField, FieldContext, Invalid, OptionRow
from handlers.growth.counts import skdn
from handlers.i18n import Translator
from handlers.turn import Input, Turn

COUNTED = "_skdn_register"  # hidden answer: {"month": "2026-11", "counts": {"s": …} | None}
SKDN = ("s", "k", "d", "n")
FIELD = "skdn_source"


async def refresh(turn: Turn, answers: dict[str, Any], posyandu_id: int) -> None:
    """Count the register's SKDN for the report's month (again when the month changed)."""
    month = answers.get("month")
    if not month or (answers.get(COUNTED) or {}).get("month") == month:
        return
    counted = await skdn(turn.session, posyandu_id, dt.date.fromisoformat(month + "-01"))
    answers[COUNTED] = {
        "month": month,
        "counts": None if counted is None else {x: getattr(counted, x) for x in SKDN},
    }


def counts(answers: Answers) -> dict[str, int] | None:
    found = answers.get(COUNTED) or {}
    return found.get("counts") if found.get("month") == answers.get("month") else None


@dataclass(frozen=True, kw_only=True)
class SkdnSourceField(ChoiceField):
    """'Use the register's numbers' (fills S, K, D, N) or 'type them myself'."""

    choices_: tuple[tuple[str, str], ...] = (("register", "skdn.prefill.use"), ("typed", "skdn.prefill.type"))

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        found = counts(fc.answers) or {x: 0 for x in SKDN}
        month = dt.date.fromisoformat(fc.answers["month"] + "-01")
        text = (
            f"{fc.t(self.prompt, month=month_name(month, fc.t.lang))}\n{fc.t('skdn.prefill.counts', **found)}"
        )
        return text, await self.choices(fc), True

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        found = counts(fc.answers)
        if inp.value == "register" and found is not None:
            return Accept({"source": "register", "counts": found}, prefill=found)
        if inp.value == "typed":
            return Accept({"source": "typed"})
        raise Invalid("form.err.pick_option")

    def show(self, t: Translator, value: Any) -> str:
        return t(f"skdn.source.{value['source']}") if value else "-"

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "skdn.prefill.counts", "skdn.source.register", "skdn.source.typed"]


def source_field(health: Callable[[Answers], bool]) -> SkdnSourceField:
    """The question, asked for a report with health questions when the register has children."""
    return SkdnSourceField(
        name=FIELD,
        prompt="skdn.prefill.ask",
        label="skdn.prefill.label",
        when=lambda answers: health(answers) and counts(answers) is not None,
    )


def source(answers: Answers) -> str | None:
    """Where the report's SKDN came from: 'register' only when the numbers are still the register's."""
    if answers.get("s") is None:
        return None
    chosen = answers.get(FIELD) or {}
    registered = chosen.get("counts")
    if (
        chosen.get("source") == "register"
        and registered
        and all(answers.get(x) == registered[x] for x in SKDN)
    ):
        return "register"
    return "typed"
