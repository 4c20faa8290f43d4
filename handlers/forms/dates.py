"""Months and dates as cadres type them: '12', '12/11', '12-11-2026', '12 Nov', '2026-11-12', '11/2026'."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from babel.dates import format_date

from handlers.forms.answers import all_month_words, plain, words
from handlers.forms.fields import Accept, Field, FieldContext, Invalid, OptionRow
from handlers.i18n import Translator
from handlers.turn import Input

MONTH_WORDS = all_month_words()  # 'nov', 'nopember', 'november' → 11 (locales/*/answers.yaml)


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


class DateProblem(Exception):
    """Why a typed date was refused: a message key and its parameters."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b|\bke-?(?=\d)")
_DMY = re.compile(r"(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})(?:\s*[/.\-\s]\s*(\d{2}|\d{4}))?")
_YMD = re.compile(r"(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})")
_D_MONTH = re.compile(r"(\d{1,2})\s*([^\W\d_]+)\.?(?:\s*(\d{2}|\d{4}))?")
_MONTH_D = re.compile(r"([^\W\d_]+)\.?\s*(\d{1,2})(?:\s+(\d{4}))?")


def _core_words(text: str, lang: str) -> tuple[str, str]:
    """The date part of an answer without 'tgl', weekdays, 'sore'…: ('14 nov', 'tgl 14 nov' plain)."""
    cleaned = _ORDINAL.sub("", text.strip().casefold().replace(",", " "))
    tables = words(lang)
    kept = []
    for token in cleaned.split():
        bare = plain(token)
        if any(bare in table.date_filler or bare in table.weekdays for table in tables):
            continue
        kept.append(token.strip(".") if not re.fullmatch(r"[\d./\-]+", token) else token)
    return " ".join(kept), plain(" ".join(kept))


def read_day(text: str, month: dt.date, *, today: dt.date | None = None, lang: str = "id") -> dt.date:
    """A typed date: '14', 'tgl 14', '14/11', '14 nov', 'Sabtu, 14 November 2026', 'kemarin'.

    A bare day means that day of `month`. Raises DateProblem with the reason: unreadable
    ('form.err.date'), a month that does not exist, or a day the month does not have ('31 November')."""
    if is_time(text, lang):  # 'jam 8 pagi' is a time of day, not the 8th
        raise DateProblem("form.err.date")
    core, bare = _core_words(text, lang)
    if today is not None:
        for table in words(lang):
            relative = table.relative_days.get(bare, table.relative_days.get(plain(text)))
            if relative is not None:
                return today + dt.timedelta(days=relative)
    day = mon = year = None
    if m := re.fullmatch(r"(\d{1,2})", core):
        day = int(m[1])
    elif m := _YMD.fullmatch(core):
        year, mon, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _DMY.fullmatch(core):
        day, mon = int(m[1]), int(m[2])
        year = _year(m[3]) if m[3] else None
    elif (m := _D_MONTH.fullmatch(core)) and plain(m[2]) in MONTH_WORDS:
        day, mon = int(m[1]), MONTH_WORDS[plain(m[2])]
        year = _year(m[3]) if m[3] else None
    elif (m := _MONTH_D.fullmatch(core)) and plain(m[1]) in MONTH_WORDS:
        mon, day = MONTH_WORDS[plain(m[1])], int(m[2])
        year = int(m[3]) if m[3] else None
    else:
        raise DateProblem("form.err.date")
    mon, year = mon or month.month, year or month.year
    if not 1 <= mon <= 12:
        raise DateProblem("forms.err.no_such_month")
    if day < 1:
        raise DateProblem("form.err.date")
    days = calendar.monthrange(year, mon)[1]
    if day > days:
        raise DateProblem("forms.err.no_such_day", month=dt.date(year, mon, 1), days=days)
    return dt.date(year, mon, day)


def is_time(text: str, lang: str) -> bool:
    """Whether an answer names a time of day: 'jam 8', 'pukul 08.00', '8pm', '8 o'clock'."""
    tokens = plain(re.sub(r"(\d)([^\W\d_])", r"\1 \2", text)).split()
    spoken = " ".join(tokens)
    tables = words(lang)
    if any(f" {w} " in f" {spoken} " for table in tables for w in table.time_words):
        return True
    after_number = (b for a, b in itertools.pairwise(tokens) if a.isdigit())
    if any(b in table.day_parts for b in after_number for table in tables):  # '8 malam'
        return True
    return bool(re.search(r"\d\s*:\s*\d\d", text))


_CLOCK = re.compile(r"(\d{1,2})(?:\s*[:.]\s*(\d{2}))?")


def read_time(text: str, lang: str = "id") -> tuple[int, int] | None:
    """A time of day as typed: '8', '08.00', '8:30', 'jam 8', 'jam 8 pagi', '8 malam' (20.00),
    'pukul 14.30 WIB', '8pm'. None when unreadable or impossible."""
    spaced = re.sub(r"(\d)([^\W\d_])", r"\1 \2", text.strip().casefold())
    tables = words(lang)
    clock, part = [], None
    for token in spaced.split():
        bare = plain(token)
        if not bare:
            continue
        found = next((table.day_parts[bare] for table in tables if bare in table.day_parts), None)
        if found is not None:
            if part is not None:
                return None
            part = found
        elif not any(bare in table.time_words for table in tables):
            clock.append(token.strip(".,"))
    match = _CLOCK.fullmatch(" ".join(clock))
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        return None
    if part and hour < part and hour + 12 < 24 and hour + 12 >= part:
        hour += 12
    return hour, minute


def parse_day(text: str, month: dt.date, *, today: dt.date | None = None, lang: str = "id") -> dt.date | None:
    """A date inside `month`; a bare day number means that day of `month`. None when unreadable."""
    try:
        return read_day(text, month, today=today, lang=lang)
    except DateProblem:
        return None


@dataclass(frozen=True, kw_only=True)
class DayField(Field):
    """The day an activity took place, inside the month answered in `month_field`, not in the future."""

    month_field: str
    usual_day_key: str = "usual_day"  # context key of the Posyandu's usual day, offered as a shortcut
    numbered: ClassVar[bool] = False  # typed digits are days ('1', '2'), not the buttons' numbers

    def _month(self, fc: FieldContext) -> dt.date:
        return dt.date.fromisoformat(fc.answers[self.month_field] + "-01")

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        month = self._month(fc)
        text = fc.t(self.prompt, month=month_name(month, fc.t.lang))
        return text, await self.choices(fc), self.numbered

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
            day = today
        elif inp.value is not None:
            day = dt.date.fromisoformat(inp.value)
        else:
            try:
                day = read_day(inp.text or "", month, today=today, lang=fc.t.lang)
            except DateProblem as problem:
                params = dict(problem.params)
                if isinstance(params.get("month"), dt.date):
                    params["month"] = format_date(params["month"], "MMMM yyyy", locale=fc.t.lang)
                raise Invalid(problem.key, **params) from None
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
