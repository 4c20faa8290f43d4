"""The five-minute tour of the README, as a newcomer runs it: a fresh database, the demo data, and
examples/tour.txt piped into `kaderbot chat`. Everything the tour shows must really happen: the
report is stored, the broadcast reaches the demo cadre at her next console turn, the recap chart and
the workbook are files on disk, and the scheduler running beside the console queued reminders."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.newcomer import sari_signs_up_for_a_training
from tests.pg_query import query

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))
TOUR = Path(__file__).resolve().parents[1] / "examples" / "tour.txt"


def kaderbot(*args: str, db_url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING"}
    env.pop("CONSOLE_DIR", None)  # the default: beside the SQLite file
    return subprocess.run(
        [KADERBOT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=180, check=False
    )


def test_the_readme_tour_replayed_through_kaderbot_chat(tmp_path: Path) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'kaderbot.sqlite3'}"
    assert kaderbot("db", "upgrade", db_url=db_url).returncode == 0
    seeded = kaderbot("seed", "--demo", db_url=db_url)
    assert seeded.returncode == 0, seeded.stderr
    asyncio.run(sari_signs_up_for_a_training(db_url, dt.datetime.now(dt.UTC)))

    result = kaderbot("chat", "--as", "sari", db_url=db_url, stdin=TOUR.read_text(encoding="utf-8"))
    assert result.returncode == 0, result.stderr
    out = result.stdout

    # 1. Sari's report is stored.
    (report,) = query(
        db_url,
        "SELECT p.code, r.s, r.k, r.d, r.n FROM monthly_report r JOIN posyandu p ON p.id = r.posyandu_id",
    )
    assert report == ("PY-6402-0001", 40, 35, 32, 28)
    assert "sudah tersimpan" in out

    # 2. Joko's question is answered (the Sekolah Rakyat card, not a refusal).
    joko = out.split("> !as joko", 1)[1].split("> !as siti", 1)[0]
    assert "Sekolah Rakyat" in joko and "DTSEN" in joko

    # 3. The broadcast counts the console cadres and reaches Sari at her next turn, not before.
    siti, sari = out.split("> !as siti", 1)[1].split("> !as sari", 1)
    assert re.search(r"Kader di Kutai Kartanegara — [1-9]\d* orang", siti)
    assert "📢 Siaran: Jadwal pelatihan kader gizi" not in siti
    assert "📢 Siaran: Jadwal pelatihan kader gizi: Sabtu ini pukul 09.00" in sari
    delivered = query(
        db_url,
        "SELECT m.status FROM outbox_message m JOIN broadcast b ON b.id = m.broadcast_id "
        "WHERE m.channel = 'console' AND m.address = 'sari'",
    )
    assert delivered == [("sent",)]

    # 4. The recap chart and the workbook are files under data/console, and their paths are printed.
    folder = tmp_path / "data" / "console"
    (chart,) = folder.glob("rekap-*.png")
    (workbook,) = folder.glob("*.xlsx")
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "xl/workbook.xml" in zipfile.ZipFile(workbook).namelist()
    assert f"Gambar tersimpan: {chart}" in out and f"Dokumen tersimpan: {workbook}" in out

    # 5. The scheduler ran beside the console: Sari's training reminders are queued.
    planned = query(
        db_url,
        "SELECT r.kind, r.status FROM reminder r JOIN channel_identity c ON c.person_id = r.person_id "
        "WHERE c.channel = 'console' AND c.address = 'sari' AND r.kind = 'training'",
    )
    assert planned and all(status == "pending" for _, status in planned)
