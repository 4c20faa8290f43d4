"""Months and dates as cadres type them: '12', '12/11', '12-11-2026', '12 Nov', '2026-11-12', '11/2026'."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from babel.dates import format_date

from handlers.forms.fields import Accept, Field, FieldContext, Invalid, OptionRow
from handlers.i18n import Translator
from handlers.turn import Input

MONTH_WORDS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "pebruari": 2, "february": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "agus": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "nop": 11, "november": 11, "nopember": 11,
    "des": 12, "desember": 12, "dec": 12, "december": 12,
}  # fmt: skip


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def shift_months(month: dt.date, delta: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)


def day_in_month(month: dt.date, day: int) -> dt.date:
    """Day `day` of `month`, or its last day when the month is shorter (a Posyandu 'on the 31st')."""
    return month.replace(day=min(day, calendar.monthrange(month.year, month.month)[1]))


def month_name(month: dt.date, lang: str) -> str:
    return format_date(month, "MMMM yyyy", locale=lang)


def _year(raw: str) -> int:
    value = int(raw)
    return 2000 + value if value < 100 else value


def parse_month(text: str, today: dt.date) -> dt.date | None:
    """'11/2026', '11-2026', '2026-11', 'nov 2026', 'november' (this year) → first day of that month."""
    cleaned = text.strip().casefold()
    if m := re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{2}|\d{4})", cleaned):
        month, year = int(m[1]), _year(m[2])
    elif m := re.fullmatch(r"(\d{4})\s*[/.-]\s*(\d{1,2})", cleaned):
        year, month = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"([a-z]+)\.?\s*(\d{2}|\d{4})?", cleaned):
        if m[1] not in MONTH_WORDS:
            return None
        month, year = MONTH_WORDS[m[1]], _year(m[2]) if m[2] else today.year
    else:
        return None
    if not 1 <= month <= 12:
        return None
    return dt.date(year, month, 1)


def parse_day(text: str, month: dt.date) -> dt.date | None:
    """A date inside `month`; a bare day number means that day of `month`. None when unreadable."""
    cleaned = text.strip().casefold()
    day = mon = year = None
    if m := re.fullmatch(r"(\d{1,2})", cleaned):
        day = int(m[1])
    elif m := re.fullmatch(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2}|\d{4}))?", cleaned):
        day, mon = int(m[1]), int(m[2])
        year = _year(m[3]) if m[3] else None
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", cleaned):
        year, mon, day = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})\s+([a-z]+)\.?(?:\s+(\d{2}|\d{4}))?", cleaned):
        if m[2] not in MONTH_WORDS:
            return None
        day, mon = int(m[1]), MONTH_WORDS[m[2]]
        year = _year(m[3]) if m[3] else None
    else:
        return None
    try:
        return dt.date(year or month.year, mon or month.month, day)
    except ValueError:
        return None


@dataclass(frozen=True, kw_only=True)
class DayField(Field):
    """The day an activity took place, inside the month answered in `month_field`, not in the future."""

    month_field: str
    usual_day_key: str = "usual_day"  # context key of the Posyandu's usual day, offered as a shortcut
    numbered: ClassVar[bool] = True

    def _month(self, fc: FieldContext) -> dt.date:
        return dt.date.fromisoformat(fc.answers[self.month_field] + "-01")

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        month = self._month(fc)
        text = fc.t(self.prompt, month=month_name(month, fc.t.lang))
        return text, await self.choices(fc), True

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        month, today = self._month(fc), fc.turn.today
        rows: list[OptionRow] = []
        if month_start(today) == month:
            rows.append(("today", fc.t("date.today")))
        usual = fc.context.get(self.usual_day_key)
        if usual:
            day = day_in_month(month, int(usual))
            if day <= today and not (rows and day == today):
                rows.append((day.isoformat(), fc.t("date.usual_day", date=_short(day, fc.t.lang))))
        return rows

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        month, today = self._month(fc), fc.turn.today
        if inp.value == "today":
            day: dt.date | None = today
        elif inp.value is not None:
            day = dt.date.fromisoformat(inp.value)
        else:
            day = parse_day(inp.text or "", month)
        if day is None:
            raise Invalid("form.err.date")
        if month_start(day) != month:
            raise Invalid("form.err.date_other_month", month=month_name(month, fc.t.lang))
        if day > today:
            raise Invalid("form.err.date_future")
        return Accept(day.isoformat())

    def show(self, t: Translator, value: Any) -> str:
        return _short(dt.date.fromisoformat(value), t.lang) if value else "-"

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "date.today", "date.usual_day"]


def _short(day: dt.date, lang: str) -> str:
    return format_date(day, "d MMMM yyyy", locale=lang)
