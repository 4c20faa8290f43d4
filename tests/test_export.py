"""/rekap and /ekspor as a coordinator sees them, and `kaderbot export`: the recap's figures, the
chart (a real PNG, one bar per child region), and a workbook whose numbers are the database's."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from PIL import Image
from sqlalchemy import select

from bot.app import KaderBot
from handlers.compliance import chart, recap
from handlers.types import File
from storage.models import MonthlyReport, Person, Posyandu, Region
from storage.models_outbox import AuditLog
from storage.repositories import reports
from tests.chat import Chat

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))
NOVEMBER = dt.date(2026, 11, 1)
# Posyandu code → S, K, D, N of its November report (None: held no activity).
REPORTED: dict[str, tuple[int, int, int, int] | None] = {
    "PY-6402-0001": (40, 35, 32, 28),  # Melati 1, Melayu, Tenggarong
    "PY-6402-0004": (25, 20, 20, 15),  # Anggrek I, Sukarame, Tenggarong
    "PY-6402-0011": (30, 30, 24, 12),  # Teratai, Jembayan, Loa Kulu
    "PY-6402-0016": None,  # Sehati, Batuah, Loa Janan: not held
    "PY-6471-0001": (50, 50, 50, 50),  # Balikpapan: outside Siti's region
}
KUKAR_CHILDREN_WITH_POSYANDU = ["Loa Kulu", "Loa Janan", "Tenggarong", "Tenggarong Seberang"]


@pytest.fixture
async def reported(kaderbot: KaderBot) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        sari = (
            await session.execute(select(Person).where(Person.full_name == "Sari Wulandari"))
        ).scalar_one()
        for code, skdn in REPORTED.items():
            posyandu = (await session.execute(select(Posyandu).where(Posyandu.code == code))).scalar_one()
            values: dict[str, object] = {"held": "not_held", "not_held_reason": "Banjir"}
            if skdn is not None:
                s, k, d, n = skdn
                values = {
                    "held": "usual_place",
                    "held_on": dt.date(2026, 11, 12),
                    "s": s,
                    "k": k,
                    "d": d,
                    "n": n,
                    "visits": {"balita": d, "lansia": 7},
                    "immunizations": 3,
                    "vitamin_a": s // 2,
                    "notes": "lancar",
                }
            await reports.submit(
                session,
                posyandu_id=posyandu.id,
                month=NOVEMBER,
                values=values,
                person_id=sari.id,
                now=dt.datetime(2026, 11, 12, 3, 30, tzinfo=dt.UTC),
            )


def kaderbot_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [KADERBOT, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def files(chat: Chat) -> list[File]:
    return [r for r in chat.replies if isinstance(r, File)]


async def test_recap_message_counts_missing_posyandu_and_coverage(reported: None, kaderbot: KaderBot) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/rekap 2026-11")
    text = siti.text
    assert "📈 Rekap November 2026 — Kutai Kartanegara" in text
    assert "Posyandu sudah melapor: 4/17 (24%)" in text
    # Held reports only: D/S = (32+20+24)/(40+25+30) = 80%, N/D = (28+15+12)/76 = 72%.
    assert "Cakupan D/S: 80% · N/D: 72%" in text
    assert "1 Posyandu melaporkan tidak mengadakan kegiatan." in text
    assert "Belum melapor (13):" in text
    assert "• Posyandu Kasih Ibu (Loa Ipuh) — kader: Nurhayati Lestari (+6281100000012)" in text
    assert "Melati 1 (" not in text  # reported, so not listed
    assert sorted(siti.labels) == sorted(
        [
            *KUKAR_CHILDREN_WITH_POSYANDU,
            "📅 Rekap Oktober 2026",
            "📅 Rekap September 2026",
            "🏛️ Verifikasi Posyandu 6 SPM",
            "🧒 Status gizi balita",  # the balita's growth of the region and month (issue 17)
            "🏠 Menu",
        ]
    )


async def test_chart_is_a_png_with_one_bar_per_child_region(reported: None, kaderbot: KaderBot) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/rekap 2026-11")
    [picture] = files(siti)
    assert picture.kind == "photo" and picture.mime_type == "image/png"
    assert picture.data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(picture.data))
    image.verify()
    # The same recap through the function the flow draws with: one bar per kecamatan with Posyandu.
    async with kaderbot.db.sessions() as session:
        kukar = await session.get(Region, "64.02")
        assert kukar is not None
        found = await recap.build(session, kukar, NOVEMBER, zone=ZoneInfo("Asia/Makassar"))
    figure = chart.figure("t", found.rates, axis_label="%")
    [axes] = figure.axes
    bars = axes.patches
    assert len(bars) == len(KUKAR_CHILDREN_WITH_POSYANDU)
    labels = [label.get_text() for label in axes.get_yticklabels()]
    assert labels == ["Loa Kulu (1/4)", "Loa Janan (1/2)", "Tenggarong (2/10)", "Tenggarong Seberang (0/1)"]
    assert [round(bar.get_width()) for bar in bars] == [25, 50, 20, 0]
    # The PNG the coordinator got is that figure: its height grows by one bar's worth per region.
    width, height = Image.open(io.BytesIO(picture.data)).size
    assert (width, height) == (
        round(chart.WIDTH_INCHES * chart.DPI),
        round(figure.get_figheight() * chart.DPI),
    )


async def test_drilling_down_shows_the_child_region(reported: None, kaderbot: KaderBot) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/rekap 2026-11")
    await siti.press("Tenggarong")
    assert "📈 Rekap November 2026 — Tenggarong" in siti.text
    assert "Posyandu sudah melapor: 2/10 (20%)" in siti.text
    assert sorted(siti.labels) == [
        "Bendang Raya",
        "Loa Ipuh",
        "Mangkurawang",
        "Melayu",
        "Sukarame",
        "🏛️ Verifikasi Posyandu 6 SPM",
        "🏠 Menu",
        "📅 Rekap Oktober 2026",
        "📅 Rekap September 2026",
        "🧒 Status gizi balita",
    ]


@pytest.mark.parametrize("argument", ["kemarin", "2027-01", "13/2026"])
async def test_a_month_that_cannot_be_read_is_explained(argument: str, kaderbot: KaderBot) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say(f"/rekap {argument}")
    assert siti.text.startswith("Maaf, bulan itu tidak dapat dibaca. Tulis seperti ini: /rekap 2026-11")


def check_workbook(data: bytes, kaderbot_reports: dict[str, MonthlyReport]) -> None:
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames[:2] == ["Posyandu", "Ringkasan"] and "Verifikasi 6 SPM" in book.sheetnames
    sheet = book["Posyandu"]
    header = [cell.value for cell in sheet[1]]
    check_table_layout(sheet)
    rows = [
        dict(zip(header, (cell.value for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert len(rows) == 17  # every Posyandu of Kutai Kartanegara, reported or not
    by_code = {row["Kode Posyandu"]: row for row in rows}
    assert "PY-6471-0001" not in by_code
    for code, report in kaderbot_reports.items():
        row = by_code[code]
        assert row["Sudah melapor"] == "Ya"
        assert (row["S (jumlah balita)"], row["K (punya buku KIA/KMS)"]) == (report.s, report.k)
        assert (row["D (ditimbang)"], row["N (berat badan naik)"]) == (report.d, report.n)
        assert row["Kunjungan balita"] == (report.visits or {}).get("balita")
        assert row["Vitamin A"] == report.vitamin_a and row["Imunisasi"] == report.immunizations
        assert row["Dilaporkan oleh"] == "Sari Wulandari" and row["Pelapor terverifikasi"] == "Ya"
        assert row["Waktu lapor"] == dt.datetime(2026, 11, 12, 11, 30)  # 03:30 UTC in WITA
        if report.s:
            assert row["D/S"] == pytest.approx(report.d / report.s)
    melayu = by_code["PY-6402-0002"]
    assert melayu["Sudah melapor"] == "Tidak" and melayu["S (jumlah balita)"] is None
    assert (melayu["Kode kecamatan"], melayu["Kecamatan"]) == ("64.02.06", "Tenggarong")
    assert (melayu["Kode desa/kelurahan"], melayu["Desa/Kelurahan"]) == ("64.02.06.1005", "Melayu")
    summary = {row[0].value: row[1].value for row in book["Ringkasan"].iter_rows(max_row=12)}
    held = [r for r in kaderbot_reports.values() if r.held != "not_held"]
    assert summary["Jumlah Posyandu"] == 17 and summary["Sudah melapor"] == len(kaderbot_reports)
    assert summary["Jumlah S"] == sum(r.s or 0 for r in held)
    assert summary["Jumlah D"] == sum(r.d or 0 for r in held)
    assert summary["D/S"] == pytest.approx(sum(r.d or 0 for r in held) / sum(r.s or 0 for r in held))


def check_table_layout(sheet: Worksheet) -> None:
    """Header frozen, a filter over the whole table, every column sized to what it holds."""
    assert sheet.freeze_panes == "A2"
    last = get_column_letter(sheet.max_column)
    assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}"
    assert all(cell.font.bold for cell in sheet[1])
    for column in range(1, sheet.max_column + 1):
        letter = get_column_letter(column)
        width = sheet.column_dimensions[letter].width
        assert width is not None and 8 <= width <= 50, (letter, width)
        longest = (
            max(len(str(c.value)) for c in sheet[letter] if isinstance(c.value, str))
            if any(isinstance(c.value, str) for c in sheet[letter])
            else 0
        )
        assert width >= min(longest, 50), (letter, width, longest)


async def kukar_reports(kaderbot: KaderBot) -> dict[str, MonthlyReport]:
    async with kaderbot.db.sessions() as session:
        rows = await session.execute(
            select(Posyandu.code, MonthlyReport)
            .join(MonthlyReport, MonthlyReport.posyandu_id == Posyandu.id)
            .where(MonthlyReport.month == NOVEMBER, Posyandu.region_code.like("64.02.%"))
        )
        return {code: report for code, report in rows.all()}


async def test_export_sends_a_workbook_whose_numbers_are_the_databases(
    reported: None, kaderbot: KaderBot
) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/ekspor 2026-11")
    [document] = files(siti)
    assert document.kind == "document" and document.filename == "rekap-posyandu-6402-2026-11.xlsx"
    check_workbook(document.data, await kukar_reports(kaderbot))
    async with kaderbot.db.sessions() as session:
        [entry] = (await session.execute(select(AuditLog).where(AuditLog.action == "export.xlsx"))).scalars()
    assert entry.actor == "Siti Rahmawati" and entry.details["region_code"] == "64.02"
    assert entry.details["month"] == "2026-11" and entry.details["rows"] == 17


async def test_command_line_export_writes_the_same_workbook(
    reported: None, kaderbot: KaderBot, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "laporan" / "kukar.xlsx"
    out.parent.mkdir()
    done = await asyncio.to_thread(
        kaderbot_cli, db_url, "export", "--month", "2026-11", "--region", "64.02", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "4/17 Posyandu sudah melapor" in done.stdout
    check_workbook(out.read_bytes(), await kukar_reports(kaderbot))
    async with kaderbot.db.sessions() as session:
        [entry] = (await session.execute(select(AuditLog).where(AuditLog.action == "export.xlsx"))).scalars()
    assert entry.actor == "cli" and entry.details["file"] == str(out)

    refused = await asyncio.to_thread(
        kaderbot_cli, db_url, "export", "--month", "2026-11", "--region", "99.99", "--out", str(out)
    )
    assert refused.returncode == 2 and "Kode wilayah 99.99 tidak dikenal." in refused.stderr


def export_cli(db_url: str, out: Path, month: str = "2026-11") -> subprocess.CompletedProcess[str]:
    return kaderbot_cli(db_url, "export", "--month", month, "--region", "64.02", "--out", str(out))


async def test_the_extension_decides_the_format(reported: None, db_url: str, tmp_path: Path) -> None:
    as_csv = tmp_path / "y.csv"
    done = await asyncio.to_thread(export_cli, db_url, as_csv)
    assert done.returncode == 0, done.stderr
    data = as_csv.read_bytes()
    assert not data.startswith(b"PK")  # not a workbook's zip
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Kode kab/kota", "Kabupaten/Kota"]
    assert len(rows) == 1 + 17
    by_code = {row[rows[0].index("Kode Posyandu")]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_code["PY-6402-0001"]["S (jumlah balita)"] == "40"
    assert by_code["PY-6402-0001"]["Waktu lapor"] == "2026-11-12 11:30"
    assert by_code["PY-6402-0002"]["Sudah melapor"] == "Tidak"

    upper = tmp_path / "Z.XLSX"
    done = await asyncio.to_thread(export_cli, db_url, upper)
    assert done.returncode == 0, done.stderr
    assert upper.read_bytes().startswith(b"PK")

    for name in ("y.txt", "y.xls", "y"):
        refused = await asyncio.to_thread(export_cli, db_url, tmp_path / name)
        assert refused.returncode == 2
        assert f"Nama berkas {name} harus berakhiran .xlsx (Excel) atau .csv." in refused.stderr
        assert not (tmp_path / name).exists()


async def test_a_missing_folder_is_an_error(reported: None, db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "tidak-ada" / "kukar.xlsx"
    refused = await asyncio.to_thread(export_cli, db_url, out)
    assert refused.returncode == 2
    assert f"Folder {out.parent} tidak ada." in refused.stderr
    assert not out.parent.exists()


async def test_a_future_month_is_refused(
    reported: None, kaderbot: KaderBot, db_url: str, tmp_path: Path
) -> None:
    today = dt.datetime.now(ZoneInfo("Asia/Makassar")).date()  # the CLI runs on the real clock
    following = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    for month in (f"{following:%Y-%m}", "2099-01"):
        out = tmp_path / f"{month}.xlsx"
        refused = await asyncio.to_thread(export_cli, db_url, out, month)
        assert refused.returncode == 2
        assert f"Bulan {month} belum berjalan." in refused.stderr
        assert not out.exists()
    current = tmp_path / "now.xlsx"
    done = await asyncio.to_thread(export_cli, db_url, current, f"{today:%Y-%m}")
    assert done.returncode == 0, done.stderr
    async with kaderbot.db.sessions() as session:
        actions = (await session.execute(select(AuditLog.action))).scalars().all()
    assert actions == ["export.xlsx"]  # refusals leave no trace of an export
