"""Answers as people type them (issue 15, point 4): numbers with a word around them, thousands
separators, dates like 'tgl 14', the usual spellings of yes / no / don't know / done, a number
outside a menu, and a first message of any kind. In Indonesian and in English."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.app import KaderBot
from handlers.core import match_option
from handlers.forms.answers import NumberProblem, read_number, typed_meanings
from handlers.forms.dates import DateProblem, read_day, read_time
from storage.models import MonthlyReport
from tests.chat import Chat
from tests.flows import FULL_REPORT, onboard, register_cadre
from tests.outbox_support import add_cadres, compose_broadcast

NOVEMBER, TODAY = dt.date(2026, 11, 1), dt.date(2026, 11, 20)


@pytest.fixture
async def cadre(chat: Chat) -> Chat:
    await register_cadre(chat)
    return chat


async def english(chat: Chat) -> None:
    await chat.say("/bahasa")
    await chat.press("English")


async def start_november(chat: Chat) -> None:
    await chat.say("/lapor")
    await chat.press("November 2026")
    await chat.press("tempat biasa" if chat.choice.options[0].label.startswith("Ya") else "usual place")


# -- numbers -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "typed", "value"),
    [
        ("id", "40", 40),
        ("id", "40 anak", 40),
        ("id", "ada 40 balita", 40),
        ("id", "14 tahun", 14),
        ("id", "umur 14thn", 14),
        ("id", "1.250", 1250),
        ("id", "1.000.000", 1_000_000),
        ("id", "tidak ada", 0),
        ("id", "ga ada bu", 0),
        ("id", "nihil", 0),
        ("en", "40 children", 40),
        ("en", "1,250", 1250),
        ("en", "none", 0),
        ("en", "tidak ada", 0),  # Indonesian is understood in English conversations too
    ],
)
def test_counts_as_typed(lang: str, typed: str, value: int) -> None:
    assert read_number(typed, lang).value == value


@pytest.mark.parametrize(
    ("lang", "typed", "key"),
    [
        ("id", "empat puluh", "form.err.not_number"),
        ("id", "12,5", "form.err.whole_number"),
        ("id", "1,250", "form.err.whole_number"),  # Indonesian: the comma is the decimal mark
        ("id", "40 atau 41", "forms.err.one_number"),
        ("id", "3 dari 40", "forms.err.one_number"),
        ("en", "12.5", "form.err.whole_number"),
        ("en", "1.250", "form.err.whole_number"),  # English: the point is the decimal mark
        ("en", "forty", "form.err.not_number"),
    ],
)
def test_counts_refused_with_a_reason(lang: str, typed: str, key: str) -> None:
    with pytest.raises(NumberProblem) as refused:
        read_number(typed, lang)
    assert refused.value.key == key


async def test_a_count_with_a_word_around_it_is_taken(cadre: Chat, kaderbot: KaderBot) -> None:
    await start_november(cadre)
    await cadre.say("tgl 12")
    await cadre.say("40 anak")
    assert "K — jumlah balita" in cadre.question  # S accepted, K asked
    await cadre.say("1.250")
    assert "terlalu besar (paling banyak 1000)" in cadre.text  # read as 1250, not refused as text
    await cadre.say("35 balita")
    await cadre.say("32")
    await cadre.say("ada 40 atau 41")
    assert "satu angka" in cadre.text
    await cadre.say("28")
    for name in list(FULL_REPORT)[4:-3]:
        await cadre.say(FULL_REPORT[name])
    await cadre.say("ga ada")  # referrals: none
    await cadre.say("9")
    await cadre.say("tidak ada")  # vitamin A: none
    await cadre.say("Lewati")
    await cadre.say("Lewati")
    assert "Rujukan gizi" in cadre.question or "rujukan" in cadre.question.casefold()
    await cadre.press("Kirim")
    async with kaderbot.db.sessions() as session:
        report = (await session.execute(select(MonthlyReport))).scalar_one()
    assert (report.s, report.k, report.n, report.referrals_gizi, report.vitamin_a) == (40, 35, 28, 0, 0)


async def test_an_age_with_tahun_in_both_languages(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("/sekolahrakyat")
    await chat.say("14 tahun")
    assert "Jenjang sekolah" in chat.question
    await english(chat)
    await chat.say("kembali")
    await chat.say("14 years old")
    assert "school level" in chat.question.casefold()


async def test_thousands_in_english_use_a_comma(cadre: Chat) -> None:
    await start_november(cadre)
    await cadre.say("12")
    await english(cadre)
    await cadre.say("1,250")
    assert "too large (at most 1000)" in cadre.text
    await cadre.say("12.5")
    assert "whole number" in cadre.text
    await cadre.say("40 children")
    assert "K —" in cadre.question


# -- dates ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "typed"),
    [
        ("id", "14"),
        ("id", "tgl 14"),
        ("id", "tgl. 14"),
        ("id", "tanggal 14"),
        ("id", "14/11"),
        ("id", "14-11-2026"),
        ("id", "14 nov"),
        ("id", "14 Nopember 2026"),
        ("id", "Sabtu, 14 November"),
        ("id", "ke-14"),
        ("en", "14"),
        ("en", "the 14th"),
        ("en", "nov 14"),
        ("en", "Saturday 14 November 2026"),
        ("en", "tgl 14"),
    ],
)
def test_dates_as_typed(lang: str, typed: str) -> None:
    assert read_day(typed, NOVEMBER, today=TODAY, lang=lang) == dt.date(2026, 11, 14)


@pytest.mark.parametrize(("lang", "typed"), [("id", "kemarin"), ("id", "kemarin sore"), ("en", "yesterday")])
def test_yesterday(lang: str, typed: str) -> None:
    assert read_day(typed, NOVEMBER, today=TODAY, lang=lang) == dt.date(2026, 11, 19)


@pytest.mark.parametrize(
    ("typed", "key", "days"),
    [
        ("31", "forms.err.no_such_day", 30),
        ("31/11", "forms.err.no_such_day", 30),
        ("29/2/2026", "forms.err.no_such_day", 28),
        ("14/13", "forms.err.no_such_month", None),
        ("minggu lalu", "form.err.date", None),
    ],
)
def test_impossible_dates_say_why(typed: str, key: str, days: int | None) -> None:
    with pytest.raises(DateProblem) as refused:
        read_day(typed, NOVEMBER, today=TODAY)
    assert refused.value.key == key
    assert refused.value.params.get("days") == days


async def test_tgl_14_in_the_report(cadre: Chat, kaderbot: KaderBot) -> None:
    await start_november(cadre)
    await cadre.say("tgl 14")
    assert "S — jumlah" in cadre.question
    await cadre.say("kembali")
    assert "Jawaban saat ini: 14 November 2026" in cadre.question


@pytest.mark.parametrize("typed", ["14 nov", "14/11", "Sabtu, 14 November 2026"])
async def test_dates_with_a_month_in_the_report(cadre: Chat, typed: str) -> None:
    await start_november(cadre)
    await cadre.say(typed)
    assert "S — jumlah" in cadre.question


async def test_november_31_gets_a_precise_reason_in_both_languages(cadre: Chat) -> None:
    await start_november(cadre)
    await cadre.say("31 November")
    assert "November 2026 hanya 30 hari" in cadre.text
    assert "Tanggal tidak dikenali" not in cadre.text
    await english(cadre)
    await cadre.say("31")
    assert "November 2026 has only 30 days" in cadre.text
    await cadre.say("the 1st")  # a bare '1' is a day, not the first button
    assert "S —" in cadre.question


async def test_a_bare_1_is_the_first_of_the_month_not_the_first_button(cadre: Chat) -> None:
    await start_november(cadre)
    assert cadre.labels[0] == "Hari ini"
    await cadre.say("1")
    await cadre.say("kembali")
    assert "Jawaban saat ini: 1 November 2026" in cadre.question


# -- yes, no, don't know, done ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "typed", "meaning"),
    [
        ("id", "ya", "yes"),
        ("id", "iya", "yes"),
        ("id", "y", "yes"),
        ("id", "Iya bu", "yes"),
        ("id", "gak", "no"),
        ("id", "ga", "no"),
        ("id", "tdk", "no"),
        ("id", "ga tau", "unsure"),
        ("id", "gatau pak", "unsure"),
        ("id", "selesai", "done"),
        ("id", "udah", "done"),
        ("en", "yep", "yes"),
        ("en", "nope", "no"),
        ("en", "dont know", "unsure"),
        ("en", "I don't know", "unsure"),
        ("en", "done", "done"),
        ("en", "ga tau", "unsure"),
    ],
)
def test_spellings_mean_what_people_mean(lang: str, typed: str, meaning: str) -> None:
    assert meaning in typed_meanings(typed, lang)


def test_a_spelling_picks_only_an_option_that_means_it() -> None:
    yes_no_unsure = [["yes", "Ya"], ["no", "Tidak"], ["unsure", "Tidak tahu"]]
    assert match_option("ga tau", yes_no_unsure, numbered=True) == "unsure"
    assert match_option("ga", yes_no_unsure, numbered=True) == "no"
    assert match_option("iya", yes_no_unsure, numbered=True) == "yes"
    held = [
        ["usual_place", "Ya, di tempat biasa"],
        ["other_place", "Ya, di tempat lain"],
        ["not_held", "Tidak dilaksanakan"],
    ]
    assert match_option("ga", held, numbered=True) == "not_held"  # the label says "no"
    assert match_option("iya", held, numbered=True) is None  # two options mean yes: ask again
    menu = [["ask", "Tanya program"], ["ticket", "Ajukan pengaduan"]]
    assert match_option("ya", menu, numbered=True) is None  # nothing there means yes
    english = [["yes", "Yes"], ["no", "No"], ["unsure", "Don't know"]]
    assert match_option("dont know", english, numbered=True, lang="en") == "unsure"
    assert match_option("nope", english, numbered=True, lang="en") == "no"


async def test_ga_tau_and_iya_in_the_sekolah_rakyat_check(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("/sekolahrakyat")
    await chat.say("14 tahun")
    await chat.press("SMP")
    await chat.say("ga tau")
    assert "putus sekolah" in chat.question  # "Tidak tahu" taken, no desil asked
    await chat.say("iya")
    assert "• Usia anak: 14" in chat.question
    assert "• Terdata di DTSEN: Tidak tahu" in chat.question
    assert "• Tidak bersekolah: Ya" in chat.question


async def test_dont_know_in_english(chat: Chat) -> None:
    await onboard(chat, role="resident", language="English")
    await chat.say("/sekolahrakyat")
    await chat.say("14 years")
    await chat.press("SMP")
    await chat.say("don't know")
    assert "out of school" in chat.question.casefold() or "not in school" in chat.question.casefold()
    await chat.say("nope")
    assert "• Child's age: 14" in chat.question
    assert "• Recorded in DTSEN: Don't know" in chat.question
    assert "• Out of school: No" in chat.question


async def test_selesai_after_photos_and_ga_for_not_held(cadre: Chat) -> None:
    await start_november(cadre)
    await cadre.say("12")
    for value in FULL_REPORT.values():
        await cadre.say(value)
    await cadre.say("Lancar")
    await cadre.photo("photo-1")
    await cadre.photo("photo-2")
    assert "Selesai (2 foto)" in cadre.labels
    await cadre.say("selesai")
    assert "Ringkasan laporan November 2026" in cadre.question
    assert "Foto: 2 foto" in cadre.question
    await cadre.press("Batal")
    await cadre.say("/lapor")
    await cadre.press("Oktober 2026")
    await cadre.say("ga")
    assert "alasan" in cadre.question.casefold()  # "Tidak dilaksanakan"


async def test_udah_and_done_finish_the_photos(cadre: Chat) -> None:
    await start_november(cadre)
    await cadre.say("12")
    for value in FULL_REPORT.values():
        await cadre.say(value)
    await cadre.say("Lancar")
    await cadre.photo("photo-1")
    await cadre.say("udah")
    assert "Ringkasan laporan" in cadre.question
    await cadre.press("Ubah")
    await cadre.press("Foto")
    await english(cadre)
    await cadre.photo("photo-2")
    await cadre.say("done")
    assert "• Photos: 1" in cadre.question  # the photo sent again replaces the first
    assert "✅ Send" in cadre.labels


# -- a number outside a menu -----------------------------------------------------------------------
async def test_8_in_a_menu_of_fewer_is_answered_pick_1_to_n(chat: Chat) -> None:
    await onboard(chat, role="warga")
    count = len(chat.labels)
    await chat.say(str(count + 2))
    assert f"Mohon pilih nomor 1–{count}" in chat.text
    assert "layanan sosial" not in chat.text.split("\n")[0]  # not answered as a question
    assert "Menu utama" in chat.question
    await english(chat)
    await chat.say("0")
    assert f"Please choose a number from 1 to {count}" in chat.text
    assert "Main menu" in chat.question


async def test_a_number_outside_a_form_choice(cadre: Chat) -> None:
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.say("7")
    assert "Mohon pilih nomor 1–4" in cadre.text  # three answers and "Kembali"
    assert "dilaksanakan" in cadre.question


async def test_a_number_outside_the_consent_question(chat: Chat) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.say("5")
    assert "Mohon pilih nomor 1–2" in chat.text
    assert "UU 27/2022" in chat.question


# -- the first message ---------------------------------------------------------------------------
@pytest.mark.parametrize("first", ["halo", "Assalamualaikum", "bansos saya kok ga cair", "8"])
async def test_a_first_message_of_any_kind_starts_the_welcome(chat: Chat, first: str) -> None:
    await chat.say(first)
    assert "Mohon pilih" not in chat.text
    assert "Selamat datang di KaderBot" in chat.question
    assert chat.labels == ["Bahasa Indonesia", "English"]


async def test_a_first_photo_starts_the_welcome(chat: Chat) -> None:
    await chat.photo()
    assert "Mohon" not in chat.text
    assert "Selamat datang di KaderBot" in chat.question


# -- a label said in a sentence, at a question whose options are its only answers -----------------
CONSENT = [["accept", "Setuju"], ["decline", "Tidak setuju"]]
ROLE = [["cadre", "Saya kader Posyandu"], ["resident", "Saya warga"]]
POSITION = [["ketua", "Ketua"], ["sekretaris", "Sekretaris"], ["anggota", "Anggota"], ["_back", "◀ Kembali"]]
HELD = [
    ["usual_place", "Ya, di tempat biasa"],
    ["other_place", "Ya, di tempat lain"],
    ["not_held", "Tidak dilaksanakan"],
    ["_back", "◀ Kembali"],
]


@pytest.mark.parametrize(
    ("lang", "typed", "options", "value"),
    [
        ("id", "saya setuju", CONSENT, "accept"),
        ("id", "iya setuju", CONSENT, "accept"),
        ("id", "gak mau", CONSENT, "decline"),
        ("id", "ga mau", CONSENT, "decline"),
        ("id", "saya tidak setuju", CONSENT, "decline"),
        ("id", "kader", ROLE, "cadre"),
        ("id", "saya kader", ROLE, "cadre"),
        ("id", "warga", ROLE, "resident"),
        ("id", "saya ketua", POSITION, "ketua"),
        ("id", "ketua bu", POSITION, "ketua"),
        ("en", "yes I agree", [["accept", "I agree"], ["decline", "I do not agree"]], "accept"),
        (
            "en",
            "I'm a resident",
            [["cadre", "I am a Posyandu cadre"], ["resident", "I am a resident"]],
            "resident",
        ),
        ("en", "cadre", [["cadre", "I am a Posyandu cadre"], ["resident", "I am a resident"]], "cadre"),
    ],
)
def test_a_label_said_in_a_sentence_picks_it_at_a_choice(
    lang: str, typed: str, options: list[list[str]], value: str
) -> None:
    assert match_option(typed, options, numbered=True, lang=lang, choice=True) == value
    if typed.casefold() not in ("gak mau", "ga mau", "saya tidak setuju", "yes i agree"):
        # a text question with the same buttons takes what was typed as text
        assert match_option(typed, options, numbered=True, lang=lang) is None


@pytest.mark.parametrize(
    ("typed", "options"),
    [
        ("ya", HELD),  # two options say yes: ask which one
        ("saya", ROLE),  # in both labels
        ("kembali ke posyandu", POSITION),  # never Back, never a pick
        ("bendahara", POSITION),  # not on screen
    ],
)
def test_no_pick_when_unclear_or_a_navigation_word(typed: str, options: list[list[str]]) -> None:
    assert match_option(typed, options, numbered=True, choice=True) is None


async def test_saya_setuju_and_saya_kader_at_the_welcome(chat: Chat) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.say("saya setuju")
    assert "Mohon pilih" not in chat.text
    assert "menggunakan KaderBot sebagai apa" in chat.question
    await chat.say("saya kader")
    assert "Mohon pilih" not in chat.text
    assert "menggunakan KaderBot sebagai apa" not in chat.question


async def test_gak_mau_declines_and_warga_in_english(chat: Chat) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.say("gak mau")
    assert "Mohon pilih" not in chat.text
    assert "UU 27/2022" not in chat.question  # declined, not asked again
    other = Chat(chat.core, "wati")
    await other.say("/start")
    await other.press("English")
    await other.say("yes, I agree")
    await other.say("resident")
    assert "Please choose one of" not in other.text
    assert "Main menu" in other.question


async def test_saya_ketua_at_registration(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("Budi Santoso")
    await chat.say("0812-3456-7890")
    await chat.press("Kutai Kartanegara")
    await chat.press("Tenggarong")
    await chat.press("Melayu")
    await chat.press("Melati 1")
    await chat.say("saya ketua")
    assert "Mohon pilih" not in chat.text
    assert "Jabatan: Ketua" in chat.question


async def test_setuju_approves_at_verification(kaderbot: KaderBot) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("Rina")
    await siti.say("setuju")
    assert "✅ Rina Kusumawati sudah diverifikasi." in siti.text


async def test_ya_with_two_yes_options_asks_which_one(cadre: Chat) -> None:
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.say("ya")
    assert "Maksud Bapak/Ibu yang mana?" in cadre.text
    assert "Mohon pilih salah satu" not in cadre.text
    assert "Ya, di tempat lain" in cadre.labels and "dilaksanakan" in cadre.question
    await cadre.say("tempat lain")
    assert "Di mana Posyandu dilaksanakan" in cadre.question
    await english(cadre)
    await cadre.say("kembali")
    await cadre.say("yes")
    assert "Which one do you mean?" in cadre.text


async def test_kembali_inside_a_note_is_the_note(cadre: Chat) -> None:
    await start_november(cadre)
    await cadre.say("12")
    for value in FULL_REPORT.values():
        await cadre.say(value)
    assert "catatan" in cadre.question.casefold() and "Lewati" in cadre.labels
    await cadre.say("Timbangan kembali rusak")
    assert "foto" in cadre.question.casefold()
    await cadre.say("kembali")
    assert "Jawaban saat ini: Timbangan kembali rusak" in cadre.question


# -- 'Lewati' where nothing can be skipped ----------------------------------------------------------
async def test_lewati_is_not_a_place_name(cadre: Chat) -> None:
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat lain")
    assert "Lewati" not in cadre.labels
    await cadre.say("Lewati")
    assert "tidak bisa dilewati" in cadre.text
    assert "Di mana Posyandu dilaksanakan" in cadre.question
    await english(cadre)
    await cadre.say("skip")
    assert "cannot be skipped" in cadre.text
    await cadre.say("Balai desa")
    assert "Di mana" not in cadre.question and "Where" not in cadre.question


# -- dates and times for a broadcast ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "typed", "day"),
    [("id", "besok", 21), ("id", "lusa", 22), ("en", "tomorrow", 21), ("en", "besok", 21)],
)
def test_tomorrow_and_the_day_after(lang: str, typed: str, day: int) -> None:
    assert read_day(typed, NOVEMBER, today=TODAY, lang=lang) == dt.date(2026, 11, day)


@pytest.mark.parametrize(
    ("lang", "typed"),
    [("id", "jam 8 pagi"), ("id", "jam 8"), ("id", "8 malam"), ("en", "8 pm"), ("en", "8am")],
)
def test_a_time_of_day_is_not_a_date(lang: str, typed: str) -> None:
    with pytest.raises(DateProblem) as refused:
        read_day(typed, NOVEMBER, today=TODAY, lang=lang)
    assert refused.value.key == "form.err.date"


@pytest.mark.parametrize(
    ("lang", "typed", "time"),
    [
        ("id", "jam 8 pagi", (8, 0)),
        ("id", "jam 8", (8, 0)),
        ("id", "08.00", (8, 0)),
        ("id", "8 malam", (20, 0)),
        ("id", "pukul 14.30 WIB", (14, 30)),
        ("id", "2 siang", (14, 0)),
        ("en", "8 pm", (20, 0)),
        ("en", "8:30 am", (8, 30)),
        ("id", "25.61", None),
        ("id", "jam", None),
    ],
)
def test_times_as_typed(lang: str, typed: str, time: tuple[int, int] | None) -> None:
    assert read_time(typed, lang) == time


async def scheduling(kaderbot: KaderBot) -> Chat:
    await add_cadres(kaderbot.db, count=2, posyandu_code="PY-6402-0001", first_address=36_000)
    siti = Chat(kaderbot.core, "siti")
    await compose_broadcast(siti, "Posyandu serentak", whole="Kutai Kartanegara")
    await siti.press("Jadwalkan")
    assert "Besok, Sabtu, 21 November 2026" in siti.labels
    return siti


async def test_besok_and_jam_8_pagi_in_a_broadcast(kaderbot: KaderBot) -> None:
    siti = await scheduling(kaderbot)
    await siti.say("jam 8 pagi")
    assert "Tanggal tidak dikenali" in siti.text
    await siti.say("besok")
    assert "Jam berapa" in siti.question
    await siti.say("jam 8 pagi")
    assert "• Tanggal: Sabtu, 21 November 2026" in siti.question and "• Jam: 08.00" in siti.question
    await siti.press("Ubah")
    await siti.press("Jam")
    await siti.say("8 malam")
    assert "• Jam: 20.00" in siti.question


async def test_tomorrow_in_an_english_broadcast(kaderbot: KaderBot) -> None:
    siti = await scheduling(kaderbot)
    await english(siti)
    await siti.say("at 8 pm")
    assert "Date not recognised" in siti.text
    await siti.say("tomorrow")
    await siti.say("8 pm")
    assert "21 November 2026" in siti.question and "20.00" in siti.question
