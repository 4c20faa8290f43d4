"""The outbox sender: drains `outbox_message` rows through the platform channels, at each
platform's rate, and survives crashes without sending anything twice.

It is the one delivery path for everything the bot starts by itself: broadcasts, the scheduler's
reminders, ticket news and other notices (written by storage/repositories/notifications.py in the
transaction that causes them). A notice names a catalogue message, rendered here in the
recipient's language at send time; its kind goes to the channel (WhatsApp's template outside the
24-hour window). A notice whose identity is unreachable is handed on to the person's next one.
Console rows are not sent: the console shows them at the person's next turn (bot/notifier.py).

How a row travels
  1. claim   — in a committed transaction the row becomes `sending` with a fresh claim token
               (`UPDATE … WHERE status='pending'`, so only one sender ever gets it);
  2. send    — one `PlatformChannel.send` call;
  3. record  — the result is committed, in the same transaction that claims the slot's next row.
Each channel has a few worker slots (OUTBOX_SLOTS); a slot holds one row at a time and claims only
when the rate limiter has given it a turn, so rows wait in `pending`, not in `sending`.

Exactly-once policy: AT MOST ONCE. Telegram's sendMessage has no idempotency key: when a sender
dies between claim and record, nobody can tell whether the message went out. Such rows are never
sent again. After OUTBOX_IN_DOUBT_AFTER seconds in `sending` they are settled as `unconfirmed`,
counted apart in /siaran_status and in the coordinator's summary. A crash leaves at most one such row
per slot (OUTBOX_SLOTS per channel), and only rows that were in flight. A row the platform refused
(429) or that never left (a network error before sending) goes back to `pending` and is retried with
back-off. One exception is inherent: a network error *after* the platform accepted a message looks
like any other network error and is retried, as every Bot API client does.

Live progress: when the coordinator's channel can edit a message (`ShowsProgress`), one message is
edited every OUTBOX_PROGRESS_EVERY seconds; the summary at the end is itself an outbox row (a
notice), so it is sent once too.

Run inside `kaderbot run` with `run_outbox(kaderbot, channels, stop_event=…)`, or on its own with
`python -m bot.outbox` (same settings as the bot; it only sends).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import signal
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.background import report_failure
from bot.channels.base import (
    DeliveryError,
    DownloadsMedia,
    PlatformChannel,
    RateLimited,
    SendsWithoutReceiving,
    ShowsProgress,
    Unreachable,
    WindowClosed,
)
from bot.notifier import render_notice
from bot.rate_limit import Limiter, RateLimit
from bot.settings import Settings
from handlers.broadcast_text import progress, summary_params
from handlers.core import utcnow
from handlers.i18n import Catalogues
from handlers.types import File, Reply, Text
from storage.db import Database
from storage.media import MediaStore
from storage.models_outbox import CANCELLED, DONE, Broadcast, OutboxMessage
from storage.repositories import media as media_repo
from storage.repositories import notifications, outbox, people
from storage.repositories.audience import REACHABLE, Recipient

log = logging.getLogger("kaderbot.outbox")

SUMMARY_KEY = "coordinator.broadcast.summary"


@dataclass(frozen=True)
class OutboxConfig:
    slots: int = 4  # sends in flight per channel
    max_attempts: int = 8  # for errors other than 429 (a 429 is always waited out)
    idle_poll: float = 1.0  # seconds between looks at an empty queue
    in_doubt_after: float = 60.0  # a claim older than this, not ours, is settled as unconfirmed
    progress_every: float = 3.0
    backoff_base: float = 1.0  # network errors: 1, 2, 4, … seconds, per channel
    backoff_max: float = 60.0
    limits: Mapping[str, RateLimit] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboxConfig:
        return cls(
            slots=settings.outbox_slots,
            max_attempts=settings.outbox_max_attempts,
            idle_poll=settings.outbox_idle_poll,
            in_doubt_after=settings.outbox_in_doubt_after,
            progress_every=settings.outbox_progress_every,
            limits={
                "telegram": RateLimit(settings.outbox_telegram_rate, settings.outbox_telegram_chat_interval),
                "whatsapp": RateLimit(settings.outbox_whatsapp_rate, settings.outbox_whatsapp_chat_interval),
            },
        )


@dataclass
class _Lane:
    """One channel: its limiter, and the slots waiting for a row."""

    name: str
    channel: PlatformChannel
    limiter: Limiter
    waiting: list[asyncio.Future[outbox.Claimed | None]] = field(default_factory=list)
    network_errors: int = 0


@dataclass
class _Content:
    text: str
    attachment: Broadcast | None  # the broadcast, when it has an attachment to fetch


class OutboxSender:
    def __init__(
        self,
        db: Database,
        catalogues: Catalogues,
        channels: Sequence[PlatformChannel],
        config: OutboxConfig,
        *,
        clock: Callable[[], dt.datetime] = utcnow,
        observe: Callable[[str, str], None] | None = None,
        media: MediaStore | None = None,
    ) -> None:
        self.db = db
        self.media = media  # attachments kept on arrival are read from here (bot/media_intake.py)
        self.observe = observe  # told (channel, status) of each send's result, for /metrics
        self.catalogues = catalogues
        self.config = config
        self.clock = clock
        self.channels = {c.name: c for c in channels}
        self._lanes = {
            name: _Lane(name, channel, Limiter(config.limits.get(name, RateLimit())))
            for name, channel in self.channels.items()
        }
        self._results: list[outbox.Outcome] = []
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._in_flight: set[int] = set()
        self._content: dict[int, _Content] = {}
        self._media: dict[int, asyncio.Task[bytes | None]] = {}
        self._active: set[int] = set()  # broadcasts this sender has worked on
        # Several workers may drain one outbox; only the owner of a broadcast's progress shows it.
        self._progress_owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self._shown: dict[int, str] = {}  # last progress text per broadcast
        self._languages: dict[int, str] = {}  # person → language, for catalogue messages
        self._waiting_workers: set[asyncio.Task[Any]] = set()
        self._closing = False

    # -- lifecycle ----------------------------------------------------------------------------

    async def run(self, stop_event: asyncio.Event, *, until_idle: bool = False) -> None:
        """Send until `stop_event` is set (with `until_idle`: also return once nothing due is left).
        A send under way is finished and recorded before returning. `stop_event` is only read: the
        runner shares it with its other background loops."""
        self._stop = asyncio.Event()
        dispatcher = asyncio.create_task(self._dispatch(), name="outbox-dispatch")
        workers = [
            asyncio.create_task(self._worker(lane), name=f"outbox-{lane.name}-{slot}")
            for lane in self._lanes.values()
            for slot in range(self.config.slots)
        ]
        housekeeping = asyncio.create_task(self._housekeeping(until_idle), name="outbox-housekeeping")
        asked = asyncio.create_task(stop_event.wait())
        idle = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait({asked, idle}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            asked.cancel()
            idle.cancel()
            self._stop.set()
            for task in list(self._waiting_workers):
                task.cancel()  # only workers waiting for a turn: none is sending
            await asyncio.gather(*workers, return_exceptions=True)
            self._closing = True
            self._wake.set()
            await asyncio.gather(dispatcher, return_exceptions=True)
            housekeeping.cancel()
            await asyncio.gather(housekeeping, return_exceptions=True)
            try:
                await self._housekeep()
            except Exception:
                report_failure(log, "outbox: final housekeeping failed")
            for task in self._media.values():
                task.cancel()

    # -- workers ------------------------------------------------------------------------------

    async def _worker(self, lane: _Lane) -> None:
        """One slot: wait for a turn, take one row, send it, report, again. Only the waits are
        cancelled at shutdown, never a send."""
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            if not await self._waiting(lane.limiter.turn()):
                return
            future: asyncio.Future[outbox.Claimed | None] = loop.create_future()
            lane.waiting.append(future)
            self._wake.set()
            job = await future
            if job is None:
                if not await self._waiting(asyncio.sleep(self.config.idle_poll)):
                    return
                continue
            self._in_flight.add(job.id)
            try:
                try:
                    replies = await self._replies(job)
                except Exception as exc:  # a broken row (unknown message, bad parameters) stays broken
                    log.exception("outbox row %s cannot be rendered", job.id)
                    self._report(outbox.Outcome(job.id, job.token, outbox.FAILED, f"render: {exc}"))
                    continue
                if not await self._waiting(lane.limiter.before_send(job.address)):
                    self._report(outbox.Outcome(job.id, job.token, outbox.PENDING, "sender stopped"))
                    return
                result = await self._deliver(lane, job, replies)
                if self.observe is not None:
                    self.observe(lane.name, result.status)
                self._report(result)
            finally:
                self._in_flight.discard(job.id)

    async def _waiting(self, wait: Awaitable[Any]) -> bool:
        """Await `wait` as a cancellable wait; False when the sender stopped meanwhile."""
        task = asyncio.current_task()
        assert task is not None
        self._waiting_workers.add(task)
        try:
            await wait
        except asyncio.CancelledError:
            if not self._stop.is_set():
                raise
            return False
        finally:
            self._waiting_workers.discard(task)
        return not self._stop.is_set()

    async def _until_stop(self, work: Awaitable[Any]) -> bool:
        """Run `work` unless the sender is asked to stop first (then it is cancelled: False)."""
        task = asyncio.ensure_future(work)
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            done, _ = await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if task in done:
            return True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False

    def _report(self, result: outbox.Outcome) -> None:
        self._results.append(result)
        self._wake.set()

    async def _deliver(self, lane: _Lane, job: outbox.Claimed, replies: list[Reply]) -> outbox.Outcome:
        try:
            receipt = await lane.channel.send(job.address, replies, kind=job.kind)
        except RateLimited as exc:
            lane.limiter.pause(exc.retry_after)
            later = self.clock() + dt.timedelta(seconds=exc.retry_after)
            return outbox.Outcome(job.id, job.token, outbox.PENDING, str(exc), not_before=later)
        except Unreachable as exc:
            return outbox.Outcome(job.id, job.token, outbox.UNREACHABLE, str(exc) or "unreachable")
        except WindowClosed as exc:
            return outbox.Outcome(job.id, job.token, outbox.FAILED, f"window closed: {exc}")
        except DeliveryError as exc:
            return outbox.Outcome(job.id, job.token, outbox.FAILED, str(exc) or type(exc).__name__)
        except Exception as exc:  # the network, or the platform having a bad minute
            return self._network_error(lane, job, exc)
        lane.network_errors = 0
        message_id = receipt if isinstance(receipt, str) else None
        return outbox.Outcome(job.id, job.token, outbox.SENT, platform_message_id=message_id)

    def _network_error(self, lane: _Lane, job: outbox.Claimed, exc: Exception) -> outbox.Outcome:
        lane.network_errors += 1
        wait = min(self.config.backoff_max, self.config.backoff_base * 2 ** (lane.network_errors - 1))
        lane.limiter.pause(wait)  # the whole channel backs off, so one outage costs few attempts
        error = f"{type(exc).__name__}: {exc}"
        log.warning("outbox %s send failed (%s); backing off %.1fs", lane.name, error, wait)
        if job.attempts >= self.config.max_attempts:
            return outbox.Outcome(job.id, job.token, outbox.FAILED, error)
        later = self.clock() + dt.timedelta(seconds=wait)
        return outbox.Outcome(job.id, job.token, outbox.PENDING, error, not_before=later)

    async def _replies(self, job: outbox.Claimed) -> list[Reply]:
        if job.broadcast_id is not None:
            content = self._content[job.broadcast_id]
            if content.attachment is not None:
                data = await self._attachment(content.attachment)
                if data is not None:
                    b = content.attachment
                    kind = "photo" if b.attachment_kind == "photo" else "document"
                    name = b.attachment_name or ("foto.jpg" if kind == "photo" else "dokumen")
                    return [File(kind, name, data, caption=content.text, mime_type=b.attachment_mime)]
            return [Text(content.text)]
        if job.message_key is not None:
            lang = self._languages.get(job.person_id or 0, self.catalogues.default_language)
            return [render_notice(self.catalogues, lang, job.message_key, job.params or {})]
        return [Text(job.text or "")]

    async def _attachment(self, broadcast: Broadcast) -> bytes | None:
        """The broadcast's photo or document, fetched once from the channel it came from."""
        task = self._media.get(broadcast.id)
        if task is None:
            task = asyncio.create_task(self._fetch(broadcast))
            self._media[broadcast.id] = task
        return await asyncio.shield(task)

    async def _fetch(self, broadcast: Broadcast) -> bytes | None:
        if self.media is not None and broadcast.attachment_ref:
            with contextlib.suppress(Exception):  # not kept, or the store is down: ask the platform
                async with self.db.sessions() as session:
                    kept = await media_repo.stored_for(
                        session, broadcast.origin_channel, broadcast.attachment_ref
                    )
                if kept is not None:
                    return await self.media.open(kept)
        source = self.channels.get(broadcast.origin_channel)
        if not isinstance(source, DownloadsMedia) or not broadcast.attachment_ref:
            log.warning("broadcast %s: its attachment cannot be fetched; sending the text", broadcast.id)
            return None
        try:
            return await source.download(broadcast.attachment_ref)
        except Exception:
            log.exception("broadcast %s: attachment download failed; sending the text", broadcast.id)
            return None

    # -- the dispatcher: one transaction records results and claims rows -----------------------

    async def _dispatch(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            results, self._results = self._results, []
            demand = {name: lane.waiting for name, lane in self._lanes.items() if lane.waiting}
            for lane in self._lanes.values():
                lane.waiting = []
            if not results and not demand:
                if self._closing:
                    return
                continue
            wanted = {name: 0 if self._stop.is_set() else len(futures) for name, futures in demand.items()}
            try:
                claimed = await self._tick(results, wanted)
            except Exception:
                report_failure(log, "outbox: database step failed; trying again")
                self._results[:0] = results
                for futures in demand.values():
                    for future in futures:
                        future.set_result(None)
                await asyncio.sleep(min(1.0, self.config.idle_poll))
                self._wake.set()
                continue
            for name, futures in demand.items():
                rows = claimed.get(name, [])
                for index, future in enumerate(futures):
                    future.set_result(rows[index] if index < len(rows) else None)

    async def _tick(
        self, results: list[outbox.Outcome], wanted: Mapping[str, int]
    ) -> dict[str, list[outbox.Claimed]]:
        now = self.clock()
        claimed: dict[str, list[outbox.Claimed]] = {}
        async with self.db.sessions() as session, session.begin():
            await outbox.record(session, results, now=now)
            for name, count in wanted.items():
                if count:
                    token = uuid.uuid4().hex
                    claimed[name] = await outbox.claim(
                        session, channel=name, limit=count, token=token, now=now
                    )
            for result in results:
                if result.status == outbox.UNREACHABLE:
                    await self._mark_unreachable(session, result.id, now)
            rows = [row for group in claimed.values() for row in group]
            new = {
                r.broadcast_id
                for r in rows
                if r.broadcast_id is not None and r.broadcast_id not in self._content
            }
            if new:
                await outbox.mark_started(session, new, now)
                for broadcast in (await outbox.get_many(session, new)).values():
                    self._content[broadcast.id] = _Content(
                        text=broadcast.text,
                        attachment=broadcast if broadcast.attachment_ref else None,
                    )
            keyed = [r.person_id for r in rows if r.message_key is not None and r.person_id is not None]
            if keyed:
                self._languages.update(await outbox.languages(session, keyed))
        self._active.update(r.broadcast_id for r in rows if r.broadcast_id is not None)
        return claimed

    async def _mark_unreachable(self, session: AsyncSession, row_id: int, now: dt.datetime) -> None:
        """The identity is marked unreachable; a notice goes on to the person's next identity."""
        row = await session.get(OutboxMessage, row_id)
        if row is not None:
            await people.mark_unreachable(session, row.channel, row.address, now)
            await notifications.reroute(session, row_id, now=now)

    # -- housekeeping: in-doubt rows, finished broadcasts, progress -----------------------------

    async def _housekeeping(self, until_idle: bool) -> None:
        while not self._stop.is_set():
            try:
                idle = await self._housekeep()
            except Exception:
                report_failure(log, "outbox housekeeping failed")
                idle = False
            if until_idle and idle:
                self._stop.set()
                return
            await self._until_stop(asyncio.sleep(self.config.progress_every))

    async def _housekeep(self) -> bool:
        """Settle, finish, show progress. True when nothing is due or in flight."""
        now = self.clock()
        cutoff = now - dt.timedelta(seconds=self.config.in_doubt_after)
        async with self.db.sessions() as session, session.begin():
            settled = await outbox.settle_in_doubt(session, claimed_before=cutoff, keep=set(self._in_flight))
            unserved = await outbox.fail_unserved(session, served=list(self.channels), now=now)
            finished = await outbox.finish(session, now)
            if settled or unserved:
                log.warning("outbox: %d rows settled as unconfirmed, %d with no channel", settled, unserved)
            shown = self._active | set(finished)
            counts = await outbox.counts(session, shown)
            broadcasts = await outbox.get_many(session, shown)
            for broadcast_id in finished:
                await self._enqueue_summary(session, broadcasts[broadcast_id], counts[broadcast_id], now)
            due = await outbox.due_count(session, now)
        for broadcast_id in sorted(shown):
            await self._show_progress(broadcasts[broadcast_id], counts[broadcast_id])
        # Finished here or by another worker: shown one last time above, then let go.
        ended = {b for b in shown if broadcasts[b].status in (DONE, CANCELLED)} | set(finished)
        self._active -= ended
        for broadcast_id in ended:
            self._shown.pop(broadcast_id, None)
            self._content.pop(broadcast_id, None)
            task = self._media.pop(broadcast_id, None)
            if task is not None:
                task.cancel()
        return due == 0 and not self._in_flight and not self._results

    async def _enqueue_summary(
        self, session: AsyncSession, broadcast: Broadcast, counts: outbox.Counts, now: dt.datetime
    ) -> None:
        if broadcast.origin_channel not in REACHABLE or broadcast.created_by is None:
            return
        lang = (await outbox.languages(session, [broadcast.created_by])).get(
            broadcast.created_by, self.catalogues.default_language
        )
        to = Recipient(broadcast.created_by, broadcast.origin_channel, broadcast.origin_address)
        await outbox.enqueue_message(
            session, to=to, key=SUMMARY_KEY, params=summary_params(lang, broadcast.id, counts), now=now
        )

    async def _show_progress(self, broadcast: Broadcast, counts: outbox.Counts) -> None:
        channel = self.channels.get(broadcast.origin_channel)
        if not isinstance(channel, ShowsProgress) or broadcast.created_by is None:
            return
        async with self.db.sessions() as session:
            lang = (await outbox.languages(session, [broadcast.created_by])).get(
                broadcast.created_by, self.catalogues.default_language
            )
        text = progress(self.catalogues.translator(lang), broadcast.id, counts)
        if self._shown.get(broadcast.id) == text:
            return
        quiet_after = dt.timedelta(seconds=max(3 * self.config.progress_every, 10.0))
        async with self.db.sessions() as session, session.begin():
            owner = await outbox.take_progress(
                session, broadcast.id, self._progress_owner, self.clock(), quiet_after=quiet_after
            )
        if not owner:
            return
        lane = self._lanes[broadcast.origin_channel]
        await lane.limiter.before_send(broadcast.origin_address)
        try:
            handle = await channel.send_progress(broadcast.origin_address, text, broadcast.progress_ref)
        except Exception:
            log.warning("broadcast %s: progress message failed", broadcast.id, exc_info=True)
            return
        self._shown[broadcast.id] = text
        if handle != broadcast.progress_ref:
            async with self.db.sessions() as session, session.begin():
                await outbox.set_progress_ref(session, broadcast.id, handle)


async def run_outbox(
    kaderbot: Any, channels: Sequence[PlatformChannel], *, stop_event: asyncio.Event
) -> None:
    """The sender inside `kaderbot run`: start it after the channels, on the same event loop."""
    sender = OutboxSender(
        kaderbot.db,
        kaderbot.catalogues,
        channels,
        OutboxConfig.from_settings(kaderbot.settings),
        clock=kaderbot.core.clock,
        observe=kaderbot.metrics.observe_outbox,
        media=getattr(kaderbot, "media", None),
    )
    await sender.run(stop_event)


async def _standalone(settings: Settings) -> None:
    from bot.app import build
    from bot.runner import configured_channels

    kaderbot = build(settings)
    channels = configured_channels(kaderbot, settings)
    for channel in channels:
        if isinstance(channel, SendsWithoutReceiving):
            await channel.start_sending()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info("outbox sender started for %s", ", ".join(c.name for c in channels) or "no channel")
    try:
        await run_outbox(kaderbot, channels, stop_event=stop)
    finally:
        for channel in channels:  # their HTTP sessions: closed, not left to the garbage collector
            await channel.stop()
        await kaderbot.close()


def main() -> None:
    """`python -m bot.outbox`: only the sender, with the bot's settings (environment or .env)."""
    from bot.logging_setup import configure_logging
    from bot.settings import load_settings

    settings = load_settings()
    configure_logging(settings)  # LOG_FORMAT, masking; quiets httpx (Bot API URLs carry the token)
    asyncio.run(_standalone(settings))


if __name__ == "__main__":
    main()
