"""Issue 16, point 3: the structure of a Posyandu 6 SPM per field — pengurus (ketua, sekretaris,
bendahara) and per SPM field a koordinator and kader; a person may hold several places; cadres
join a field when they register or later; the ketua gives places; a tree in chat; exported."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import KaderBot
from handlers.posyandu import structure as tree
from storage.models import Cadre, ChannelIdentity, Posyandu
from storage.models_outbox import AuditLog
from storage.repositories.structure import Holder
from tests.chat import Chat
from tests.flows import onboard

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))


async def register_at(
    chat: Chat, name: str, phone: str, posyandu: str, position: str, fields: list[str]
) -> None:
    """Register by typing the Posyandu's name (search), then the fields served (or skip)."""
    await onboard(chat)
    await chat.say(name)
    await chat.say(phone)
    await chat.say(posyandu)
    if "Ya" in chat.labels:
        await chat.press("Ya")
    else:
        await chat.press(chat.labels[0])
    await chat.press(position)
    for field in fields:
        await chat.press(field)
    await chat.press("Selesai" if fields else "Lewati")
    await chat.press("Kirim")


async def verify_all(kaderbot: KaderBot, coordinator: str, names: list[str]) -> None:
    who = Chat(kaderbot.core, coordinator)
    for name in names:
        await who.say("/verifikasi")
        await who.press(name)
        await who.press("Setujui")


async def kasih_sayang_team(kaderbot: KaderBot) -> tuple[Chat, Chat]:
    """Ani, ketua of Posyandu Kasih Sayang (six fields); Budi, anggota at its Pos RT 21 (kesehatan,
    sosial). Both verified by Marlina, the Bulungan coordinator."""
    ani = Chat(kaderbot.core, "ani")
    await register_at(
        ani,
        "Ani Lestari",
        "0812-1111-2222",
        "Kasih Sayang Tanjung Selor",
        "Ketua",
        ["Pendidikan", "Kesehatan"],
    )
    budi = Chat(kaderbot.core, "budi")
    await register_at(budi, "Budi Santoso", "0812-3456-7890", "Pos RT 21", "Anggota", ["Sosial"])
    await verify_all(kaderbot, "marlina", ["Ani Lestari", "Budi Santoso"])
    return ani, budi


async def test_structure_with_several_fields_and_a_person_in_two_places(kaderbot: KaderBot) -> None:
    ani, budi = await kasih_sayang_team(kaderbot)
    async with kaderbot.db.sessions() as session:
        rows = (
            await session.execute(
                select(ChannelIdentity.address, Posyandu.code)
                .join(Cadre, Cadre.person_id == ChannelIdentity.person_id)
                .join(Posyandu, Posyandu.id == Cadre.posyandu_id)
                .where(ChannelIdentity.address.in_(("ani", "budi")))
            )
        ).all()
    assert dict(rows) == {"ani": "PY-6501-0002", "budi": "PY-6501-0002-01"}  # the lembaga and its pos

    await ani.say("/struktur")
    screen = ani.question
    assert "👥 Struktur Posyandu Kasih Sayang" in screen
    assert "   • Ketua: Ani Lestari" in screen
    assert "▸ Bidang Pendidikan\n   ├ Koordinator: belum ada\n   └ Kader: Ani Lestari" in screen
    assert "▸ Bidang Sosial\n   ├ Koordinator: belum ada\n   └ Kader: Budi Santoso" in screen  # from the pos
    assert "🗂 Atur jabatan" in ani.labels

    # The ketua gives Budi two more places: sekretaris, and koordinator of kesehatan.
    await ani.press("Atur jabatan")
    await ani.press("Budi Santoso")
    assert "✅ Kader Sosial" in ani.labels and "⬜ Sekretaris" in ani.labels
    await ani.press("Sekretaris")
    assert "Budi Santoso sekarang Sekretaris" in ani.text
    await ani.press("Koordinator Kesehatan")
    await ani.press("Selesai")
    await ani.press("Kembali")
    screen = ani.question
    assert "   • Sekretaris: Budi Santoso" in screen
    assert "▸ Bidang Kesehatan\n   ├ Koordinator: Budi Santoso\n   └ Kader: Ani Lestari" in screen

    # Budi joins pendidikan later, himself.
    await budi.say("/struktur")
    assert "🗂 Atur jabatan" not in budi.labels  # not the ketua
    await budi.press("Gabung bidang")
    assert "✅ Sosial" in budi.labels and "⬜ Pendidikan" in budi.labels
    await budi.press("Pendidikan")
    assert "Bapak/Ibu sekarang kader bidang Pendidikan" in budi.text
    await budi.press("Selesai")
    assert "└ Kader: Ani Lestari, Budi Santoso" in budi.question

    async with kaderbot.db.sessions() as session:
        lembaga = (
            await session.execute(select(Posyandu).where(Posyandu.code == "PY-6501-0002"))
        ).scalar_one()
        found = await tree.load(session, lembaga, now=kaderbot.core.clock())
        cadre = (
            await session.execute(
                select(Cadre)
                .join(ChannelIdentity, ChannelIdentity.person_id == Cadre.person_id)
                .where(ChannelIdentity.address == "budi")
            )
        ).scalar_one()
        actions = (
            (await session.execute(select(AuditLog.action).where(AuditLog.action.like("structure.%"))))
            .scalars()
            .all()
        )
    budi_id = cadre.person_id
    assert found.places_of(budi_id) == 4  # sekretaris, koordinator kesehatan, kader sosial, kader pendidikan
    assert cadre.position == "sekretaris"  # the registered position follows the structure
    assert sorted(actions) == ["structure.assign"] * 3  # two by the ketua, one by Budi himself

    # Taking a place back.
    await ani.say("/struktur")
    await ani.press("Atur jabatan")
    await ani.press("Budi Santoso")
    await ani.press("Sekretaris")
    assert "Budi Santoso tidak lagi Sekretaris" in ani.text
    async with kaderbot.db.sessions() as session:
        cadre = await session.get(Cadre, cadre.id)
    assert cadre is not None and cadre.position == "anggota"


