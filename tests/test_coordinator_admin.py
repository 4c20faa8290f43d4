"""`kaderbot admin` as an operator uses it: make someone a coordinator by Telegram id or phone
number, list roles, take a region away; each change is audited, and the chat follows at once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from bot.app import KaderBot
from tests.chat import Chat
from tests.flows import onboard, register_cadre

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))


async def cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING"}
    return await asyncio.to_thread(
        subprocess.run, [KADERBOT, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def test_a_telegram_user_made_coordinator_gets_the_coordinator_menu(
    kaderbot: KaderBot, db_url: str, chat: Chat
) -> None:
    added = await cli(
        db_url,
        "admin",
        "add-coordinator",
        "--telegram",
        "5550001",
        "--region",
        "64.02.06",
        "--name",
        "Pak Dedi",
    )
    assert added.returncode == 0, added.stderr
    assert "Pak Dedi (#" in added.stdout and "sekarang koordinator 64.02.06 Tenggarong." in added.stdout

    dedi = Chat(kaderbot.core, "5550001", channel="telegram")  # writes for the first time
    await onboard(dedi, role="warga")
    assert "✅ Verifikasi kader" in dedi.labels and "📢 Kirim siaran" in dedi.labels
    await dedi.say("/verifikasi")
    assert "Tidak ada kader yang menunggu verifikasi" in dedi.text  # Rina is in Loa Kulu, not his
    await register_cadre(chat)  # Budi, Melati 1 in Tenggarong
    await dedi.say("/verifikasi")
    assert dedi.labels == ["Budi Santoso — Posyandu Melati 1", "🏠 Menu"]

    roles = await cli(db_url, "admin", "roles")
    assert roles.returncode == 0
    [line] = [line for line in roles.stdout.splitlines() if "Pak Dedi" in line]
    assert line.startswith("coordinator\t") and "64.02.06 Tenggarong" in line and "telegram:5550001" in line

    removed = await cli(db_url, "admin", "remove-coordinator", "--telegram", "5550001")
    assert removed.returncode == 0 and "1 wilayah dicabut; peran sekarang resident" in removed.stdout
    await dedi.say("/verifikasi")
    assert dedi.text.startswith("Maaf, fitur ini bukan untuk peran Bapak/Ibu.")

    audit = await cli(db_url, "admin", "audit")
    actions = [line.split("\t")[1:3] for line in audit.stdout.splitlines()]
    # Viewing the waiting cadres is itself audited (personal data seen by a coordinator).
    assert ["Pak Dedi", "personal.list"] in actions
    decisions = [action for action in actions if not action[1].startswith("personal.")]
    assert decisions[:2] == [["cli", "coordinator.remove"], ["cli", "coordinator.add"]]


async def test_by_phone_back_to_cadre_and_refusals(kaderbot: KaderBot, db_url: str) -> None:
    made = await cli(db_url, "admin", "add-coordinator", "--phone", "0811-0000-0011", "--region", "64.02")
    assert made.returncode == 0 and "Sari Wulandari" in made.stdout, made.stderr
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/menu")
    assert "✅ Verifikasi kader" in sari.labels
    back = await cli(db_url, "admin", "remove-coordinator", "--phone", "+6281100000011", "--region", "64.02")
    assert "peran sekarang cadre" in back.stdout  # still a registered cadre
    await sari.say("/menu")
    assert "✅ Verifikasi kader" not in sari.labels and any(
        "laporan" in label.casefold() for label in sari.labels
    )

    refusals = {
        ("--phone", "081299998888", "--region", "64.02"): "Tidak ada orang dengan nomor 081299998888.",
        ("--telegram", "5550002", "--region", "99.01"): "Kode wilayah 99.01 tidak dikenal.",
        ("--telegram", "abc", "--region", "64.02"): "ID Telegram abc tidak valid",
        ("--telegram", "1", "--phone", "0811", "--region", "64.02"): "Sebutkan tepat satu",
    }
    for args, message in refusals.items():
        refused = await cli(db_url, "admin", "add-coordinator", *args)
        assert refused.returncode == 2 and message in refused.stderr, (args, refused.stderr)
