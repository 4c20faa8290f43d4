"""Soft checks on the monthly report (issue 15, point 5): an unusual answer is kept, the cadre is told
why and may keep it or correct it. Hard rules (N ≤ D ≤ S, K ≤ S) still refuse."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import KaderBot
from storage.models import MonthlyReport
from tests.chat import Chat
from tests.flows import FULL_REPORT, register_cadre

FIELDS = list(FULL_REPORT)


@pytest.fixture
async def cadre(chat: Chat) -> Chat:
    await register_cadre(chat)
    return chat


async def fill(
    chat: Chat, *, month: str = "November 2026", day: str = "12", until: str | None = None, **typed: str
) -> None:
    """Start a report and type FULL_REPORT's answers (or `typed` ones) up to `until` (not included)."""
    await chat.say("/lapor")
    await chat.press(month)
    await chat.press("tempat biasa")
    await chat.say(day)
    for name in FIELDS:
        if name == until:
            return
        await chat.say(typed.get(name, FULL_REPORT[name]))


async def finish(chat: Chat) -> None:
    await chat.say("Lancar")
    await chat.press("Lewati")
    await chat.press("Kirim")


async def stored(kaderbot: KaderBot, month: int = 11) -> MonthlyReport:
    async with kaderbot.db.sessions() as session:
        reports = (await session.execute(select(MonthlyReport))).scalars().all()
    return next(r for r in reports if r.month.month == month)


async def test_immunizations_above_s_are_questioned_and_can_be_kept(cadre: Chat, kaderbot: KaderBot) -> None:
    await fill(cadre, until="immunizations")
    await cadre.say("1000")
    assert "Imunisasi (1000) lebih banyak dari S, balita di wilayah (40)" in cadre.question
    assert cadre.labels == ["Ya, tetap 1000", "✏️ Perbaiki"]
    await cadre.press("tetap")
    assert "vitamin A?" in cadre.question  # kept, and the form goes on
    await cadre.say("0")
    await finish(cadre)
    assert (await stored(kaderbot)).immunizations == 1000


async def test_correcting_asks_the_same_question_with_the_answer_kept(
    cadre: Chat, kaderbot: KaderBot
) -> None:
    await fill(cadre, until="immunizations")
    await cadre.say("1000")
    await cadre.press("Perbaiki")
    assert "imunisasi yang diberikan" in cadre.question and "Jawaban saat ini: 1000" in cadre.question
    await cadre.say("10")
    assert "vitamin A?" in cadre.question
    await cadre.say("0")
    await finish(cadre)
    assert (await stored(kaderbot)).immunizations == 10


async def test_a_new_number_typed_at_the_warning_is_the_correction(cadre: Chat, kaderbot: KaderBot) -> None:
    await fill(cadre, until="immunizations")
    await cadre.say("1000")
    await cadre.say("12")
    assert "vitamin A?" in cadre.question
    await cadre.say("0")
    await finish(cadre)
    assert (await stored(kaderbot)).immunizations == 12


async def test_ya_keeps_and_salah_corrects(cadre: Chat) -> None:
    await fill(cadre, until="immunizations")
    await cadre.say("1000")
    await cadre.say("salah")
    assert "Jawaban saat ini: 1000" in cadre.question
    await cadre.say("1000")
    assert "lebih banyak dari S" in cadre.question
    await cadre.say("iya")
    assert "vitamin A?" in cadre.question


async def test_vitamin_a_outside_february_and_august(cadre: Chat, kaderbot: KaderBot) -> None:
    await fill(cadre, until="vitamin_a")
    await cadre.say("30")
    assert "Februari dan Agustus" in cadre.question and "November 2026" in cadre.question
    await cadre.press("tetap 30")
    await finish(cadre)
    assert (await stored(kaderbot)).vitamin_a == 30


async def test_vitamin_a_in_august_is_not_questioned(cadre: Chat, kaderbot: KaderBot) -> None:
    await fill(cadre, month="Agustus 2026", until="vitamin_a")
    await cadre.say("30")
    assert "Catatan" in cadre.question or "catatan" in cadre.question
    await finish(cadre)
    assert (await stored(kaderbot, 8)).vitamin_a == 30


async def test_vitamin_a_above_s(cadre: Chat) -> None:
    await fill(cadre, month="Agustus 2026", until="vitamin_a")
    await cadre.say("41")
    assert "Vitamin A (41) lebih banyak dari S, balita di wilayah (40)" in cadre.question


async def test_s_changed_by_more_than_a_third_from_the_last_report(cadre: Chat, kaderbot: KaderBot) -> None:
    await fill(cadre, month="Oktober 2026")
    await finish(cadre)
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat biasa")
    await cadre.say("12")
    await cadre.say("400")
    assert "S (400) berubah lebih dari sepertiga" in cadre.question
    assert "Oktober 2026: S = 40" in cadre.question
    await cadre.press("Perbaiki")
    await cadre.say("50")  # a quarter more: usual
    assert "K — jumlah" in cadre.question


async def test_s_close_to_the_last_report_is_not_questioned(cadre: Chat) -> None:
    await fill(cadre, month="Oktober 2026")
    await finish(cadre)
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat biasa")
    await cadre.say("12")
    await cadre.say("30")  # 40 → 30: a quarter less
    assert "K — jumlah" in cadre.question


async def test_lowering_s_in_the_summary_questions_immunizations(cadre: Chat, kaderbot: KaderBot) -> None:
    await fill(cadre)
    await finish_until_summary(cadre)
    await cadre.press("Ubah")
    await cadre.press("S (balita")
    await cadre.say("35")  # still ≥ D (32) and K (35), but below vitamin A? no: below nothing → summary
    assert "Ringkasan laporan" in cadre.question
    await cadre.press("Ubah")
    await cadre.press("Imunisasi")
    await cadre.say("36")
    assert "Imunisasi (36) lebih banyak dari S, balita di wilayah (35)" in cadre.question
    await cadre.press("tetap")
    assert "Ringkasan laporan" in cadre.question and "Imunisasi: 36" in cadre.question
    await cadre.press("Kirim")
    assert (await stored(kaderbot)).immunizations == 36


async def finish_until_summary(chat: Chat) -> None:
    await chat.say("Lancar")
    await chat.press("Lewati")


async def test_a_kept_answer_is_not_questioned_again(cadre: Chat) -> None:
    await fill(cadre, until="immunizations")
    await cadre.say("1000")
    await cadre.press("tetap")
    await cadre.say("kembali")
    assert "Jawaban saat ini: 1000" in cadre.question
    await cadre.say("1000")
    assert "vitamin A?" in cadre.question  # the same answer, already confirmed


async def test_hard_rules_still_refuse(cadre: Chat) -> None:
    await fill(cadre, until="k")
    await cadre.say("41")
    assert "K tidak boleh lebih besar dari S (40" in cadre.text


async def test_warnings_in_english(cadre: Chat, kaderbot: KaderBot) -> None:
    await fill(cadre, until="immunizations")
    await cadre.say("/bahasa")
    await cadre.press("English")
    await cadre.say("1000")
    assert "Immunisations (1000) are more than S, the under-fives in the area (40)" in cadre.question
    assert cadre.labels == ["Yes, keep 1000", "✏️ Correct it"]
    await cadre.say("yes")
    await cadre.say("30")
    assert "February and August" in cadre.question and "November 2026" in cadre.question
    await cadre.say("no")
    assert "Current answer: 30" in cadre.question
