"""Retention (issue #8): the scheduler's daily job deletes inbound message ids and WhatsApp delivery
records older than RETENTION_INBOUND_DAYS, and drops unfinished forms idle for RETENTION_DRAFT_DAYS;
everything younger, and conversations with nothing unfinished, are left alone. Driven through the
job the scheduler runs, with the clock injected."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select

from bot.app import KaderBot, build
from bot.scheduler import JOB_RETENTION, SchedulerConfig, SchedulerHandle, start_scheduler
from bot.settings import load_settings
from storage.models import ChannelIdentity, Conversation, InboundMessage
from storage.models_whatsapp import WhatsAppOutboundMessage
from storage.repositories import whatsapp
from tests.chat import Chat, Clock

CONFIG = SchedulerConfig(lease_ttl=dt.timedelta(seconds=90), renew_every=30)


@pytest.fixture
async def short_retention(db_url: str, clock: Clock) -> AsyncIterator[KaderBot]:
    """KaderBot with RETENTION_INBOUND_DAYS=7 and RETENTION_DRAFT_DAYS=20."""
    settings = load_settings(database_url=db_url, retention_inbound_days=7, retention_draft_days=20)
    bot = build(settings, clock=clock, strict_messages=True)
    yield bot
    await bot.close()


@pytest.fixture
async def scheduler(short_retention: KaderBot, clock: Clock) -> AsyncIterator[SchedulerHandle]:
    handle = await start_scheduler(short_retention, clock=clock, config=CONFIG, holder="one")
    yield handle
    await handle.stop()


async def count(kaderbot: KaderBot, model: type) -> int:
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def state_of(kaderbot: KaderBot, address: str) -> dict:  # type: ignore[type-arg]
    async with kaderbot.db.sessions() as session:
        return (
            await session.execute(
                select(Conversation.state)
                .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
                .where(ChannelIdentity.address == address)
            )
        ).scalar_one()


async def delivery(kaderbot: KaderBot, clock: Clock, wamid: str) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        attempt = whatsapp.Attempt(address="6281100000011", kind="reply", message_type="text")
        await whatsapp.record(session, attempt, now=clock.now, wamid=wamid)


async def test_the_job_runs_daily_at_a_quiet_hour(scheduler: SchedulerHandle) -> None:
    job = scheduler.scheduler.get_job(JOB_RETENTION)
    assert job is not None and isinstance(job.trigger, CronTrigger)
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"], fields["day"]) == ("3", "30", "*")


async def test_old_message_ids_and_delivery_records_go_younger_ones_stay(
    short_retention: KaderBot, scheduler: SchedulerHandle, clock: Clock
) -> None:
    sari = Chat(short_retention.core, "sari")
    await sari.say("/menu")
    await sari.say("/bantuan")
    await delivery(short_retention, clock, "wamid.OLD")
    clock.advance(days=5)
    await sari.say("/menu")
    await delivery(short_retention, clock, "wamid.NEW")
    assert await count(short_retention, InboundMessage) == 3

    clock.advance(days=2, seconds=1)  # the first two are now older than 7 days; the third is not
    purged = await scheduler.purge()
    assert (purged.inbound_ids, purged.whatsapp_deliveries) == (2, 1)
    assert await count(short_retention, InboundMessage) == 1
    async with short_retention.db.sessions() as session:
        left = (await session.execute(select(WhatsAppOutboundMessage.wamid))).scalars().all()
    assert left == ["wamid.NEW"]

    # A redelivery of a message still within the window is still recognised.
    assert (await scheduler.purge()).inbound_ids == 0


async def test_unfinished_forms_idle_too_long_are_dropped(
    short_retention: KaderBot, scheduler: SchedulerHandle, clock: Clock
) -> None:
    sari, nurhayati, dewi, agustina = (
        Chat(short_retention.core, name) for name in ("sari", "nurhayati", "dewi", "agustina")
    )
    await sari.say("/lapor")  # a report half filled …
    await sari.press("November 2026")
    await sari.press("tempat biasa")
    old_button = sari.choice.options[0].payload  # the date question's first option
    sari_date_question = sari.question
    await nurhayati.say("/lapor")  # … a report parked as a draft …
    await nurhayati.press("November 2026")
    await nurhayati.say("/menu")
    assert "report" in (await state_of(short_retention, "nurhayati"))["drafts"]
    await dewi.say("/menu")  # … nothing unfinished …
    clock.advance(days=15)
    await agustina.say("/lapor")  # … and a form started recently.
    await agustina.press("November 2026")

    clock.advance(days=6)  # 21 days for the first three, 6 for the last
    purged = await scheduler.purge()
    assert purged.drafts == 2
    for name in ("sari", "nurhayati"):
        state = await state_of(short_retention, name)
        assert (state["flow"], state["data"], state["drafts"], state["prompt"]) == ("menu", {}, {}, None)
        assert state["turn"] > 0  # kept: buttons from before stay stale
    assert (await state_of(short_retention, "dewi"))["flow"] == "menu"
    assert (await state_of(short_retention, "agustina"))["flow"] == "report"
    assert (await scheduler.purge()).drafts == 0  # nothing left to drop

    # Their next visit starts clean: no offer to continue, and an old button is refused gently.
    await nurhayati.say("/lapor")
    assert "Lanjutkan" not in nurhayati.labels
    await agustina.press("tempat biasa")  # her form is untouched
    assert agustina.question == sari_date_question
    await sari.press_payload(old_button)
    assert "Tombol itu sudah tidak berlaku" in sari.text


async def test_default_settings(kaderbot: KaderBot) -> None:
    assert (kaderbot.settings.retention_inbound_days, kaderbot.settings.retention_draft_days) == (30, 90)
