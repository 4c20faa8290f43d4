"""Urgent social cases: the TRC flow makes an urgent ticket, the region's coordinators are told at
once with the location, and the person sees the emergency numbers for that region (112 by default)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select

from bot.app import KaderBot
from bot.notifier import render
from handlers.programs.emergency import EmergencyNumbers
from handlers.types import Attachment, IncomingEvent
from storage.models import ChannelIdentity, CoordinatorScope, Person
from storage.models_outbox import OutboxMessage
from storage.models_tickets import Ticket
from tests.chat import Chat
from tests.flows import onboard


async def share_location(chat: Chat, latitude: float, longitude: float) -> None:
    attachment = Attachment(kind="location", latitude=latitude, longitude=longitude)
    await chat._send(IncomingEvent(chat.identity, attachments=(attachment,), message_id=chat._id()))


async def told(kaderbot: KaderBot, handle: str) -> list[OutboxMessage]:
    async with kaderbot.db.sessions() as session:
        person_id = select(ChannelIdentity.person_id).where(ChannelIdentity.address == handle)
        result = await session.execute(select(OutboxMessage).where(OutboxMessage.person_id.in_(person_id)))
        return list(result.scalars())


async def test_urgent_report_with_a_shared_location_alerts_the_region_at_once(
    chat: Chat, kaderbot: KaderBot
) -> None:
    await onboard(chat, role="warga")
    await chat.press("Darurat sosial")
    assert "112" in chat.text  # the emergency number comes before any question
    await chat.press("Orang terlantar")
    assert "Kirim lokasi" in chat.question
    await share_location(chat, -0.4301, 116.9847)
    await chat.press("Kutai Kartanegara")
    await chat.press("Tenggarong")
    await chat.press("Melayu")
    await chat.press("Ya")
    await chat.press("Kirim")
    assert "Laporan darurat diterima dengan nomor KB-2026-" in chat.text
    assert "telepon sekarang juga" in chat.text and "☎ 112" in chat.text

    async with kaderbot.db.sessions() as session:
        ticket = (await session.execute(select(Ticket))).scalar_one()
    assert ticket.urgent and ticket.category == "darurat" and ticket.danger_now is True
    assert (ticket.location_lat, ticket.location_lon) == (-0.4301, 116.9847)

    alerts = await told(kaderbot, "siti")
    assert [n.kind for n in alerts] == ["ticket_urgent"]
    text = render(kaderbot.catalogues, "id", alerts[0].message_key or "", alerts[0].params or {})
    assert "DARURAT SOSIAL" in text and ticket.number in text
    assert "-0.430100, 116.984700" in text and "openstreetmap.org/?mlat=-0.430100&mlon=116.984700" in text
    assert "Melayu, Tenggarong, Kutai Kartanegara" in text and "ADA orang dalam bahaya" in text
    assert await told(kaderbot, "yohana") == []


async def test_typed_place_and_only_the_kabupaten_are_enough(chat: Chat, kaderbot: KaderBot) -> None:
    await onboard(chat, role="warga")
    await chat.say("/darurat")
    await chat.say("Ada anak kecil ditinggal sendirian di pelabuhan")
    await chat.say("Pelabuhan Semayang, dekat pintu keluar")
    await chat.press("Balikpapan")
    await chat.press("Tidak tahu kecamatannya")
    await chat.press("Tidak")
    await chat.press("Kirim")
    assert "Nomor darurat untuk wilayah ini" in chat.text and "112" in chat.text
    alerts = await told(kaderbot, "yohana")
    assert len(alerts) == 1
    text = render(kaderbot.catalogues, "id", alerts[0].message_key or "", alerts[0].params or {})
    assert "Pelabuhan Semayang, dekat pintu keluar" in text and "Wilayah: Balikpapan" in text
    assert "tidak ada yang dalam bahaya" in text
    assert await told(kaderbot, "siti") == []


async def test_an_english_coordinator_reads_the_alert_in_english(chat: Chat, kaderbot: KaderBot) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        marlina = (
            await session.execute(select(Person).where(Person.full_name == "Marlina Ibau"))
        ).scalar_one()
        marlina.language = "en"
    await onboard(chat, role="warga")
    await chat.say("/darurat")
    await chat.press("ODGJ terlantar")
    await share_location(chat, 2.84, 117.37)
    await chat.say("tanjung selor hilir")
    await chat.press("Ya")  # "is this the place?"
    await chat.press("Ya")  # someone in danger
    await chat.press("Kirim")
    (alert,) = await told(kaderbot, "marlina")
    text = render(kaderbot.catalogues, "en", alert.message_key or "", alert.params or {})
    assert text.startswith("🚨 SOCIAL EMERGENCY") and "someone IS in danger now" in text
    assert "2.840000, 117.370000" in text and "Tanjung Selor Hilir" in text


async def test_without_consent_the_numbers_come_first_then_consent_is_asked(
    chat: Chat, kaderbot: KaderBot
) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Tidak setuju")
    await chat.say("/darurat")
    assert "☎ 112" in chat.text and "persetujuan data pribadi" in chat.text
    assert chat.labels == ["Setuju", "Tidak setuju"]
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(Ticket))).first() is None


def test_emergency_numbers_are_configured_per_region(tmp_path: Path) -> None:
    (tmp_path / "emergency_numbers.yaml").write_text(
        """
default:
  - number: "112"
    label: {id: "Layanan darurat", en: "Emergency services"}
regions:
  "64.02":
    - number: "112"
      label: {id: "Layanan darurat", en: "Emergency services"}
    - number: "0541-000000"
      label: {id: "TRC Dinas Sosial Kukar", en: "Kukar rapid response team"}
""",
        encoding="utf-8",
    )
    numbers = EmergencyNumbers.load(tmp_path)
    assert [n.number for n in numbers.for_region("64.02.06.1005")] == ["112", "0541-000000"]
    assert [n.number for n in numbers.for_region("64.71.05.1002")] == ["112"]
    assert [n.number for n in numbers.for_region(None)] == ["112"]
    assert "TRC Dinas Sosial Kukar" in numbers.lines("64.02.06", "id")
    assert "Kukar rapid response team" in numbers.lines("64.02", "en")
    assert EmergencyNumbers.load(tmp_path / "missing").lines("64.02", "id").startswith("☎ 112")


async def test_when_nobody_covers_the_area_the_person_is_told_to_call(chat: Chat, kaderbot: KaderBot) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        await session.execute(delete(CoordinatorScope).where(CoordinatorScope.region_code == "65.01"))
    await onboard(chat, role="warga")
    await chat.say("/darurat")
    await chat.press("Lansia terlantar")
    await chat.say("Di depan Pasar Induk Tanjung Selor")
    await chat.press("Bulungan")
    await chat.press("Tidak tahu kecamatannya")
    await chat.press("Ya")
    await chat.press("Kirim")
    assert "belum ada petugas wilayah ini yang terdaftar" in chat.text and "☎ 112" in chat.text
    assert await told(kaderbot, "marlina") == []
