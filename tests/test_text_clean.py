"""Text is cleaned where every channel's event enters the core: control characters (NUL above all,
which PostgreSQL refuses in text) never reach a flow or the database. On PostgreSQL run:
`.venv/bin/python -m tests.postgres -- .venv/bin/pytest -q tests/test_text_clean.py`."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import KaderBot
from handlers.text_clean import clean_event, clean_text
from handlers.types import Attachment, Identity, IncomingEvent
from storage.models import Cadre, ChannelIdentity, MonthlyReport, Person
from tests.chat import Chat
from tests.flows import FULL_REPORT, onboard, register_cadre


def test_control_characters_go_newline_and_tab_stay() -> None:
    assert clean_text("Budi\x00Santoso") == "BudiSantoso"
    assert clean_text("a\tb\nc") == "a\tb\nc"
    assert clean_text("baris 1\r\nbaris 2\rbaris 3") == "baris 1\nbaris 2\nbaris 3"
    assert clean_text("\x1b[31mmerah\x7f\x85\x9f") == "[31mmerah"
    assert clean_text("lone \ud800 surrogate") == "lone  surrogate"
    assert clean_text("Sari Wulandari") == "Sari Wulandari"  # clean text is left alone


def test_every_part_of_an_event_is_cleaned() -> None:
    event = IncomingEvent(
        Identity("whatsapp", "6281100000099"),
        text="foto\x00",
        payload="3.\x00yes",
        attachments=(
            Attachment(kind="document", ref="ref\x00-1", mime_type="image/\x00jpeg", filename="a\x00.pdf"),
        ),
        message_id="wamid.\x001",
    )
    cleaned = clean_event(event)
    assert (cleaned.text, cleaned.payload, cleaned.message_id) == ("foto", "3.yes", "wamid.1")
    [attachment] = cleaned.attachments
    assert (attachment.ref, attachment.mime_type, attachment.filename) == ("ref-1", "image/jpeg", "a.pdf")
    plain = IncomingEvent(Identity("console", "budi"), text="halo")
    assert clean_event(plain) is plain


async def test_a_name_with_nul_registers_and_the_summary_shows_it_clean(
    chat: Chat, kaderbot: KaderBot
) -> None:
    await onboard(chat)
    await chat.say("Budi\x00 Santoso\x07")
    await chat.say("0812\x00-3456-7890")
    await chat.press("Kutai Kartanegara")
    await chat.press("Tenggarong")
    await chat.press("Melayu")
    await chat.press("Melati 1")
    await chat.press("Anggota")
    assert "• Nama: Budi Santoso" in chat.question and "\x00" not in chat.question
    await chat.press("Kirim")  # on PostgreSQL this failed: invalid byte sequence for encoding "UTF8": 0x00
    assert "menunggu verifikasi" in chat.text
    async with kaderbot.db.sessions() as session:
        person = (
            await session.execute(
                select(Person)
                .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
                .where(ChannelIdentity.address == "budi")
            )
        ).scalar_one()
        assert (person.full_name, person.phone) == ("Budi Santoso", "+6281234567890")
        assert (await session.execute(select(Cadre).where(Cadre.person_id == person.id))).scalar_one()


async def test_a_report_note_and_a_photo_with_nul_are_stored_clean(chat: Chat, kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/lapor")
    await sari.press("November 2026")
    await sari.press("tempat biasa")
    await sari.say("12")
    for value in FULL_REPORT.values():
        await sari.say(value)
    await sari.say("Penimbangan\x00 lancar\x1b")
    await sari.photo("photo\x00-1")
    await sari.press("Selesai")
    await sari.press("Kirim")
    async with kaderbot.db.sessions() as session:
        report = (await session.execute(select(MonthlyReport))).scalars().one()
    assert report.notes == "Penimbangan lancar"
    assert [p["ref"] for p in report.photos] == ["photo-1"]


async def test_a_forged_payload_with_nul_is_a_stale_button_not_an_error(chat: Chat) -> None:
    await register_cadre(chat)
    await chat.press_payload("\x00\x00.yes")
    assert "Tombol itu sudah tidak berlaku" in chat.text
    assert "terjadi gangguan" not in chat.text  # no apology: the turn did not fail
    assert chat.labels  # the current question is shown again
