"""The e-PPGBM sheet of the export (issue #17, point 7): one row per measurement of the month under
a region, in the columns of e-PPGBM's child and measurement data (the e-PPGBM module of Sigizi
Terpadu, Kemenkes RI) as far as public documentation shows them — name, the mother's NIK masked
(KaderBot keeps no child's NIK), sex, date of birth, parent, region and Posyandu, age when measured,
date measured, weight, length/height, way measured, LiLA, each z-score with its Permenkes 2/2020
class, and the KMS verdict. The sheet says so in its first row; the header is the third.

Every cell goes through handlers/spreadsheet.py: text stays text, never a formula."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.growth.register import age_months
from handlers.i18n import Translator
from handlers.spreadsheet import append_row, format_table
from storage.models import Region
from storage.repositories import growth_recap
from storage.repositories.compliance import lineage_codes
from storage.repositories.growth_recap import MeasurementRow

if TYPE_CHECKING:
    from openpyxl import Workbook

HEADER_ROW = 3  # row 1: which source the columns follow; row 2 empty


@dataclass(frozen=True)
class EppgbmRows:
    """The month's measurements under a region, and the names of the regions above their Posyandu."""

    rows: list[MeasurementRow]
    names: dict[str, str]

    def region_name(self, row: MeasurementRow, depth: int) -> str | None:
        """The name of the region `depth` levels deep (0 provinsi … 3 desa) above the Posyandu."""
        codes = lineage_codes(row.region_code)
        return self.names.get(codes[depth]) if len(codes) > depth else None

    def add_to(self, book: Workbook, t: Translator) -> None:
        add_sheet(book, t, self)


async def load(session: AsyncSession, region_code: str, month: dt.date) -> EppgbmRows:
    rows = await growth_recap.month_rows(session, region_code, month)
    codes = {code for row in rows for code in lineage_codes(row.region_code)}
    names: dict[str, str] = {}
    if codes:
        found = await session.execute(select(Region.code, Region.name).where(Region.code.in_(sorted(codes))))
        names = {code: name for code, name in found.all()}
    return EppgbmRows(rows, names)


Column = tuple[str, Callable[[MeasurementRow], Any], str | None]


def columns(t: Translator, found: EppgbmRows) -> list[Column]:
    """(header key, value of a row, number format), in e-PPGBM's order."""

    def class_of(indicator: str) -> Callable[[MeasurementRow], Any]:
        def value(row: MeasurementRow) -> str | None:
            code = (row.measurement.classes or {}).get(indicator)
            return t(f"growth.class.{code}") if code else None

        return value

    def way(row: MeasurementRow) -> str | None:
        lying = row.measurement.lying
        if row.measurement.height_cm is None or lying is None:
            return None
        return t("growth_recap.xlsx.way.lying" if lying else "growth_recap.xlsx.way.standing")

    def gain(row: MeasurementRow) -> str | None:
        code = row.measurement.gain
        return t(f"growth_recap.xlsx.gain.{code}") if code else None

    return [
        ("nik", lambda r: r.child.mother_nik_masked, None),
        ("name", lambda r: r.child.full_name, None),
        ("sex", lambda r: t(f"growth_recap.xlsx.sex.{r.child.sex}"), None),
        ("birth_date", lambda r: r.child.birth_date, "yyyy-mm-dd"),
        ("mother", lambda r: r.child.mother_name, None),
        ("province", lambda r: found.region_name(r, 0), None),
        ("kabupaten", lambda r: found.region_name(r, 1), None),
        ("kecamatan", lambda r: found.region_name(r, 2), None),
        ("desa", lambda r: found.region_name(r, 3), None),
        ("posyandu", lambda r: r.posyandu_name, None),
        ("age", lambda r: age_months(r.child.birth_date, r.measurement.measured_on), None),
        ("measured_on", lambda r: r.measurement.measured_on, "yyyy-mm-dd"),
        ("weight", lambda r: r.measurement.weight_kg, "0.0"),
        ("height", lambda r: r.measurement.height_cm, "0.0"),
        ("way", way, None),
        ("muac", lambda r: r.measurement.muac_cm, "0.0"),
        ("waz_class", class_of("waz"), None),
        ("waz", lambda r: r.measurement.waz, "0.00"),
        ("haz_class", class_of("haz"), None),
        ("haz", lambda r: r.measurement.haz, "0.00"),
        ("whz_class", class_of("whz"), None),
        ("whz", lambda r: r.measurement.whz, "0.00"),
        ("gain", gain, None),
    ]


def add_sheet(book: Workbook, t: Translator, found: EppgbmRows) -> None:
    sheet = book.create_sheet(t("growth_recap.xlsx.sheet")[:31])
    append_row(sheet, [t("growth_recap.xlsx.source")])
    append_row(sheet, [])
    table = columns(t, found)
    append_row(sheet, [t(f"growth_recap.xlsx.col.{key}") for key, _, _ in table])
    for row in found.rows:
        number = append_row(sheet, [value(row) for _, value, _ in table])
        for index, (_, _, number_format) in enumerate(table, 1):
            if number_format:
                sheet.cell(row=number, column=index).number_format = number_format
    format_table(sheet, header_row=HEADER_ROW)
    # The source note is one long line: the first column is as wide as its header (and the masked
    # NIKs under it), not as the note.
    sheet.column_dimensions["A"].width = len(t(f"growth_recap.xlsx.col.{table[0][0]}")) + 4
