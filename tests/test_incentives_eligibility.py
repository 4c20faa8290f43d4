"""/insentif: whether a cadre meets the conditions for a month, at the deadline's edges in WITA, for
an unverified cadre and for a revised report; coordinators marking a month paid in chat."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import KaderBot
from storage.models import MonthlyReport
from tests.chat import Chat, Clock
from tests.test_scheduler_reminders import dispatcher, notices, send_report, wita

# October's report is due 5 November 2026, 23:59 WITA (Kukar: the 5th of the next month).


async def incentive_screen(chat: Chat, clock: Clock) -> str:
    clock.now = wita(2026, 11, 20, 10, 0)
    await chat.say("/insentif")
    return chat.text


async def revise(kaderbot: KaderBot, chat: Chat, month: str) -> None:
    """Send the month's report again (a revision), changing the number of balita weighed."""
    await chat.say("/lapor")
    await chat.press(month)
    await chat.press("Ya, revisi")
    await chat.press("Ubah")
    await chat.press("ditimbang")
    await chat.say("33")
    # More weighed than the report's "balita served": the form asks once, the cadre keeps 33.
    await chat.press("Ya, tetap 33")
    await chat.press("Kirim")
    async with kaderbot.db.sessions() as session:
        revisions = (await session.execute(select(MonthlyReport.revision, MonthlyReport.d))).all()
    assert (2, 33) in revisions, chat.text


def line(screen: str, month: str) -> str:
    found = [text for text in screen.splitlines() if text.partition(" ")[2].startswith(f"{month}:")]
    assert len(found) == 1, screen
    return found[0]


