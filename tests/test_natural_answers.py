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
from handlers.forms.dates import DateProblem, read_day
from storage.models import MonthlyReport
from tests.chat import Chat
from tests.flows import FULL_REPORT, onboard, register_cadre

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
