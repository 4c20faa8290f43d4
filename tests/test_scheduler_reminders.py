"""Reminders are planned ahead as rows and dispatched when due, at the right local time, once; not
to Posyandu that already reported; muting honoured. Delivered as outbox rows (the console shows
them at the person's next turn; tests/test_outbox_reminders.py sends them to Telegram)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import KaderBot, build
from bot.notifier import ConsoleNotices
from bot.settings import load_settings
from handlers.scheduling.dispatch import Dispatcher
from storage.models import Person
from storage.models_outbox import OutboxMessage
from storage.models_scheduling import Reminder
from tests.chat import Chat, Clock
from tests.flows import report_until_summary

WITA = dt.timezone(dt.timedelta(hours=8))


def wita(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=WITA).astimezone(dt.UTC)


def dispatcher(kaderbot: KaderBot, clock: Clock) -> Dispatcher:
    return Dispatcher(kaderbot.db, kaderbot.settings.zone, clock=clock)


async def notices(kaderbot: KaderBot, handle: str) -> list[str]:
    """What the person sees of their pending notices (outbox rows) at their next console turn."""
    return await ConsoleNotices(kaderbot.db, kaderbot.catalogues, clock=kaderbot.core.clock)(handle)


async def person_id(kaderbot: KaderBot, name: str) -> int:
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(Person.id).where(Person.full_name == name))).scalar_one()


async def reminders_of(kaderbot: KaderBot, name: str, kind: str | None = None) -> list[Reminder]:
    who = await person_id(kaderbot, name)
    async with kaderbot.db.sessions() as session:
        query = select(Reminder).where(Reminder.person_id == who).order_by(Reminder.due_at, Reminder.id)
        if kind is not None:
            query = query.where(Reminder.kind == kind)
        return list((await session.execute(query)).scalars())


async def notifications_of(kaderbot: KaderBot, name: str) -> list[OutboxMessage]:
    who = await person_id(kaderbot, name)
    async with kaderbot.db.sessions() as session:
        result = await session.execute(
            select(OutboxMessage).where(OutboxMessage.person_id == who).order_by(OutboxMessage.id)
        )
        return list(result.scalars())


async def send_report(chat: Chat, clock: Clock, when: dt.datetime, *, month: str, day: str = "8") -> None:
    """The cadre sends the Posyandu's report for `month` at `when` (through /lapor)."""
    clock.now = when
    await report_until_summary(chat, month=month, day=day)
    await chat.press("Kirim")
    assert "sudah tersimpan" in chat.text, chat.text


async def test_report_deadline_reminder_fires_at_0900_wita_three_days_before(
    kaderbot: KaderBot, clock: Clock
) -> None:
    # November's report is due 5 December 23:59 WITA; D-3 is 2 December 09:00 WITA = 01:00 UTC.
    clock.now = wita(2026, 11, 29, 10, 0)
    assert await dispatcher(kaderbot, clock).plan() > 0
    d3 = [
        r
        for r in await reminders_of(kaderbot, "Sari Wulandari", "report_deadline")
        if r.dedupe_key.endswith("d3")
    ]
    assert [r.due_at for r in d3] == [dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)]

    clock.now = dt.datetime(2026, 12, 2, 0, 59, tzinfo=dt.UTC)
    await dispatcher(kaderbot, clock).dispatch()
    assert await notices(kaderbot, "sari") == []

    clock.now = dt.datetime(2026, 12, 2, 1, 0, tzinfo=dt.UTC)
    sent = await dispatcher(kaderbot, clock).dispatch()
    assert sent.sent >= 1
    texts = await notices(kaderbot, "sari")
    assert len(texts) == 1
    assert "Posyandu Melati 1" in texts[0] and "November 2026" in texts[0]
    assert "5 Desember 2026 23.59 WITA" in texts[0] and "/lapor" in texts[0]

    # D-1: 4 December 09:00 WITA, the same reminder key never planned or sent twice.
    clock.now = wita(2026, 12, 4, 9, 0)
    await dispatcher(kaderbot, clock).run_once()
    texts = await notices(kaderbot, "sari")
    assert len(texts) == 1 and "Besok batas terakhir" in texts[0]


async def test_a_restart_between_planning_and_firing_sends_it_once(
    kaderbot: KaderBot, db_url: str, clock: Clock
) -> None:
    clock.now = wita(2026, 11, 29, 10, 0)
    await dispatcher(kaderbot, clock).plan()
    await kaderbot.close()  # the process stops; the planned rows stay in the database

    for minute in (0, 1, 5):  # a new process, then another one, each planning and dispatching again
        clock.now = wita(2026, 12, 2, 9, minute)
        restarted = build(load_settings(database_url=db_url), clock=clock, strict_messages=True)
        try:
            await dispatcher(restarted, clock).run_once()
        finally:
            await restarted.close()

    again = build(load_settings(database_url=db_url), clock=clock, strict_messages=True)
    try:
        # Each run planned again (the grace window still covers 09:00), yet one row and one message.
        keys = [n.message_key for n in await notifications_of(again, "Sari Wulandari")]
        assert keys == ["reminder.report_deadline.d3"]
        d3 = [
            r
            for r in await reminders_of(again, "Sari Wulandari", "report_deadline")
            if r.dedupe_key.endswith("d3")
        ]
        assert [r.status for r in d3] == ["sent"]
    finally:
        await again.close()


