"""Requests and complaints: filed in the chat, numbered, routed to the region's coordinators, moved
through diterima → diproses → selesai with a note at each step, and visible only to the asker."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import KaderBot
from bot.notifier import render
from storage.models import ChannelIdentity, Conversation, Person
from storage.models_outbox import OutboxMessage
from storage.models_tickets import Ticket
from storage.repositories import tickets
from tests.chat import Chat, Clock
from tests.flows import onboard


async def file_complaint(
    chat: Chat, story: str = "Tetangga saya mampu tetapi menerima BPNT tiap bulan."
) -> str:
    await chat.press("Ajukan permohonan/pengaduan")
    await chat.press("Bansos tidak tepat sasaran")
    await chat.press("Kutai Kartanegara")
    await chat.press("Tenggarong")
    await chat.press("Melayu")
    await chat.say(story)
    await chat.photo("photo-warung")
    await chat.press("Selesai")
    assert (
        "Bansos tidak tepat sasaran" in chat.question
        and "Melayu, Tenggarong, Kutai Kartanegara" in chat.question
    )
    await chat.press("Kirim")
    number = tickets.parse_number(chat.text)
    assert number is not None, chat.text
    return number


async def ticket(kaderbot: KaderBot, number: str) -> Ticket:
    async with kaderbot.db.sessions() as session:
        found = await tickets.by_number(session, number)
        assert found is not None
        return found


async def notices(kaderbot: KaderBot, console_handle: str) -> list[str]:
    """What the person behind a console handle has been told, rendered in their language."""
    person_id = select(ChannelIdentity.person_id).where(
        ChannelIdentity.channel == "console", ChannelIdentity.address == console_handle
    )
    async with kaderbot.db.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage, Person)
                .join(Person, Person.id == OutboxMessage.person_id)
                .where(OutboxMessage.person_id.in_(person_id))
                .order_by(OutboxMessage.id)
            )
        ).all()
    return [render(kaderbot.catalogues, p.language, n.message_key or "", n.params or {}) for n, p in rows]


async def move(kaderbot: KaderBot, clock: Clock, number: str, status: str, note: str | None) -> None:
    """What the coordinators' tools will do: change the status through the repository."""
    clock.advance(hours=2)
    async with kaderbot.db.sessions() as session, session.begin():
        found = await tickets.by_number(session, number)
        assert found is not None
        await tickets.change_status(
            session, found, status=status, note=note, actor_person_id=None, now=clock()
        )


async def test_a_complaint_gets_a_number_and_reaches_the_region_coordinators(
    chat: Chat, kaderbot: KaderBot
) -> None:
    await onboard(chat, role="warga")
    number = await file_complaint(chat)
    assert number.startswith("KB-2026-") and len(number) == len("KB-2026-000123")
    stored = await ticket(kaderbot, number)
    assert stored.status == "diterima" and stored.region_code == "64.02.06.1005" and not stored.urgent
    assert stored.photos == [{"ref": "photo-warung", "mime_type": "image/jpeg"}]
    # Siti covers Kukar (64.02); Yohana (Balikpapan) and Marlina (Bulungan) hear nothing.
    siti = await notices(kaderbot, "siti")
    assert len(siti) == 1
    assert number in siti[0] and "Bansos tidak tepat sasaran" in siti[0] and "Melayu, Tenggarong" in siti[0]
    assert "menerima BPNT" in siti[0]
    assert await notices(kaderbot, "yohana") == [] and await notices(kaderbot, "marlina") == []


