"""The Excel export for the office: a sheet with one row per Posyandu (the health questions, then a
column per question of every other SPM field's section) and a summary sheet.

Numbers are written as numbers (not text), dates as dates in local time, so the office can sort,
filter and sum in Excel straight away; every string as text, never a formula (handlers/spreadsheet.py).
`kaderbot export` can also write the Posyandu sheet as CSV.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from handlers.compliance.recap import Recap
from handlers.forms.dates import month_name
from handlers.i18n import Translator
from handlers.posyandu.structure import add_sheet as structure_sheet
from handlers.posyandu.verification_recap import VerificationRecap
from handlers.posyandu.verification_recap import sheet as verification_sheet
from handlers.report_fields import sections
from handlers.spreadsheet import append_row, csv_bytes, format_table, size_columns
from storage.repositories.compliance import PosyanduMonth
from storage.repositories.structure import ExportRow

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from handlers.growth.eppgbm import EppgbmRows

VISIT_GROUPS = ("ibu_hamil", "balita", "remaja", "usia_produktif", "lansia")
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT = "0%"


def _ratio(part: int | None, whole: int | None) -> float | None:
    return part / whole if part is not None and whole else None


def _lineage(p: PosyanduMonth, depth: int) -> tuple[str | None, str | None]:
    """(code, name) of the region `depth` dots deep above the Posyandu (1 kabupaten, 2 kecamatan, 3 desa)."""
    return p.lineage[depth] if len(p.lineage) > depth else (None, None)


def _yes_no(t: Translator, value: bool | None) -> str:
    return "-" if value is None else t("coordinator.xlsx.yes" if value else "coordinator.xlsx.no")


Column = tuple[str, Callable[[PosyanduMonth], Any], str | None]


def _field_columns(t: Translator) -> list[Column]:
    """(title, value of a row, number format): one column per question of each SPM field other than
    kesehatan, in SPM order, titled '<field>: <question>'. Empty where the report did not ask it."""

    def answer(code: str, key: str, kind: str) -> Callable[[PosyanduMonth], Any]:
        def value(p: PosyanduMonth) -> Any:
            if p.report is None:
                return None
            found = ((p.report.field_answers or {}).get(code) or {}).get(key)
            return _yes_no(t, found) if kind == "yes_no" and found is not None else found

        return value

    return [
        (f"{t(f'spm.short.{code}')}: {t(q.label)}", answer(code, q.key, q.kind), None)
        for code, section in sections().items()
        for q in section.questions
    ]


def _columns(t: Translator, zone: ZoneInfo, recap: Recap) -> list[Column]:
    """(header key, value of a row, number format) for every column of the Posyandu sheet; the SPM
    fields' columns (`_field_columns`) follow the health ones."""

    def report(name: str) -> Callable[[PosyanduMonth], Any]:
        return lambda p: getattr(p.report, name) if p.report is not None else None

    def visits(group: str) -> Callable[[PosyanduMonth], Any]:
        return lambda p: (p.report.visits or {}).get(group) if p.report is not None else None

    def submitted(p: PosyanduMonth) -> dt.datetime | None:
        if p.report is None or p.report.submitted_at is None:
            return None
        return p.report.submitted_at.astimezone(zone).replace(tzinfo=None)  # Excel has no time zones

    def held(p: PosyanduMonth) -> str | None:
        return t(f"report.held.{p.report.held}") if p.report is not None else None

    return [
        ("kabupaten_code", lambda p: _lineage(p, 1)[0], None),
        ("kabupaten", lambda p: _lineage(p, 1)[1], None),
        ("kecamatan_code", lambda p: _lineage(p, 2)[0], None),
        ("kecamatan", lambda p: _lineage(p, 2)[1], None),
        ("desa_code", lambda p: _lineage(p, 3)[0], None),
        ("desa", lambda p: _lineage(p, 3)[1], None),
        ("posyandu_code", lambda p: p.code, None),
        ("posyandu", lambda p: p.name, None),
        ("reported", lambda p: _yes_no(t, p.reported), None),
        ("held", held, None),
        ("held_on", report("held_on"), "yyyy-mm-dd"),
        ("place_note", report("place_note"), None),
        ("not_held_reason", report("not_held_reason"), None),
        ("s", report("s"), None),
        ("k", report("k"), None),
        ("d", report("d"), None),
        ("n", report("n"), None),
        ("ds", lambda p: _ratio(p.report.d, p.report.s) if p.report else None, PERCENT),
        ("nd", lambda p: _ratio(p.report.n, p.report.d) if p.report else None, PERCENT),
        *((f"visits_{g}", visits(g), None) for g in VISIT_GROUPS),
        ("referrals_gizi", report("referrals_gizi"), None),
        ("immunizations", report("immunizations"), None),
        ("vitamin_a", report("vitamin_a"), None),
        ("notes", report("notes"), None),
        ("photos", lambda p: len(p.report.photos or []) if p.report else None, None),
        ("revision", report("revision"), None),
        ("submitted_by", lambda p: p.submitter, None),
        ("submitted_at", submitted, "yyyy-mm-dd hh:mm"),
        ("late", lambda p: _yes_no(t, recap.is_late(p)), None),  # first sent after the deadline
        ("submitter_verified", lambda p: _yes_no(t, p.submitter_verified) if p.report else None, None),
        ("cadres", lambda p: len(p.cadres), None),
        ("cadres_verified", lambda p: sum(c.verification == "verified" for c in p.cadres), None),
    ]


