"""Writing spreadsheets people open in Excel: cells that stay what they are, and tables that read well.

Text a person typed (a name, a note, a reason) can begin like a formula: `=HYPERLINK(…)`,
`+cmd|…`, `-1+2`, `@SUM(…)`, or a tab or carriage return that Excel skips before one. openpyxl makes
any string starting with `=` a formula cell, and Excel evaluates what a CSV cell starts with. So every
string written through here is text: an XLSX string cell with Excel's "quote prefix" (it stays text
even when edited), a CSV field behind a leading apostrophe (OWASP's advice). Numbers, dates and
booleans are written as they are. A formula the workbook means to have is wrapped in `Formula`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl loads with the first workbook, not when KaderBot starts (issue #19)
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 8, 50  # characters, for sized columns


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula the workbook itself puts in a cell (e.g. `=SUM(B2:B9)`): written as a formula."""

    text: str


def looks_like_formula(value: str) -> bool:
    return value.startswith(FORMULA_START) and value != "-"  # a lone dash is the workbook's "none"


def set_cell(cell: Cell, value: Any) -> None:
    """`value` into `cell`: a `Formula` as a formula, every string as text, anything else as is."""
    if isinstance(value, Formula):
        cell.value = value.text
        return
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # lazily: see the imports above

        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters XLSX cannot hold
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl made a '='-string a formula; text it is
        if looks_like_formula(value):
            cell.quotePrefix = True  # Excel keeps it text when someone edits the cell


def append_row(sheet: Worksheet, values: Sequence[Any]) -> int:
    """Append one row below the last (as `Worksheet.append` does), each value as `set_cell` writes
    it; returns its row number."""
    row = sheet._current_row + 1
    sheet._current_row = row
    for column, value in enumerate(values, 1):
        if value is not None:
            set_cell(sheet.cell(row=row, column=column), value)
    return row


def format_table(sheet: Worksheet, *, header_row: int = 1, last_row: int | None = None) -> None:
    """A table with its header at `header_row`: header bold and frozen, auto-filter over the
    table, every column as wide as its longest value (within MIN_WIDTH..MAX_WIDTH)."""
    from openpyxl.styles import Font  # lazily: see the imports above
    from openpyxl.utils import get_column_letter

    last_row = last_row or sheet.max_row
    columns = sheet.max_column
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{max(last_row, header_row)}"
    size_columns(sheet, header_extra=2)


def size_columns(sheet: Worksheet, *, header_extra: int = 0) -> None:
    """Each column as wide as its longest shown value (+ room for the filter button)."""
    from openpyxl.utils import get_column_letter  # lazily: see the imports above

    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            width = _shown_width(cell)
            widths[cell.column] = max(widths.get(cell.column, 0), width)
    for column, width in widths.items():
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = max(MIN_WIDTH, min(MAX_WIDTH, width + header_extra + 1))


def _shown_width(cell: Cell) -> int:
    value = cell.value
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float) and "%" in str(cell.number_format):
        return 5
    if isinstance(value, float):
        return min(len(f"{value:.2f}"), 12)
    return max((len(line) for line in str(value).splitlines()), default=0)


# -- CSV -----------------------------------------------------------------------------------------


def csv_field(value: Any) -> str:
    """One CSV field: text that could start a formula behind an apostrophe; dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads the accents), comma-separated, CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_field(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")
