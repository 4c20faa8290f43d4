"""Nothing a person types becomes a live formula in the office's spreadsheet (issue 14, point 1).

A self-registered, unverified cadre named like a formula reports with a formula-like note; another
reports that the Posyandu was not held, with a formula-like reason. The coordinator's workbook from
/ekspor and from `kaderbot export` (XLSX and CSV) holds that text as text, and numbers as numbers.
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bot.app import KaderBot
from handlers.spreadsheet import Formula, append_row, csv_field
from handlers.types import File
from tests.chat import Chat
from tests.flows import FULL_REPORT, register_cadre
from tests.test_export import kaderbot_cli

NAME = '=HYPERLINK("http://x","y")'
NOTE = "=cmd|' /C calc'!A0"
REASON = "=1+2 libur"
TYPED = (NAME, NOTE, REASON)


async def register_at(chat: Chat, name: str, phone: str, desa: str, posyandu: str) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Setuju")
    await chat.press("kader")
    await chat.say(name)
    await chat.say(phone)
    await chat.press("Kutai Kartanegara")
    await chat.press("Tenggarong")
    await chat.press(desa)
    await chat.press(posyandu)
    await chat.press("Anggota")
    await chat.press("Kirim")


async def formula_reports(kaderbot: KaderBot) -> None:
    """Typed in chat, as the reproduction did: the name, a held report's note, a not-held reason."""
    first = Chat(kaderbot.core, "formula-cadre")
    await register_cadre(first, name=NAME, phone="0812-5555-0101")
    assert "menunggu verifikasi" in first.text
    await first.say("/lapor")
    await first.press("November 2026")
    await first.press("tempat biasa")
    await first.say("12")
    for value in FULL_REPORT.values():
        await first.say(value)
    await first.say(NOTE)
    await first.press("Lewati")  # no photos
    await first.press("Kirim")
    assert "tersimpan" in first.text, first.text

    second = Chat(kaderbot.core, "reason-cadre")
    await register_at(second, "Rina Marlina", "0812-5555-0102", "Sukarame", "Anggrek I")
    await second.say("/lapor")
    await second.press("November 2026")
    await second.press("Tidak dilaksanakan")
    await second.say(REASON)
    if second.choice is not None and any("Lewati" in o.label for o in second.choice.options):
        await second.press("Lewati")
    await second.press("Kirim")
    assert "tersimpan" in second.text, second.text


def cells(data: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_text_not_formula(data: bytes) -> None:
    found = cells(data)
    assert [c.coordinate for c in found if c.data_type == "f"] == []
    by_value = {c.value: c for c in found if isinstance(c.value, str)}
    for typed in TYPED:
        assert typed in by_value, f"{typed!r} is not in the workbook"
        assert by_value[typed].data_type == "s" and by_value[typed].quotePrefix
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    header = [c.value for c in sheet[1]]
    s_column = header.index("S (jumlah balita)") + 1
    numbers = [sheet.cell(row=r, column=s_column) for r in range(2, sheet.max_row + 1)]
    assert 40 in [c.value for c in numbers]  # the formula cadre's S
    assert all(c.data_type == "n" for c in numbers if c.value is not None)  # numbers stay numbers


async def test_ekspor_writes_typed_formulas_as_text(kaderbot: KaderBot) -> None:
    await formula_reports(kaderbot)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/ekspor 2026-11")
    [document] = [r for r in siti.replies if isinstance(r, File)]
    assert_text_not_formula(document.data)


async def test_command_line_export_writes_typed_formulas_as_text(
    kaderbot: KaderBot, db_url: str, tmp_path: Path
) -> None:
    await formula_reports(kaderbot)
    xlsx, as_csv = tmp_path / "kukar.xlsx", tmp_path / "kukar.csv"
    for out in (xlsx, as_csv):
        done = await asyncio.to_thread(
            kaderbot_cli, db_url, "export", "--month", "2026-11", "--region", "64.02", "--out", str(out)
        )
        assert done.returncode == 0, done.stderr
    assert_text_not_formula(xlsx.read_bytes())

    rows = list(csv.reader(io.StringIO(as_csv.read_bytes().decode("utf-8-sig"))))
    fields = [field for row in rows for field in row]
    for typed in TYPED:
        assert "'" + typed in fields and typed not in fields
    assert not [f for f in fields if f.startswith(("=", "+", "@", "\t", "\r"))]
    header = rows[0]
    melati = next(row for row in rows if "PY-6402-0001" in row)
    assert melati[header.index("S (jumlah balita)")] == "40"  # a number, no apostrophe


def test_the_workbooks_own_formulas_stay_formulas() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, ["Total", Formula("=SUM(B2:B9)"), "=SUM(B2:B9)", -3, 2.5])
    assert [c.data_type for c in sheet[1]] == ["s", "f", "s", "n", "n"]
    assert csv_field(Formula("=SUM(B2:B9)")) == "=SUM(B2:B9)"
    assert csv_field("=SUM(B2:B9)") == "'=SUM(B2:B9)"
    assert (csv_field(-3), csv_field(2.5)) == ("-3", "2.5")


@given(st.text(alphabet=st.sampled_from("=+-@\t\r\n\x00\x1b abc1(),!|'\"é"), max_size=30))
def test_no_text_is_ever_a_formula(text: str) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    append_row(sheet, [text, 7])
    buffer = io.BytesIO()
    book.save(buffer)
    loaded = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert loaded is not None
    assert loaded["A1"].data_type != "f" and loaded["B1"].value == 7
    field = csv_field(text)
    assert field == "-" or not field.startswith(("=", "+", "-", "@", "\t", "\r"))  # a lone dash is inert
