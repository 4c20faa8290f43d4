"""The template workbook of the Posyandu master list: the list sheet (headers, one example row that
is never imported, drop-down lists where openpyxl supports them) and a guide sheet explaining every
column and the SPM field codes. Headers come from the catalogue, in words the import understands."""

from __future__ import annotations

import io

from handlers.i18n import Translator
from handlers.posyandu.master_list import ORDER
from handlers.posyandu.spm import SPM_FIELDS, field_label
from handlers.spreadsheet import append_row, format_table, size_columns

EXAMPLE_REGION = "64.02.06.1005"


def template(t: Translator) -> bytes:
    """The workbook to fill in: the list sheet (headers, one example row that is never imported,
    drop-down lists) and a sheet explaining every column and the SPM field codes."""
    # openpyxl loads with the first workbook, not when KaderBot starts (issue #19).
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("posyandu.template.sheet")
    headers = [t(f"posyandu.col.{c}") for c in ORDER]
    append_row(sheet, headers)
    example = [
        t("posyandu.template.example_code"),
        t("posyandu.template.example_name"),
        EXAMPLE_REGION,
        t("posyandu.template.example_address"),
        -0.4411,
        117.1705,
        t("posyandu.template.yes"),
        2,
        t("posyandu.weekday.1"),
        "kesehatan, pendidikan, sosial",
        "",
    ]
    append_row(sheet, example)
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="808080")
    format_table(sheet)
    last = 1000
    letter = {c: chr(ord("A") + i) for i, c in enumerate(ORDER)}
    yes_no = DataValidation(
        type="list",
        formula1=f'"{t("posyandu.template.yes")},{t("posyandu.template.no")}"',
        allow_blank=False,
    )
    weekdays = DataValidation(
        type="list", formula1='"' + ",".join(t(f"posyandu.weekday.{d}") for d in range(7)) + '"'
    )
    week = DataValidation(type="whole", operator="between", formula1="1", formula2="5")
    latitude = DataValidation(
        type="decimal", operator="between", formula1="-90", formula2="90", allow_blank=True
    )
    longitude = DataValidation(
        type="decimal", operator="between", formula1="-180", formula2="180", allow_blank=True
    )
    for validation, column in (
        (yes_no, "fixed"),
        (weekdays, "weekday"),
        (week, "week"),
        (latitude, "latitude"),
        (longitude, "longitude"),
    ):
        validation.error = t("posyandu.template.invalid")
        validation.showErrorMessage = True
        sheet.add_data_validation(validation)
        validation.add(f"{letter[column]}2:{letter[column]}{last}")
    # Text cells: a kode wilayah like 64.02.06.1005 or fields "1,2,6" must not turn into a number.
    for column in ("code", "region", "fields", "parent"):
        for row in range(2, last + 1):
            sheet[f"{letter[column]}{row}"].number_format = "@"
    guide = book.create_sheet(t("posyandu.template.guide_sheet"))
    append_row(guide, [t("posyandu.template.guide_column"), t("posyandu.template.guide_meaning")])
    for column in ORDER:
        append_row(guide, [t(f"posyandu.col.{column}"), t(f"posyandu.help.{column}")])
    append_row(guide, [])
    append_row(guide, [t("posyandu.template.spm_code"), t("posyandu.template.spm_field")])
    spm_header = guide.max_row
    for number, code in enumerate(SPM_FIELDS, 1):
        append_row(guide, [f"{number} / {code}", field_label(t, code)])
    append_row(guide, [])
    append_row(guide, [t("posyandu.template.note_example")])
    append_row(guide, [t("posyandu.template.note_all_or_nothing")])
    for cell in guide[1] + guide[spm_header]:
        cell.font = Font(bold=True)
    size_columns(guide)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
