"""/verifikasi: the coordinator sees the cadres waiting in her region, approves or rejects with a
reason; the cadre is told through the outbox, and the decision is in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import KaderBot
from storage.models import Cadre, ChannelIdentity, Person
from storage.models_outbox import AuditLog, OutboxMessage
from tests.chat import Chat, Clock
from tests.flows import register_cadre
from tests.outbox_support import add_identity, make_coordinator


async def cadre_of(kaderbot: KaderBot, name: str) -> Cadre:
    async with kaderbot.db.sessions() as session:
        return (
            await session.execute(
                select(Cadre).join(Person, Person.id == Cadre.person_id).where(Person.full_name == name)
            )
        ).scalar_one()


async def table(kaderbot: KaderBot, model: type) -> list:  # type: ignore[type-arg]
    async with kaderbot.db.sessions() as session:
        return list((await session.execute(select(model))).scalars())


async def decisions(kaderbot: KaderBot) -> list[AuditLog]:
    """The audit entries of decisions (views of personal data are audited too: `personal.*`)."""
    return [e for e in await table(kaderbot, AuditLog) if not e.action.startswith("personal.")]


async def wrote_from(kaderbot: KaderBot, channel: str, address: str, clock: Clock) -> None:
    """The person last wrote from this identity: notices go there."""
    async with kaderbot.db.sessions() as session, session.begin():
        identity = (
            await session.execute(
                select(ChannelIdentity).where(
                    ChannelIdentity.channel == channel, ChannelIdentity.address == address
                )
            )
        ).scalar_one()
        identity.last_inbound_at = clock.now


async def test_approving_a_cadre_tells_them_and_is_audited(kaderbot: KaderBot, clock: Clock) -> None:
    await add_identity(kaderbot.db, "rina", "telegram", "880013")
    await wrote_from(kaderbot, "telegram", "880013", clock)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    assert siti.question == "Ada 1 kader menunggu verifikasi. Pilih kader untuk dilihat:"
    assert siti.labels == ["Rina Kusumawati — Posyandu Teratai", "🏠 Menu"]
    await siti.press("Rina")
    assert (
        "• Jabatan: Anggota" in siti.question
        and "• Wilayah: Jembayan, Kec. Loa Kulu, Kutai Kartanegara" in siti.question
    )
    assert siti.labels == ["✅ Setujui", "❌ Tolak", "◀ Kembali"]
    await siti.press("Setujui")
    assert "✅ Rina Kusumawati sudah diverifikasi." in siti.text
    assert "Rina Kusumawati akan menerima pemberitahuan." in siti.text
    assert "Tidak ada kader yang menunggu verifikasi" in siti.text  # the list again, now empty

    rina = await cadre_of(kaderbot, "Rina Kusumawati")
    assert rina.verification == "verified" and rina.verified_at == clock.now and rina.rejection_reason is None
    [notice] = await table(kaderbot, OutboxMessage)
    assert (notice.channel, notice.address, notice.kind) == ("telegram", "880013", "notice")
    assert notice.message_key == "coordinator.notice.cadre_verified"
    assert notice.params["posyandu"] == "Posyandu Teratai"
    [entry] = await decisions(kaderbot)
    assert (entry.actor, entry.action) == ("Siti Rahmawati", "cadre.verify")
    assert entry.details["cadre_id"] == rina.id and entry.at == clock.now


async def test_rejecting_asks_a_reason_and_passes_it_on(kaderbot: KaderBot, clock: Clock) -> None:
    await add_identity(kaderbot.db, "rina", "whatsapp", "6281100000013")
    await wrote_from(kaderbot, "whatsapp", "6281100000013", clock)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("Rina")
    await siti.press("Tolak")
    assert siti.question.startswith("Apa alasan penolakan?")
    assert siti.labels == [
        "Bukan kader Posyandu ini",
        "Posyandu yang dipilih salah",
        "Data tidak sesuai",
        "◀ Kembali",
    ]
    await siti.say("ok")
    assert "Mohon tulis alasan 3 sampai 200 huruf." in siti.text  # asked again, nothing decided
    assert (await cadre_of(kaderbot, "Rina Kusumawati")).verification == "pending"
    await siti.say("Nomor HP tidak aktif saat dihubungi")
    assert "Pendaftaran Rina Kusumawati ditolak." in siti.text
    rina = await cadre_of(kaderbot, "Rina Kusumawati")
    assert rina.verification == "rejected" and rina.rejection_reason == "Nomor HP tidak aktif saat dihubungi"
    [notice] = await table(kaderbot, OutboxMessage)
    assert notice.message_key == "coordinator.notice.cadre_rejected"
    assert notice.params["reason"] == "Nomor HP tidak aktif saat dihubungi" and notice.channel == "whatsapp"
    [entry] = await decisions(kaderbot)
    assert entry.action == "cadre.reject" and entry.details["reason"] == "Nomor HP tidak aktif saat dihubungi"


async def test_a_suggested_reason_and_going_back(kaderbot: KaderBot) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("Rina")
    await siti.press("Tolak")
    await siti.press("Kembali")
    assert siti.labels == ["✅ Setujui", "❌ Tolak", "◀ Kembali"]
    await siti.press("Kembali")
    assert siti.labels == ["Rina Kusumawati — Posyandu Teratai", "🏠 Menu"]
    await siti.press("Rina")
    await siti.press("Tolak")
    await siti.press("Data tidak sesuai")
    assert (await cadre_of(kaderbot, "Rina Kusumawati")).rejection_reason == "Data tidak sesuai"
    # Rina is only on the console: the notice waits for her next console turn.
    assert "Rina Kusumawati akan menerima pemberitahuan." in siti.text


async def test_a_cadre_handled_meanwhile_by_another_coordinator(kaderbot: KaderBot) -> None:
    await make_coordinator(kaderbot.db, "console", "marlina", "64.02.02")  # Loa Kulu, beside Bulungan
    siti, marlina = Chat(kaderbot.core, "siti"), Chat(kaderbot.core, "marlina")
    for chat in (siti, marlina):
        await chat.say("/verifikasi")
        await chat.press("Rina")
    await siti.press("Setujui")
    await marlina.press("Tolak")
    assert "Kader ini sudah diproses oleh koordinator lain." in marlina.text
    assert (await cadre_of(kaderbot, "Rina Kusumawati")).verification == "verified"
    assert len(await decisions(kaderbot)) == 1


async def test_a_new_registration_reaches_the_coordinator_of_its_region(
    kaderbot: KaderBot, chat: Chat
) -> None:
    await register_cadre(chat)  # Budi Santoso, Posyandu Melati 1, Melayu, Tenggarong
    await chat.say("/laporanku")
    assert "masih menunggu verifikasi koordinator" in chat.text
    siti, yohana = Chat(kaderbot.core, "siti"), Chat(kaderbot.core, "yohana")
    await siti.say("/verifikasi")
    assert "Budi Santoso — Posyandu Melati 1" in siti.labels
    await yohana.say("/verifikasi")
    assert "Budi Santoso — Posyandu Melati 1" not in yohana.labels
    await siti.press("Budi")
    await siti.press("Setujui")
    await chat.say("/laporanku")
    assert "Laporan" in chat.text and "menunggu verifikasi" not in chat.text
