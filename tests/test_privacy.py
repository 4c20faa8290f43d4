"""Personal data under UU 27/2022 (issue #8): /privasi shows what is held and why; /hapusdata erases
it after two confirmations and leaves no trace of the person in any table, while their Posyandu's
monthly totals stay as they were; coordinators' views of personal data are in the audit log."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, String, Text, delete, func, select

from bot.app import KaderBot
from storage.migrate import upgrade
from storage.models import Base, Cadre, ChannelIdentity, MonthlyReport, Person, Posyandu, ReportRevision
from storage.models_bpjs import ENROLLED
from storage.models_outbox import AuditLog, Broadcast
from storage.models_replies import TurnReply
from storage.models_tickets import Ticket
from storage.models_training import TrainingSeat
from storage.repositories import bpjs, erasure, incentives, tickets, whatsapp
from tests.chat import Chat, Clock
from tests.flows import register_cadre, report_until_summary
from tests.outbox_support import add_cadres, add_identity, compose_broadcast
from tests.test_scheduler_reminders import dispatcher, person_id
from tests.test_training_seats import TITLE, create_training, sign_up

NAME = "Sutinah Wulandari"
PHONE_TYPED = "0813-9988-7766"
PHONE = "+6281399887766"
TELEGRAM_ID = "7009988776"
WA_ID = "6281399887766"
# How the person could appear in any text: as stored, as typed locally, and as channel addresses.
TRACES = (NAME, PHONE, "081399887766", WA_ID, TELEGRAM_ID)
MELATI = "PY-6402-0001"


# -- helpers ----------------------------------------------------------------------------------------


async def melati_totals(kaderbot: KaderBot) -> dict[str, Any]:
    """The Posyandu's monthly figures as coordinators see them: every number of every month."""
    async with kaderbot.db.sessions() as session:
        reports = (
            await session.execute(
                select(MonthlyReport)
                .join(Posyandu, Posyandu.id == MonthlyReport.posyandu_id)
                .where(Posyandu.code == MELATI)
                .order_by(MonthlyReport.month)
            )
        ).scalars()
        months = {
            r.month.isoformat(): {
                "revision": r.revision,
                "skdn": (r.s, r.k, r.d, r.n),
                "visits": r.visits,
                "others": (r.referrals_gizi, r.immunizations, r.vitamin_a),
                "held": (r.held, r.held_on),
            }
            for r in reports
        }
        revisions = (
            await session.execute(
                select(func.count())
                .select_from(ReportRevision)
                .join(MonthlyReport, MonthlyReport.id == ReportRevision.report_id)
                .join(Posyandu, Posyandu.id == MonthlyReport.posyandu_id)
                .where(Posyandu.code == MELATI)
            )
        ).scalar_one()
    return {"months": months, "revisions": revisions}


def _strings(value: Any) -> list[str]:
    if isinstance(value, (dict, list)):
        return [json.dumps(value, ensure_ascii=False)]
    return [str(value)] if value is not None else []


def _json_ids(value: Any, key: str) -> list[Any]:
    """Every value stored under `key` anywhere inside a JSON value."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k == key]
        return found + [x for v in value.values() for x in _json_ids(v, key)]
    if isinstance(value, list):
        return [x for v in value for x in _json_ids(v, key)]
    return []


async def traces_left(
    kaderbot: KaderBot,
    *,
    person: int,
    identities: set[int],
    cadre: int | None,
    traces: tuple[str, ...] = TRACES,
) -> list[str]:
    """Every table in the metadata, every row: the person's name, phone, Telegram id or WhatsApp
    number in any text or JSON column, and any foreign key (or JSON id) pointing at them."""
    async with kaderbot.db.sessions() as session, session.begin():
        # The last turn's kept replies (the goodbye) are the channel's to send, then they go
        # (bot/replies.py); in-process there is no channel, so they go here.
        await session.execute(delete(TurnReply).where(TurnReply.status == "pending"))
    cadres = {cadre} if cadre is not None else set()
    doomed = {"person": {person}, "channel_identity": identities, "cadre": cadres}
    id_keys = {"person_id": {person}, "cadre_id": cadres, "identity_id": identities}
    found: list[str] = []
    async with kaderbot.db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(select(table))).mappings().all()
            for row in rows:
                for column in table.columns:
                    value = row[column.key]
                    if isinstance(column.type, (String, Text, JSON)):
                        for text in _strings(value):
                            for trace in traces:
                                if trace.casefold() in text.casefold():
                                    found.append(
                                        f"{table.name}.{column.name} contains {trace!r}: {text[:80]}"
                                    )
                    if isinstance(column.type, JSON):
                        for key, ids in id_keys.items():
                            hits = [v for v in _json_ids(value, key) if v in ids]
                            if hits:
                                found.append(f"{table.name}.{column.name} has {key}={hits}")
                    for fk in column.foreign_keys:
                        target = fk.column.table.name
                        if target in doomed and fk.column.primary_key and value in doomed[target]:
                            found.append(f"{table.name}.{column.name} → {target} {value}")
                    if table.name in doomed and column.primary_key and value in doomed[table.name]:
                        found.append(f"{table.name} row {value} still there")
    return found


async def revise_report(chat: Chat, note: str) -> None:
    """Send a revision of November 2026's report, with a new note."""
    await chat.say("/lapor")
    await chat.press("November 2026")
    await chat.press("Ya, revisi")
    await chat.press("Ubah")
    await chat.press("Catatan")
    await chat.say(note)
    await chat.press("Kirim")
    assert "versi 2" in chat.text, chat.text


