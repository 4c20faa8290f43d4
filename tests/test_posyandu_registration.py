"""Issue 16, point 2: a Posyandu registered in chat by its people (name, desa, place, usual day,
fields served, pos pelayanan of which lembaga), verified by the region's coordinator; its profile,
edited by its ketua one thing at a time, audited, and sent back to re-verification when the DPMD's
checklist depends on what changed."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import KaderBot
from handlers.posyandu.profile import needs_reverification
from storage.models import Cadre, ChannelIdentity, Person, Posyandu
from storage.models_outbox import AuditLog
from storage.models_posyandu_verification import PosyanduVerification
from storage.models_structure import PosyanduPosition
from tests.chat import Chat
from tests.flows import onboard


async def start_registration(chat: Chat, name: str = "Budi Santoso", phone: str = "0812-3456-7890") -> None:
    await onboard(chat)
    await chat.say(name)
    await chat.say(phone)


async def register_anyelir(chat: Chat) -> None:
    """Budi registers Posyandu Anyelir in Sepatin (nothing listed there), as its ketua."""
    await start_registration(chat)
    await chat.press("Kutai Kartanegara")
    await chat.press("Anggana")
    await chat.press("Sepatin")
    await chat.press("belum ada di daftar")
    await chat.say("anyelir")
    await chat.say("Jl. Poros Sepatin RT 04")
    await chat.press("Ya, punya tempat tetap")
    await chat.press("Minggu ke-… hari …")
    await chat.press("Minggu ke-2")
    await chat.press("Selasa")
    await chat.say("kesehatan, sosial, 1")  # typed: parse_spm_fields
    await chat.press("Lembaga Posyandu desa")
    await chat.press("Ketua")
    await chat.press("Kesehatan")
    await chat.press("Sosial")
    await chat.press("Selesai")


async def rows_of(kaderbot: KaderBot, address: str) -> tuple[Person, Cadre, Posyandu]:
    async with kaderbot.db.sessions() as session:
        return (
            await session.execute(
                select(Person, Cadre, Posyandu)
                .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
                .join(Cadre, Cadre.person_id == Person.id)
                .join(Posyandu, Posyandu.id == Cadre.posyandu_id)
                .where(ChannelIdentity.address == address)
            )
        ).one()


async def places_of(kaderbot: KaderBot, person_id: int) -> set[tuple[int, str | None, str]]:
    async with kaderbot.db.sessions() as session:
        found = await session.execute(
            select(PosyanduPosition.posyandu_id, PosyanduPosition.field, PosyanduPosition.role).where(
                PosyanduPosition.person_id == person_id
            )
        )
        return {tuple(row) for row in found}  # type: ignore[misc]


async def test_a_posyandu_registered_in_chat_and_verified_by_the_coordinator(
    chat: Chat, kaderbot: KaderBot
) -> None:
    await register_anyelir(chat)
    summary = chat.question
    assert "• Alamat: Jl. Poros Sepatin RT 04" in summary
    assert "• Jadwal: 🗓 Minggu ke-… hari …" in summary
    assert "• Minggu ke: Minggu ke-2" in summary and "• Hari: Selasa" in summary
    assert "• Bidang yang dilayani: Pendidikan, Kesehatan, Sosial" in summary
    assert "• Bidang yang Bapak/Ibu layani: Kesehatan, Sosial" in summary
    await chat.press("Kirim")
    assert "Usulan Posyandu Anyelir di Sepatin" in chat.text

    person, cadre, posyandu = await rows_of(kaderbot, "budi")
    assert (posyandu.status, posyandu.kind, posyandu.parent_id) == ("proposed", "lembaga", None)
    assert (posyandu.address, posyandu.has_fixed_place) == ("Jl. Poros Sepatin RT 04", True)
    assert (posyandu.usual_day, posyandu.usual_week, posyandu.usual_weekday) == (None, 2, 1)
    assert posyandu.spm_fields == ["pendidikan", "kesehatan", "sosial"]
    assert (cadre.position, cadre.verification) == ("ketua", "pending")
    assert await places_of(kaderbot, person.id) == {
        (posyandu.id, None, "ketua"),
        (posyandu.id, "kesehatan", "kader"),
        (posyandu.id, "sosial", "kader"),
    }

    siti = Chat(kaderbot.core, "siti")  # coordinator of Kutai Kartanegara
    await siti.say("/verifikasi")
    await siti.press("Anyelir")
    details = siti.question
    assert "Kader ini mengusulkan Posyandu baru: Posyandu Anyelir" in details
    assert "• Alamat: Jl. Poros Sepatin RT 04" in details
    assert "• Biasanya buka: minggu ke-2, hari Selasa" in details
    assert "• Bidang SPM: Pendidikan, Kesehatan, Sosial" in details
    await siti.press("Setujui")
    _, cadre, posyandu = await rows_of(kaderbot, "budi")
    assert (posyandu.status, cadre.verification) == ("active", "verified")

    await chat.say("/posyandu")
    card = chat.question
    assert "🏠 Posyandu Anyelir" in card and "Lembaga Posyandu desa/kelurahan" in card
    assert "• Biasanya buka: minggu ke-2, hari Selasa" in card
    assert "• Ketua: Budi Santoso" in card and "• Status: terdaftar" in card
    assert "✏️ Ubah data" in chat.labels


async def test_a_pos_pelayanan_is_registered_under_its_lembaga(chat: Chat, kaderbot: KaderBot) -> None:
    """In Tanjung Selor Hilir, Posyandu Kasih Sayang (six fields) is the lembaga: a new pos below it."""
    await start_registration(chat)
    await chat.press("Bulungan")
    await chat.press("Tanjung Selor")
    await chat.press("Tanjung Selor Hilir")
    await chat.press("belum ada di daftar")
    await chat.say("Pos RT 30")
    await chat.press("Lewati")
    await chat.press("menumpang")
    await chat.press("Tanggal tertentu")
    await chat.say("40")
    assert "31" in chat.text  # refused, asked again
    await chat.say("7")
    await chat.press("Semua bidang")
    assert "Pos pelayanan dari Posyandu Kasih Sayang" in chat.labels
    await chat.press("Pos pelayanan dari Posyandu Kasih Sayang")
    await chat.press("Anggota")
    await chat.press("Lewati")  # fields served: later, in /struktur
    await chat.press("Kirim")

    person, _, posyandu = await rows_of(kaderbot, "budi")
    async with kaderbot.db.sessions() as session:
        lembaga = (
            await session.execute(select(Posyandu).where(Posyandu.code == "PY-6501-0002"))
        ).scalar_one()
    assert (posyandu.name, posyandu.kind, posyandu.parent_id) == ("Posyandu Pos RT 30", "pos", lembaga.id)
    assert (posyandu.usual_day, posyandu.has_fixed_place) == (7, False)
    assert len(posyandu.spm_fields) == 6
    assert await places_of(kaderbot, person.id) == set()  # skipped: no field, no pengurus place


async def test_the_fields_question_refuses_what_is_not_a_field(chat: Chat) -> None:
    await start_registration(chat)
    await chat.press("Kutai Kartanegara")
    await chat.press("Anggana")
    await chat.press("Sepatin")
    await chat.press("belum ada di daftar")
    await chat.say("anyelir")
    await chat.press("Lewati")
    await chat.press("Ya, punya tempat tetap")
    await chat.press("Tidak tentu")
    await chat.say("kesehatan, olahraga")
    assert '"olahraga" bukan nama bidang SPM' in chat.text
    await chat.press("Selesai")
    assert "paling sedikit satu bidang" in chat.text
    await chat.press("Sosial")
    assert "✅ Sosial" in chat.labels
    await chat.press("Sosial")  # untick
    assert "⬜ Sosial" in chat.labels


async def test_the_ketua_edits_the_profile_audited_and_sent_back_to_reverification(
    chat: Chat, kaderbot: KaderBot
) -> None:
    sari = Chat(kaderbot.core, "sari")  # ketua of Posyandu Melati 1, verified
    async with kaderbot.db.sessions() as session, session.begin():
        posyandu = (
            await session.execute(select(Posyandu).where(Posyandu.code == "PY-6402-0001"))
        ).scalar_one()
        found = await session.scalar(
            select(PosyanduVerification).where(PosyanduVerification.posyandu_id == posyandu.id)
        )
        if found is None:
            session.add(PosyanduVerification(posyandu_id=posyandu.id, status="verified", checklist={}))
        else:
            found.status = "verified"  # as if the DPMD had verified it
        posyandu_id = posyandu.id

    await sari.say("/posyandu")
    assert "• Verifikasi DPMD: terverifikasi" in sari.question
    await sari.press("Ubah data")
    await sari.press("Alamat")
    await sari.say("Jl. Melati No. 5, RT 02")
    await sari.press("Kirim")
    assert "Alamat sudah diubah dan dicatat" in sari.text
    assert "diverifikasi ulang" not in sari.text  # the DPMD's checklist does not look at the address
    assert "• Alamat: Jl. Melati No. 5, RT 02" in sari.question  # back on the profile

    await sari.press("Ubah data")
    await sari.press("Bidang SPM")
    assert "Bidang sekarang: Kesehatan" in sari.question
    await sari.press("Sosial")
    await sari.press("Kesehatan")
    await sari.press("Kesehatan")
    await sari.press("Selesai")
    await sari.press("Kirim")
    assert "diverifikasi ulang oleh DPMD" in sari.text

    async with kaderbot.db.sessions() as session:
        posyandu = await session.get(Posyandu, posyandu_id)
        verification = (
            await session.execute(
                select(PosyanduVerification).where(PosyanduVerification.posyandu_id == posyandu_id)
            )
        ).scalar_one()
        entries = (
            (
                await session.execute(
                    select(AuditLog).where(AuditLog.action == "posyandu.edit").order_by(AuditLog.id)
                )
            )
            .scalars()
            .all()
        )
    assert posyandu is not None and posyandu.spm_fields == ["kesehatan", "sosial"]
    assert posyandu.address == "Jl. Melati No. 5, RT 02"
    assert verification.status == "submitted"
    assert [(e.details["field"], e.details["reverify"]) for e in entries] == [
        ("address", False),
        ("spm_fields", True),
    ]
    assert entries[1].details["old"] == ["kesehatan"] and entries[1].details["new"] == ["kesehatan", "sosial"]
    assert entries[1].actor == "Sari Wulandari"


async def test_only_the_ketua_edits(kaderbot: KaderBot) -> None:
    nurhayati = Chat(kaderbot.core, "nurhayati")  # sekretaris
    await nurhayati.say("/posyandu")
    assert "hanya dapat diubah oleh ketuanya" in nurhayati.question
    assert "✏️ Ubah data" not in nurhayati.labels
    await nurhayati.say("/menu")
    await nurhayati.say("/posyandu")
    token = nurhayati.replies[-1].turn  # type: ignore[union-attr]
    await nurhayati.press_payload(f"{token}.edit")  # a forged button
    assert "Ubah data Posyandu" not in nurhayati.text
    joko = Chat(kaderbot.core, "joko")  # a resident
    await joko.say("/posyandu")
    assert "Ubah data" not in joko.text


def test_which_changes_need_reverification() -> None:
    assert needs_reverification(["name"]) and needs_reverification(["address", "spm_fields"])
    assert needs_reverification({"region_code"})
    assert not needs_reverification(["address", "has_fixed_place", "schedule"])
    assert not needs_reverification([])


async def test_a_changed_name_is_proper_and_audited(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/posyandu")
    await sari.press("Ubah data")
    await sari.press("Nama")
    assert "Nama sekarang: Posyandu Melati 1" in sari.question
    await sari.say("melati satu")
    await sari.press("Kirim")
    async with kaderbot.db.sessions() as session:
        entry = (
            await session.execute(select(AuditLog).where(AuditLog.action == "posyandu.edit"))
        ).scalar_one()
    assert entry.details["old"] == "Posyandu Melati 1"
    assert entry.details["new"] in ("Posyandu melati satu", "Posyandu Melati Satu")
    assert entry.details["reverify"] is True  # verified by the DPMD in the demo data: checked again
    assert "diverifikasi ulang oleh DPMD" in sari.text


async def test_the_ketua_changes_the_usual_day_to_a_week_and_weekday(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/posyandu")
    await sari.press("Ubah data")
    await sari.press("Jadwal buka")
    assert "Jadwal sekarang: tanggal" in sari.question
    await sari.press("Minggu ke-… hari …")
    await sari.press("Minggu ke-3")
    await sari.press("Kamis")
    await sari.press("Kirim")
    assert "• Biasanya buka: minggu ke-3, hari Kamis" in sari.question
    assert "diverifikasi ulang" not in sari.text
    async with kaderbot.db.sessions() as session:
        entry = await session.scalar(select(AuditLog).where(AuditLog.action == "posyandu.edit"))
        posyandu = await session.scalar(select(Posyandu).where(Posyandu.code == "PY-6402-0001"))
    assert entry is not None and posyandu is not None
    assert entry.details["new"] == {"usual_day": None, "usual_week": 3, "usual_weekday": 3}
    assert (posyandu.usual_day, posyandu.usual_week, posyandu.usual_weekday) == (None, 3, 3)


async def test_moving_to_another_desa_is_a_change_the_dpmd_checks_again(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")  # Posyandu Melati 1, Melayu; verified by the DPMD in the demo
    await sari.say("/posyandu")
    await sari.press("Ubah data")
    await sari.press("Desa/kelurahan")
    await sari.press("Kutai Kartanegara")
    await sari.press("Anggana")
    await sari.press("Sepatin")
    await sari.press("Kirim")
    assert "diverifikasi ulang oleh DPMD" in sari.text
    assert "Sepatin" in sari.question  # the profile shows the new desa
    async with kaderbot.db.sessions() as session:
        entry = await session.scalar(select(AuditLog).where(AuditLog.action == "posyandu.edit"))
        posyandu = await session.scalar(select(Posyandu).where(Posyandu.code == "PY-6402-0001"))
        status = await session.scalar(
            select(PosyanduVerification.status).where(PosyanduVerification.posyandu_id == posyandu.id)  # type: ignore[union-attr]
        )
    assert entry is not None and posyandu is not None
    assert (entry.details["field"], entry.details["new"], entry.details["reverify"]) == (
        "region_code",
        "64.02.04.2001",
        True,
    )
    assert posyandu.region_code == "64.02.04.2001" and status == "submitted"


async def test_a_cadre_finds_the_posyandu_screens_from_the_menu(kaderbot: KaderBot) -> None:
    """No hidden commands: the cadre's menu leads to the Posyandu's profile, and from there to its
    structure, its children and weighing, and its documents."""
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/menu")
    assert "Tentang KaderBot" not in sari.labels  # the menu holds 10 rows: this one made room
    await sari.press("Profil Posyandu")
    assert "Posyandu Melati 1" in sari.question, sari.text
    await sari.press("Balita & penimbangan")
    assert "balita" in sari.question.casefold()
    await sari.say("/posyandu")
    await sari.press("Dokumen")
    assert "Dokumen Posyandu" in sari.question
    await sari.say("/bantuan")
    assert "/balita" in sari.text and "/timbang" in sari.text
