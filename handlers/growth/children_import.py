"""A Posyandu's child list from an XLSX or CSV sent in chat: all rows or none, every bad row named by
its row number. A child already on the register (same name and date of birth) is updated, not added
twice, so the same file can be sent again after a fix.

Columns (header row, any order): nama anak, jenis kelamin (L/P), tanggal lahir, nama ibu, and
optionally no hp ibu, nik ibu, buku kia (ya/tidak).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import sheets
from handlers.forms.names import normalize_name, proper_case
from handlers.growth.register import BirthDateProblem, nik_masked, parse_birth_date, read_nik
from handlers.sheets import ImportReport, RowError, RowInvalid, SheetError
from storage.repositories import children

COLUMNS = {
    "name": ("nama anak", "nama balita", "nama", "name", "child name"),
    "sex": ("jenis kelamin", "jk", "l/p", "sex"),
    "dob": ("tanggal lahir", "tgl lahir", "tanggal lahir anak", "date of birth", "dob"),
    "mother": ("nama ibu", "ibu", "mother", "mother name"),
    "phone": ("no hp ibu", "hp ibu", "telepon ibu", "no hp", "phone"),
    "nik": ("nik ibu", "nik", "mother nik"),
    "kia": ("buku kia", "kia", "punya buku kia", "kms", "has kia"),
}
REQUIRED = ("name", "sex", "dob", "mother")
SEX_WORDS = {"l": "m", "laki-laki": "m", "laki laki": "m", "lk": "m", "m": "m", "male": "m",
             "p": "f", "perempuan": "f", "pr": "f", "f": "f", "female": "f"}  # fmt: skip
YES = {"ya", "y", "ada", "punya", "yes", "1", "true"}
NO = {"tidak", "tdk", "t", "belum", "tidak ada", "no", "0", "false", ""}


def _name(value: object, key: str) -> str:
    raw = proper_case(normalize_name(sheets.text(value)))
    if len(raw) < 2:
        raise RowInvalid(key)
    return raw[:120]


def _dob(value: object, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        value = value.strftime("%d-%m-%Y")
    try:
        return parse_birth_date(sheets.text(value), today)
    except BirthDateProblem as problem:
        raise RowInvalid(problem.key, **problem.params) from None


def _row(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    sex = SEX_WORDS.get(sheets.text(row.get("sex")).casefold())
    if sex is None:
        raise RowInvalid("children.import.err.sex", value=sheets.text(row.get("sex")) or "-")
    values: dict[str, Any] = {
        "full_name": _name(row.get("name"), "children.import.err.name"),
        "sex": sex,
        "birth_date": _dob(row.get("dob"), today),
        "mother_name": _name(row.get("mother"), "children.import.err.mother"),
        "mother_phone": sheets.phone(row["phone"]) if sheets.text(row.get("phone")) else None,
        "mother_nik_masked": None,
    }
    raw_nik = sheets.text(row.get("nik"))
    if raw_nik:
        nik = read_nik(raw_nik)
        if nik is None:
            raise RowInvalid("children.err.nik")
        values["mother_nik_masked"] = nik_masked(nik)
    kia = sheets.text(row.get("kia")).casefold()
    if kia not in YES and kia not in NO:
        raise RowInvalid("children.import.err.kia", value=sheets.text(row.get("kia")))
    values["has_kia"] = kia in YES
    return values


async def import_children(
    session: AsyncSession,
    data: bytes,
    *,
    filename: str,
    posyandu_id: int,
    person_id: int,
    now: dt.datetime,
    today: dt.date,
) -> ImportReport:
    try:
        sheet = sheets.read_table(data, filename, COLUMNS, REQUIRED)
    except SheetError as problem:
        return ImportReport(problem=problem)
    errors: list[RowError] = []
    parsed: list[dict[str, Any]] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for number, row in sheet.rows:
        try:
            values = _row(row, today)
        except RowInvalid as problem:
            errors.append(RowError(number, problem.key, problem.params))
            continue
        key = (values["full_name"].casefold(), values["birth_date"])
        if key in seen:
            errors.append(RowError(number, "children.import.err.twice", {"row": seen[key]}))
            continue
        seen[key] = number
        parsed.append(values)
    if errors:
        return ImportReport(errors=errors)
    for values in parsed:
        existing = await children.find_same(session, posyandu_id, values["full_name"], values["birth_date"])
        if existing is None:
            await children.add(session, posyandu_id=posyandu_id, values=values, person_id=person_id, now=now)
        else:
            for column, value in values.items():
                setattr(existing, column, value)
    return ImportReport(applied=len(parsed))