async def file_ticket(chat: Chat, story: str) -> str:
    await chat.say("/pengaduan")
    await chat.press("Bansos tidak tepat sasaran")
    await chat.press("Kutai Kartanegara")
    await chat.press("Tenggarong")
    await chat.press("Melayu")
    await chat.say(story)
    await chat.photo("photo-rumah")
    await chat.press("Selesai")
    await chat.press("Kirim")
    number = tickets.parse_number(chat.text)
    assert number is not None, chat.text
    return number


async def ids_of(kaderbot: KaderBot, name: str) -> tuple[int, set[int], Any]:
    who = await person_id(kaderbot, name)
    async with kaderbot.db.sessions() as session:
        identities = set(
            (
                await session.execute(select(ChannelIdentity.id).where(ChannelIdentity.person_id == who))
            ).scalars()
        )
        cadre = (await session.execute(select(Cadre.id).where(Cadre.person_id == who))).scalar_one_or_none()
    return who, identities, cadre


async def a_cadre_with_a_full_footprint(kaderbot: KaderBot, clock: Clock) -> tuple[Chat, Chat, str]:
    """Sutinah on Telegram (and WhatsApp): registered, verified, a report revision naming her, a
    training place with someone waiting behind her, a ticket a coordinator answered, a muted
    reminder, planned reminders, incentive and BPJS records, a WhatsApp delivery record — and the
    coordinator's screen showing her name."""
    sutinah = Chat(kaderbot.core, TELEGRAM_ID, channel="telegram")
    siti, sari, nurhayati = (Chat(kaderbot.core, name) for name in ("siti", "sari", "nurhayati"))
    await register_cadre(sutinah, name=NAME, phone=PHONE_TYPED)
    who = await person_id(kaderbot, NAME)
    async with kaderbot.db.sessions() as session, session.begin():
        session.add(ChannelIdentity(channel="whatsapp", address=WA_ID, person_id=who, created_at=clock.now))
        await whatsapp.record(
            session,
            whatsapp.Attempt(address=WA_ID, kind="reply", message_type="text"),
            now=clock.now,
            wamid="wamid.SUTINAH1",
        )

    await siti.say("/verifikasi")
    await siti.press(NAME)
    assert PHONE in siti.question
    await siti.press("Setujui")

    await report_until_summary(sari)
    await sari.press("Kirim")
    await revise_report(sutinah, f"Dicatat oleh {NAME}, HP {PHONE_TYPED}")

    await create_training(siti, quota="1")
    assert "Pendaftaran berhasil" in await sign_up(sutinah)
    assert "daftar tunggu urutan 1" in await sign_up(nurhayati)

    number = await file_ticket(sutinah, f"Tetangga mampu menerima BPNT. Hubungi saya 081399887766 ({NAME}).")
    await siti.say("/tiket")
    await siti.press(number)
    await siti.press("Diproses")
    await siti.say(f"Kami kunjungi Ibu {NAME} besok pagi")

    await sutinah.say("/pengingat")
    await sutinah.press_payload(sutinah.choice.options[0].payload)  # one non-essential kind muted

    cadre = (await ids_of(kaderbot, NAME))[2]
    siti_id = await person_id(kaderbot, "Siti Rahmawati")
    async with kaderbot.db.sessions() as session, session.begin():
        await bpjs.set_status(session, cadre, status=ENROLLED, card_last4="4321", by=siti_id, now=clock.now)
        await incentives.record(
            session,
            cadre_id=cadre,
            month=dt.date(2026, 10, 1),
            status="dibayar",
            amount=250_000,
            paid_on=dt.date(2026, 11, 10),
            source="chat",
            by=siti_id,
            now=clock.now,
        )
    assert await dispatcher(kaderbot, clock).plan() > 0

    # The coordinator leaves the training's page open: it names Sutinah.
    await siti.say("/pelatihan")
    await siti.press(TITLE)
    assert NAME in siti.question
    return sutinah, siti, number


