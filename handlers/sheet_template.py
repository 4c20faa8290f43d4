"""Template workbooks for the imports people fill in — the Posyandu master list
(handlers/posyandu/master_template.py) and a Posyandu's children list
(handlers/growth/children_template.py): a list sheet whose headers are words the import understands,
drop-down lists and range checks where a column has them, text columns kept as text, and a guide
sheet with what each column needs. The example is either a greyed row of the list sheet (which the
import must skip) or a third column of the guide (then a filled-in template imports exactly the
rows typed)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from handlers.spreadsheet import append_row, format_table, size_columns

ROWS_PREPARED = 1000  # rows given the drop-down lists, the checks and the text format


@dataclass(frozen=True, slots=True)
class Check:
    """An Excel data validation: `kind` 'list' (`first` is the quoted list), 'whole' or 'decimal'."""

    kind: str
    first: str
    second: str | None = None
    operator: str | None = None
    allow_blank: bool = False  # openpyxl's default


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    header: str
    help: str
    example: object = None
    check: Check | None = None
    text: bool = False  # cells formatted as text (codes, NIK, phone numbers keep their digits)


def choices(values: tuple[str, ...], *, allow_blank: bool = False) -> Check:
    """A drop-down list of `values`."""
    return Check("list", '"' + ",".join(values) + '"', allow_blank=allow_blank)


@dataclass(frozen=True, slots=True)
class Template:
    sheet: str
    columns: tuple[TemplateColumn, ...]
    guide_sheet: str
    guide_headers: tuple[str, ...]  # column, how to fill it in (and example, without an example row)
    example_row: bool = False
    sections: tuple[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]], ...] = ()  # (header, rows)
    notes: tuple[str, ...] = ()
    invalid: str = ""  # what Excel says when a checked cell gets something else


def workbook(template: Template) -> bytes:
    # openpyxl loads with the first workbook, not when KaderBot starts (issue #19).
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = template.sheet[:31]
    append_row(sheet, [c.header for c in template.columns])
    if template.example_row:
        append_row(sheet, [c.example for c in template.columns])
        for cell in sheet[2]:
            cell.font = Font(italic=True, color="808080")
    format_table(sheet)
    for index, column in enumerate(template.columns, 1):
        letter = get_column_letter(index)
        if column.check is not None:
            check = column.check
            validation = DataValidation(
                type=check.kind,
                operator=check.operator,
                formula1=check.first,
                formula2=check.second,
                allow_blank=check.allow_blank,
            )
            validation.error = template.invalid
            validation.showErrorMessage = True
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{ROWS_PREPARED}")
        if column.text:
            for row in range(2, ROWS_PREPARED + 1):
                sheet[f"{letter}{row}"].number_format = "@"
    guide = book.create_sheet(template.guide_sheet[:31])
    bold = [append_row(guide, list(template.guide_headers))]
    for column in template.columns:
        shown = [column.header, column.help]
        append_row(guide, shown if template.example_row else [*shown, column.example])
    for header, rows in template.sections:
        append_row(guide, [])
        bold.append(append_row(guide, list(header)))
        for values in rows:
            append_row(guide, list(values))
    if template.notes:
        append_row(guide, [])
        for note in template.notes:
            append_row(guide, [note])
    for number in bold:
        for cell in guide[number]:
            cell.font = Font(bold=True)
    size_columns(guide)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
