"""Sending a turn's kept replies once: claimed in a committed transaction right before they go out,
recorded after; a crash in between never loses them and never sends them twice.

The core keeps a turn's replies in the turn's own transaction (storage/repositories/turn_replies.py,
`Outcome.kept`). A channel then sends them through `ReplyLedger.send`:

  1. claim  — the row becomes `sending` in a committed transaction (`… WHERE status='pending'`, so
              only one sender ever gets it: this process's pipeline, a redelivery or a sweep);
  2. send   — the channel's Bot API / Graph API calls;
  3. record — the row goes (sent) or becomes `failed` (the send raised), in the next transaction.

Claims and records of all sends under way share transactions (one flusher task per ledger), so a
busy bot pays a fraction of a commit per reply. Sends hold one of IN_FLIGHT slots from claim to
record; replies waiting for a slot (or for a rate limiter before it) stay `pending`.

After a crash:
- a redelivered message (a Telegram webhook or update not yet confirmed, a WhatsApp webhook body not
  yet answered 200) is a duplicate for the core; its kept replies, if still `pending`, go out then;
- a sweep every SWEEP_EVERY seconds sends `pending` rows older than ORPHAN_AFTER (turns confirmed to
  the platform whose process died before sending), and settles rows left `sending` for longer than
  the in-doubt limit (OUTBOX_IN_DOUBT_AFTER) as `unconfirmed`: their send may or may not have got
  out, so, as with the outbox's broadcasts, they are never sent again. A crash leaves at most
  IN_FLIGHT such rows per channel and process.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.background import report_failure
from storage.db import Database
from storage.repositories import turn_replies
from storage.repositories.conversations import Statements
from storage.repositories.turn_replies import Unsent

log = logging.getLogger("kaderbot.replies")

IN_FLIGHT = 8  # kept replies being sent at once per channel (the most a crash can leave unconfirmed)
ORPHAN_AFTER = 5.0  # seconds: a pending row this old is swept (its process died, or is far behind)
SWEEP_EVERY = 2.0  # seconds between sweeps
SWEEP_BATCH = 64  # rows a sweep takes at most
RECORD_AFTER = 0.05  # seconds a result waits, at most, to share a transaction with the next claims

Deliver = Callable[[Unsent], Awaitable[None]]


class ReplyLedger:
    """One channel's kept replies: claim before sending, record after, sweep what a crash left."""

    def __init__(
        self,
        db: Database,
        channel: str,
        *,
        clock: Callable[[], dt.datetime],
        in_doubt_after: float,
        orphan_after: float = ORPHAN_AFTER,
        sweep_every: float = SWEEP_EVERY,
        in_flight: int = IN_FLIGHT,
    ) -> None:
        self._db = db
        self.channel = channel
        self._clock = clock
        self._in_doubt_after = dt.timedelta(seconds=in_doubt_after)
        self._orphan_after = dt.timedelta(seconds=orphan_after)
        self._sweep_every = sweep_every
        self._slots = asyncio.Semaphore(in_flight)
        self._claims: list[tuple[str, asyncio.Future[bool]]] = []
        self._sent: list[str] = []
        self._failed: list[str] = []
        self._sending: set[str] = set()  # claimed here, send under way: never settled as in doubt
        self._wake = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._resends: set[asyncio.Task[None]] = set()
        self._resending: set[str] = set()  # orphans handed to `deliver`, not yet done

    # -- sending ------------------------------------------------------------------------------

    async def send(self, message_id: str, send: Callable[[], Awaitable[Any]]) -> bool:
        """Claim the kept replies of `message_id`, run `send`, record the result. False, having sent
        nothing, when they were claimed already (by a sweep or another worker) or the claim could
        not be made (the database failed: the row stays pending, and a sweep sends it later).
        An exception from `send` is recorded (`failed`, never sent again) and raised."""
        async with self._slots:
            if not await self._claim(message_id):
                return False
            self._sending.add(message_id)
            try:
                await send()
            except BaseException:
                self._failed.append(message_id)
                raise
            else:
                self._sent.append(message_id)
            finally:
                self._sending.discard(message_id)
                self._flush_soon()
            return True

    async def unsent(self, message_id: str) -> Unsent | None:
        """The kept replies of a redelivered message, if they were never claimed for sending (None
        too when the database cannot say now: the sweep sends them later)."""
        channel = self.channel
        try:
            return await self._db.turns.write(lambda run: turn_replies.unsent(run, channel, message_id))
        except Exception:
            log.exception("%s: kept replies of message %s could not be read", channel, message_id)
            return None

    async def _claim(self, message_id: str) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._claims.append((message_id, future))
        self._flush_soon()
        self._wake.set()
        return await future

    def _flush_soon(self) -> None:
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_loop(), name=f"replies-{self.channel}")
        self._wake.set()

    async def _flush_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self._claims:  # results only: let them wait a moment for claims to share with
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), RECORD_AFTER)
                self._wake.clear()
            await self._flush()

    async def _flush(self) -> None:
        claims, self._claims = self._claims, []
        sent, self._sent = self._sent, []
        failed, self._failed = self._failed, []
        if not (claims or sent or failed):
            return
        channel, now = self.channel, self._clock()
        wanted = [message_id for message_id, _ in claims]

        def work(run: Statements) -> set[str]:
            return turn_replies.settle_and_claim(
                run, channel, sent=sent, failed=failed, wanted=wanted, now=now
            )

        taken: set[str] = set()
        try:
            taken = await self._db.turns.write(work)
        except Exception:
            report_failure(log, "%s: kept replies could not be claimed or recorded; trying again", channel)
            self._sent[:0], self._failed[:0] = sent, failed  # recorded with the next transaction
        finally:  # also when cancelled: nobody may wait for ever
            for message_id, future in claims:
                if not future.done():
                    future.set_result(message_id in taken)
                taken.discard(message_id)  # the same id asked for twice at once: the first one sends

    # -- after a crash ------------------------------------------------------------------------

    def start(self, deliver: Deliver) -> None:
        """Sweep now and every SWEEP_EVERY seconds; `deliver` sends an orphan's replies, through
        `send` (the channel adds its per-chat ordering)."""
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(
                self._sweep_loop(deliver), name=f"replies-sweep-{self.channel}"
            )

    async def stop(self) -> None:
        """Stop sweeping; wait for resends under way; record every result."""
        sweeper, self._sweeper = self._sweeper, None
        if sweeper is not None:
            sweeper.cancel()
            await asyncio.gather(sweeper, return_exceptions=True)
        if self._resends:
            await asyncio.gather(*self._resends, return_exceptions=True)
        flusher, self._flusher = self._flusher, None
        if flusher is not None:
            flusher.cancel()
            await asyncio.gather(flusher, return_exceptions=True)
        try:
            await self._flush()
        except Exception:
            report_failure(log, "%s: recording kept replies' results on stop failed", self.channel)

    async def _sweep_loop(self, deliver: Deliver) -> None:
        while True:
            try:
                await self.sweep(deliver)
            except Exception:
                report_failure(log, "%s: sweeping kept replies failed", self.channel)
            await asyncio.sleep(self._sweep_every)

    async def sweep(self, deliver: Deliver) -> int:
        """Settle in-doubt rows; hand pending orphans to `deliver`. The number of orphans found."""
        channel, now = self.channel, self._clock()
        keep = set(self._sending) | {message_id for message_id, _ in self._claims}

        def work(run: Statements) -> tuple[int, list[Unsent]]:
            settled = turn_replies.settle_in_doubt(run, channel, before=now - self._in_doubt_after, keep=keep)
            found = turn_replies.orphans(run, channel, before=now - self._orphan_after, limit=SWEEP_BATCH)
            return settled, found

        settled, found = await self._db.turns.write(work)
        if settled:
            log.warning(
                "%s: %d kept replies settled as unconfirmed (a send cut short by a crash)", channel, settled
            )
        found = [unsent for unsent in found if unsent.message_id not in self._resending]
        for unsent in found:
            self._resending.add(unsent.message_id)
            task = asyncio.create_task(self._resend(deliver, unsent))
            self._resends.add(task)
            task.add_done_callback(self._resends.discard)
        if found:
            log.info("%s: sending %d kept replies a stopped process left unsent", channel, len(found))
        return len(found)

    async def _resend(self, deliver: Deliver, unsent: Unsent) -> None:
        try:
            await deliver(unsent)
        except Exception:
            log.exception("%s: kept reply to message %s failed", self.channel, unsent.message_id)
        finally:
            self._resending.discard(unsent.message_id)
