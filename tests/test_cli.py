"""The command line as a newcomer uses it: migrate, seed, chat through a piped script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.pg_query import query, table_names

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))


def run(
    args: list[str], db_url: str, *, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": db_url,
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    return subprocess.run(
        [KADERBOT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def count(db_url: str, table: str) -> int:
    return int(query(db_url, f"SELECT count(*) FROM {table}")[0][0])


def test_db_upgrade_on_an_empty_database_then_seed_twice(empty_db_url: str) -> None:
    db = empty_db_url
    upgraded = run(["db", "upgrade"], db)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database at revision" in upgraded.stdout
    tables = table_names(db)
    assert {"region", "posyandu", "person", "channel_identity", "cadre", "conversation"} <= tables
    assert {"monthly_report", "report_revision", "inbound_message", "alembic_version"} <= tables

    first = run(["seed", "--demo"], db)
    assert first.returncode == 0, first.stderr
    counts = {t: count(db, t) for t in ("region", "posyandu", "person", "cadre", "coordinator_scope")}
    assert counts["region"] > 100 and counts["posyandu"] >= 20 and counts["cadre"] >= 5
    second = run(["seed", "--demo"], db)
    assert second.returncode == 0 and "0 regions, 0 Posyandu, 0 people added" in second.stdout
    assert {t: count(db, t) for t in counts} == counts
    assert run(["db", "upgrade"], db).returncode == 0  # upgrading an up-to-date database is harmless


def test_bad_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}"  # never opened: the settings stop it first
    result = run(["db", "upgrade"], db, env={"TIMEZONE": "Mars/Olympus"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kaderbot: TIMEZONE:")
    result = run(["db", "upgrade"], db, env={"WEB_PORT": "lots"})
    assert result.returncode == 2 and "WEB_PORT" in result.stderr


SCRIPT = """
# a cadre's first conversation, typed line by line
/start
1
Setuju
Saya kader Posyandu
Budi Santoso
0812 3456 7890
Kutai Kartanegara
Tenggarong
Melayu
Posyandu Melati 1
Ketua
Kirim
/lapor
1
1
Hari ini
40
35
32
28
6
32
4
10
12
2
9
0
Penimbangan lancar
!foto {photo}
1
Kirim
"""


def test_scripted_console_session_files_a_report(empty_db_url: str, tmp_path: Path) -> None:
    db = empty_db_url
    assert run(["db", "upgrade"], db).returncode == 0
    assert run(["seed", "--demo"], db).returncode == 0
    photo = tmp_path / "posyandu.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    result = run(["chat", "--as", "budi"], db, stdin=SCRIPT.format(photo=photo))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "> /start" in out and "  1. Bahasa Indonesia" in out
    assert "menunggu verifikasi" in out
    assert "sudah tersimpan" in out
    (row,) = query(
        db,
        "SELECT p.code, r.s, r.k, r.d, r.n, r.notes, r.photos FROM monthly_report r "
        "JOIN posyandu p ON p.id = r.posyandu_id",
    )
    (person,) = query(db, "SELECT full_name, phone, role FROM person WHERE full_name = 'Budi Santoso'")
    assert row[:6] == ("PY-6402-0001", 40, 35, 32, 28, "Penimbangan lancar")
    assert str(photo) in row[6]
    assert person == ("Budi Santoso", "+6281234567890", "cadre")