async def test_not_sent_to_cadres_whose_posyandu_already_reported(kaderbot: KaderBot, clock: Clock) -> None:
    clock.now = wita(2026, 11, 29, 10, 0)
    await dispatcher(kaderbot, clock).plan()  # planned for both, before anyone reported
    # Nurhayati's Posyandu Kasih Ibu reports November on 1 December; Sari's Melati 1 does not.
    await send_report(
        Chat(kaderbot.core, "nurhayati"), clock, wita(2026, 12, 1, 19, 30), month="November 2026"
    )

    clock.now = wita(2026, 12, 2, 9, 0)
    await dispatcher(kaderbot, clock).run_once()
    assert len(await notices(kaderbot, "sari")) == 1
    assert await notices(kaderbot, "nurhayati") == []
    skipped = [
        r
        for r in await reminders_of(kaderbot, "Nurhayati Lestari", "report_deadline")
        if r.status == "skipped"
    ]
    assert [r.reason for r in skipped] == ["already_reported"]


async def test_muted_kinds_are_not_sent_and_essential_ones_cannot_be_muted(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/pengingat")
    assert "batas laporan bulanan" in sari.text  # said to be always on
    assert not any("laporan" in label.casefold() for label in sari.labels)  # and not offered to mute
    await sari.press("Hari Posyandu")
    assert "Hari Posyandu: mati" in " ".join(sari.labels)
    await sari.press("Selesai")

    # Melati 1 (Sari) meets on the 8th, Kasih Ibu (Nurhayati) on the 9th: reminders the day before at 16:00.
    clock.now = wita(2026, 12, 6, 8, 0)
    await dispatcher(kaderbot, clock).plan()
    for when in (wita(2026, 12, 7, 16, 0), wita(2026, 12, 8, 16, 0)):
        clock.now = when
        await dispatcher(kaderbot, clock).dispatch()
    assert not [t for t in await notices(kaderbot, "sari") if "jadwal kegiatan" in t]
    nurhayati = [t for t in await notices(kaderbot, "nurhayati") if "jadwal kegiatan" in t]
    assert len(nurhayati) == 1 and "Rabu, 9 Desember 2026" in nurhayati[0]
    assert [r.reason for r in await reminders_of(kaderbot, "Sari Wulandari", "activity_day")] == ["muted"]

    # Turning it back on: the next month's reminder goes out again.
    await sari.say("/pengingat")
    await sari.press("Hari Posyandu")
    assert "Hari Posyandu: aktif" in " ".join(sari.labels)
    clock.now = wita(2027, 1, 6, 8, 0)
    await dispatcher(kaderbot, clock).plan()
    clock.now = wita(2027, 1, 7, 16, 0)
    await dispatcher(kaderbot, clock).dispatch()
    assert any("jadwal kegiatan" in t for t in await notices(kaderbot, "sari"))


async def test_report_deadline_reminders_are_essential_even_when_everything_is_muted(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/pengingat")
    for label in ("Hari Posyandu", "Insentif dibayar", "BPJS"):
        await sari.press(label)
    assert all("mati" in label for label in sari.labels[:3])
    clock.now = wita(2026, 12, 1, 8, 0)
    await dispatcher(kaderbot, clock).plan()
    clock.now = wita(2026, 12, 2, 9, 0)
    await dispatcher(kaderbot, clock).dispatch()
    assert any("5 Desember 2026 23.59 WITA" in t for t in await notices(kaderbot, "sari"))


async def test_a_reminder_missed_while_the_bot_was_down_is_dropped_not_sent_late(
    kaderbot: KaderBot, clock: Clock
) -> None:
    clock.now = wita(2026, 11, 29, 10, 0)
    await dispatcher(kaderbot, clock).plan()
    clock.now = wita(2026, 12, 3, 11, 0)  # a day late: "three days left" would be wrong now
    await dispatcher(kaderbot, clock).dispatch()
    assert await notices(kaderbot, "sari") == []
    d3 = [
        r
        for r in await reminders_of(kaderbot, "Sari Wulandari", "report_deadline")
        if r.dedupe_key.endswith("d3")
    ]
    assert [(r.status, r.reason) for r in d3] == [("skipped", "stale")]


async def test_the_zone_setting_moves_the_local_time(db_url: str, clock: Clock) -> None:
    bot = build(
        load_settings(database_url=db_url, timezone="Asia/Jakarta"), clock=clock, strict_messages=True
    )
    try:
        clock.now = dt.datetime(2026, 11, 29, 2, 0, tzinfo=dt.UTC)
        await dispatcher(bot, clock).plan()
        d3 = [
            r
            for r in await reminders_of(bot, "Sari Wulandari", "report_deadline")
            if r.dedupe_key.endswith("d3")
        ]
        # 09:00 WIB (UTC+7) is 02:00 UTC; the deadline is read as 23:59 WIB.
        assert [r.due_at for r in d3] == [dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)]
        clock.now = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
        await dispatcher(bot, clock).dispatch()
        texts = await notices(bot, "sari")
        assert len(texts) == 1 and "5 Desember 2026 23.59 WIB" in texts[0]
    finally:
        await bot.close()


async def test_reminders_are_written_in_the_persons_language(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/bahasa")
    await sari.press("English")
    clock.now = wita(2026, 11, 29, 10, 0)
    await dispatcher(kaderbot, clock).plan()
    clock.now = wita(2026, 12, 2, 9, 0)
    await dispatcher(kaderbot, clock).dispatch()
    texts = await notices(kaderbot, "sari")
    assert len(texts) == 1
    assert "The deadline is 5 December 2026 23.59 WITA" in texts[0] and "/report" in texts[0]
