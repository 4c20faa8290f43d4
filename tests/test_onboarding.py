"""/start, consent under UU PDP, language, help and the commands that work in every state."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import KaderBot
from storage.models import ChannelIdentity, Person
from tests.chat import Chat
from tests.flows import onboard


async def person_of(kaderbot: KaderBot, address: str) -> Person:
    async with kaderbot.db.sessions() as session:
        return (
            await session.execute(
                select(Person)
                .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
                .where(ChannelIdentity.address == address)
            )
        ).scalar_one()


async def test_start_asks_language_then_consent_then_role(chat: Chat, kaderbot: KaderBot) -> None:
    await chat.say("/start")
    assert chat.labels == ["Bahasa Indonesia", "English"]
    await chat.press("Indonesia")
    assert "UU 27/2022" in chat.question
    assert chat.labels == ["Setuju", "Tidak setuju"]
    await chat.press("Setuju")
    assert chat.labels == ["Saya kader Posyandu", "Saya warga"]
    person = await person_of(kaderbot, "budi")
    assert person.consent_at is not None and person.language == "id"
    await chat.press("warga")
    assert "Menu utama" in chat.question
    assert "Daftar sebagai kader" in chat.labels


async def test_declining_consent_stores_nothing_personal_and_leaves_public_menu(
    chat: Chat, kaderbot: KaderBot
) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Tidak setuju")
    assert "tidak menyimpan data pribadi" in chat.text
    assert "Beri persetujuan" in chat.labels
    assert "Daftar sebagai kader" not in chat.labels and "Lapor kegiatan bulanan" not in chat.labels
    person = await person_of(kaderbot, "budi")
    assert person.consent_at is None and person.full_name is None and person.phone is None
    # A cadre-only command is refused without personal data being asked for.
    await chat.say("/daftar")
    assert "menyetujui penggunaan data pribadi" in chat.text
    await chat.say("/lapor")
    assert "menyetujui penggunaan data pribadi" in chat.text or "bukan untuk peran" in chat.text


async def test_consent_can_be_given_later_from_the_public_menu(chat: Chat, kaderbot: KaderBot) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Tidak setuju")
    await chat.press("Beri persetujuan")
    await chat.press("Setuju")
    assert chat.labels == ["Saya kader Posyandu", "Saya warga"]
    assert (await person_of(kaderbot, "budi")).consent_at is not None


async def test_english_throughout(chat: Chat) -> None:
    await chat.say("/start")
    await chat.press("English")
    assert "Personal data consent" in chat.question
    await chat.press("I agree")
    await chat.press("resident")
    assert "Main menu" in chat.question


async def test_language_switch_mid_form_returns_to_the_same_question(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("Budi Santoso")
    assert "nomor HP" in chat.question
    await chat.say("/bahasa")
    await chat.press("English")
    assert "Language changed to English." in chat.text
    assert "mobile number" in chat.question
    await chat.say("081234567890")
    assert "district/city" in chat.question  # the name was kept, the next question in English


async def test_help_shows_commands_and_keeps_the_question(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("Budi Santoso")
    await chat.say("/bantuan")
    assert "/batal" in chat.text and "/tanya" in chat.text  # a resident's commands
    assert "/lapor" not in chat.text
    assert "nomor HP" in chat.question


async def test_help_lists_each_roles_commands(kaderbot: KaderBot) -> None:
    for who, expected in (("sari", "/laporanku"), ("siti", "/verifikasi")):
        person = Chat(kaderbot.core, who)
        await person.say("/bantuan")
        assert expected in person.text, who


async def test_unknown_command_is_explained(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("/terbang")
    assert "perintah itu tidak dikenal" in chat.text
    assert "Menu utama" in chat.question


async def test_cancel_ends_a_form_without_saving(chat: Chat, kaderbot: KaderBot) -> None:
    await onboard(chat)
    await chat.say("Budi Santoso")
    await chat.say("/batal")
    assert "dibatalkan" in chat.text
    assert "Menu utama" in chat.question
    person = await person_of(kaderbot, "budi")
    assert person.full_name is None and person.role == "resident"
    await chat.press("Daftar sebagai kader")
    assert "Siapa nama lengkap" in chat.question  # no stale draft offered after a cancel


async def test_returning_person_goes_straight_to_the_menu(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("/start")
    assert "Selamat datang kembali" in chat.text
    assert "Menu utama" in chat.question


async def test_seeded_cadre_sees_report_items(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/start")
    assert "Menu utama, Sari" in sari.question
    assert "Lapor kegiatan bulanan" in sari.labels and "Laporan Posyandu saya" in sari.labels


# -- an action chosen before consent is opened after it (issue 13, point 5) -----------------------
async def test_an_action_chosen_before_consent_opens_after_consenting(chat: Chat, kaderbot: KaderBot) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Tidak setuju")
    await chat.say("/pengaduan")
    assert "menyetujui penggunaan data pribadi" in chat.text
    await chat.press("Beri persetujuan")
    await chat.press("Setuju")
    assert "Jenis permohonan/pengaduan?" in chat.question  # the complaint, not the main menu
    assert (await person_of(kaderbot, "budi")).consent_at is not None


async def test_a_first_command_that_needs_consent_comes_back_after_it(chat: Chat) -> None:
    await chat.say("/sekolahrakyat")
    assert "menyetujui penggunaan data pribadi" in chat.text
    await chat.press("Beri persetujuan")
    await chat.say("setuju")
    assert "Berapa usia anak" in chat.question


async def test_the_urgent_form_comes_back_after_consent(chat: Chat) -> None:
    await chat.say("/darurat")
    assert "UU 27/2022" in chat.question  # asked for consent at once, numbers first
    await chat.press("Setuju")
    assert "Menu utama" not in chat.question
    assert "Apa yang terjadi?" in chat.question  # back in the urgent (TRC) form


async def test_consent_without_a_chosen_action_still_asks_who_one_is(chat: Chat) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Setuju")
    assert chat.labels == ["Saya kader Posyandu", "Saya warga"]


async def test_reporting_danger_before_consent_keeps_what_was_typed(chat: Chat) -> None:
    await chat.say("suami saya pukul saya tiap hari")
    await chat.press("TRC")
    assert "UU 27/2022" in chat.question
    await chat.press("Setuju")
    assert "Di mana lokasinya?" in chat.question  # "what happened" already answered by the message
    await chat.say("kembali")
    assert "suami saya pukul saya" in " ".join(o.description or o.label for o in chat.choice.options)