async def test_the_ketua_only_assigns_and_a_forged_button_is_refused(kaderbot: KaderBot) -> None:
    _, budi = await kasih_sayang_team(kaderbot)
    await budi.say("/struktur")
    token = budi.replies[-1].turn  # type: ignore[union-attr]
    await budi.press_payload(f"{token}.assign")
    assert "Pilih kader" not in budi.text
    async with kaderbot.db.sessions() as session:
        assert (
            await session.execute(select(AuditLog).where(AuditLog.action.like("structure.%")))
        ).first() is None


async def test_a_registered_ketua_appears_in_the_tree(kaderbot: KaderBot) -> None:
    """Sari registered as ketua before the structure existed (the demo data): she is its ketua."""
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/struktur")
    assert "   • Ketua: Sari Wulandari" in sari.question
    assert "▸ Bidang Kesehatan" in sari.question


def _holder(i: int, field: str | None, role: str) -> Holder:
    return Holder(i, i, f"Kader {i:02}", field, role, "verified" if i % 2 else "pending")


def test_the_tree_is_paged_without_splitting_a_field() -> None:
    from handlers.i18n import Catalogues
    from handlers.programs.library import DEFAULT_LOCALES

    t = Catalogues.load(DEFAULT_LOCALES).translator("id")
    structure = tree.Structure(1, "Posyandu Uji")
    structure.pengurus = {"ketua": [_holder(1, None, "ketua")], "sekretaris": [], "bendahara": []}
    for n, code in enumerate(
        ("pendidikan", "kesehatan", "pekerjaan_umum", "perumahan_rakyat", "trantibumlinmas", "sosial")
    ):
        structure.fields[code] = {
            "koordinator": [_holder(10 + n, code, "koordinator")],
            "kader": [_holder(20 + n, code, "kader")],
        }
    lines = tree.render(t, structure)
    assert lines[0] == "👥 Struktur Posyandu Uji"
    assert "   • Ketua: Kader 01" in lines
    assert "   • Sekretaris: belum ada" in lines
    assert "   ├ Koordinator: Kader 10 ⏳" in lines  # not verified yet
    screens = tree.pages(lines, size=8)
    assert len(screens) > 1
    assert "\n".join(screens) == "\n".join(lines)  # nothing lost
    for screen in screens:
        for header in ("▸ Bidang",):
            for i, line in enumerate(screen.split("\n")):
                if line.startswith(header):
                    assert screen.split("\n")[i + 2].startswith("   └")  # a field and both its roles together


async def test_structure_rows_export_and_the_cli(kaderbot: KaderBot, db_url: str, tmp_path: Path) -> None:
    await kasih_sayang_team(kaderbot)
    async with kaderbot.db.sessions() as session, session.begin():
        rows = await tree.structure_rows(session, "65.01")
        elsewhere = await tree.structure_rows(session, "64.71")
    mine = {(r.posyandu, r.field, r.role, r.name) for r in rows}
    assert ("Posyandu Kasih Sayang", None, "ketua", "Ani Lestari") in mine
    assert ("Posyandu Kasih Sayang", "sosial", "kader", "Budi Santoso") in mine
    assert ("Posyandu Seruni", None, "ketua", "Agustina Laing") in mine  # registered ketua, adopted
    assert all(r.kabupaten == "Bulungan" for r in rows)
    assert not any(r.name in ("Ani Lestari", "Budi Santoso") for r in elsewhere)

    out = tmp_path / "rekap.xlsx"
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING"}
    done = await asyncio.to_thread(
        subprocess.run,
        [KADERBOT, "export", "--month", "2026-11", "--region", "65.01", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    book = load_workbook(io.BytesIO(out.read_bytes()))
    sheet = book["Struktur Posyandu"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["Kode Posyandu", "Posyandu", "Status Posyandu"]
    assert ["PY-6501-0002", "Posyandu Kasih Sayang"] in [v[:2] for v in values[1:]]
    assert any(v[6] == "Sosial" and v[7] == "Kader" and v[8] == "Budi Santoso" for v in values[1:])
