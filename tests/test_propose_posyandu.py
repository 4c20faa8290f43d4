"""No dead ends in registration: every branch of the region tree leads to a desa, and a cadre whose
Posyandu is not listed proposes it; the region's coordinator verifies both in /verifikasi."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import KaderBot
from storage.models import Cadre, ChannelIdentity, Person, Posyandu
from storage.models_outbox import AuditLog
from storage.repositories import compliance
from tests.chat import Chat
from tests.flows import onboard


async def to_posyandu_question(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("Budi Santoso")
    await chat.say("0812-3456-7890")


async def propose_anyelir(chat: Chat) -> None:
    """Budi proposes Posyandu Anyelir in desa Sepatin, Anggana (no Posyandu listed there)."""
    await to_posyandu_question(chat)
    await chat.press("Kutai Kartanegara")
    await chat.press("Anggana")
    await chat.press("Sepatin")
    await chat.press("belum ada di daftar")
    await chat.say("anyelir")
    await chat.press("Lewati")  # no address
    await chat.press("menumpang")
    await chat.press("Tanggal tertentu")
    await chat.say("12")
    await chat.press("Kesehatan")
    await chat.press("Selesai")
    await chat.press("Lembaga Posyandu desa")
    await chat.press("Ketua")
    await chat.press("Kirim")


async def posyandu_named(kaderbot: KaderBot, name: str) -> Posyandu | None:
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(Posyandu).where(Posyandu.name == name))).scalar_one_or_none()


async def test_every_branch_of_the_tree_leads_somewhere(chat: Chat) -> None:
    """Walk every kabupaten and kecamatan offered: each shows at least one real choice, never only
    "Kembali" (Anggana used to)."""
    await to_posyandu_question(chat)
    top = [label for label in chat.labels if label != "◀ Kembali"]
    assert top == ["Balikpapan", "Bulungan", "Kutai Kartanegara"]
    for kabupaten in top:
        await chat.press(kabupaten)
        kecamatan = [label for label in chat.labels if label != "◀ Kembali"]
        assert kecamatan
        assert "Kota Bangun Darat" not in kecamatan and "Samboja Barat" not in kecamatan  # no desa listed
        for name in kecamatan:
            await chat.press(name)
            desa = [label for label in chat.labels if label != "◀ Kembali"]
            assert desa, f"{kabupaten} → {name} leads nowhere"
            await chat.press(desa[0])
            assert "➕ Posyandu saya belum ada di daftar" in chat.labels  # a desa always leads on
            await chat.press("Kembali")
            await chat.press("Kembali")
        await chat.press("Kembali")


async def test_anggana_shows_its_desa(chat: Chat) -> None:
    await to_posyandu_question(chat)
    await chat.press("Kutai Kartanegara")
    await chat.press("Anggana")
    assert chat.labels == ["Anggana", "Muara Pantuan", "Sepatin", "◀ Kembali"]
    await chat.press("Sepatin")
    assert "Belum ada Posyandu terdaftar di Sepatin" in chat.question
    assert chat.labels == ["➕ Posyandu saya belum ada di daftar", "◀ Kembali"]


async def test_a_cadre_proposes_a_posyandu_and_is_registered_to_it(chat: Chat, kaderbot: KaderBot) -> None:
    await to_posyandu_question(chat)
    assert "(3/4)" in chat.question
    await chat.press("Kutai Kartanegara")
    await chat.press("Anggana")
    await chat.press("Sepatin")
    await chat.press("belum ada di daftar")
    assert "(4)" in chat.question and "nama Posyandu" in chat.question
    await chat.say("anyelir\u200b")  # hidden characters are refused here too
    assert "karakter tersembunyi" in chat.text
    await chat.say("  anyelir ")
    await chat.press("Lewati")  # no address
    assert chat.labels[:2] == ["Ya, punya tempat tetap", "Tidak, menumpang di rumah warga"]
    await chat.press("menumpang")
    await chat.press("Tanggal tertentu")
    await chat.say("12")
    await chat.press("Kesehatan")
    await chat.press("Selesai")
    await chat.press("Lembaga Posyandu desa")
    await chat.press("Ketua")
    summary = chat.question
    assert "• Posyandu: Posyandu baru (usulan) di Sepatin, Anggana, Kutai Kartanegara" in summary
    assert "• Nama Posyandu baru: Anyelir" in summary
    assert "• Tempat tetap: Tidak, menumpang di rumah warga" in summary
    assert "• Biasanya buka tanggal: 12" in summary
    await chat.press("Kirim")
    assert "Usulan Posyandu Anyelir di Sepatin, Anggana, Kutai Kartanegara" in chat.text

    async with kaderbot.db.sessions() as session:
        person, cadre, posyandu = (
            await session.execute(
                select(Person, Cadre, Posyandu)
                .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
                .join(Cadre, Cadre.person_id == Person.id)
                .join(Posyandu, Posyandu.id == Cadre.posyandu_id)
                .where(ChannelIdentity.address == "budi")
            )
        ).one()
    assert (posyandu.name, posyandu.region_code, posyandu.status) == (
        "Posyandu Anyelir",
        "64.02.04.2001",
        "proposed",
    )
    assert (posyandu.has_fixed_place, posyandu.usual_day, posyandu.proposed_by) == (False, 12, person.id)
    assert (cadre.verification, cadre.position) == ("pending", "ketua")


async def test_a_proposal_is_not_offered_to_others_until_verified(chat: Chat, kaderbot: KaderBot) -> None:
    await propose_anyelir(chat)
    ani = Chat(kaderbot.core, "ani")
    await to_posyandu_question(ani)
    await ani.press("Kutai Kartanegara")
    await ani.press("Anggana")
    await ani.press("Sepatin")
    assert "Posyandu Anyelir" not in ani.labels
    await ani.say("anyelir")
    assert 'Posyandu "anyelir" tidak ditemukan' in ani.text

    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    assert "🆕 Budi Santoso — Posyandu Anyelir (usulan baru)" in siti.labels
    await siti.press("anyelir")
    assert "Kader ini mengusulkan Posyandu baru: Posyandu Anyelir" in siti.question
    assert "• Tempat: tidak tetap (menumpang di rumah warga)" in siti.question
    assert "• Biasanya buka: tanggal 12" in siti.question
    await siti.press("Setujui")
    posyandu = await posyandu_named(kaderbot, "Posyandu Anyelir")
    assert posyandu is not None and posyandu.status == "active"
    async with kaderbot.db.sessions() as session:
        [entry] = (
            (await session.execute(select(AuditLog).where(AuditLog.action == "cadre.verify"))).scalars().all()
        )
    assert entry.details["posyandu_id"] == posyandu.id

    await ani.press("Kembali")
    await ani.press("Sepatin")
    assert "Posyandu Anyelir" in ani.labels  # listed now


async def test_rejecting_the_cadre_rejects_the_proposal(chat: Chat, kaderbot: KaderBot) -> None:
    await propose_anyelir(chat)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("anyelir")
    await siti.press("Tolak")
    await siti.press("Posyandu yang dipilih salah")
    posyandu = await posyandu_named(kaderbot, "Posyandu Anyelir")
    assert posyandu is not None and posyandu.status == "rejected"


async def test_only_the_coordinators_of_its_region_see_the_proposal(chat: Chat, kaderbot: KaderBot) -> None:
    await propose_anyelir(chat)
    yohana = Chat(kaderbot.core, "yohana")  # Balikpapan
    await yohana.say("/verifikasi")
    assert "Fitri Handayani — Posyandu Mawar Merah" in yohana.labels  # her own region's cadre
    assert not any("Anyelir" in label for label in yohana.labels)


async def test_choosing_another_posyandu_withdraws_the_proposal(chat: Chat, kaderbot: KaderBot) -> None:
    await propose_anyelir(chat)
    await chat.say("/daftar")
    await chat.say("Budi Santoso")
    await chat.say("0812-3456-7890")
    await chat.press("Kutai Kartanegara")
    await chat.press("Tenggarong")
    await chat.press("Melayu")
    await chat.press("Melati 1")
    await chat.press("Anggota")
    await chat.press("Kirim")
    posyandu = await posyandu_named(kaderbot, "Posyandu Anyelir")
    assert posyandu is not None and posyandu.status == "withdrawn"
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    assert not any("Anyelir" in label for label in siti.labels)


async def test_not_in_the_list_explains_how_to_propose(chat: Chat) -> None:
    await to_posyandu_question(chat)
    await chat.say("melati")
    assert "Tidak ada di daftar" in chat.labels
    await chat.press("Tidak ada di daftar")
    assert "pilih wilayahnya sampai desa/kelurahan" in chat.text
    assert "➕ Posyandu saya belum ada di daftar" in chat.text
    assert "kabupaten/kota" in chat.question  # and the walk starts, leading to the proposal


async def test_erasing_the_proposer_unlinks_the_proposal(chat: Chat, kaderbot: KaderBot) -> None:
    await propose_anyelir(chat)
    await chat.say("/hapusdata")
    await chat.press("Ya, hapus")
    await chat.say("HAPUS")
    assert "sudah dihapus" in chat.text
    posyandu = await posyandu_named(kaderbot, "Posyandu Anyelir")
    assert posyandu is not None and posyandu.proposed_by is None  # the place stays, the person goes
    async with kaderbot.db.sessions() as session:
        assert (
            await session.execute(select(Person).where(Person.full_name == "Budi Santoso"))
        ).first() is None


async def test_a_posyandu_already_listed_in_the_desa_is_not_proposed_again(
    chat: Chat, kaderbot: KaderBot
) -> None:
    await to_posyandu_question(chat)
    await chat.press("Kutai Kartanegara")
    await chat.press("Tenggarong")
    await chat.press("Melayu")
    await chat.press("belum ada di daftar")
    await chat.say("mawar")  # Posyandu Mawar is listed in Melayu
    assert "Posyandu Mawar sudah terdaftar di desa ini" in chat.text
    assert "nama Posyandu" in chat.question  # asked again
    await chat.say("Mawar Putih")
    assert "alamat" in chat.question  # the name is taken: on to the next question


async def test_a_rejected_proposal_leaves_the_recap(chat: Chat, kaderbot: KaderBot) -> None:
    """While it waits, the proposed Posyandu is one to report (its cadre may already send reports);
    once rejected it is no Posyandu at all, so it is not listed as 'not yet reported'."""

    async def recap_names() -> list[str]:
        async with kaderbot.db.sessions() as session:
            rows = await compliance.statuses(session, "64.02", dt.date(2026, 11, 1), missing_only=True)
        return [row.name for row in rows]

    await propose_anyelir(chat)
    assert "Posyandu Anyelir" in await recap_names()
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("anyelir")
    await siti.press("Tolak")
    await siti.press("Posyandu yang dipilih salah")
    assert "Posyandu Anyelir" not in await recap_names()
    assert "Posyandu Melati 1" in await recap_names()
