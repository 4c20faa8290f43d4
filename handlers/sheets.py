"""Reading coordinators' Excel files (XLSX): a header row naming the columns, then one row per cadre.

Headers are matched loosely ("No. HP", "no_hp", "NO HP" are the same) against the names each import
accepts, in Indonesian and English. Every problem is reported per row, by its row number in Excel;
an import changes nothing unless every row is good.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import phonenumbers

from handlers.forms.dates import month_start, parse_day, parse_month
from handlers.i18n import Translator
from storage.media import CSV
from storage.models_media import MediaObject

if TYPE_CHECKING:
    from handlers.turn import Turn
    from handlers.types import Attachment

MAX_ROWS = 5000


class SheetError(Exception):
    """The file as a whole cannot be used; `key` names the localized reason."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    key: str
    params: Mapping[str, object] = field(default_factory=dict)


class RowInvalid(Exception):
    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class ImportReport:
    """What an import did: `applied` rows, or nothing at all and the reasons."""

    applied: int = 0
    errors: list[RowError] = field(default_factory=list)
    problem: SheetError | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.errors

    def lines(self, t: Translator, done_key: str) -> list[str]:
        if self.problem is not None:
            return [t("import.failed.file"), t(self.problem.key, **self.problem.params)]
        if self.errors:
            out = [t("import.failed.rows", count=len(self.errors))]
            out += [t("import.row", row=e.row, problem=t(e.key, **e.params)) for e in self.errors]
            return out
        return [t(done_key, count=self.applied)]


def _header(value: object) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(value or "").casefold()).split())


@dataclass(frozen=True)
class Sheet:
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, {column name: cell value})


def read_xlsx(data: bytes, columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...]) -> Sheet:
    """The first worksheet's rows as {column: value}, for the columns named in `columns`."""
    # openpyxl loads with the first workbook read, not when KaderBot starts (issue #19).
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise SheetError("import.err.unreadable") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise SheetError("import.err.no_header")
        raw_rows = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 50))
    finally:
        workbook.close()
    return _sheet(raw_rows, columns, required)


def read_csv(data: bytes, columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...]) -> Sheet:
    """A CSV file's rows as `read_xlsx` gives them (UTF-8, with or without BOM, else Windows-1252;
    comma or semicolon as Excel writes it). A leading apostrophe that kept a formula-looking value
    text (as `spreadsheet.csv_field` writes it) is dropped; cells are never evaluated."""
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            decoded = data.decode("cp1252")
        except UnicodeDecodeError:
            raise SheetError("import.err.unreadable_csv") from None
    if "\x00" in decoded:
        raise SheetError("import.err.unreadable_csv")
    first = decoded.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(decoded), delimiter=delimiter)
        raw_rows = [tuple(_unquote(v) for v in row) for row in itertools.islice(reader, MAX_ROWS + 50)]
    except csv.Error:
        raise SheetError("import.err.unreadable_csv") from None
    return _sheet(raw_rows, columns, required)


def read_table(
    data: bytes, filename: str, columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...]
) -> Sheet:
    """An XLSX workbook (by its zip signature) or else, when named *.csv, a CSV file."""
    if data[:2] == b"PK" or not filename.casefold().endswith(".csv"):
        return read_xlsx(data, columns, required)
    return read_csv(data, columns, required)


def _unquote(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@", "\t", "\r") else value


def _sheet(
    raw_rows: list[tuple[Any, ...]], columns: Mapping[str, tuple[str, ...]], required: tuple[str, ...]
) -> Sheet:
    numbered = [(i, row) for i, row in enumerate(raw_rows, 1) if any(_filled(v) for v in row)]
    if not numbered:
        raise SheetError("import.err.no_header")
    _, header = numbered[0]
    wanted = {_header(name): column for column, names in columns.items() for name in names}
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        column = wanted.get(_header(title))
        if column is not None and column not in positions:
            positions[column] = index
    missing = [columns[c][0] for c in required if c not in positions]
    if missing:
        raise SheetError("import.err.missing_columns", columns=", ".join(missing))
    body = numbered[1:]
    if not body:
        raise SheetError("import.err.no_rows")
    if len(body) > MAX_ROWS:
        raise SheetError("import.err.too_many_rows", max=MAX_ROWS)
    rows = [
        (number, {c: (row[i] if i < len(row) else None) for c, i in positions.items()})
        for number, row in body
    ]
    return Sheet(rows)


def _filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


# -- cell values -------------------------------------------------------------------------------


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone or card number Excel stored as a number
    return " ".join(str(value).split())


def phone(value: object) -> str:
    """An Indonesian phone number as E.164 (how registration stores it)."""
    raw = text(value)
    if not raw:
        raise RowInvalid("import.err.phone_missing")
    if raw.isdigit() and raw.startswith("8"):
        raw = "0" + raw  # Excel drops the leading 0 of a number typed into a number cell
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        raise RowInvalid("import.err.phone", value=raw) from None
    if not phonenumbers.is_valid_number(number):
        raise RowInvalid("import.err.phone", value=raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def month(value: object, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return month_start(value.date())
    if isinstance(value, dt.date):
        return month_start(value)
    raw = text(value)
    parsed = parse_month(raw, today) if raw else None
    if parsed is None:
        raise RowInvalid("import.err.month", value=raw or "-")
    return parsed


def date(value: object, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    raw = text(value)
    parsed = None if not raw or raw.isdigit() else parse_day(raw, month_start(today))
    if parsed is None:
        raise RowInvalid("import.err.date", value=raw or "-")
    return parsed


def whole_number(value: object) -> int | None:
    """Rupiah as typed: 250000, 250.000, 'Rp 250.000'. None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)) and float(value).is_integer():
        return int(value)
    raw = text(value).casefold().removeprefix("rp").strip()
    if not re.fullmatch(r"\d{1,3}([.,]\d{3})*|\d+", raw):
        raise RowInvalid("import.err.amount", value=text(value))
    return int(re.sub(r"[.,]", "", raw))


async def sent_table(turn: Turn, attachment: Attachment) -> tuple[bytes, str] | None:
    """A spreadsheet sent in chat: its bytes from the media store (kept when it arrived) and a file
    name telling CSV from XLSX; None when the store does not hold it."""
    media = await turn.session.get(MediaObject, attachment.media_id) if attachment.media_id else None
    if media is None or turn.media is None or media.status != "stored":
        return None
    filename = attachment.filename or ""
    if media.content_type == CSV and not filename.casefold().endswith(".csv"):
        filename = "daftar.csv"
    return await turn.media.open(media), filename