# -- /hapusdata ------------------------------------------------------------------------------------


async def test_erasure_leaves_no_trace_in_any_table_and_keeps_the_posyandu_totals(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sutinah, siti, number = await a_cadre_with_a_full_footprint(kaderbot, clock)
    who, identities, cadre = await ids_of(kaderbot, NAME)
    before = await traces_left(kaderbot, person=who, identities=identities, cadre=cadre)
    # The check sees what it must: the footprint is everywhere before erasure.
    for table in (
        "person",
        "channel_identity",
        "cadre",
        "report_revision",
        "ticket",
        "audit_log",
        "conversation",
        "training_seat",
        "reminder",
        "reminder_mute",
        "cadre_bpjs",
        "incentive_status",
        "outbox_message",
        "whatsapp_outbound_message",
        "monthly_report",
    ):
        assert any(line.startswith(table) for line in before), (table, before)
    totals = await melati_totals(kaderbot)
    assert totals["months"]["2026-11-01"]["revision"] == 2

    await sutinah.say("/hapusdata")
    assert "Penghapusan tidak dapat dibatalkan" in sutinah.question
    assert "Laporan bulanan tetap menjadi data Posyandu" in sutinah.question
    await sutinah.press("Ya, hapus")
    assert "ketik HAPUS" in sutinah.question
    await sutinah.say("hapus")
    assert "Data Bapak/Ibu sudah dihapus" in sutinah.text
    reference = re.search(r"E-[0-9A-F]{8}", sutinah.text)
    assert reference is not None

    assert await traces_left(kaderbot, person=who, identities=identities, cadre=cadre) == []
    assert await melati_totals(kaderbot) == totals

    async with kaderbot.db.sessions() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        assert (ticket.person_id, ticket.description, ticket.photos) == (None, "", [])
        assert (ticket.category, ticket.region_code, ticket.status) == (
            "salah_sasaran",
            "64.02.06.1005",
            "diproses",
        )
        entry = (
            await session.execute(select(AuditLog).where(AuditLog.action == "person.erase"))
        ).scalar_one()
        assert entry.details["reference"] == reference.group(0) and entry.actor == "self"
        assert entry.details["rows"]["person"] == 1 and entry.details["rows"]["channel_identity"] == 2
        # Her training place went to the first on the waitlist.
        waiting = await person_id(kaderbot, "Nurhayati Lestari")
        seat = (
            await session.execute(
                select(TrainingSeat)
                .join(Cadre, Cadre.id == TrainingSeat.cadre_id)
                .where(Cadre.person_id == waiting)
            )
        ).scalar_one()
        assert seat.status == "registered"

    # The coordinator's page that showed her is closed; a press on it is stale.
    await siti.press("Kembali")
    assert "Tombol itu sudah tidak berlaku" in siti.text

    # Her next message starts afresh: a new, unknown person, asked for consent again.
    await sutinah.say("/start")
    assert sutinah.labels == ["Bahasa Indonesia", "English"]
    async with kaderbot.db.sessions() as session:
        new = (
            await session.execute(
                select(Person)
                .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
                .where(ChannelIdentity.address == TELEGRAM_ID)
            )
        ).scalar_one()
        assert new.id != who or new.full_name is None
        assert (new.full_name, new.phone, new.consent_at, new.role) == (None, None, None, "resident")


async def test_a_coordinators_erasure_keeps_her_broadcasts_and_decisions_without_her(
    kaderbot: KaderBot,
) -> None:
    await add_cadres(kaderbot.db, count=2, posyandu_code=MELATI, first_address=30_000)
    await add_identity(kaderbot.db, "siti", "telegram", "7001100001")
    siti = Chat(kaderbot.core, "7001100001", channel="telegram")
    await compose_broadcast(siti, "Posyandu serentak tanggal 8", whole="Kutai Kartanegara")
    await siti.press("Kirim sekarang")
    await siti.press("Kirim")
    await siti.say("/verifikasi")
    await siti.press("Rina Kusumawati")
    await siti.press("Setujui")
    who, identities, _ = await ids_of(kaderbot, "Siti Rahmawati")
    traces = ("Siti Rahmawati", "+6281100000001", "081100000001", "7001100001")
    assert await traces_left(kaderbot, person=who, identities=identities, cadre=None, traces=traces)

    await siti.say("/hapusdata")
    assert "Sebagai koordinator" in siti.question
    await siti.press("Ya, hapus")
    await siti.say("HAPUS")
    assert "sudah dihapus" in siti.text

    assert await traces_left(kaderbot, person=who, identities=identities, cadre=None, traces=traces) == []
    async with kaderbot.db.sessions() as session:
        [broadcast] = (await session.execute(select(Broadcast))).scalars()
        assert broadcast.text == "Posyandu serentak tanggal 8" and broadcast.total == 2
        assert (broadcast.created_by, broadcast.origin_address) == (None, "")
        rina = await session.get(Cadre, (await ids_of(kaderbot, "Rina Kusumawati"))[2])
        assert rina is not None and rina.verification == "verified" and rina.verified_by is None
        entries = list((await session.execute(select(AuditLog).order_by(AuditLog.id))).scalars())
    # Her decisions stay on record, by no one named.
    decisions = [
        (e.actor, e.actor_person_id, e.action) for e in entries if not e.action.startswith("personal.")
    ]
    assert decisions == [
        ("***", None, "broadcast.create"),
        ("***", None, "cadre.verify"),
        ("self", None, "person.erase"),
    ]


async def test_declining_or_a_wrong_word_erases_nothing(kaderbot: KaderBot) -> None:
    budi = Chat(kaderbot.core, "budi")
    await register_cadre(budi)

    async def footprint() -> dict[str, int]:
        async with kaderbot.db.sessions() as session:
            return {
                table.name: (await session.execute(select(func.count()).select_from(table))).scalar_one()
                for table in Base.metadata.sorted_tables
                if table.name not in ("inbound_message", "audit_log")
            }

    before = await footprint()
    await budi.say("/hapusdata")
    await budi.press("Batal")
    assert "tidak dihapus" in budi.text
    await budi.say("/hapusdata")
    await budi.press("Ya, hapus")
    await budi.say("hapus semua")
    assert "Kata belum sesuai" in budi.text and "ketik HAPUS" in budi.question
    await budi.say("/batal")
    assert "tidak dihapus" in budi.text
    await budi.say("/hapusdata")
    await budi.press("Ya, hapus")
    await budi.press("Batal")
    assert await footprint() == before
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(Person).where(Person.full_name == "Budi Santoso"))).scalar_one()
        erasures = await session.execute(select(AuditLog).where(AuditLog.action == "person.erase"))
        assert erasures.first() is None


