"""The Posyandu master list of a kabupaten office: import (XLSX or CSV, all rows or none) and the
template workbook to fill in.

One row per Posyandu: kode (optional), nama, kode wilayah desa/kelurahan, alamat, latitude/longitude
(optional), tempat tetap (ya/tidak), minggu ke (1-5), hari (Senin..Minggu), bidang SPM, kode induk
(optional: the lembaga a pos pelayanan belongs to). Rows are matched by kode; a row without one gets
a stable kode (the existing Posyandu of that name in that desa, else one derived from desa and name),
so importing the same file again updates instead of duplicating. Cells are data: nothing in a file
is evaluated, and text that looks like a formula stays text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import sheets
from handlers.access import Scope
from handlers.i18n import Translator
from handlers.posyandu.institution import LEMBAGA, POS
from handlers.posyandu.spm import SpmFieldError, parse_spm_fields
from handlers.sheets import SheetError
from storage.models import Person, Posyandu, Region
from storage.repositories import audit

# Column → accepted header titles (matched loosely: case, spaces and punctuation do not matter).
# The first title is the Indonesian header of the template; the English template uses the last.
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("kode", "kode posyandu", "code"),
    "name": ("nama", "nama posyandu", "name"),
    "region": (
        "kode wilayah desa/kelurahan",
        "kode wilayah",
        "kode desa",
        "kode kelurahan",
        "kode desa/kelurahan",
        "village code",
    ),
    "address": ("alamat", "address"),
    "latitude": ("latitude", "lintang", "lat"),
    "longitude": ("longitude", "bujur", "lon", "lng"),
    "fixed": ("tempat tetap", "punya tempat tetap", "fixed place"),
    "week": ("minggu ke", "minggu ke-", "minggu", "week of month"),
    "weekday": ("hari", "weekday"),
    "fields": ("bidang spm", "bidang", "spm", "spm fields"),
    "parent": ("kode induk", "induk", "kode lembaga induk", "parent code"),
}
REQUIRED = ("name", "region", "fixed", "week", "weekday", "fields")
ORDER = tuple(COLUMNS)
EXAMPLE_CODES = frozenset({"contoh", "example"})  # the template's example row; never imported

WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("senin", "sen", "monday", "mon"),
        ("selasa", "sel", "tuesday", "tue"),
        ("rabu", "rab", "wednesday", "wed"),
        ("kamis", "kam", "thursday", "thu"),
        ("jumat", "jum", "jumaat", "friday", "fri"),
        ("sabtu", "sab", "saturday", "sat"),
        ("minggu", "min", "ahad", "sunday", "sun"),
    )
):
    WEEKDAYS.update(dict.fromkeys(_names, _number))
YES = frozenset({"ya", "y", "iya", "yes", "tetap", "ada", "1", "true", "benar"})
NO = frozenset(
    {"tidak", "t", "tdk", "no", "n", "tidaktetap", "menumpang", "numpang", "tidakada", "0", "false"}
)
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,31}")
VILLAGE_LEVELS = ("desa", "kelurahan")
NAME_MAX, ADDRESS_MAX = 120, 240


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad cell: Excel row number, the column (a key of COLUMNS) and the localized reason."""

    row: int
    column: str
    key: str
    params: dict[str, object] = field(default_factory=dict)


class _Bad(Exception):
    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class Row:
    number: int
    code: str | None
    name: str
    region_code: str
    address: str | None
    latitude: float | None
    longitude: float | None
    fixed: bool
    week: int
    weekday: int
    fields: list[str]
    parent_code: str | None


