"""The scheduler inside `kaderbot run`: APScheduler 3.x wakes the reminder planner and dispatcher.

Reminders are rows in the database (see storage/models_scheduling.py); APScheduler keeps no state
of its own (memory job store) and only decides *when* to look. A restart therefore loses nothing,
and the dispatcher's conditional update sends nothing twice.

One scheduling process per database: APScheduler 3.x must not share job stores, and two planners
would only duplicate work. A lease row (`scheduler_lock`, name "reminders") decides. Each process
starts APScheduler with one job, the lease job, every `renew_every` seconds:
  - the holder renews the lease (valid `lease_ttl`) and runs the planning and dispatch jobs;
  - any other process stands by and takes the lease over once it has expired (the holder died or
    hung) or was released (the holder stopped cleanly), then starts the work jobs itself;
  - a holder that finds its lease taken (it hung for longer than `lease_ttl`) removes its work jobs.
Every work job renews the lease first, so a process that lost it does no work.

Wiring: in bot/runner.py, `background_loops` returns `[outbox, scheduler_loop(kaderbot)]` (due
reminders become outbox rows, which the outbox sender delivers); the console chat (`console`
there) starts it with `catch_up=True`;
or by hand, on the server's event loop: `handle = await start_scheduler(kaderbot)` … `await handle.stop()`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import KaderBot, retention_policy
from bot.background import report_failure
from bot.settings import Settings
from handlers.core import utcnow
from handlers.retention import Purged, Retention
from handlers.scheduling.dispatch import Dispatched, Dispatcher
from storage.repositories import scheduler_lock

log = logging.getLogger("kaderbot.scheduler")

LOCK_NAME = "reminders"
JOB_LEASE = "kaderbot.scheduler.lease"
JOB_PLAN = "kaderbot.reminders.plan"
JOB_DISPATCH = "kaderbot.reminders.dispatch"
JOB_RETENTION = "kaderbot.retention.purge"
WORK_JOBS = (JOB_PLAN, JOB_DISPATCH, JOB_RETENTION)
RETENTION_AT = (3, 30)  # local hour and minute of the daily retention purge (a quiet time)
MISFIRE_GRACE = 60  # seconds: a run later than this is skipped; the next one catches up (rows persist)


@dataclass(frozen=True)
class SchedulerConfig:
    # A standby takes over at most lease_ttl + renew_every after the holder died: within a minute.
    lease_ttl: dt.timedelta = dt.timedelta(seconds=40)
    renew_every: float = 10.0  # seconds; well under lease_ttl so one slow renewal does not lose it
    plan_minute: int = 5  # plan every hour at hh:05 (and at once on taking the lease)

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulerConfig:
        """SCHEDULER_LEASE_TTL and SCHEDULER_RENEW_EVERY (seconds)."""
        return cls(
            lease_ttl=dt.timedelta(seconds=settings.scheduler_lease_ttl),
            renew_every=settings.scheduler_renew_every,
        )


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class SchedulerHandle:
    """A started scheduler: leader or standby. `stop()` shuts it down and lets the lease go."""

    def __init__(
        self,
        kaderbot: KaderBot,
        scheduler: AsyncIOScheduler,
        *,
        clock: Callable[[], dt.datetime],
        config: SchedulerConfig,
        holder: str,
    ) -> None:
        self.kaderbot = kaderbot
        self.scheduler = scheduler
        self.clock = clock
        self.config = config
        self.holder = holder
        self.dispatcher = Dispatcher(kaderbot.db, kaderbot.settings.zone, clock=clock)
        self.retention = Retention(kaderbot.db, retention_policy(kaderbot.settings), clock=clock)
        self.leader = False
        self._busy = asyncio.Lock()  # one job at a time; stop() waits for the one under way

    async def renew(self) -> bool:
        """Keep (or take over) the lease and start or remove the work jobs to match."""
        async with self.kaderbot.db.sessions() as session, session.begin():
            held = await scheduler_lock.acquire(
                session, LOCK_NAME, self.holder, now=self.clock(), ttl=self.config.lease_ttl
            )
        if held and not self.leader:
            log.info("scheduler lease taken by %s: planning and sending reminders", self.holder)
            self._add_work_jobs()
        elif not held and self.leader:
            log.warning("scheduler lease lost by %s: another process schedules now", self.holder)
            self._remove_work_jobs()
        elif not held:
            log.debug("scheduler lease held elsewhere; %s stands by", self.holder)
        self.leader = held
        return held

    async def keep_lease(self) -> bool:
        """The lease job: `renew`, ended quietly when the process stops while it waits."""
        return await _until_stopped(self.renew(), self.leader)

    async def plan(self) -> int:
        return await self._guarded(self.dispatcher.plan, 0)

    async def dispatch(self) -> Dispatched:
        return await self._guarded(self.dispatcher.dispatch, Dispatched())

    async def purge(self) -> Purged:
        """The daily retention job (handlers/retention.py)."""
        return await self._guarded(self.retention.run, Purged())

    async def _guarded(self, work: Callable[[], Awaitable[Any]], nothing: Any) -> Any:
        return await _until_stopped(self._leading(work, nothing), nothing)

    async def _leading(self, work: Callable[[], Awaitable[Any]], nothing: Any) -> Any:
        """`work` as the leader, one job at a time; a failure is reported and the next run tries again."""
        async with self._busy:
            try:
                if not await self.renew():
                    return nothing
                return await work()
            except Exception:
                report_failure(log, "scheduler job failed; the next run tries again")
                return nothing

    def _add_work_jobs(self) -> None:
        zone = self.kaderbot.settings.zone
        common: dict[str, Any] = {
            "replace_existing": True,
            "coalesce": True,
            "misfire_grace_time": MISFIRE_GRACE,
            "max_instances": 1,
        }
        self.scheduler.add_job(
            self.plan,
            CronTrigger(minute=self.config.plan_minute, timezone=zone),
            id=JOB_PLAN,
            name="plan reminders",
            next_run_time=dt.datetime.now(zone),  # plan at once on taking the lease
            **common,
        )
        # On the minute: a reminder due at 09:00 goes out at 09:00.
        self.scheduler.add_job(
            self.dispatch,
            CronTrigger(second=0, timezone=zone),
            id=JOB_DISPATCH,
            name="dispatch due reminders",
            **common,
        )
        hour, minute = RETENTION_AT
        self.scheduler.add_job(
            self.purge,
            CronTrigger(hour=hour, minute=minute, timezone=zone),
            id=JOB_RETENTION,
            name="retention purge",
            **common,
        )

    def _remove_work_jobs(self) -> None:
        for job_id in WORK_JOBS:
            if self.scheduler.get_job(job_id) is not None:
                self.scheduler.remove_job(job_id)

    async def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
        async with self._busy:
            if self.leader:
                async with self.kaderbot.db.sessions() as session, session.begin():
                    await scheduler_lock.release(session, LOCK_NAME, self.holder, now=self.clock())
                self.leader = False
                log.info("scheduler lease released by %s", self.holder)


async def _until_stopped(job: Awaitable[Any], nothing: Any) -> Any:
    """A scheduler job's result, or `nothing` when the process stops it while it waits (for SQLite's
    write lock, or for the job before it). Re-raised, the cancellation would be logged by APScheduler
    as a failed job with its traceback; the job is its task's outermost frame, so ending it here ends
    the task as the stop asked. The next start runs the job again."""
    try:
        return await job
    except asyncio.CancelledError:
        log.info("scheduler job stopped with the process; the next start runs it again")
        return nothing


async def start_scheduler(
    kaderbot: KaderBot,
    *,
    clock: Callable[[], dt.datetime] = utcnow,
    config: SchedulerConfig | None = None,
    holder: str | None = None,
    catch_up: bool = False,
) -> SchedulerHandle:
    """Start APScheduler on the running event loop, in the configured time zone. Takes the lease if
    it is free (leader) or stands by; either way returns at once — with `catch_up`, a leader first
    plans and dispatches once (the console does, so a scripted session sees its reminders)."""
    config = config or SchedulerConfig.from_settings(kaderbot.settings)
    zone = kaderbot.settings.zone
    # APScheduler logs every run at INFO: with a job each minute that is noise; failures still show.
    logging.getLogger("apscheduler.executors.default").setLevel(max(logging.WARNING, log.getEffectiveLevel()))
    scheduler = AsyncIOScheduler(
        timezone=zone,
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE, "max_instances": 1},
    )
    handle = SchedulerHandle(kaderbot, scheduler, clock=clock, config=config, holder=holder or holder_id())
    kaderbot.metrics.watch_scheduler(scheduler, lambda: handle.leader)  # lag and leadership for /metrics
    scheduler.add_job(
        handle.keep_lease,
        IntervalTrigger(seconds=config.renew_every, timezone=zone),
        id=JOB_LEASE,
        name="scheduler lease",
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=MISFIRE_GRACE,
        max_instances=1,
    )
    scheduler.start()
    async with handle._busy:
        await handle.renew()
    if catch_up and handle.leader:
        await handle.plan()
        await handle.dispatch()
    return handle


async def stop_scheduler(handle: SchedulerHandle) -> None:
    await handle.stop()


def scheduler_loop(
    kaderbot: KaderBot, *, clock: Callable[[], dt.datetime] = utcnow, config: SchedulerConfig | None = None
) -> Callable[[asyncio.Event], Awaitable[None]]:
    """The scheduler as a background loop of the web app (bot/web.py `BackgroundLoop`): started on
    the server's event loop, stopped — lease released — when `stop` is set."""

    async def run(stop: asyncio.Event) -> None:
        handle = await start_scheduler(kaderbot, clock=clock, config=config)
        try:
            await stop.wait()
        finally:
            await handle.stop()

    return run