async def test_erasure_in_english_and_for_a_person_who_never_consented(kaderbot: KaderBot) -> None:
    anna = Chat(kaderbot.core, "anna")
    await anna.say("/start")
    await anna.press("English")
    await anna.press("I do not agree")
    await anna.say("/deletedata")
    assert "This cannot be undone" in anna.question
    await anna.press("Yes, delete")
    assert "type DELETE" in anna.question
    await anna.say("DELETE")
    assert "Your data has been deleted" in anna.text
    async with kaderbot.db.sessions() as session:
        left = await session.execute(select(ChannelIdentity).where(ChannelIdentity.address == "anna"))
        assert left.first() is None


# -- /privasi -----------------------------------------------------------------------------------------


async def test_privacy_shows_what_is_held_and_why(kaderbot: KaderBot) -> None:
    budi = Chat(kaderbot.core, "budi")
    await register_cadre(budi)
    await budi.say("/privasi")
    assert "Data Bapak/Ibu di KaderBot" in budi.question
    assert "Budi Santoso" in budi.question and "Kader Posyandu" in budi.question
    assert budi.labels == [
        "👤 Identitas & akun",
        "🏥 Peran & Posyandu",
        "📋 Laporan & pelatihan",
        "📨 Permohonan/pengaduan",
        "🗓️ Lama penyimpanan",
        "🗑️ Hapus data saya",
        "🏠 Menu",
    ]
    await budi.press("Identitas")
    assert "Nomor HP: +6281234567890" in budi.question and "Akun: Console" in budi.question
    assert "Persetujuan data: diberikan 20 Nov 2026" in budi.question
    assert "Untuk apa:" in budi.question and "NIK tidak kami simpan" in budi.question
    await budi.press("Kembali")
    await budi.press("Peran")
    assert "Posyandu: Posyandu Melati 1" in budi.question and "Jabatan: Anggota" in budi.question
    assert "Verifikasi: menunggu" in budi.question
    await budi.press("Kembali")
    await budi.press("Laporan")
    assert "Laporan bulanan yang Bapak/Ibu kirim (termasuk perbaikan): 0" in budi.question
    await budi.press("Kembali")
    await budi.press("Permohonan")
    assert "Jumlah: 0" in budi.question
    await budi.press("Kembali")
    await budi.press("Lama penyimpanan")
    assert "setelah 30 hari" in budi.question and "setelah 90 hari" in budi.question
    await budi.press("Hapus data saya")
    assert "Yakin ingin menghapus" in budi.question


