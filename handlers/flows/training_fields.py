"""Form fields for creating a training: its date (today up to a year ahead) and its time."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from handlers.forms.dates import month_start, parse_day, shift_months
from handlers.forms.fields import Accept, Field, FieldContext, Invalid, OptionRow
from handlers.i18n import Translator
from handlers.scheduling.formats import clock, weekday, zone_label
from handlers.scheduling.rules import local_at
from handlers.turn import Input

DAYS_AHEAD = 366
TIMES = ("08:00", "09:00", "13:00")
_TIME = re.compile(r"(\d{1,2})(?:\s*[:.]\s*(\d{2}))?")


@dataclass(frozen=True, kw_only=True)
class TrainingDateField(Field):
    """'12', '12/12', '12-12-2026', '12 Des 2026': today or later. Answer: ISO date."""

    numbered: ClassVar[bool] = False

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        today = fc.turn.today
        typed = (inp.text or "").strip()
        day = parse_day(typed, month_start(today)) if typed else None
        if day is not None and day < today and typed.isdigit():
            day = parse_day(typed, shift_months(month_start(today), 1))  # '3' on the 24th: next month
        if day is None:
            raise Invalid("form.err.date")
        if day < today:
            raise Invalid("training.err.past")
        if day > today + dt.timedelta(days=DAYS_AHEAD):
            raise Invalid("training.err.too_far")
        return Accept(day.isoformat())

    def show(self, t: Translator, value: Any) -> str:
        return weekday(dt.date.fromisoformat(value), t.lang) if value else "-"

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "form.err.date", "training.err.past", "training.err.too_far"]


@dataclass(frozen=True, kw_only=True)
class TrainingTimeField(Field):
    """A local time of day on the date in `date_field`, not already past. Answer: 'HH:MM'."""

    date_field: str = "date"

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        text = fc.t(self.prompt, zone=zone_label(fc.turn.zone))
        return text, [(value, clock(value)) for value in TIMES], True

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        raw = inp.value if inp.value is not None else (inp.text or "").strip()
        match = _TIME.fullmatch(raw)
        if match is None or int(match[1]) > 23 or int(match[2] or 0) > 59:
            raise Invalid("training.err.time")
        value = f"{int(match[1]):02d}:{int(match[2] or 0):02d}"
        if starts_at(fc.answers[self.date_field], value, fc) <= fc.turn.now:
            raise Invalid("training.err.past")
        return Accept(value)

    def show(self, t: Translator, value: Any) -> str:
        return clock(value) if value else "-"

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "training.err.time", "training.err.past"]


def starts_at(day: str, time: str, fc: FieldContext) -> dt.datetime:
    hour, minute = (int(part) for part in time.split(":"))
    return local_at(dt.date.fromisoformat(day), dt.time(hour, minute), fc.turn.zone)
