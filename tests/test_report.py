"""The monthly report: every kind of bad input gets a reason and the same question; one report per
Posyandu per month, revisable, with the old version kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bot.app import KaderBot
from storage.models import MonthlyReport, ReportRevision
from tests.chat import Chat
from tests.flows import FULL_REPORT, register_cadre, report_until_summary


async def reports(kaderbot: KaderBot) -> list[MonthlyReport]:
    async with kaderbot.db.sessions() as session:
        return list((await session.execute(select(MonthlyReport).order_by(MonthlyReport.month))).scalars())


async def revisions(kaderbot: KaderBot) -> int:
    async with kaderbot.db.sessions() as session:
        return int((await session.execute(select(func.count()).select_from(ReportRevision))).scalar_one())


@pytest.fixture
async def cadre(chat: Chat) -> Chat:
    await register_cadre(chat)
    return chat


async def answer_until(chat: Chat, field: str) -> None:
    """Start a November report at the usual place and answer every count before `field`."""
    await chat.say("/lapor")
    await chat.press("November 2026")
    await chat.press("tempat biasa")
    await chat.say("12")
    for name, value in FULL_REPORT.items():
        if name == field:
            return
        await chat.say(value)


async def test_full_report_is_stored_with_coverage_in_the_summary(cadre: Chat, kaderbot: KaderBot) -> None:
    await report_until_summary(cadre)
    summary = cadre.question
    assert "Ringkasan laporan November 2026" in summary
    assert "D/S: 80%" in summary and "N/D: 88%" in summary
    assert "Foto: 1 foto" in summary
    await cadre.press("Kirim")
    assert "Laporan November 2026 sudah tersimpan" in cadre.text
    assert "belum terverifikasi" in cadre.text  # a pending cadre's report is marked as such
    [report] = await reports(kaderbot)
    assert report.month == dt.date(2026, 11, 1) and report.held_on == dt.date(2026, 11, 12)
    assert (report.s, report.k, report.d, report.n) == (40, 35, 32, 28)
    assert report.visits == {
        "ibu_hamil": 6,
        "balita": 32,
        "remaja": 4,
        "usia_produktif": 10,
        "lansia": 12,
    }
    assert (report.referrals_gizi, report.immunizations, report.vitamin_a) == (2, 9, 0)
    assert report.notes == "Penimbangan lancar" and report.photos == [
        {"ref": "photo-1", "mime_type": "image/jpeg"}
    ]
    assert report.revision == 1 and await revisions(kaderbot) == 1


@pytest.mark.parametrize(
    ("field", "typed", "reason"),
    [
        ("s", "empat puluh", "Mohon ketik angka saja"),
        ("s", "-3", "tidak boleh negatif"),
        ("s", "12,5", "bilangan bulat"),
        ("s", "5000", "terlalu besar"),
        ("k", "41", "K tidak boleh lebih besar dari S (40"),
        ("d", "41", "D tidak boleh lebih besar dari S (40"),
        ("n", "33", "N tidak boleh lebih besar dari D (32"),
        ("referrals_gizi", "41", "rujukan tidak boleh lebih besar dari S"),
    ],
)
async def test_bad_numbers_get_a_reason_and_the_same_question(
    cadre: Chat, field: str, typed: str, reason: str
) -> None:
    await answer_until(cadre, field)
    asked = cadre.question
    await cadre.say(typed)
    assert reason in cadre.text
    assert cadre.question == asked
    await cadre.say(FULL_REPORT[field])  # the right answer is then accepted and the form goes on
    assert cadre.question != asked
    await cadre.say("/bahasa")
    await cadre.press("Indonesia")
    await cadre.say("kembali")
    assert f"Jawaban saat ini: {FULL_REPORT[field]}" in cadre.question  # earlier answers intact


async def test_lowering_s_below_d_in_the_summary_is_refused(cadre: Chat, kaderbot: KaderBot) -> None:
    await report_until_summary(cadre)
    await cadre.press("Ubah")
    await cadre.press("S (balita")
    await cadre.say("20")
    assert "S tidak boleh lebih kecil dari D (32" in cadre.text
    await cadre.say("45")
    assert "S (balita di wilayah): 45" in cadre.question and "D/S: 71%" in cadre.question
    await cadre.press("Kirim")
    [report] = await reports(kaderbot)
    assert report.s == 45 and report.d == 32


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("12/2026", "belum berjalan"),
        ("januari 2027", "belum berjalan"),
        ("07/2026", "3 bulan sebelumnya"),
        ("bulan depan", "Bulan tidak dikenali"),
    ],
)
async def test_month_outside_the_allowed_range(cadre: Chat, typed: str, reason: str) -> None:
    await cadre.say("/lapor")
    await cadre.say(typed)
    assert reason in cadre.text
    assert "Laporan untuk bulan apa" in cadre.question


async def test_typed_month_within_range(cadre: Chat) -> None:
    await cadre.say("/lapor")
    await cadre.say("9/2026")
    assert "dilaksanakan" in cadre.question
    await cadre.press("tempat biasa")
    assert "September 2026" in cadre.question


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("25", "belum lewat"),  # 25 November is after 'today' (20 November)
        ("3/10/2026", "tidak di bulan November 2026"),
        ("31", "November 2026 hanya 30 hari"),
        ("31 November", "November 2026 hanya 30 hari"),
        ("minggu lalu", "Tanggal tidak dikenali"),
        ("besok", "belum lewat"),  # tomorrow is understood, and is not past yet
        ("jam 8 pagi", "Tanggal tidak dikenali"),  # a time of day, not the 8th
    ],
)
async def test_bad_dates(cadre: Chat, typed: str, reason: str) -> None:
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat biasa")
    await cadre.say(typed)
    assert reason in cadre.text
    assert "Tanggal berapa" in cadre.question


async def test_usual_day_and_today_are_offered_as_buttons(cadre: Chat) -> None:
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat biasa")
    assert "Hari ini" in cadre.labels
    assert any("jadwal biasa" in label for label in cadre.labels)


async def test_not_held_is_a_short_report(cadre: Chat, kaderbot: KaderBot) -> None:
    await cadre.say("/lapor")
    await cadre.press("Oktober 2026")
    await cadre.press("Tidak dilaksanakan")
    await cadre.press("Cuaca buruk")
    await cadre.press("Lewati")
    assert "Alasan tidak dilaksanakan: Cuaca buruk / banjir" in cadre.question
    assert "S (balita" not in cadre.question
    await cadre.press("Kirim")
    [report] = await reports(kaderbot)
    assert report.held == "not_held" and report.not_held_reason == "Cuaca buruk / banjir"
    assert report.s is None and report.held_on is None


async def test_other_place_asks_where(cadre: Chat, kaderbot: KaderBot) -> None:
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat lain")
    assert "Di mana Posyandu dilaksanakan" in cadre.question
    await cadre.say("Rumah Ibu Sarmini, RT 05")
    assert "Tanggal berapa" in cadre.question


async def test_second_report_for_a_month_becomes_a_revision(cadre: Chat, kaderbot: KaderBot) -> None:
    await report_until_summary(cadre)
    await cadre.press("Kirim")
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    assert "sudah pernah dikirim" in cadre.question
    await cadre.press("Ya, revisi")
    assert "Ringkasan laporan November 2026" in cadre.question  # pre-filled from what was sent
    assert "N (berat badan naik): 28" in cadre.question
    await cadre.press("Ubah")
    await cadre.press("N (berat")
    await cadre.say("30")
    await cadre.press("Kirim")
    assert "Revisi laporan November 2026" in cadre.text and "versi 2" in cadre.text
    [report] = await reports(kaderbot)
    assert report.revision == 2 and report.n == 30
    assert await revisions(kaderbot) == 2


async def test_choosing_another_month_instead_of_revising(cadre: Chat, kaderbot: KaderBot) -> None:
    await report_until_summary(cadre)
    await cadre.press("Kirim")
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("bulan lain")
    assert "Laporan untuk bulan apa" in cadre.question


async def test_draft_is_kept_when_leaving_and_offered_later(cadre: Chat, kaderbot: KaderBot) -> None:
    await answer_until(cadre, "d")
    await cadre.say("/start")
    assert "Lanjutkan draf laporan" in cadre.labels
    await cadre.press("Lanjutkan draf")
    assert "belum selesai" in cadre.question
    await cadre.press("Lanjutkan")
    assert "D — jumlah balita yang ditimbang" in cadre.question
    await cadre.say("/start")
    await cadre.press("Lanjutkan draf")
    await cadre.press("Mulai dari awal")
    assert "Laporan untuk bulan apa" in cadre.question


async def test_only_cadres_can_report(kaderbot: KaderBot) -> None:
    resident = Chat(kaderbot.core, "wati")
    await resident.say("/start")
    await resident.press("Indonesia")
    await resident.press("Setuju")
    await resident.press("warga")
    await resident.say("/lapor")
    assert "bukan untuk peran" in resident.text
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(MonthlyReport))).scalar_one() == 0


async def test_my_reports_shows_six_months(cadre: Chat) -> None:
    await report_until_summary(cadre)
    await cadre.press("Kirim")
    await cadre.say("/laporanku")
    assert "Laporan Posyandu Melati 1, 6 bulan terakhir" in cadre.text
    assert "November 2026: terkirim — D/S 80%, N/D 88%" in cadre.text
    assert "Oktober 2026: belum ada laporan" in cadre.text
    assert "Juni 2026" in cadre.text and "Mei 2026" not in cadre.text
    assert "menunggu verifikasi" in cadre.text