async def test_privacy_counts_reports_and_speaks_english(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    await report_until_summary(sari)
    await sari.press("Kirim")
    await sari.say("/bahasa")
    await sari.press("English")
    await sari.say("/privacy")
    assert "Your data in KaderBot" in sari.question and "Sari Wulandari" in sari.question
    await sari.press("Reports & trainings")
    assert "Monthly reports you sent (corrections included): 1" in sari.question
    assert "What for:" in sari.question


async def test_the_menu_offers_my_data(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/menu")
    await sari.press("Data saya")
    assert "Data Bapak/Ibu di KaderBot" in sari.question


# -- coordinators' access is audited ---------------------------------------------------------------


async def test_coordinator_views_of_personal_data_are_audited(kaderbot: KaderBot) -> None:
    budi = Chat(kaderbot.core, "budi")
    await register_cadre(budi)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("Budi Santoso")
    await siti.say("/rekap")
    async with kaderbot.db.sessions() as session:
        entries = list(
            (
                await session.execute(
                    select(AuditLog).where(AuditLog.action.like("personal.%")).order_by(AuditLog.id)
                )
            ).scalars()
        )
        budi_cadre = (await ids_of(kaderbot, "Budi Santoso"))[2]
    assert [(e.actor, e.action, e.details.get("what")) for e in entries] == [
        ("Siti Rahmawati", "personal.list", "verify"),
        ("Siti Rahmawati", "personal.view", "verify"),
        ("Siti Rahmawati", "personal.list", "recap"),
    ]
    assert entries[1].details["cadre_id"] == budi_cadre
    assert "Budi" not in entries[0].target + json.dumps(entries[0].details)  # lists name no one


# -- the masking used on free text that stays -----------------------------------------------------


def test_masking_takes_whole_words_only() -> None:
    words = erasure.needles("Ani Lestari", "+6281399887766", ["7009988776"])
    assert "081399887766" in words and "6281399887766" in words
    text = "Ibu Ani Lestari (081399887766) lapor; Tani Lestari dan 70099887760 bukan dia"
    assert erasure.mask(text, words) == "Ibu *** (***) lapor; Tani Lestari dan 70099887760 bukan dia"
    assert erasure.needles("Ani", None, []) == []  # too short to mask without eating other words


def test_the_migration_keeps_tickets_and_their_history_and_lets_the_asker_go(tmp_path: Path) -> None:
    """0007 rebuilds `ticket` on SQLite: its rows and their events survive, and deleting a person
    now leaves their ticket with no asker instead of deleting it."""
    path = tmp_path / "old.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0006")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO region (code, level, name) VALUES ('64', 'provinsi', 'Kalimantan Timur')")
        db.execute(
            "INSERT INTO person (id, language, role, created_at) VALUES (1, 'id', 'resident', '2026-01-01')"
        )
        db.execute(
            "INSERT INTO ticket (id, number, person_id, category, region_code, description, photos, urgent,"
            " status, created_at, updated_at) VALUES (1, 'KB-2026-000001', 1, 'bantuan', '64', 'x', '[]', 0,"
            " 'diterima', '2026-01-01', '2026-01-01')"
        )
        db.execute(
            "INSERT INTO ticket_event (ticket_id, status, created_at) VALUES (1, 'diterima', '2026-01-01')"
        )
    upgrade(url)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM person WHERE id = 1")
        assert db.execute("SELECT number, person_id FROM ticket").fetchall() == [("KB-2026-000001", None)]
        assert db.execute("SELECT count(*) FROM ticket_event").fetchone() == (1,)
