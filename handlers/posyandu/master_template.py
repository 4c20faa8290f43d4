"""The template workbook of the Posyandu master list: the list sheet (headers, one example row that
is never imported, drop-down lists where openpyxl supports them) and a guide sheet explaining every
column and the SPM field codes. Headers come from the catalogue, in words the import understands;
the workbook is laid out by handlers/sheet_template.py, as the children list's is."""

from __future__ import annotations

from handlers.i18n import Translator
from handlers.posyandu.master_list import ORDER
from handlers.posyandu.spm import SPM_FIELDS, field_label
from handlers.sheet_template import Check, Template, TemplateColumn, choices, workbook

EXAMPLE_REGION = "64.02.06.1005"
TEXT_COLUMNS = ("code", "region", "fields", "parent")  # a kode wilayah like 64.02.06.1005 or "1,2,6"


def template(t: Translator) -> bytes:
    """The workbook to fill in: the list sheet (headers, one example row that is never imported,
    drop-down lists) and a sheet explaining every column and the SPM field codes."""
    example = {
        "code": t("posyandu.template.example_code"),
        "name": t("posyandu.template.example_name"),
        "region": EXAMPLE_REGION,
        "address": t("posyandu.template.example_address"),
        "latitude": -0.4411,
        "longitude": 117.1705,
        "fixed": t("posyandu.template.yes"),
        "week": 2,
        "weekday": t("posyandu.weekday.1"),
        "fields": "kesehatan, pendidikan, sosial",
        "parent": "",
    }
    checks = {
        "fixed": choices((t("posyandu.template.yes"), t("posyandu.template.no"))),
        "weekday": choices(tuple(t(f"posyandu.weekday.{d}") for d in range(7))),
        "week": Check("whole", "1", "5", operator="between"),
        "latitude": Check("decimal", "-90", "90", operator="between", allow_blank=True),
        "longitude": Check("decimal", "-180", "180", operator="between", allow_blank=True),
    }
    return workbook(
        Template(
            sheet=t("posyandu.template.sheet"),
            columns=tuple(
                TemplateColumn(
                    t(f"posyandu.col.{c}"),
                    t(f"posyandu.help.{c}"),
                    example[c],
                    check=checks.get(c),
                    text=c in TEXT_COLUMNS,
                )
                for c in ORDER
            ),
            guide_sheet=t("posyandu.template.guide_sheet"),
            guide_headers=(t("posyandu.template.guide_column"), t("posyandu.template.guide_meaning")),
            example_row=True,
            sections=(
                (
                    (t("posyandu.template.spm_code"), t("posyandu.template.spm_field")),
                    tuple((f"{n} / {code}", field_label(t, code)) for n, code in enumerate(SPM_FIELDS, 1)),
                ),
            ),
            notes=(t("posyandu.template.note_example"), t("posyandu.template.note_all_or_nothing")),
            invalid=t("posyandu.template.invalid"),
        )
    )
