"""What a newcomer met in review (brief C3), each as the conversation that showed it: consent
withdrawn, /bantuan without a stale apology, broadcast times, one time format, closed tickets,
names in proper case, either language's words for the standard options, 'which one?' everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from bot.app import KaderBot
from handlers.forms.names import proper_case, skeleton
from storage.models import Person
from tests.chat import Chat, Clock
from tests.flows import onboard, register_cadre
from tests.outbox_support import add_cadres, compose_broadcast, file_ticket
from tests.test_onboarding import person_of

WITHDRAWN = "persetujuan Bapak/Ibu kami catat sebagai dicabut"


# -- 3. declining consent after agreeing withdraws it --------------------------------------------


async def test_a_cadre_who_declines_consent_loses_the_cadre_menu_and_is_told_what_it_means(
    kaderbot: KaderBot, clock: Clock
) -> None:
    budi = Chat(kaderbot.core, "budi")
    await budi.say("/start")
    await budi.press("Indonesia")
    assert budi.labels == ["Setuju", "Tidak setuju"]
    # Meanwhile the number is set up as a cadre who agreed (an operator, a demo person): the consent
    # question is still on Budi's screen, and he answers it.
    async with kaderbot.db.sessions() as session, session.begin():
        await session.execute(
            update(Person)
            .where(Person.id == (await person_of(kaderbot, "budi")).id)
            .values(role="cadre", consent_at=clock.now, full_name="Budi Santoso")
        )
    await budi.press("Tidak setuju")
    assert WITHDRAWN in budi.text and "/hapusdata" in budi.text
    assert "Lapor kegiatan bulanan" not in budi.labels and "💰 Insentif saya" not in budi.labels
    assert "Beri persetujuan" in budi.labels and "🔒 Data saya" in budi.labels
    person = await person_of(kaderbot, "budi")
    assert person.consent_at is None and person.consent_declined_at == clock.now
    await budi.say("/lapor")
    assert "menyetujui penggunaan data pribadi" in budi.text  # refused: no personal data is used

    await budi.press("Beri persetujuan")
    await budi.press("Setuju")
    assert "Lapor kegiatan bulanan" in budi.labels  # agreeing again: straight back to the cadre menu


async def test_declining_at_the_first_welcome_is_still_the_plain_decline(chat: Chat) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Tidak setuju")
    assert "tidak menyimpan data pribadi" in chat.text and WITHDRAWN not in chat.text


# -- 4. /bantuan: the help, then the screen without a stale apology ------------------------------


async def test_help_after_an_unanswered_question_shows_the_choices_without_the_apology(chat: Chat) -> None:
    await register_cadre(chat)
    await chat.say("berapa harga tiket pesawat ke bali")
    sorry = "Maaf, pertanyaan itu di luar layanan sosial yang bisa dijawab KaderBot."
    assert chat.question.startswith(sorry + " Bapak/Ibu bisa melihat daftar topik")
    labels = chat.labels
    await chat.say("/bantuan")
    assert chat.text.startswith("Bantuan KaderBot:")
    assert "Maaf" not in chat.text
    assert chat.question.startswith("Bapak/Ibu bisa melihat daftar topik") and chat.labels == labels


# -- 5. a broadcast for today offers only times still ahead, and says "schedule", not "send now" ---


async def test_today_offers_only_future_times_and_says_when_none_is_left(
    kaderbot: KaderBot, clock: Clock
) -> None:
    await add_cadres(kaderbot.db, count=2, posyandu_code="PY-6402-0001", first_address=37_000)
    siti = Chat(kaderbot.core, "siti")
    clock.now = dt.datetime(2026, 11, 20, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    await compose_broadcast(siti, "Posyandu serentak minggu depan", whole="Kutai Kartanegara")
    await siti.press("Jadwalkan")
    await siti.press("Hari ini")
    assert siti.labels == ["13.00", "16.00", "◀ Kembali"]  # 12.30 now
    await siti.press("16.00")
    assert siti.question.endswith("Periksa kembali. Jadwalkan siaran ini?")
    assert "Kirim sekarang?" not in siti.question and siti.labels[0] == "✅ Jadwalkan"

    await siti.say("/batal")
    clock.now = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    await compose_broadcast(siti, "Posyandu serentak minggu depan", whole="Kutai Kartanegara")
    await siti.press("Jadwalkan")
    await siti.press("Hari ini")
    assert "Jam pilihan untuk hari ini sudah lewat" in siti.question and siti.labels == ["◀ Kembali"]
    await siti.say("19.30")  # typing a later time still works
    assert "• Jam: 19.30" in siti.question


async def test_sending_now_still_asks_to_send_now(kaderbot: KaderBot) -> None:
    await add_cadres(kaderbot.db, count=2, posyandu_code="PY-6402-0001", first_address=37_100)
    siti = Chat(kaderbot.core, "siti")
    await compose_broadcast(siti, "Posyandu serentak minggu depan", whole="Kutai Kartanegara")
    await siti.press("Kirim sekarang")
    assert siti.question.endswith("Periksa kembali. Kirim sekarang?") and siti.labels[0] == "✅ Kirim"


# -- 6. one time format on every screen ------------------------------------------------------------


async def test_the_ticket_desk_and_status_show_the_same_time_format(kaderbot: KaderBot) -> None:
    number = await file_ticket(kaderbot, "41001", "64.02.06.1005")  # filed 1 Jan 2026 08.00 WITA
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/tiket")
    await siti.press(number)
    desk = siti.question
    resident = Chat(kaderbot.core, "41001", channel="telegram")
    await resident.say(f"/status {number}")
    assert "1 Jan 2026 08.00 WITA" in desk and "1 Jan 2026 08.00" in resident.text
    assert "08:00" not in desk + resident.text


# -- 7. closed tickets can be listed -----------------------------------------------------------


async def test_the_ticket_desk_lists_closed_tickets_behind_a_filter_button(kaderbot: KaderBot) -> None:
    done = await file_ticket(kaderbot, "42001", "64.02.06.1005")
    still_open = await file_ticket(kaderbot, "42002", "64.02.06.1005")
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/tiket")
    await siti.press("Lihat tiket yang sudah ditutup")
    assert siti.question == "Belum ada tiket yang selesai atau ditolak di wilayah Bapak/Ibu."
    await siti.press("Lihat tiket yang masih terbuka")
    await siti.press(done)
    await siti.press("Selesai")
    await siti.press("Lewati")
    assert done not in " ".join(siti.labels) and any(still_open in label for label in siti.labels)

    await siti.press("Lihat tiket yang sudah ditutup")
    assert siti.question.startswith("1 tiket terakhir yang sudah selesai atau ditolak")
    assert siti.labels[0].startswith(f"{done} · ") and siti.labels[0].endswith("Selesai")
    await siti.press(done)
    assert f"Tiket {done}" in siti.question and "Ubah ke" not in " ".join(siti.labels)
    await siti.press("Kembali")  # back to the closed list it came from
    assert siti.question.startswith("1 tiket terakhir yang sudah selesai atau ditolak")


async def test_with_no_ticket_at_all_the_desk_still_says_so_and_returns_to_the_menu(
    kaderbot: KaderBot,
) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/tiket")
    assert "Tidak ada tiket baru atau yang sedang diproses" in siti.text
    assert "Lihat tiket yang sudah ditutup" not in siti.labels


# -- 8. names in proper case -------------------------------------------------------------------


async def test_a_name_typed_in_lower_case_is_stored_and_shown_in_proper_case(
    chat: Chat, kaderbot: KaderBot
) -> None:
    await onboard(chat)
    await chat.say("siti binti abdullah")
    await chat.say("0812-3456-7890")
    for step in ("Kutai Kartanegara", "Tenggarong", "Melayu", "Melati 1", "Anggota"):
        await chat.press(step)
    assert "• Nama: Siti binti Abdullah" in chat.question
    await chat.press("Kirim")
    assert chat.question.startswith("Menu utama, Siti.")
    assert (await person_of(kaderbot, "budi")).full_name == "Siti binti Abdullah"


def test_proper_case_keeps_particles_and_names_with_capitals_of_their_own() -> None:
    assert proper_case("AHMAD BIN HASAN") == "Ahmad bin Hasan"
    assert proper_case("nur'aini al-fatih") == "Nur'aini Al-Fatih"
    assert proper_case("bin laden") == "Bin Laden"  # the first word is a name
    assert proper_case("Siti McDonald") == "Siti McDonald"  # capitals of its own: as typed
    assert skeleton(proper_case("ѕiti aminah")) == skeleton("siti aminah")  # look-alikes still caught


async def test_a_lower_case_twin_is_still_flagged_to_the_coordinator(kaderbot: KaderBot) -> None:
    await register_cadre(Chat(kaderbot.core, "first"), name="Siti Aminah")
    await register_cadre(Chat(kaderbot.core, "second"), name="siti aminah")
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    rows = [label for label in siti.labels if label.startswith("Siti Aminah")]
    assert len(rows) == 2  # both shown in proper case
    await siti.press(rows[1])
    assert "nama ini tampak sama dengan kader lain" in siti.question


# -- 9. the standard options in either language ----------------------------------------------------


@pytest.mark.parametrize(
    ("language", "back", "cancel", "position", "summary"),
    [
        ("English", "kembali", "batal", "Member", ["✅ Send", "✏️ Edit", "✖ Cancel"]),
        ("Indonesia", "back", "cancel", "Anggota", ["✅ Kirim", "✏️ Ubah", "✖ Batal"]),
    ],
)
async def test_the_other_language_s_words_work_at_the_standard_buttons(
    kaderbot: KaderBot, language: str, back: str, cancel: str, position: str, summary: list[str]
) -> None:
    chat = Chat(kaderbot.core, "ann")
    await onboard(chat, role="cadre" if language == "English" else "kader", language=language)
    await chat.say("Ann Smith")
    await chat.say("0812 3456 7890")
    await chat.say(back)
    assert chat.question.startswith("(2/4)")
    await chat.say("0812 3456 7890")
    for step in ("Kutai Kartanegara", "Tenggarong", "Melayu", "Melati 1", position):
        await chat.press(step)
    assert chat.labels == summary
    await chat.say(cancel)  # the summary's cancel button, typed in the other language
    assert summary[0] not in chat.labels and "option" not in chat.text and "pilihan" not in chat.text


@pytest.mark.parametrize(
    ("language", "typed", "then"),
    [
        ("English", "ya", "How will you use KaderBot?"),
        ("English", "tidak", "we will not store your personal data"),
        ("Indonesia", "yes", "Bapak/Ibu menggunakan KaderBot sebagai apa?"),
        ("Indonesia", "no", "tidak menyimpan data pribadi"),
    ],
)
async def test_yes_and_no_in_either_language_answer_the_consent_question(
    chat: Chat, language: str, typed: str, then: str
) -> None:
    await chat.say("/start")
    await chat.press(language)
    await chat.say(typed)
    assert then in chat.text


async def test_skip_and_lewati_both_skip_an_optional_question(kaderbot: KaderBot) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/siaran")
    await siti.say("Posyandu serentak minggu depan")
    await siti.say("skip")  # the attachment is optional: 'Lewati' on screen
    assert "Kepada siapa" in siti.question or "(3" in siti.question
    assert "foto atau dokumen" not in siti.text


# -- 10. "which one did you mean?" outside forms -----------------------------------------------


async def test_the_welcome_asks_which_one_for_an_answer_that_fits_both_roles(chat: Chat) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Setuju")
    await chat.say("saya")
    assert "Maksud Bapak/Ibu yang mana?" in chat.text
    assert chat.labels == ["Saya kader Posyandu", "Saya warga"]


async def test_verification_asks_which_one_for_a_name_two_cadres_share(kaderbot: KaderBot) -> None:
    await register_cadre(Chat(kaderbot.core, "santoso"), name="Budi Santoso")
    await register_cadre(Chat(kaderbot.core, "hartono"), name="Budi Hartono")
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    listed = siti.labels
    await siti.say("budi")
    assert "Maksud Bapak/Ibu yang mana?" in siti.text and siti.labels == listed
    await siti.say("budi hartono")  # one name: that cadre's card
    assert "Budi Hartono" in siti.question and "Setujui" in " ".join(siti.labels)
