"""`kaderbot admin import-paid FILE.xlsx`: the payment office's list of paid cadres, applied all or
nothing. A malformed file or any bad row (an unknown cadre, an unreadable month, a duplicate) gives
a per-row report and changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from openpyxl import Workbook

from bot.app import KaderBot
from tests.chat import Chat, Clock
from tests.pg_query import plain_rows, query
from tests.test_cli import run
from tests.test_scheduler_reminders import dispatcher, notices, wita

HEADER = ["Nama", "No HP", "Bulan", "Tanggal Bayar", "Jumlah"]


def xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def counts(db_url: str) -> dict[str, int]:
    return {
        table: int(query(db_url, f"SELECT count(*) FROM {table}")[0][0])
        for table in ("incentive_status", "reminder", "outbox_message", "audit_log")
    }


def test_a_good_list_marks_cadres_paid(db_url: str, tmp_path: Path) -> None:
    sheet = xlsx(
        tmp_path / "dibayar.xlsx",
        [
            HEADER,
            ["Sari Wulandari", "081100000011", "2026-10", "12/11/2026", None],
            ["Nurhayati Lestari", 6281100000012, "Oktober 2026", dt.datetime(2026, 11, 12), 250000],
            [None, None, None, None, None],  # blank rows are skipped
        ],
    )
    result = run(["admin", "import-paid", str(sheet)], db_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 data insentif ditandai dibayar" in result.stdout
    rows = query(
        db_url,
        "SELECT p.full_name, s.month, s.status, s.amount, s.paid_on, s.source FROM incentive_status s "
        "JOIN cadre c ON c.id = s.cadre_id JOIN person p ON p.id = c.person_id ORDER BY p.full_name",
    )
    assert plain_rows(rows) == [
        ("Nurhayati Lestari", "2026-10-01", "dibayar", 250000, "2026-11-12", "import"),
        ("Sari Wulandari", "2026-10-01", "dibayar", 250000, "2026-11-12", "import"),
    ]
    assert counts(db_url)["audit_log"] >= 1


async def test_the_paid_cadres_are_told_and_see_it(
    db_url: str, tmp_path: Path, kaderbot: KaderBot, clock: Clock
) -> None:
    sheet = xlsx(
        tmp_path / "dibayar.xlsx", [HEADER, ["Sari", "0811-0000-0011", "10/2026", "2026-11-12", "250.000"]]
    )
    result = run(["admin", "import-paid", str(sheet)], db_url)
    assert result.returncode == 0, result.stdout + result.stderr
    # The notice was planned by the command, due at once (by the real clock, as the command runs).
    clock.now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    await dispatcher(kaderbot, clock).dispatch()
    assert await notices(kaderbot, "sari") == [
        "💰 Insentif kader bulan Oktober 2026 sebesar Rp250.000 sudah dibayar pada 12 November 2026. "
        "Rincian: /insentif\n(Atur pengingat: /pengingat)"
    ]
    clock.now = wita(2026, 11, 24, 10, 0)
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/insentif")
    assert "💸 Oktober 2026: dibayar 12 November 2026 (Rp250.000)" in sari.text


def test_an_unknown_cadre_or_a_bad_row_changes_nothing(db_url: str, tmp_path: Path) -> None:
    before = counts(db_url)
    sheet = xlsx(
        tmp_path / "dibayar.xlsx",
        [
            HEADER,
            ["Sari Wulandari", "081100000011", "2026-10", "12/11/2026", None],  # good, yet not applied
            ["Siapa", "0812-9999-0000", "2026-10", "12/11/2026", None],
            ["Nurhayati", "081100000012", "Bulan 13", "12/11/2026", None],
            ["Sari lagi", "+6281100000011", "Oktober 2026", "13/11/2026", None],
            ["Dewi", "081100000014", "2026-10", "kemarin", None],
            ["Nomor salah", "12345", "2026-10", "12/11/2026", None],
        ],
    )
    result = run(["admin", "import-paid", str(sheet)], db_url)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "Tidak ada data yang diubah: 5 baris perlu diperbaiki. Perbaiki lalu impor lagi.",
        "Baris 3: tidak ada kader dengan nomor +6281299990000",
        'Baris 4: bulan "Bulan 13" tidak terbaca (contoh: 2026-10 atau Oktober 2026)',
        "Baris 5: kader dan bulan yang sama sudah ada di baris 2",
        'Baris 6: tanggal "kemarin" tidak terbaca (contoh: 12/11/2026)',
        'Baris 7: nomor telepon "12345" tidak valid',
    ]
    assert counts(db_url) == before


def test_a_malformed_file_changes_nothing(db_url: str, tmp_path: Path) -> None:
    before = counts(db_url)
    not_excel = tmp_path / "dibayar.xlsx"
    not_excel.write_text("No HP;Bulan;Tanggal Bayar\n081100000011;2026-10;12/11/2026\n", encoding="utf-8")
    result = run(["admin", "import-paid", str(not_excel)], db_url)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "Tidak ada data yang diubah: file tidak dapat dipakai.",
        'File tidak terbaca sebagai Excel (.xlsx). Simpan ulang sebagai "Excel Workbook (.xlsx)".',
    ]
    missing = xlsx(tmp_path / "kolom.xlsx", [["No HP", "Bulan"], ["081100000011", "2026-10"]])
    result = run(["admin", "import-paid", str(missing), "--lang", "en"], db_url)
    assert result.returncode == 1
    assert "Required columns not found: tanggal bayar." in result.stdout
    empty = xlsx(tmp_path / "kosong.xlsx", [HEADER])
    assert "Tidak ada baris data" in run(["admin", "import-paid", str(empty)], db_url).stdout
    assert counts(db_url) == before


def test_a_coordinator_imports_only_within_their_regions(db_url: str, tmp_path: Path) -> None:
    before = counts(db_url)
    sheet = xlsx(tmp_path / "dibayar.xlsx", [HEADER, ["Sari", "081100000011", "2026-10", "12/11/2026", None]])
    yohana = run(["admin", "import-paid", str(sheet), "--by", "081100000002"], db_url)  # Balikpapan
    assert yohana.returncode == 1
    assert "Baris 2: kader dengan nomor +6281100000011 di luar wilayah Anda" in yohana.stdout
    cadre = run(["admin", "import-paid", str(sheet), "--by", "081100000012"], db_url)  # a cadre
    assert cadre.returncode == 1 and "bukan koordinator atau admin" in cadre.stdout
    assert counts(db_url) == before
    siti = run(["admin", "import-paid", str(sheet), "--by", "081100000001"], db_url)  # Kukar
    assert siti.returncode == 0, siti.stdout
    assert counts(db_url)["incentive_status"] == before["incentive_status"] + 1
