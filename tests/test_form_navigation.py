"""Wording and counting in forms (issue 15): the held question names the month reported, the step
counter never changes its total once shown, 'kembali' goes to the previous question in the form's
order, and /bahasa comes back to where one was without asking twice."""

from __future__ import annotations

import re

import pytest

from bot.app import KaderBot
from tests.chat import Chat
from tests.flows import FULL_REPORT, register_cadre

STEP = re.compile(r"^\((\d+)(?:/(\d+))?\)")


@pytest.fixture
async def cadre(chat: Chat) -> Chat:
    await register_cadre(chat)
    return chat


def step(chat: Chat) -> tuple[int, int | None]:
    found = STEP.match(chat.question)
    assert found, chat.question
    return int(found[1]), (int(found[2]) if found[2] else None)


async def test_the_held_question_names_the_month_reported(cadre: Chat) -> None:
    await cadre.say("/lapor")
    await cadre.press("Oktober 2026")
    assert "Apakah Posyandu dilaksanakan pada Oktober 2026?" in cadre.question
    assert "bulan ini" not in cadre.question
    await cadre.say("/bahasa")
    await cadre.press("English")
    assert "Was the Posyandu held in October 2026?" in cadre.question


async def test_the_counter_does_not_jump_after_not_held(cadre: Chat) -> None:
    await cadre.say("/lapor")
    assert step(cadre) == (1, None)  # how many questions depends on an answer still to come
    await cadre.press("Oktober 2026")
    assert step(cadre) == (2, None)
    await cadre.press("Tidak dilaksanakan")
    assert step(cadre) == (3, 4)
    await cadre.press("Cuaca buruk")
    assert step(cadre) == (4, 4)


async def test_the_counter_of_a_whole_report_counts_one_by_one_to_a_fixed_total(cadre: Chat) -> None:
    await cadre.say("/lapor")
    seen = [step(cadre)]
    await cadre.press("November 2026")
    seen.append(step(cadre))
    await cadre.press("tempat biasa")
    seen.append(step(cadre))
    await cadre.say("12")
    for value in FULL_REPORT.values():
        seen.append(step(cadre))
        await cadre.say(value)
    seen.append(step(cadre))
    await cadre.say("Lancar")
    seen.append(step(cadre))
    assert [s for s, _ in seen] == list(range(1, len(seen) + 1))
    totals = {total for _, total in seen if total is not None}
    assert totals == {17}
    assert [total for _, total in seen[:2]] == [None, None]


async def test_back_goes_to_the_previous_question_in_the_form_not_the_last_one_asked(cadre: Chat) -> None:
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat biasa")
    await cadre.say("12")
    for name in ("s", "k", "d"):
        await cadre.say(FULL_REPORT[name])
    for _ in range(3):
        await cadre.say("kembali")
    assert "S — jumlah" in cadre.question and "Jawaban saat ini: 40" in cadre.question
    await cadre.say("45")  # S changed: on to the first question not yet answered, N
    assert "N — dari balita" in cadre.question
    await cadre.say("kembali")
    assert "D — jumlah" in cadre.question and "Jawaban saat ini: 32" in cadre.question  # not S again
    await cadre.say("kembali")
    assert "K — jumlah" in cadre.question and "Jawaban saat ini: 35" in cadre.question


async def test_back_from_the_summary_and_at_the_first_question(cadre: Chat) -> None:
    await cadre.say("/lapor")
    await cadre.say("kembali")
    assert "Ini pertanyaan pertama" in cadre.text
    await cadre.press("Oktober 2026")
    await cadre.press("Tidak dilaksanakan")
    await cadre.press("Cuaca buruk")
    await cadre.press("Lewati")
    assert "Ringkasan laporan" in cadre.question
    await cadre.say("kembali")
    assert "catatan" in cadre.question.casefold()
    await cadre.say("kembali")
    assert "alasan" in cadre.question.casefold()
    await cadre.say("kembali")
    assert "dilaksanakan pada Oktober 2026" in cadre.question


async def test_language_as_the_first_message_asks_once_then_goes_on(chat: Chat) -> None:
    await chat.say("/bahasa")
    await chat.press("English")
    assert chat.text.count("Please choose a language") == 0  # the picker is not shown again
    assert "Language changed to English." in chat.text
    assert "Personal data consent" in chat.question


async def test_language_first_for_someone_who_agreed_already_leads_to_the_menu(kaderbot: KaderBot) -> None:
    # Sari is set up with consent on record and has never written: /bahasa must not ask it again.
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/bahasa")
    await sari.press("Bahasa Indonesia")
    assert "Persetujuan data pribadi" not in sari.text
    assert sari.question.startswith("Menu utama, Sari") and "Lapor kegiatan bulanan" in sari.labels


async def test_language_picker_can_go_back_without_changing(cadre: Chat) -> None:
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    asked = cadre.question
    await cadre.say("/bahasa")
    assert "◀ Kembali" in cadre.labels
    await cadre.say("kembali")
    assert cadre.question == asked
    assert "Bahasa diganti" not in cadre.text
