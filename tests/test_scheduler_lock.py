"""`start_scheduler`: APScheduler configured as required (ids, replace_existing, coalesce, misfire
grace, time zone), and the database lease that lets only one process schedule. A real scheduler is
started and stopped; no test waits for a job to fire."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import KaderBot, build
from bot.scheduler import (
    JOB_DISPATCH,
    JOB_LEASE,
    JOB_PLAN,
    JOB_RETENTION,
    LOCK_NAME,
    MISFIRE_GRACE,
    SchedulerConfig,
    scheduler_loop,
    start_scheduler,
)
from bot.settings import load_settings
from storage.repositories import scheduler_lock
from tests.chat import Clock
from tests.test_scheduler_reminders import notices, wita

CONFIG = SchedulerConfig(lease_ttl=dt.timedelta(seconds=90), renew_every=30)


async def lease(kaderbot: KaderBot) -> tuple[str, dt.datetime] | None:
    async with kaderbot.db.sessions() as session:
        row = await scheduler_lock.current(session, LOCK_NAME)
        return (row.holder, row.expires_at) if row is not None else None


async def test_start_scheduler_configures_apscheduler_as_required(kaderbot: KaderBot, clock: Clock) -> None:
    handle = await start_scheduler(kaderbot, clock=clock, config=CONFIG, holder="one")
    try:
        scheduler = handle.scheduler
        assert scheduler.running and handle.leader
        assert scheduler.timezone == ZoneInfo("Asia/Makassar")
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {JOB_LEASE, JOB_PLAN, JOB_DISPATCH, JOB_RETENTION}
        for job in jobs.values():
            assert job.coalesce is True
            assert job.misfire_grace_time == MISFIRE_GRACE
            assert job.max_instances == 1
        assert isinstance(jobs[JOB_LEASE].trigger, IntervalTrigger)
        dispatch = jobs[JOB_DISPATCH].trigger
        assert isinstance(dispatch, CronTrigger) and dispatch.timezone == ZoneInfo("Asia/Makassar")
        assert str(dispatch.fields[dispatch.FIELD_NAMES.index("second")]) == "0"  # on the minute
        # Taking the lease again re-adds the work jobs under the same ids: replaced, not duplicated.
        handle._add_work_jobs()
        assert sorted(job.id for job in scheduler.get_jobs()) == sorted(jobs)
        assert await lease(kaderbot) == ("one", clock() + CONFIG.lease_ttl)
    finally:
        await handle.stop()
    assert not handle.scheduler.running
    assert await lease(kaderbot) == ("one", clock())  # released: a standby may take over at once


async def test_a_second_process_stands_by_until_the_lease_expires(
    kaderbot: KaderBot, db_url: str, clock: Clock
) -> None:
    other_bot = build(load_settings(database_url=db_url), clock=clock, strict_messages=True)
    first = await start_scheduler(kaderbot, clock=clock, config=CONFIG, holder="first")
    second = await start_scheduler(other_bot, clock=clock, config=CONFIG, holder="second")
    try:
        assert first.leader and not second.leader
        assert [job.id for job in second.scheduler.get_jobs()] == [JOB_LEASE]  # schedules nothing
        assert await second.plan() == 0  # even a work job run by hand does nothing without the lease

        clock.advance(seconds=60)  # within the lease: the first renews, the second still waits
        assert await first.renew() and not await second.renew()

        clock.advance(seconds=91)  # the first process hung or died: its lease ran out
        assert await second.renew()
        assert {job.id for job in second.scheduler.get_jobs()} == {
            JOB_LEASE,
            JOB_PLAN,
            JOB_DISPATCH,
            JOB_RETENTION,
        }
        assert not await first.renew()  # it wakes up and finds the lease taken: it stops its work
        assert [job.id for job in first.scheduler.get_jobs()] == [JOB_LEASE]
        assert (await lease(kaderbot) or ("", None))[0] == "second"
    finally:
        await first.stop()
        await second.stop()
        await other_bot.close()


async def test_a_clean_stop_hands_the_lease_over_at_once(
    kaderbot: KaderBot, db_url: str, clock: Clock
) -> None:
    other_bot = build(load_settings(database_url=db_url), clock=clock, strict_messages=True)
    first = await start_scheduler(kaderbot, clock=clock, config=CONFIG, holder="first")
    second = await start_scheduler(other_bot, clock=clock, config=CONFIG, holder="second")
    try:
        await first.stop()
        assert await second.renew() and second.leader
    finally:
        await second.stop()
        await other_bot.close()


async def test_the_leaders_jobs_plan_and_dispatch_through_the_database(
    kaderbot: KaderBot, clock: Clock
) -> None:
    handle = await start_scheduler(kaderbot, clock=clock, config=CONFIG, holder="one")
    try:
        clock.now = wita(2026, 11, 29, 10, 0)
        assert await handle.plan() > 0
        clock.now = wita(2026, 12, 2, 9, 0)
        sent = await handle.dispatch()
        assert sent.sent >= 1
        assert any("November 2026" in text for text in await notices(kaderbot, "sari"))
    finally:
        await handle.stop()


async def test_as_a_background_loop_it_holds_the_lease_until_stopped(
    kaderbot: KaderBot, clock: Clock
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(scheduler_loop(kaderbot, clock=clock, config=CONFIG)(stop))
    for _ in range(500):  # until the loop has taken the lease (no timing is asserted)
        held = await lease(kaderbot)
        if held is not None and held[1] > clock():
            break
        await asyncio.sleep(0.01)
    assert held is not None and held[1] == clock() + CONFIG.lease_ttl
    stop.set()
    await task
    assert (await lease(kaderbot) or ("", None))[1] == clock()  # released on the way out


async def test_two_jobs_of_one_process_taking_the_first_lease_at_once_both_hold_it(
    kaderbot: KaderBot, clock: Clock
) -> None:
    """The lease job and a work job of the same process renew at the same moment, before any lease
    row exists: the second one's insert waits for the first one's and then clashes with it. It is the
    same holder, so it holds the lease (CI saw it report "lease lost" and stop planning)."""
    first_inserted = asyncio.Event()
    ttl = dt.timedelta(seconds=90)

    async def first() -> bool:
        async with kaderbot.db.sessions() as session, session.begin():
            held = await scheduler_lock.acquire(session, LOCK_NAME, "worker-1", now=clock(), ttl=ttl)
            first_inserted.set()
            await asyncio.sleep(0.3)  # the other job is waiting on this insert meanwhile
            return held

    async def second() -> bool:
        await first_inserted.wait()
        async with kaderbot.db.sessions() as session, session.begin():
            return await scheduler_lock.acquire(session, LOCK_NAME, "worker-1", now=clock(), ttl=ttl)

    assert await asyncio.gather(first(), second()) == [True, True]
    assert await lease(kaderbot) == ("worker-1", clock() + ttl)
