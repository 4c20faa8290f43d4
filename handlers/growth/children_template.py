"""The template workbook of a Posyandu's children list (`kaderbot admin children-template`, and the
"Unduh templat" button of /balita's import): the columns handlers/growth/children_import.py reads,
titled in the person's language with words that import understands."""

from __future__ import annotations

from handlers.i18n import Translator
from handlers.sheet_template import Check, Template, TemplateColumn, choices, workbook

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXAMPLE_BIRTH = "03-05-2025"
EXAMPLE_PHONE = "0812 3456 7890"
EXAMPLE_NIK = "6402010101010001"


def spec(t: Translator) -> Template:
    def column(key: str, example: str, *, check: Check | None = None, text: bool = False) -> TemplateColumn:
        return TemplateColumn(
            t(f"growth_recap.template.col.{key}"),
            t(f"growth_recap.template.help.{key}"),
            example,
            check=check,
            text=text,
        )

    yes, no = t("growth_recap.template.yes"), t("growth_recap.template.no")
    sexes = (t("growth_recap.template.sex_m"), t("growth_recap.template.sex_f"))
    return Template(
        sheet=t("growth_recap.template.sheet"),
        columns=(
            column("name", t("growth_recap.template.example.name")),
            column("sex", sexes[1], check=choices(sexes)),
            column("dob", EXAMPLE_BIRTH, text=True),
            column("mother", t("growth_recap.template.example.mother")),
            column("phone", EXAMPLE_PHONE, text=True),
            column("nik", EXAMPLE_NIK, text=True),
            column("kia", yes, check=choices((yes, no), allow_blank=True)),
        ),
        guide_sheet=t("growth_recap.template.guide_sheet"),
        guide_headers=(
            t("growth_recap.template.guide_column"),
            t("growth_recap.template.guide_meaning"),
            t("growth_recap.template.guide_example"),
        ),
        notes=(t("growth_recap.template.note_all_or_nothing"),),
        invalid=t("growth_recap.template.invalid"),
    )


def template(t: Translator) -> bytes:
    return workbook(spec(t))