@dataclass
class ImportResult:
    """What an import did — counts — or, when anything is wrong, nothing and every reason."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem: SheetError | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.problems

    def lines(self, t: Translator) -> list[str]:
        if self.problem is not None:
            return [t("import.failed.file"), t(self.problem.key, **self.problem.params)]
        if self.problems:
            rows = len({p.row for p in self.problems})
            out = [t("posyandu.import.failed", rows=rows, count=len(self.problems))]
            out += [
                t(
                    "posyandu.import.problem",
                    row=p.row,
                    column=t(f"posyandu.col.{p.column}"),
                    problem=t(p.key, **p.params),
                )
                for p in self.problems
            ]
            return out
        return [t("posyandu.import.done", new=self.new, updated=self.updated, unchanged=self.unchanged)]


def may_import(person: Person | None, scope: Scope) -> bool:
    """The CLI without --by, an admin, or a coordinator of a whole kabupaten/kota (or province)."""
    if person is None or scope.everything:
        return True
    return person.role == "coordinator" and any(root.count(".") <= 1 for root in scope.roots)


# -- cells --------------------------------------------------------------------------------------


def _compact(value: object) -> str:
    return re.sub(r"[^a-z0-9]", "", sheets.text(value).casefold())


def _code(value: object) -> str | None:
    raw = sheets.text(value)
    if not raw:
        return None
    if not CODE_RE.fullmatch(raw):
        raise _Bad("posyandu.err.code", value=raw[:40])
    return raw


def _name(value: object) -> str:
    raw = sheets.text(value)
    if not raw:
        raise _Bad("posyandu.err.required")
    if len(raw) > NAME_MAX:
        raise _Bad("posyandu.err.too_long", max=NAME_MAX)
    return raw


def _address(value: object) -> str | None:
    raw = sheets.text(value)
    if len(raw) > ADDRESS_MAX:
        raise _Bad("posyandu.err.too_long", max=ADDRESS_MAX)
    return raw or None


def _coordinate(value: object, limit: float) -> float | None:
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise _Bad("posyandu.err.number", value=str(value))
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        raw = sheets.text(value).replace("\u2212", "-")
        if not raw:
            return None
        if raw.count(",") == 1 and "." not in raw:
            raw = raw.replace(",", ".")  # Indonesian decimal comma
        try:
            number = float(raw)
        except ValueError:
            raise _Bad("posyandu.err.number", value=raw[:40]) from None
    if not -limit <= number <= limit:
        raise _Bad("posyandu.err.coordinate_range", value=sheets.text(value)[:40], low=-limit, high=limit)
    return number


def _fixed(value: object) -> bool:
    if isinstance(value, bool):
        return value
    compact = _compact(value)
    if compact in YES:
        return True
    if compact in NO:
        return False
    raise _Bad("posyandu.err.yes_no", value=sheets.text(value)[:40] or "-")


def _week(value: object) -> int:
    raw = sheets.text(value)
    if isinstance(value, float) and value.is_integer():
        raw = str(int(value))
    if not raw:
        raise _Bad("posyandu.err.required")
    digits = re.sub(r"^(minggu\s*ke\s*-?\s*|ke\s*-?\s*)", "", raw.casefold())
    if not digits.isdigit() or not 1 <= int(digits) <= 5:
        raise _Bad("posyandu.err.week", value=raw[:40])
    return int(digits)


def _weekday(value: object) -> int:
    compact = _compact(value)
    if not compact:
        raise _Bad("posyandu.err.required")
    if compact not in WEEKDAYS:
        raise _Bad("posyandu.err.weekday", value=sheets.text(value)[:40])
    return WEEKDAYS[compact]


def _fields(value: object) -> list[str]:
    raw = sheets.text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raw = str(int(value)) if float(value).is_integer() else raw
    try:
        fields = parse_spm_fields(raw)
    except SpmFieldError as bad:
        raise _Bad("posyandu.err.fields", value=bad.token[:40]) from None
    if not fields:
        raise _Bad("posyandu.err.required")
    return fields


def generated_code(region_code: str, name: str) -> str:
    """The kode of a row that has none: stable for the same desa and name (however spaced or cased)."""
    digest = hashlib.sha256(" ".join(name.casefold().split()).encode()).hexdigest()[:6]
    return f"PY-{region_code.replace('.', '')}-{digest}".upper()


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _parse(number: int, cells: dict[str, Any], problems: list[Problem]) -> Row | None:
    values: dict[str, Any] = {}
    readers: dict[str, Any] = {
        "code": _code,
        "name": _name,
        "region": lambda v: sheets.text(v),
        "address": _address,
        "latitude": lambda v: _coordinate(v, 90),
        "longitude": lambda v: _coordinate(v, 180),
        "fixed": _fixed,
        "week": _week,
        "weekday": _weekday,
        "fields": _fields,
        "parent": _code,
    }
    before = len(problems)
    for column, read in readers.items():
        try:
            values[column] = read(cells.get(column))
        except _Bad as bad:
            problems.append(Problem(number, column, bad.key, bad.params))
    if not values.get("region") and "region" in values:
        problems.append(Problem(number, "region", "posyandu.err.required"))
    if "latitude" in values and "longitude" in values:
        if (values["latitude"] is None) != (values["longitude"] is None):
            missing = "latitude" if values["latitude"] is None else "longitude"
            problems.append(Problem(number, missing, "posyandu.err.coordinate_pair"))
    if len(problems) > before:
        return None
    return Row(
        number=number,
        code=values["code"],
        name=values["name"],
        region_code=values["region"],
        address=values["address"],
        latitude=values["latitude"],
        longitude=values["longitude"],
        fixed=values["fixed"],
        week=values["week"],
        weekday=values["weekday"],
        fields=values["fields"],
        parent_code=values["parent"],
    )


# -- import -------------------------------------------------------------------------------------


def read(data: bytes, filename: str) -> sheets.Sheet:
    return sheets.read_table(data, filename, COLUMNS, REQUIRED)


async def import_posyandu(
    session: AsyncSession,
    data: bytes,
    *,
    filename: str,
    scope: Scope,
    actor: Person | None,
    now: dt.datetime,
) -> ImportResult:
    """Add or update every listed Posyandu, or — if any row is wrong — change nothing."""
    try:
        sheet = read(data, filename)
    except SheetError as problem:
        return ImportResult(problem=problem)
    problems: list[Problem] = []
    listed = [(n, cells) for n, cells in sheet.rows if _compact(cells.get("code")) not in EXAMPLE_CODES]
    if not listed:
        return ImportResult(problem=SheetError("import.err.no_rows"))
    rows = [row for n, cells in listed for row in [_parse(n, cells, problems)] if row is not None]
    # The desa of every row, also of rows with other problems, so each row's problems are all named.
    desa = {n: sheets.text(cells.get("region")) for n, cells in listed if sheets.text(cells.get("region"))}
    regions = await _regions(session, set(desa.values()))
    for number, code in desa.items():
        region = regions.get(code)
        if region is None:
            problems.append(Problem(number, "region", "posyandu.err.region_unknown", {"value": code}))
        elif region.level not in VILLAGE_LEVELS:
            problems.append(Problem(number, "region", "posyandu.err.region_level", {"value": code}))
        elif not scope.covers(code):
            problems.append(Problem(number, "region", "posyandu.err.out_of_scope", {"value": code}))
    bad_rows = {p.row for p in problems}
    good = [r for r in rows if r.number not in bad_rows]
    existing = await _existing(session, good)
    _assign_codes(good, existing)
    _check_codes(good, existing, scope, problems)
    bad_codes = {sheets.text(cells.get("code")) for n, cells in listed if n in bad_rows}
    await _check_parents(session, good, existing, problems, named_in_bad_rows=bad_codes)
    if problems:
        return ImportResult(problems=sorted(problems, key=lambda p: (p.row, ORDER.index(p.column))))
    result = await _write(session, good, existing)
    await audit.record(
        session,
        actor=actor,
        action="posyandu.import",
        target=f"{len(good)} posyandu",
        details={"new": result.new, "updated": result.updated, "unchanged": result.unchanged},
        now=now,
    )
    return result


async def _regions(session: AsyncSession, codes: set[str]) -> dict[str, Region]:
    if not codes:
        return {}
    found = await session.scalars(select(Region).where(Region.code.in_(codes)))
    return {r.code: r for r in found}


async def _existing(session: AsyncSession, rows: list[Row]) -> dict[str, Posyandu]:
    """Posyandu the rows may refer to, by kode: by their own kode, their kode induk, and — for rows
    without a kode — every Posyandu in their desa (matched by name)."""
    codes = {r.code for r in rows if r.code} | {r.parent_code for r in rows if r.parent_code}
    desa = {r.region_code for r in rows if not r.code}
    found: dict[str, Posyandu] = {}
    if codes:
        for p in await session.scalars(select(Posyandu).where(Posyandu.code.in_(codes))):
            found[p.code] = p
    if desa:
        for p in await session.scalars(select(Posyandu).where(Posyandu.region_code.in_(desa))):
            found[p.code] = p
    return found


def _assign_codes(rows: list[Row], existing: dict[str, Posyandu]) -> None:
    for row in rows:
        if row.code:
            continue
        same = [
            p for p in existing.values() if p.region_code == row.region_code and _same_name(p.name, row.name)
        ]
        row.code = same[0].code if len(same) == 1 else generated_code(row.region_code, row.name)


def _check_codes(
    rows: list[Row], existing: dict[str, Posyandu], scope: Scope, problems: list[Problem]
) -> None:
    first: dict[str, int] = {}
    for row in rows:
        assert row.code is not None
        key = row.code.casefold()
        if key in first:
            problems.append(Problem(row.number, "code", "posyandu.err.duplicate", {"first": first[key]}))
            continue
        first[key] = row.number
        known = existing.get(row.code)
        if known is not None and not scope.covers(known.region_code):
            problems.append(Problem(row.number, "code", "posyandu.err.code_taken", {"value": row.code}))


async def _check_parents(
    session: AsyncSession,
    rows: list[Row],
    existing: dict[str, Posyandu],
    problems: list[Problem],
    *,
    named_in_bad_rows: set[str],
) -> None:
    """Each kode induk names a lembaga in the same desa, in the file or the database. A kode induk
    whose own row is wrong is not blamed again here: that row's problems are already listed."""
    in_file = {r.code: r for r in rows if r.code}
    parents_named = {r.parent_code for r in rows if r.parent_code}
    for row in rows:
        if row.parent_code is None:
            continue
        if row.parent_code == row.code:
            problems.append(Problem(row.number, "parent", "posyandu.err.parent_self"))
            continue
        if row.code in parents_named:
            problems.append(Problem(row.number, "parent", "posyandu.err.parent_has_posts"))
            continue
        listed = in_file.get(row.parent_code)
        stored = existing.get(row.parent_code)
        if listed is None and row.parent_code in named_in_bad_rows:
            continue
        if listed is not None:
            kind = POS if listed.parent_code else LEMBAGA
            region = listed.region_code
        elif stored is not None:
            kind, region = stored.kind, stored.region_code
        else:
            problems.append(
                Problem(row.number, "parent", "posyandu.err.parent_unknown", {"value": row.parent_code})
            )
            continue
        if kind != LEMBAGA:
            problems.append(
                Problem(row.number, "parent", "posyandu.err.parent_not_lembaga", {"value": row.parent_code})
            )
        elif region != row.region_code:
            problems.append(
                Problem(row.number, "parent", "posyandu.err.parent_other_desa", {"value": row.parent_code})
            )
    # A lembaga in the database that keeps pos pelayanan below it cannot itself become a pos.
    becoming = {existing[r.code].id: r for r in rows if r.parent_code and r.code in existing}
    if becoming:
        children = await session.execute(
            select(Posyandu.code, Posyandu.parent_id).where(Posyandu.parent_id.in_(becoming))
        )
        flagged: set[int] = set()
        for child_code, parent_id in children:
            row = becoming[parent_id]
            listed = in_file.get(child_code)
            stays = listed is None or listed.parent_code == row.code
            if stays and row.number not in flagged and row.code not in parents_named:
                flagged.add(row.number)
                problems.append(Problem(row.number, "parent", "posyandu.err.parent_has_posts"))