def _table(
    t: Translator, recap: Recap, zone: ZoneInfo
) -> tuple[list[str], list[list[Any]], list[str | None]]:
    """The Posyandu sheet as (titles, rows, number format per column): the XLSX and the CSV alike."""
    base = _columns(t, zone, recap)
    health = next(i for i, (key, _, _) in enumerate(base) if key == "vitamin_a") + 1
    titles = [t(f"coordinator.xlsx.col.{key}") for key, _, _ in base]
    fields = _field_columns(t)
    titles[health:health] = [title for title, _, _ in fields]
    columns = [*base[:health], *fields, *base[health:]]
    rows = [[value(p) for _, value, _ in columns] for p in recap.posyandu]
    return titles, rows, [number_format for _, _, number_format in columns]


def build(
    t: Translator,
    recap: Recap,
    *,
    zone: ZoneInfo,
    generated_at: dt.datetime,
    posyandu_verification: VerificationRecap | None = None,
    structure: Sequence[ExportRow] | None = None,
    growth: EppgbmRows | None = None,
) -> bytes:
    """The workbook: every string written as text (spreadsheet.append_row), so nothing a person
    typed can become a formula; a sized, filterable Posyandu table under a frozen header."""
    from openpyxl import Workbook  # loaded with the first workbook, not at start (issue #19)

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = t("coordinator.xlsx.sheet.posyandu")[:31]
    titles, rows, formats = _table(t, recap, zone)
    append_row(sheet, titles)
    for values in rows:
        append_row(sheet, values)
    for index, number_format in enumerate(formats, 1):
        if number_format:
            for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                row[0].number_format = number_format
    format_table(sheet)
    _summary(book.create_sheet(t("coordinator.xlsx.sheet.summary")[:31]), t, recap, zone, generated_at)
    # Further sheets are added here, one call each (issue 16: the Posyandu structure, the DPMD's
    # verification recap).
    if posyandu_verification is not None:
        verification_sheet(book.create_sheet(t("posyandu_verify.xlsx.sheet")[:31]), t, posyandu_verification)
    if structure is not None:
        structure_sheet(book, t, structure)
    if growth is not None:  # issue 17: one row per measurement of the month, for e-PPGBM
        growth.add_to(book, t)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build_csv(t: Translator, recap: Recap, *, zone: ZoneInfo) -> bytes:
    """The Posyandu sheet alone as CSV (the summary is the workbook's): one header line, one line per
    Posyandu; text that could start a formula is behind an apostrophe (spreadsheet.csv_field)."""
    titles, rows, _ = _table(t, recap, zone)
    return csv_bytes([titles, *rows])


def _summary(
    sheet: Worksheet, t: Translator, recap: Recap, zone: ZoneInfo, generated_at: dt.datetime
) -> None:
    from openpyxl.styles import Font  # openpyxl loads with the first workbook (issue #19)

    reported = len(recap.reported)
    s, d, n = (recap.skdn_total(letter) for letter in "sdn")
    rows: list[tuple[str, Any, str | None]] = [
        ("region", f"{recap.region.name} ({recap.region.code})", None),
        ("month", month_name(recap.month, t.lang), None),
        ("posyandu_total", recap.total, None),
        ("posyandu_reported", reported, None),
        ("reporting_rate", _ratio(reported, recap.total), PERCENT),
        ("s", s, None),
        ("k", recap.skdn_total("k"), None),
        ("d", d, None),
        ("n", n, None),
        ("ds", _ratio(d, s), PERCENT),
        ("nd", _ratio(n, d), PERCENT),
        ("generated_at", generated_at.astimezone(zone).replace(tzinfo=None), "yyyy-mm-dd hh:mm"),
    ]
    for key, value, number_format in rows:
        append_row(sheet, [t(f"coordinator.xlsx.summary.{key}"), value])
        if number_format:
            sheet.cell(row=sheet.max_row, column=2).number_format = number_format
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    append_row(sheet, [])
    append_row(
        sheet, [t(f"coordinator.xlsx.rates.{key}") for key in ("code", "name", "total", "reported", "rate")]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for rate in recap.rates:
        append_row(sheet, [rate.code, rate.name, rate.total, rate.reported, rate.rate])
        sheet.cell(row=sheet.max_row, column=5).number_format = PERCENT
    size_columns(sheet)


def filename(recap: Recap, extension: str = "xlsx") -> str:
    return f"rekap-posyandu-{recap.region.code.replace('.', '')}-{recap.month:%Y-%m}.{extension}"