async def test_a_report_one_minute_before_the_deadline_meets_the_conditions(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sari = Chat(kaderbot.core, "sari")
    await send_report(sari, clock, wita(2026, 11, 5, 23, 58), month="Oktober 2026")
    screen = await incentive_screen(sari, clock)
    assert "Besaran: Rp250.000 per bulan (Kutai Kartanegara)" in screen
    assert line(screen, "Oktober 2026") == "✅ Oktober 2026: memenuhi syarat (Rp250.000)"


async def test_a_report_one_minute_after_the_deadline_is_late(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    await send_report(sari, clock, wita(2026, 11, 6, 0, 0), month="Oktober 2026")
    screen = await incentive_screen(sari, clock)
    assert line(screen, "Oktober 2026") == (
        "⏰ Oktober 2026: terlambat — laporan dikirim 6 November 2026 00.00 WITA, "
        "lewat dari batas 5 November 2026 23.59 WITA, jadi belum memenuhi syarat"
    )


async def test_the_last_minute_itself_counts(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    await send_report(sari, clock, wita(2026, 11, 5, 23, 59).replace(second=59), month="Oktober 2026")
    assert "memenuhi syarat (Rp250.000)" in line(await incentive_screen(sari, clock), "Oktober 2026")


async def test_an_unverified_cadre_does_not_meet_the_conditions_even_on_time(
    kaderbot: KaderBot, clock: Clock
) -> None:
    rina = Chat(kaderbot.core, "rina")  # registered, not yet verified (Posyandu Teratai, Kukar)
    await send_report(rina, clock, wita(2026, 11, 3, 9, 0), month="Oktober 2026")
    screen = await incentive_screen(rina, clock)
    assert line(screen, "Oktober 2026") == (
        "⚠️ Oktober 2026: belum memenuhi syarat — data kader belum diverifikasi koordinator"
    )


async def test_a_revision_after_the_deadline_keeps_the_first_submission_on_time(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sari = Chat(kaderbot.core, "sari")
    await send_report(sari, clock, wita(2026, 11, 5, 23, 58), month="Oktober 2026")
    clock.now = wita(2026, 11, 10, 8, 0)  # corrected five days later
    await revise(kaderbot, sari, "Oktober 2026")
    assert "memenuhi syarat (Rp250.000)" in line(await incentive_screen(sari, clock), "Oktober 2026")


async def test_a_late_report_stays_late_after_a_revision(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    await send_report(sari, clock, wita(2026, 11, 7, 9, 0), month="Oktober 2026")
    clock.now = wita(2026, 11, 8, 9, 0)
    await revise(kaderbot, sari, "Oktober 2026")
    assert "lewat dari batas" in line(await incentive_screen(sari, clock), "Oktober 2026")


async def test_this_month_and_months_without_a_report_say_why(kaderbot: KaderBot, clock: Clock) -> None:
    screen = await incentive_screen(Chat(kaderbot.core, "sari"), clock)
    # The current month is not yet due: no warning a month before the deadline (issue #15).
    assert line(screen, "November 2026") == (
        "⏳ November 2026: belum jatuh tempo — laporan ditunggu paling lambat 5 Desember 2026 23.59 WITA"
    )
    assert line(screen, "September 2026").endswith(
        "laporan tidak dikirim sampai batas 5 Oktober 2026 23.59 WITA"
    )
    assert len([text for text in screen.splitlines() if "2026:" in text]) == 6  # the last six months


async def test_a_region_without_a_rule_says_so(kaderbot: KaderBot, clock: Clock) -> None:
    screen = await incentive_screen(Chat(kaderbot.core, "dewi"), clock)  # Balikpapan: no rule set up
    assert "Belum ada aturan insentif" in screen and "memenuhi syarat" not in screen


async def test_a_coordinator_marks_the_month_paid_and_the_cadre_is_told(
    kaderbot: KaderBot, clock: Clock
) -> None:
    await send_report(Chat(kaderbot.core, "sari"), clock, wita(2026, 11, 4, 9, 0), month="Oktober 2026")
    await send_report(Chat(kaderbot.core, "rina"), clock, wita(2026, 11, 4, 9, 0), month="Oktober 2026")
    clock.now = wita(2026, 11, 20, 10, 0)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/insentif")
    assert "Kutai Kartanegara" in siti.text
    assert siti.labels[:3] == ["Oktober 2026", "September 2026", "Agustus 2026"]  # deadline passed
    await siti.press("Oktober 2026")
    assert "Memenuhi syarat: 1 kader (Rp250.000)" in siti.text
    assert "Rina Kusumawati (Posyandu Teratai): belum diverifikasi" in siti.text
    assert "Nurhayati Lestari (Posyandu Kasih Ibu): tidak ada laporan" in siti.text
    await siti.press("Tandai dibayar")
    assert "1 kader di Kutai Kartanegara ditandai dibayar untuk Oktober 2026" in siti.text

    sari = Chat(kaderbot.core, "sari")
    await sari.say("/insentif")
    assert line(sari.text, "Oktober 2026") == "💸 Oktober 2026: dibayar 20 November 2026 (Rp250.000)"
    await dispatcher(kaderbot, clock).dispatch()
    assert await notices(kaderbot, "sari") == [
        "💰 Insentif kader bulan Oktober 2026 sebesar Rp250.000 sudah dibayar pada 20 November 2026. "
        "Rincian: /insentif\n(Atur pengingat: /pengingat)"
    ]
    assert await notices(kaderbot, "rina") == []  # not verified: not marked, not told

    # Marking again changes nothing and tells nobody twice.
    await siti.say("/insentif")
    await siti.press("Oktober 2026")
    assert "Dibayar: 1 kader" in siti.text and not any("dibayar" in label for label in siti.labels)


async def test_incentive_paid_notice_respects_muting(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    await send_report(sari, clock, wita(2026, 11, 4, 9, 0), month="Oktober 2026")
    await sari.say("/pengingat")
    await sari.press("Insentif dibayar")
    siti = Chat(kaderbot.core, "siti")
    clock.now = wita(2026, 11, 20, 10, 0)
    await siti.say("/insentif")
    await siti.press("Oktober 2026")
    await siti.press("Tandai dibayar")
    await dispatcher(kaderbot, clock).dispatch()
    assert await notices(kaderbot, "sari") == []


async def test_residents_and_other_coordinators_cannot_mark_kukar_paid(
    kaderbot: KaderBot, clock: Clock
) -> None:
    resident = Chat(kaderbot.core, "budi")
    await resident.say("/start")
    await resident.press("Indonesia")
    await resident.press("Setuju")
    await resident.press("warga")
    await resident.say("/insentif")
    assert "Tandai" not in resident.text and "Insentif kader" not in resident.text
    yohana = Chat(kaderbot.core, "yohana")  # Balikpapan: no rule, and Kukar is not hers
    await yohana.say("/insentif")
    assert "Belum ada aturan insentif untuk Balikpapan" in yohana.text