def _values(row: Row) -> dict[str, Any]:
    return {
        "name": row.name,
        "region_code": row.region_code,
        "address": row.address,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "has_fixed_place": row.fixed,
        "usual_week": row.week,
        "usual_weekday": row.weekday,
        "spm_fields": list(row.fields),
        "kind": POS if row.parent_code else LEMBAGA,
    }


async def _write(session: AsyncSession, rows: list[Row], existing: dict[str, Posyandu]) -> ImportResult:
    result = ImportResult()
    by_code: dict[str, Posyandu] = {}
    # Lembaga first, so a pos pelayanan finds its parent's id.
    for row in sorted(rows, key=lambda r: r.parent_code is not None):
        assert row.code is not None
        values = _values(row)
        parent_id = None
        if row.parent_code:
            parent = by_code.get(row.parent_code) or existing[row.parent_code]
            parent_id = parent.id
        values["parent_id"] = parent_id
        posyandu = existing.get(row.code)
        if posyandu is None:
            posyandu = Posyandu(code=row.code, status="active", **values)
            session.add(posyandu)
            await session.flush()
            result.new += 1
        elif all(getattr(posyandu, k) == v for k, v in values.items()):
            result.unchanged += 1
        else:
            for k, v in values.items():
                setattr(posyandu, k, v)
            result.updated += 1
        by_code[row.code] = posyandu
    await session.flush()
    return result


__all__ = [
    "COLUMNS",
    "ImportResult",
    "Problem",
    "generated_code",
    "import_posyandu",
    "may_import",
]