async def test_status_changes_are_kept_with_notes_and_each_one_tells_the_asker(
    chat: Chat, kaderbot: KaderBot, clock: Clock
) -> None:
    await onboard(chat, role="warga")
    number = await file_complaint(chat)
    await move(kaderbot, clock, number, "diproses", "Sedang diverifikasi oleh pendamping PKH.")
    told = await notices(kaderbot, "budi")
    assert len(told) == 1 and number in told[0] and "Diproses" in told[0] and "diverifikasi" in told[0]

    await chat.press("Cek status permohonan")
    assert chat.labels[0] == f"{number} · Diproses"
    await chat.press(number)
    assert "Status: Diproses" in chat.text
    assert "Diterima" in chat.text and "Diproses: Sedang diverifikasi oleh pendamping PKH." in chat.text

    await move(kaderbot, clock, number, "selesai", "Data penerima sudah diperbaiki.")
    assert len(await notices(kaderbot, "budi")) == 2
    await chat.press("Cek permohonan lain")
    await chat.say(number.lower().replace("-", " "))  # typed loosely: "kb 2026 000001"
    assert "Status: Selesai" in chat.text and "Selesai: Data penerima sudah diperbaiki." in chat.text
    assert (await ticket(kaderbot, number)).status == "selesai"


async def test_a_closed_ticket_cannot_move_again(chat: Chat, kaderbot: KaderBot, clock: Clock) -> None:
    await onboard(chat, role="warga")
    number = await file_complaint(chat)
    await move(kaderbot, clock, number, "ditolak", "Bukan wewenang Dinas Sosial.")
    with pytest.raises(tickets.TicketError):
        await move(kaderbot, clock, number, "diproses", None)
    assert (await ticket(kaderbot, number)).status == "ditolak"


async def test_a_resident_cannot_see_another_residents_ticket_by_guessing_its_number(
    kaderbot: KaderBot,
) -> None:
    ani, budi = Chat(kaderbot.core, "ani"), Chat(kaderbot.core, "budi")
    await onboard(ani, role="warga")
    number = await file_complaint(ani, "Bantuan untuk ibu saya belum cair sejak Juni.")
    await onboard(budi, role="warga")
    await budi.say(f"/status {number}")
    assert "tidak ditemukan di antara permohonan Bapak/Ibu" in budi.text
    assert "ibu saya" not in budi.text and "Melayu" not in budi.text
    # The same words as for a number that does not exist at all: guessing tells nothing.
    refused = budi.text.replace(number, "#")
    await budi.say("/status KB-2026-999999")
    assert budi.text.replace("KB-2026-999999", "#") == refused
    # Typing the number in the menu or through the status screen ends the same way.
    await budi.say("/menu")
    await budi.say(number)
    assert "tidak ditemukan" in budi.text
    await budi.say("/status")
    assert "belum punya permohonan" in budi.text
    # Ani herself sees it.
    await ani.say(f"/status {number}")
    assert f"Permohonan {number}" in ani.text and "Status: Diterima" in ani.text


async def test_a_nik_typed_into_a_complaint_is_never_kept(chat: Chat, kaderbot: KaderBot) -> None:
    await onboard(chat, role="warga")
    number = await file_complaint(chat, "Data saya NIK 6402061234567890 salah, bansos berhenti.")
    stored = await ticket(kaderbot, number)
    assert "6402061234567890" not in stored.description and "*" * 16 in stored.description
    async with kaderbot.db.sessions() as session:
        states = (await session.execute(select(Conversation.state))).scalars().all()
    assert all("6402061234567890" not in str(state) for state in states)


async def test_ticket_numbers_are_read_however_they_are_typed() -> None:
    assert tickets.parse_number("KB-2026-000123") == "KB-2026-000123"
    assert tickets.parse_number("status kb 2026 123 ya") == "KB-2026-000123"
    assert tickets.parse_number("KB2026000123") == "KB-2026-000123"
    assert tickets.parse_number("nomor saya 2026-000123") is None


async def test_coordinators_of_a_region_include_those_of_any_region_above(kaderbot: KaderBot) -> None:
    async with kaderbot.db.sessions() as session:
        siti = await tickets.coordinators_for(session, "64.02.06.1005")
        kukar = await tickets.coordinators_for(session, "64.02")
        balikpapan = await tickets.coordinators_for(session, "64.71.05.1002")
        names = {
            p.id: p.full_name
            for p in (await session.execute(select(Person))).scalars()
            if p.role == "coordinator"
        }
    assert [names[i] for i in siti] == ["Siti Rahmawati"] and siti == kukar
    assert [names[i] for i in balikpapan] == ["Yohana Pasulu"]
