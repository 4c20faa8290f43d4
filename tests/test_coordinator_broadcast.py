"""/siaran as a coordinator writes one: the audience inside her region, the exact recipient count
in the preview, now or at a local date and time, and what is stored on confirm."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import KaderBot
from storage.models import ChannelIdentity, Person
from storage.models_outbox import AuditLog, Broadcast, OutboxMessage
from storage.repositories import tickets
from tests.chat import Chat, Clock
from tests.outbox_support import NOW, add_cadres, compose_broadcast, make_coordinator


async def stored(kaderbot: KaderBot) -> tuple[list[Broadcast], list[OutboxMessage], list[AuditLog]]:
    async with kaderbot.db.sessions() as session:
        broadcasts = list((await session.execute(select(Broadcast))).scalars())
        rows = list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
        entries = list((await session.execute(select(AuditLog))).scalars())
    return broadcasts, rows, entries


async def add_resident(kaderbot: KaderBot, address: str, region: str) -> None:
    """A consenting resident on Telegram with a complaint about `region` (how we know where they live)."""
    async with kaderbot.db.sessions() as session, session.begin():
        person = Person(full_name="Warga Uji", language="id", role="resident", consent_at=NOW, created_at=NOW)
        session.add(person)
        await session.flush()
        session.add(ChannelIdentity(channel="telegram", address=address, person_id=person.id, created_at=NOW))
        new = tickets.NewTicket(
            category="bantuan", region_code=region, description="Belum menerima bantuan sembako"
        )
        await tickets.open_ticket(session, person_id=person.id, new=new, now=NOW)


async def test_preview_counts_exactly_who_can_be_reached(kaderbot: KaderBot) -> None:
    await add_cadres(kaderbot.db, count=5, posyandu_code="PY-6402-0001", first_address=30_000)
    await add_cadres(
        kaderbot.db, count=3, posyandu_code="PY-6402-0011", first_address=628_130_000, channel="whatsapp"
    )
    await add_cadres(kaderbot.db, count=4, posyandu_code="PY-6471-0001", first_address=31_000)  # Balikpapan
    siti = Chat(kaderbot.core, "siti")
    await compose_broadcast(siti, "Pelatihan kader tanggal 30", whole="Kutai Kartanegara")
    # 5 + 3 reachable; Sari, Nurhayati and Rina are on the console only.
    assert siti.question.startswith(
        "(5) Penerima: Kader di Kutai Kartanegara — 8 orang.\n"
        "(3 orang lainnya belum dapat dihubungi lewat Telegram/WhatsApp.)\n\nKirim kapan?"
    )
    await siti.press("Kirim sekarang")
    summary = siti.question
    assert summary.startswith("📢 Pratinjau siaran\nPenerima: Kader di Kutai Kartanegara — 8 orang.")
    assert "• Isi: Pelatihan kader tanggal 30" in summary and "• Lampiran: tidak ada" in summary
    assert siti.labels == ["✅ Kirim", "✏️ Ubah", "✖ Batal"]
    await siti.press("Kirim")
    assert "📢 Siaran #1 sedang dikirim ke 8 penerima." in siti.text
    assert "Menu utama" in siti.question

    [broadcast], rows, [entry] = await stored(kaderbot)
    assert broadcast.total == 8 and broadcast.status == "scheduled" and broadcast.scheduled_at is None
    assert broadcast.region_code == "64.02" and broadcast.audience["label"] == "Kader di Kutai Kartanegara"
    assert (broadcast.origin_channel, broadcast.origin_address) == ("console", "siti")
    assert len(rows) == 8 and {r.status for r in rows} == {"pending"}
    assert sorted(r.channel for r in rows) == ["telegram"] * 5 + ["whatsapp"] * 3
    assert len({r.person_id for r in rows}) == 8  # one row per person
    assert (entry.action, entry.details["recipients"]) == ("broadcast.create", 8)


async def test_audiences_verified_one_posyandu_residents_and_both(kaderbot: KaderBot) -> None:
    await add_cadres(kaderbot.db, count=4, posyandu_code="PY-6402-0001", first_address=32_000)
    await add_cadres(
        kaderbot.db, count=2, posyandu_code="PY-6402-0002", first_address=33_000, verification="pending"
    )
    await add_cadres(
        kaderbot.db, count=1, posyandu_code="PY-6402-0002", first_address=34_000, verification="rejected"
    )
    await add_resident(kaderbot, "35001", "64.02.06.1005")
    await add_resident(kaderbot, "35002", "64.71.05.1002")  # Balikpapan
    siti = Chat(kaderbot.core, "siti")
    cases = [
        ("Kader terverifikasi saja", ["Tenggarong"], "Kader terverifikasi di Tenggarong — 4 orang."),
        ("Kader", ["Tenggarong"], "Kader di Tenggarong — 6 orang."),  # pending too, never rejected
        ("Warga", ["Tenggarong"], "Warga di Tenggarong — 1 orang."),
        ("Kader dan warga", ["Tenggarong"], "Kader dan warga di Tenggarong — 7 orang."),
    ]
    for audience, path, expected in cases:
        await compose_broadcast(siti, "Info penting", audience=audience, path=path, whole=path[-1])
        assert expected in siti.question, audience
    await siti.say("/siaran")
    assert siti.labels == ["Lanjutkan", "Mulai dari awal"]  # the unfinished one is kept as a draft
    await siti.press("Mulai dari awal")
    await siti.say("Khusus kader Melati 2")
    await siti.press("Lewati")
    await siti.press("Kader satu Posyandu")
    assert "Kutai Kartanegara: pilih Posyandu atau wilayahnya:" in siti.question
    assert "Muara Muntai" not in siti.labels  # kecamatan without Posyandu are not offered
    await siti.press("Tenggarong")
    await siti.press("Melayu")
    assert siti.labels[:3] == ["Posyandu Mawar", "Posyandu Melati 1", "Posyandu Melati 2"]
    await siti.press("Melati 2")
    assert "Kader Posyandu Melati 2 — 2 orang." in siti.question


async def test_scheduling_in_local_time(kaderbot: KaderBot, clock: Clock) -> None:
    await add_cadres(kaderbot.db, count=2, posyandu_code="PY-6402-0001", first_address=36_000)
    siti = Chat(kaderbot.core, "siti")
    await compose_broadcast(siti, "Posyandu serentak minggu depan", whole="Kutai Kartanegara")
    await siti.press("Jadwalkan")
    assert siti.labels[:3] == [
        "Hari ini, Jumat, 20 November 2026",
        "Besok, Sabtu, 21 November 2026",
        "Lusa, Minggu, 22 November 2026",
    ]
    await siti.say("19/11")
    assert "Waktu itu sudah lewat." in siti.text
    await siti.say("20/2/2027")
    assert "paling lama 90 hari ke depan" in siti.text
    await siti.press("Hari ini")
    assert siti.question.startswith("(7/7) Jam berapa (WITA)?")
    assert siti.labels == ["13.00", "16.00", "◀ Kembali"]  # 10:00 now: 07.00, 08.00 and 10.00 are gone
    await siti.say("08.00")
    assert "Waktu itu sudah lewat." in siti.text
    await siti.say("25.61")
    assert "Mohon ketik jam seperti 08.30 atau 14.00." in siti.text
    await siti.press("Kembali")
    await siti.say("25/11")
    await siti.say("8.30")
    assert "• Tanggal: Rabu, 25 November 2026" in siti.question and "• Jam: 08.30" in siti.question
    assert siti.question.endswith("Periksa kembali. Jadwalkan siaran ini?")  # not "Kirim sekarang?"
    await siti.press("Jadwalkan")
    assert "🗓️ Siaran #1 untuk 2 penerima dijadwalkan pada Rabu, 25 November 2026 08.30 WITA." in siti.text

    [broadcast], rows, [entry] = await stored(kaderbot)
    due = dt.datetime(2026, 11, 25, 0, 30, tzinfo=dt.UTC)  # 08:30 WITA
    assert broadcast.scheduled_at == due and {r.not_before for r in rows} == {due}
    assert entry.details["scheduled_at"] == due.isoformat()


async def test_nobody_reachable_cannot_be_sent(kaderbot: KaderBot) -> None:
    siti = Chat(kaderbot.core, "siti")
    await compose_broadcast(siti, "Untuk warga", audience="Warga", whole="Kutai Kartanegara")
    assert "Warga di Kutai Kartanegara — 0 orang." in siti.question
    await siti.press("Kirim sekarang")
    assert "Belum ada penerima yang dapat dihubungi." in siti.text
    assert "Kirim kapan?" in siti.question  # the same question again: go back to change the audience
    broadcasts, rows, _ = await stored(kaderbot)
    assert broadcasts == [] and rows == []


async def test_typing_instead_of_attaching_and_editing_the_audience(kaderbot: KaderBot) -> None:
    await add_cadres(kaderbot.db, count=1, posyandu_code="PY-6402-0001", first_address=37_000)
    await add_resident(kaderbot, "37001", "64.02.06.1005")
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/siaran")
    await siti.say("ok")
    assert "Jawaban terlalu pendek (paling sedikit 5 huruf)." in siti.text
    await siti.say("Rapat koordinasi kader")
    await siti.say("ini lampirannya")
    assert "Mohon kirim foto atau dokumen, atau pilih Lewati." in siti.text
    await siti.press("Lewati")
    await siti.press("Kader")
    await siti.press("Seluruh Kutai Kartanegara")
    await siti.press("Kirim sekarang")
    assert "— 1 orang." in siti.question
    await siti.press("Ubah")
    await siti.press("Penerima")
    await siti.press("Kader dan warga")
    assert "Kader dan warga di Kutai Kartanegara — 2 orang." in siti.question
    await siti.press("Kirim")
    [broadcast], rows, _ = await stored(kaderbot)
    # (the resident's complaint told the coordinators through the outbox too: not this broadcast's)
    assert broadcast.audience["who"] == "both"
    assert len([r for r in rows if r.broadcast_id == broadcast.id]) == 2


async def test_a_coordinator_of_several_regions_picks_one(kaderbot: KaderBot) -> None:
    await make_coordinator(kaderbot.db, "console", "marlina", "64.71")  # Bulungan and Balikpapan
    marlina = Chat(kaderbot.core, "marlina")
    await marlina.say("/siaran")
    await marlina.say("Info untuk semua kader")
    await marlina.press("Lewati")
    await marlina.press("Kader")
    assert marlina.question.startswith("(4) Pilih wilayah:")  # the total waits for "now or later?"
    assert marlina.labels == ["Balikpapan", "Bulungan", "◀ Kembali"]
    await marlina.press("Bulungan")
    assert "Seluruh Bulungan" in marlina.labels
    await marlina.say("/batal")
    assert "Menu utama" in marlina.question
