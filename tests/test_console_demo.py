"""The console demo shows the coordinator's work (issue 15, point 1): console people are reachable
(broadcasts and notices wait for their next turn), every picture and document the bot sends on the
console is saved and its path printed, and `kaderbot run` on the console runs the scheduler and the
outbox sender like any other mode."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from bot.app import KaderBot
from bot.channels.console import ConsoleChannel
from bot.notifier import ConsoleNotices
from tests.chat import Chat, Clock
from tests.newcomer import sari_signs_up_for_a_training
from tests.outbox_support import compose_broadcast
from tests.pg_query import query

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))


def console(kaderbot: KaderBot, clock: Clock, handle: str, files: Path | None = None) -> ConsoleChannel:
    notices = ConsoleNotices(kaderbot.db, kaderbot.catalogues, clock=clock)
    return ConsoleChannel(kaderbot.core, handle, out=io.StringIO(), notices=notices, files=files)


async def test_a_broadcast_reaches_a_console_cadre_at_her_next_turn(kaderbot: KaderBot, clock: Clock) -> None:
    sari = console(kaderbot, clock, "sari")
    await sari.send("/menu")  # Sari uses the console (a handle nobody ever typed as is not counted)
    siti = Chat(kaderbot.core, "siti")
    await compose_broadcast(
        siti, "Posyandu serentak hari Sabtu", audience="Kader satu Posyandu", path=["Tenggarong", "Melayu"]
    )
    await siti.press("Melati 1")
    assert "Kader Posyandu Melati 1 — 1 orang.\n\n" in siti.question  # Sari, on the console only
    await siti.press("Kirim sekarang")
    await siti.press("Kirim")
    assert "📢 Siaran #1 sedang dikirim ke 1 penerima." in siti.text

    shown = await sari.send("/menu")
    assert shown.startswith("📢 Siaran: Posyandu serentak hari Sabtu\n\nMenu utama, Sari.")
    assert "Posyandu serentak" not in await sari.send("/menu")  # shown once
    assert query(kaderbot.settings.database_url, "SELECT channel, address, status FROM outbox_message") == [
        ("console", "sari", "sent")
    ]


async def test_verifying_a_console_cadre_tells_her(kaderbot: KaderBot, clock: Clock) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("Rina")
    await siti.press("Setujui")
    assert "Rina Kusumawati akan menerima pemberitahuan." in siti.text
    assert "belum diberi tahu" not in siti.text
    rina = console(kaderbot, clock, "rina")
    assert (await rina.send("/menu")).startswith(
        "Selamat, data Bapak/Ibu sebagai kader Posyandu Teratai sudah diverifikasi koordinator."
    )


async def test_pictures_and_documents_are_saved_and_their_paths_printed(
    kaderbot: KaderBot, clock: Clock, tmp_path: Path
) -> None:
    folder = tmp_path / "console"  # created when the first file arrives
    siti = console(kaderbot, clock, "siti", files=folder)
    recap = await siti.send("/rekap 2026-10")
    chart = folder / "rekap-2026-10.png"
    assert f"🖼 Gambar tersimpan: {chart}\n" in recap
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    exported = await siti.send("/ekspor 2026-10")
    [workbook] = folder.glob("*.xlsx")
    assert f"📄 Dokumen tersimpan: {workbook}\n" in exported
    assert "xl/workbook.xml" in zipfile.ZipFile(workbook).namelist()
    # A second recap of the same month is the same file; nothing saved earlier is overwritten by another.
    await siti.send("/rekap 2026-10")
    assert sorted(p.name for p in folder.iterdir()) == ["rekap-2026-10.png", workbook.name]


SCRIPT = """
!as sari
/menu
!as siti
/siaran
Posyandu serentak hari Sabtu
Lewati
Kader satu Posyandu
Tenggarong
Melayu
Posyandu Melati 1
Kirim sekarang
Kirim
!as sari
/menu
"""


async def test_kaderbot_run_on_the_console_runs_the_scheduler_and_the_outbox(
    db_url: str, tmp_path: Path
) -> None:
    await sari_signs_up_for_a_training(db_url, dt.datetime.now(dt.UTC))
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING", "CONSOLE_DIR": str(tmp_path)}
    result = await asyncio.to_thread(
        subprocess.run,
        [KADERBOT, "run", "--as", "siti"],
        input=SCRIPT,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.rsplit("> !as sari", 1)
    assert "📢 Siaran: Posyandu serentak" not in before and "📢 Siaran: Posyandu serentak hari Sabtu" in after
    # The outbox sender kept the broadcast's books: done once Sari saw it, and Siti's summary queued.
    assert query(db_url, "SELECT status, total FROM broadcast") == [("done", 1)]
    assert query(
        db_url,
        "SELECT channel, address FROM outbox_message WHERE message_key = 'coordinator.broadcast.summary'",
    ) == [("console", "siti")]
    # The scheduler planned Sari's training reminders (and let its lease go at the end).
    planned = query(
        db_url,
        "SELECT count(*) FROM reminder r JOIN channel_identity c ON c.person_id = r.person_id "
        "WHERE c.address = 'sari' AND r.kind = 'training'",
    )
    assert planned[0][0] >= 1
    assert query(db_url, "SELECT name FROM scheduler_lock") == [("reminders",)]
