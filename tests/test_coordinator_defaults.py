"""Issue #15, "Incentives read wrong" and "Coordinator defaults", as a cadre and a coordinator meet
them: a new cadre's first month counts, late reports are marked late everywhere, /rekap and /ekspor
open on the last month whose deadline has passed and offer the others, and the ticket desk can
write to the person who asked and shows every answer of an urgent request."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import KaderBot
from handlers.types import File
from storage.models_outbox import AuditLog
from storage.models_tickets import Ticket, TicketEvent
from storage.repositories import tickets
from tests.chat import Chat, Clock
from tests.flows import register_cadre
from tests.outbox_support import NOW, file_ticket
from tests.test_scheduler_reminders import notices, send_report, wita


def month_line(screen: str, month: str) -> str:
    [found] = [text for text in screen.splitlines() if f"{month}:" in text]
    return found


async def test_a_cadre_who_joins_before_the_deadline_counts_for_the_month_before(
    kaderbot: KaderBot, clock: Clock
) -> None:
    # Budi registers on 3 December and sends November's report (due 5 December) the same day.
    budi = Chat(kaderbot.core, "budi")
    clock.now = wita(2026, 12, 3, 9, 0)
    await register_cadre(budi)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("Budi Santoso")
    await siti.press("Setujui")
    await send_report(budi, clock, wita(2026, 12, 3, 10, 0), month="November 2026")

    await budi.say("/insentif")
    assert month_line(budi.text, "November 2026") == "✅ November 2026: memenuhi syarat (Rp250.000)"
    assert month_line(budi.text, "Desember 2026").startswith("⏳ Desember 2026: belum jatuh tempo")
    assert "Oktober 2026" not in budi.text  # he was not a cadre when October's report was due

    clock.now = wita(2026, 12, 10, 9, 0)
    await siti.say("/insentif")
    await siti.press("November 2026")
    # Budi and Sari (Melati 1's report is theirs both). Before, Budi, registered in December, was
    # left out of November altogether.
    assert "✅ Memenuhi syarat: 2 kader (Rp500.000)" in siti.question, siti.question


async def test_a_late_report_is_marked_late_in_laporanku_rekap_and_the_workbook(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sari = Chat(kaderbot.core, "sari")
    await send_report(sari, clock, wita(2026, 11, 6, 0, 0), month="Oktober 2026")  # a minute late
    await send_report(sari, clock, wita(2026, 11, 20, 9, 0), month="November 2026")  # in time
    await sari.say("/laporanku")
    assert month_line(sari.text, "Oktober 2026").endswith("⏰ terlambat")
    assert "terlambat" not in month_line(sari.text, "November 2026")

    siti = Chat(kaderbot.core, "siti")
    await siti.say("/rekap 2026-10")
    assert "⏰ Terlambat: 1 Posyandu mengirim laporan pertama sesudah batas waktunya." in siti.text
    await siti.say("/rekap 2026-11")
    assert "Terlambat" not in siti.text

    await siti.say("/ekspor 2026-10")
    [document] = [r for r in siti.replies if isinstance(r, File) and r.kind == "document"]
    sheet = load_workbook(io.BytesIO(document.data)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    rows = {row[header.index("Posyandu")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    late = header.index("Terlambat")
    assert rows["Posyandu Melati 1"][late] == "Ya"
    assert {row[late] for name, row in rows.items() if name != "Posyandu Melati 1"} == {"-"}


async def test_rekap_and_ekspor_open_on_the_last_closed_month_and_offer_the_others(
    kaderbot: KaderBot, clock: Clock
) -> None:
    # 20 November: November is still being reported (due 5 December); October closed on 5 November.
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/rekap")
    assert "Rekap Oktober 2026" in siti.text
    assert "📅 Rekap November 2026" in siti.labels and "📅 Rekap September 2026" in siti.labels
    assert "📅 Rekap Desember 2026" not in siti.labels  # never a month still to come
    await siti.press("📅 Rekap November 2026")
    assert "Rekap November 2026" in siti.text

    await siti.say("/ekspor")
    [document] = [r for r in siti.replies if isinstance(r, File) and r.kind == "document"]
    assert "2026-10" in document.filename
    assert "📅 Ekspor November 2026" in siti.labels
    await siti.press("📅 Ekspor September 2026")
    [document] = [r for r in siti.replies if isinstance(r, File) and r.kind == "document"]
    assert "2026-09" in document.filename

    await siti.say("/bantuan")
    assert "/rekap 2026-10" in siti.text


async def test_the_ticket_desk_writes_to_the_person_who_asked(kaderbot: KaderBot, clock: Clock) -> None:
    number = await file_ticket(kaderbot, "40101", "64.02.06.1005")
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/tiket")
    await siti.press(number)
    await siti.press("✉️ Tulis pesan ke pelapor")
    await siti.say("ok")  # too short: asked again, nothing sent
    assert "3 sampai 500 huruf" in siti.text
    await siti.say("Mohon kirim foto KK ke kantor desa, Bu")
    assert f"Pesan untuk pelapor {number} sudah dikirim" in siti.text
    assert "• ✉️ Pesan petugas: Mohon kirim foto KK ke kantor desa, Bu" in siti.question
    assert "Status: Diterima" in siti.question  # a message does not move the ticket on

    async with kaderbot.db.sessions() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        events = list(
            (await session.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))).scalars()
        )
        audited = (await session.execute(select(AuditLog.action).where(AuditLog.target == number))).scalars()
        assert "ticket.message" in list(audited)
    assert ticket.status == "diterima" and events[-1].status == "diterima"
    assert events[-1].note == "Mohon kirim foto KK ke kantor desa, Bu"


async def test_an_urgent_ticket_shows_whether_anyone_is_in_danger(kaderbot: KaderBot, clock: Clock) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        new = tickets.NewTicket(
            category="darurat",
            region_code="64.02.06.1005",
            description="Ada ibu dipukuli suaminya di rumah sebelah",
            urgent=True,
            danger_now=True,
            location=tickets.Location(text="RT 03"),
        )
        opened = await tickets.open_ticket(session, person_id=None, new=new, now=NOW)
        number = opened.ticket.number
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/tiket")
    await siti.press(number)
    assert "Ada yang dalam bahaya sekarang? ADA orang dalam bahaya sekarang" in siti.question
    assert "✉️ Tulis pesan ke pelapor" not in siti.labels  # nobody to write to


async def test_the_resident_sees_the_message_at_their_next_turn(kaderbot: KaderBot, clock: Clock) -> None:
    warga = Chat(kaderbot.core, "warga-1")
    await warga.say("/start")
    number = await file_ticket_for_console(kaderbot, warga)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/tiket")
    await siti.press(number)
    await siti.press("✉️ Tulis pesan ke pelapor")
    await siti.say("Besok petugas datang ke rumah Ibu")
    shown = await notices(kaderbot, "warga-1")
    assert any("Besok petugas datang ke rumah Ibu" in text and number in text for text in shown), shown


async def file_ticket_for_console(kaderbot: KaderBot, chat: Chat) -> str:
    from storage.models import ChannelIdentity

    async with kaderbot.db.sessions() as session, session.begin():
        person_id = (
            await session.execute(
                select(ChannelIdentity.person_id).where(
                    ChannelIdentity.channel == "console", ChannelIdentity.address == chat.address
                )
            )
        ).scalar_one()
        new = tickets.NewTicket(category="bantuan", region_code="64.02.06.1005", description="Minta bantuan")
        return (await tickets.open_ticket(session, person_id=person_id, new=new, now=NOW)).ticket.number
