"""A Posyandu's child register: dates of birth as cadres type them, the mother's NIK kept as its last
four digits only, ages in months, and leaving the register at 60 months.

Consent (UU 27/2022): the cadre records the children of the Posyandu's area as part of a public
service (pemantauan pertumbuhan, Permenkes 2/2020 and the Posyandu's own tasks), so the lawful basis
is the public-service task, not the mother's consent; the cadre is asked to tell the mother that her
child is recorded and what for (the add form says so), the NIK is optional and never kept in clear,
and the register holds nothing beyond what the Buku KIA already carries.
"""

from __future__ import annotations

import datetime as dt
import re

from handlers.forms.dates import DateProblem, month_start, read_day

AGE_LIMIT_MONTHS = 60
NIK_DIGITS = 16


class BirthDateProblem(Exception):
    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def age_months(birth: dt.date, on: dt.date) -> int:
    """Completed months of age on `on` (a child born on the 31st turns a month older on the 30th of a
    30-day month, as Indonesia's KMS counts)."""
    months = (on.year - birth.year) * 12 + on.month - birth.month
    if on.day < birth.day and not _last_day(on):
        months -= 1
    return max(months, 0)


def _last_day(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).month != day.month


def aged_out(birth: dt.date, on: dt.date) -> bool:
    return age_months(birth, on) >= AGE_LIMIT_MONTHS


_YEAR = re.compile(r"\d{4}|\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2}\b|[^\W\d_]+\.?\s*\d{2}\s*$")


def parse_birth_date(text: str, today: dt.date, lang: str = "id") -> dt.date:
    """'3 Mei 2024', '03-05-2024', '3/5/24', '2024-05-03' → a date of birth of a balita.

    The year must be given (a bare '3 Mei' is refused: a birth date without a year is a slip)."""
    raw = " ".join(text.split())
    if not _YEAR.search(raw):
        raise BirthDateProblem("children.err.dob_year")
    try:
        born = read_day(raw, month_start(today), lang=lang)
    except DateProblem as problem:
        raise BirthDateProblem(problem.key, **problem.params) from None
    if born > today:
        raise BirthDateProblem("children.err.dob_future")
    if aged_out(born, today):
        raise BirthDateProblem("children.err.dob_too_old", months=AGE_LIMIT_MONTHS)
    return born


def read_nik(text: str) -> str | None:
    """The 16 digits of a NIK as typed ('6402 0112 3456 0001'), or None when it is not one."""
    digits = re.sub(r"[\s.\-]", "", text)
    return digits if digits.isdigit() and len(digits) == NIK_DIGITS else None


def nik_masked(nik: str) -> str:
    """'************0001': enough for a mother to recognise hers, never enough to use it."""
    return "*" * (NIK_DIGITS - 4) + nik[-4:]
