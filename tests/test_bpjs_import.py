"""BPJS Ketenagakerjaan: `kaderbot admin import-bpjs FILE.xlsx` updates cadres' status all or nothing,
keeping only the card's last four digits; cadres see it in /insentif; the monthly reminder (the 10th,
09:00 WITA) goes only to cadres not enrolled."""

from __future__ import annotations

from pathlib import Path

from bot.app import KaderBot
from tests.chat import Chat, Clock
from tests.pg_query import is_postgres, query, sqlite_path
from tests.test_cli import run
from tests.test_incentives_import import xlsx
from tests.test_scheduler_reminders import dispatcher, notices, wita

HEADER = ["Nama", "No HP", "Status", "Nomor Kartu"]
CARD = "12345678901"


def statuses(db_url: str) -> list[tuple[str, str, str | None]]:
    return query(
        db_url,
        "SELECT p.full_name, b.status, b.card_last4 FROM cadre_bpjs b JOIN cadre c ON c.id = b.cadre_id "
        "JOIN person p ON p.id = c.person_id ORDER BY p.full_name",
    )


def stored_anywhere(db_url: str, text: str) -> bool:
    """Whether any stored row holds `text`: SQLite's files (the database and its WAL) are read byte
    for byte; on PostgreSQL every row of every table is read as text."""
    if is_postgres(db_url):
        tables = query(db_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        pattern = f"%{text}%"
        return any(query(db_url, f"SELECT 1 FROM {t} r WHERE r::text LIKE ?", pattern) for (t,) in tables)
    db = sqlite_path(db_url)
    return any(text.encode() in path.read_bytes() for path in db.parent.glob(db.name + "*"))


async def test_statuses_are_imported_the_card_is_kept_masked_and_reminders_follow(
    db_url: str, tmp_path: Path, kaderbot: KaderBot, clock: Clock
) -> None:
    sheet = xlsx(
        tmp_path / "bpjs.xlsx",
        [
            HEADER,
            ["Sari Wulandari", "081100000011", "Terdaftar", "1234 5678 901"],
            ["Nurhayati Lestari", "081100000012", "dalam proses", None],
            ["Rina Kusumawati", "081100000013", "Belum", None],
        ],
    )
    result = run(["admin", "import-bpjs", str(sheet)], db_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Status BPJS Ketenagakerjaan 3 kader diperbarui" in result.stdout
    assert statuses(db_url) == [
        ("Nurhayati Lestari", "dalam_proses", None),
        ("Rina Kusumawati", "belum", None),
        ("Sari Wulandari", "terdaftar", "8901"),
    ]
    assert not stored_anywhere(db_url, CARD)

    sari = Chat(kaderbot.core, "sari")
    await sari.say("/insentif")
    assert "🛡️ BPJS Ketenagakerjaan: terdaftar (kartu ••••8901)" in sari.text

    clock.now = wita(2026, 12, 9, 12, 0)
    await dispatcher(kaderbot, clock).plan()
    clock.now = wita(2026, 12, 10, 9, 0)
    await dispatcher(kaderbot, clock).dispatch()
    assert [t for t in await notices(kaderbot, "rina") if "BPJS Ketenagakerjaan" in t]
    assert not [t for t in await notices(kaderbot, "sari") if "BPJS" in t]
    assert not [t for t in await notices(kaderbot, "nurhayati") if "BPJS" in t]


async def test_a_cadre_enrolled_after_planning_is_not_reminded(
    kaderbot: KaderBot, db_url: str, tmp_path: Path, clock: Clock
) -> None:
    clock.now = wita(2026, 12, 9, 12, 0)
    await dispatcher(kaderbot, clock).plan()
    sheet = xlsx(tmp_path / "bpjs.xlsx", [HEADER, ["Sari", "081100000011", "terdaftar", None]])
    assert run(["admin", "import-bpjs", str(sheet)], db_url).returncode == 0
    clock.now = wita(2026, 12, 10, 9, 0)
    await dispatcher(kaderbot, clock).dispatch()
    assert not [t for t in await notices(kaderbot, "sari") if "BPJS" in t]
    assert [t for t in await notices(kaderbot, "nurhayati") if "BPJS" in t]


def test_bad_rows_change_nothing_and_never_echo_a_card_number(db_url: str, tmp_path: Path) -> None:
    sheet = xlsx(
        tmp_path / "bpjs.xlsx",
        [
            HEADER,
            ["Sari Wulandari", "081100000011", "terdaftar", CARD],  # good, yet not applied
            ["Nurhayati", "081100000012", "aktif", None],
            ["Rina", "081100000013", "terdaftar", "12AB-5678"],
            ["Dewi", "081100000014", "belum", "98765432101"],
            ["Tidak dikenal", "081377777777", "belum", None],
        ],
    )
    result = run(["admin", "import-bpjs", str(sheet)], db_url)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "Tidak ada data yang diubah: 4 baris perlu diperbaiki. Perbaiki lalu impor lagi.",
        'Baris 3: status "aktif" tidak dikenal (pakai: terdaftar, dalam proses, belum)',
        "Baris 4: nomor kartu harus 8-20 angka",
        'Baris 5: ada nomor kartu padahal status "belum"',
        "Baris 6: tidak ada kader dengan nomor +6281377777777",
    ]
    assert "98765432101" not in result.stdout + result.stderr and CARD not in result.stdout
    assert statuses(db_url) == []
    malformed = tmp_path / "rusak.xlsx"
    malformed.write_bytes(b"PK\x03\x04 a broken zip")
    broken = run(["admin", "import-bpjs", str(malformed)], db_url)
    assert broken.returncode == 1 and "tidak terbaca sebagai Excel" in broken.stdout
    assert statuses(db_url) == []
