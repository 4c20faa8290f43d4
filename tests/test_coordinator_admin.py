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


async def test_a_new_coordinator_by_console_name_or_by_phone_and_name(
    kaderbot: KaderBot, db_url: str
) -> None:
    made = await cli(
        db_url,
        "admin",
        "add-coordinator",
        "--console",
        "dedi",
        "--name",
        "Dedi Kurniawan",
        "--region",
        "64.02.06",
    )
    assert made.returncode == 0, made.stderr
    assert "Dedi Kurniawan (#" in made.stdout and "sekarang koordinator 64.02.06 Tenggarong." in made.stdout
    assert "dibuat sebagai orang baru; dapat dihubungi lewat console:dedi." in made.stdout
    dedi = Chat(kaderbot.core, "dedi")  # `kaderbot chat --as dedi`
    await onboard(dedi, role="warga")
    assert "Menu utama, Dedi" in dedi.question and "✅ Verifikasi kader" in dedi.labels

    # Someone who never wrote and never registered: a phone number and a name are enough.
    anton = await cli(
        db_url,
        "admin",
        "add-coordinator",
        "--phone",
        "0813-5555-4444",
        "--name",
        "Anton Wijaya",
        "--region",
        "64.02",
    )
    assert anton.returncode == 0, anton.stderr
    assert "lewat whatsapp:6281355554444." in anton.stdout
    roles = await cli(db_url, "admin", "roles")
    [line] = [line for line in roles.stdout.splitlines() if "Anton Wijaya" in line]
    assert "+6281355554444" in line and "whatsapp:6281355554444" in line
    on_whatsapp = Chat(kaderbot.core, "6281355554444", channel="whatsapp")  # his first WhatsApp message
    await onboard(on_whatsapp, role="warga")
    assert "📢 Kirim siaran" in on_whatsapp.labels
    again = await cli(db_url, "admin", "add-coordinator", "--phone", "+6281355554444", "--region", "64.02")
    assert again.returncode == 0 and "dibuat" not in again.stdout  # found by phone now, not created twice

    refused = await cli(db_url, "admin", "add-coordinator", "--console", "Siti Baru!", "--region", "64.02")
    assert refused.returncode == 2 and "Nama konsol Siti Baru! tidak valid" in refused.stderr
    no_name = await cli(db_url, "admin", "add-coordinator", "--phone", "081299998888", "--region", "64.02")
    assert no_name.returncode == 2 and "Tambahkan --name" in no_name.stderr


async def test_a_coordinator_who_is_also_a_cadre_keeps_the_cadre_menu(
    kaderbot: KaderBot, db_url: str
) -> None:
    made = await cli(db_url, "admin", "add-coordinator", "--phone", "0811-0000-0011", "--region", "64.02")
    assert made.returncode == 0 and "Sari Wulandari" in made.stdout, made.stderr
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/menu")
    assert "✅ Verifikasi kader" in sari.labels and "🧺 Menu kader" in sari.labels
    assert len(sari.labels) <= 10  # one WhatsApp list
    await sari.press("Menu kader")
    assert sari.question.startswith("Menu kader")
    assert sari.labels[:3] == ["Lapor kegiatan bulanan", "Laporan Posyandu saya", "💰 Insentif saya"]
    assert sari.labels[-1] == "🏠 Menu utama"
    await sari.press("Insentif saya")
    assert "Posyandu Melati 1" in sari.text and "BPJS Ketenagakerjaan" in sari.text  # her own, not the desk
    await sari.say("/lapor")
    assert "bukan untuk peran" not in sari.text and "Laporan untuk bulan apa?" in sari.question
    await sari.say("/batal")
    await sari.say("/menu")
    await sari.press("Menu kader")
    await sari.press("Menu utama")
    assert "✅ Verifikasi kader" in sari.labels
