"""Prometheus metrics for `GET /metrics`: updates by channel and flow, errors, duplicates, turn
latency, the outbox (depth and sends) and the scheduler (lag, leadership).

Each `Metrics` has its own `CollectorRegistry`, never prometheus_client's global one, so several
apps in one process (the tests) do not share or clash over counters. The core reports to it through
a plain callable (`Core.observer`); only this module knows Prometheus.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED, JobExecutionEvent, JobSubmissionEvent
from apscheduler.schedulers.base import BaseScheduler
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from storage.db import Database
from storage.models_outbox import OPEN_STATUSES, SENT
from storage.repositories import outbox_depth

log = logging.getLogger("kaderbot.metrics")

CONTENT_TYPE = CONTENT_TYPE_LATEST
DEPTH_TIMEOUT = 5.0  # seconds: a scrape must answer even while the database hangs
UNKNOWN_FLOW = "unknown"  # a turn that failed before its flow was known
# A turn is a few milliseconds on SQLite and tens on a remote PostgreSQL; seconds mean trouble.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._per_update: dict[tuple[str, str], tuple[Any, Any]] = {}
        r = self.registry
        self.updates = Counter(
            "kaderbot_updates",
            "Incoming updates handled by the core (duplicates excluded).",
            ["channel", "flow"],
            registry=r,
        )
        self.update_errors = Counter(
            "kaderbot_update_errors",
            "Updates whose turn failed (the person got an apology).",
            ["channel"],
            registry=r,
        )
        self.duplicates = Counter(
            "kaderbot_duplicates",
            "Redelivered updates recognised by their message id and skipped.",
            ["channel"],
            registry=r,
        )
        self.update_seconds = Histogram(
            "kaderbot_update_duration_seconds",
            "Time the core took for one update (the whole turn).",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.outbox_depth = Gauge(
            "kaderbot_outbox_depth",
            "Outbox rows waiting (pending) or in flight (sending), read at scrape.",
            ["state", "platform"],
            registry=r,
        )
        self.outbox_sent = Counter(
            "kaderbot_outbox_sent",
            "Outbox messages the platform accepted (send rate: rate() of this).",
            ["platform"],
            registry=r,
        )
        self.outbox_not_sent = Counter(
            "kaderbot_outbox_send_failures",
            "Outbox send attempts that did not deliver, by what happened to the row "
            "(pending: retried later, unreachable, failed).",
            ["platform", "result"],
            registry=r,
        )
        self.scheduler_lag = Gauge(
            "kaderbot_scheduler_lag_seconds",
            "How late the scheduler's last run of a job started, behind its planned time.",
            ["job"],
            registry=r,
        )
        self.scheduler_missed = Counter(
            "kaderbot_scheduler_missed_runs",
            "Job runs skipped for being later than the grace time.",
            ["job"],
            registry=r,
        )
        self.scheduler_leader = Gauge(
            "kaderbot_scheduler_leader",
            "1 while this process holds the scheduler lease, else 0.",
            registry=r,
        )
        ProcessCollector(registry=r)  # memory, CPU, open files of this process

    # -- the core ---------------------------------------------------------------------------------

    def observe_update(self, channel: str, flow: str | None, outcome: str, seconds: float) -> None:
        """`Core.observer`: one handled event; `outcome` is ok, duplicate or error."""
        if outcome == "duplicate":
            self.duplicates.labels(channel=channel).inc()
            return
        key = (channel, flow or UNKNOWN_FLOW)
        children = self._per_update.get(key)
        if children is None:  # looking the labelled children up costs more than counting, per update
            children = self._per_update[key] = (
                self.updates.labels(*key),
                self.update_seconds.labels(channel),
            )
        children[0].inc()
        children[1].observe(seconds)
        if outcome == "error":
            self.update_errors.labels(channel=channel).inc()

    # -- the outbox -------------------------------------------------------------------------------

    def observe_outbox(self, platform: str, status: str) -> None:
        """The outbox sender's result for one row: `sent`, or the status the row went to instead."""
        if status == SENT:
            self.outbox_sent.labels(platform=platform).inc()
        else:
            self.outbox_not_sent.labels(platform=platform, result=status).inc()

    async def refresh_outbox_depth(self, db: Database, platforms: Iterable[str] = ()) -> None:
        """Read the open outbox rows now. `platforms` always get a series, zero when nothing waits.
        On a database error the gauge is emptied: no number is better than a stale one."""
        self.outbox_depth.clear()
        try:
            async with asyncio.timeout(DEPTH_TIMEOUT), db.sessions() as session:
                rows = await outbox_depth.open_rows(session)
        except Exception as exc:
            log.warning("metrics: outbox depth not read: %s", type(exc).__name__)
            return
        for platform in platforms:
            for state in OPEN_STATUSES:
                self.outbox_depth.labels(state=state, platform=platform).set(0)
        for (state, platform), count in rows.items():
            self.outbox_depth.labels(state=state, platform=platform).set(count)

    # -- the scheduler ----------------------------------------------------------------------------

    def watch_scheduler(self, scheduler: BaseScheduler, is_leader: Callable[[], bool]) -> None:
        """Follow an APScheduler: the lag of each job submission, missed runs, leadership."""

        def submitted(event: JobSubmissionEvent) -> None:
            # Coalesced runs carry every planned time they stand for: the earliest shows the backlog.
            planned = min(event.scheduled_run_times)
            lag = (dt.datetime.now(dt.UTC) - planned).total_seconds()
            self.scheduler_lag.labels(job=event.job_id).set(max(0.0, lag))

        def missed(event: JobExecutionEvent) -> None:
            self.scheduler_missed.labels(job=event.job_id).inc()

        scheduler.add_listener(submitted, EVENT_JOB_SUBMITTED)
        scheduler.add_listener(missed, EVENT_JOB_MISSED)
        self.scheduler_leader.set_function(lambda: 1.0 if is_leader() else 0.0)

    # -- exposition -------------------------------------------------------------------------------

    def render(self) -> bytes:
        return generate_latest(self.registry)
