"""/tiket: a coordinator answers residents' requests in her region; the resident is told of the new
status with the coordinator's message, and coordinators elsewhere cannot see or touch the ticket."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import KaderBot
from storage.models_outbox import AuditLog, OutboxMessage
from storage.models_tickets import Ticket, TicketEvent
from tests.chat import Chat, Clock
from tests.outbox_support import file_ticket


async def test_a_coordinator_moves_a_ticket_on_and_the_resident_is_told(
    kaderbot: KaderBot, clock: Clock
) -> None:
    ordinary = await file_ticket(kaderbot, "40001", "64.02.06.1005")
    urgent = await file_ticket(kaderbot, "40002", "64.02.02.2003", urgent=True)
    await file_ticket(kaderbot, "40003", "64.71.05.1002")  # Balikpapan
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/tiket")
    assert siti.question == "Ada 2 tiket baru atau sedang diproses. Pilih untuk dibuka:"
    assert siti.labels[0].startswith(f"🚨 {urgent}") and siti.labels[1].startswith(ordinary)
    await siti.press(ordinary)
    assert f"Tiket {ordinary}" in siti.question and "Melayu, Tenggarong, Kutai Kartanegara" in siti.question
    assert "****************" in siti.question  # the NIK the resident typed was never kept
    assert siti.labels == [
        "Ubah ke: Diproses",
        "Ubah ke: Selesai",
        "Ubah ke: Ditolak",
        "✉️ Tulis pesan ke pelapor",
        "◀ Kembali",
    ]
    await siti.press("Diproses")
    await siti.say("Kami cek ke desa minggu ini")
    assert f"Status {ordinary} sekarang Diproses. Warga akan diberi tahu." in siti.text

    async with kaderbot.db.sessions() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == ordinary))).scalar_one()
        events = list(
            (await session.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id))).scalars()
        )
        told = list(
            (
                await session.execute(
                    select(OutboxMessage).where(
                        OutboxMessage.person_id == ticket.person_id, OutboxMessage.kind == "ticket_status"
                    )
                )
            ).scalars()
        )
        [entry] = (
            await session.execute(select(AuditLog).where(AuditLog.action == "ticket.status"))
        ).scalars()
    assert ticket.status == "diproses"
    assert events[-1].note == "Kami cek ke desa minggu ini" and events[-1].created_at == clock.now
    [notice] = told
    assert notice.params["note"] == "Kami cek ke desa minggu ini"
    assert entry.actor == "Siti Rahmawati" and entry.target == ordinary

    await siti.press(ordinary)
    assert siti.labels == ["Ubah ke: Selesai", "Ubah ke: Ditolak", "✉️ Tulis pesan ke pelapor", "◀ Kembali"]
    assert "• Diproses: Kami cek ke desa minggu ini" in siti.question
    await siti.press("Selesai")
    await siti.press("Lewati")
    await siti.say("/tiket")
    assert len(siti.labels) == 3 and siti.labels[0].startswith(f"🚨 {urgent}")  # only the urgent one left
    assert siti.labels[1:] == ["📁 Lihat tiket yang sudah ditutup", "🏠 Menu"]
