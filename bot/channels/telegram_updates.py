"""Telegram updates: fetched by long polling, and turned into the core's incoming events.

An update is read straight from the Bot API's JSON into a small `TelegramUpdate` (what the channel
uses of it), not into python-telegram-bot's object model: measured over the webhook benchmark
(issue #19, benchmarks/bench_telegram.py) PTB's `Update.de_json` built about 220 attributes per
/start, most of them never read.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import Bot
from telegram.error import BadRequest, Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from handlers.types import Attachment, Identity, IncomingEvent

log = logging.getLogger("kaderbot.telegram")

T = TypeVar("T")

CHANNEL = "telegram"
# Only these reach the bot: edits, reactions, group joins and the like are not conversation turns.
ALLOWED_UPDATES = ("message", "callback_query")
POLL_TIMEOUT = dt.timedelta(seconds=10)  # how long one getUpdates waits for something to arrive
POLL_BACKOFF = 0.25  # seconds before polling again after the first failure; doubled each time
POLL_BACKOFF_CAP = 30.0  # seconds, at most, between two attempts
TURN_ATTEMPTS = 8  # a turn the core could not store is tried this often in all (over about 30 s)
# Updates of one getUpdates batch handled at once (different people; one person's one at a time).
# SQLAlchemy's PostgreSQL pool keeps 5 connections (overflow ones are opened and closed per use): 4
# turns and the reply ledger's flusher stay within it. Measured on PostgreSQL (2 cores, the server
# on them too; issue #19's polling bench, ms per update in one run): 1 → 5.8, 2 → 4.7, 4 → 3.6,
# 8 → 6.7 (another run: 1 → 6.0, 4 → 4.4, 14 → 7.5). On SQLite, whose turns do not wait, any bound
# gives the same.
POLL_CONCURRENCY = 4
# Telegram hands out at most 100 updates per getUpdates. After a full batch more are probably waiting:
# the next getUpdates goes out while the batch's last PREFETCH_WHEN updates are still being handled
# (its offset confirms only the done ones, so it brings those again, and they are dropped), and its
# answer is the next batch. Measured (issue #19, polling bench): the getUpdates round trip between two
# batches of 100 took 8 ms of the fake Bot API's time on 127.0.0.1, the bot mostly idle meanwhile;
# against Telegram it is a network round trip.
BATCH_LIMIT = 100
PREFETCH_WHEN = 8
PRIVATE = "private"


class NotAnUpdate(ValueError):
    """JSON that is not a Telegram update (or one of the kinds the bot answers, malformed)."""


@dataclass(frozen=True, slots=True)
class Pressed:
    """The message under a pressed button, as far as the channel edits it."""

    chat_id: int
    message_id: int
    text: str | None
    keyboard: Sequence[Any] | None  # its inline keyboard's rows, the Bot API's JSON


@dataclass(frozen=True, slots=True)
class TelegramUpdate:
    """What the channel uses of an update. `chat_id` and `user_id` are None for kinds the bot does
    not answer (edits, channel posts, …); `message` is the Bot API's JSON of a new message."""

    update_id: int
    chat_id: int | None = None
    private: bool = False
    user_id: int | None = None
    is_bot: bool = False
    language_code: str | None = None
    message: Mapping[str, Any] | None = None
    query_id: str | None = None
    query_data: str | None = None
    pressed: Pressed | None = None  # the message whose button was pressed, if it can be edited


def parse_update(data: Any) -> TelegramUpdate:
    """The update in a Bot API JSON object. Raises NotAnUpdate for anything else, or for a message or
    callback query without the fields Telegram always sends."""
    if not isinstance(data, dict):
        raise NotAnUpdate("not an object")
    update_id = _int(data.get("update_id"))
    message = data.get("message")
    if message is not None:
        chat = _chat(message)
        user = _user(message.get("from"), optional=True)
        return TelegramUpdate(
            update_id,
            _int(chat.get("id")),
            chat.get("type") == PRIVATE,
            *_who(user),
            message=message,
        )
    query = data.get("callback_query")
    if query is not None:
        if not isinstance(query, dict) or not isinstance(query.get("id"), str):
            raise NotAnUpdate("callback_query without an id")
        user = _user(query.get("from"), optional=False)
        shown = query.get("message")
        chat_id, private, pressed = None, False, None
        if shown is not None:
            chat = _chat(shown)
            chat_id, private = _int(chat.get("id")), chat.get("type") == PRIVATE
            if shown.get("date") != 0:  # 0: a message too old for the bot to see or edit
                markup = shown.get("reply_markup")
                rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
                pressed = Pressed(
                    chat_id,
                    _int(shown.get("message_id")),
                    _string(shown.get("text")),
                    rows if isinstance(rows, list) else None,
                )
        return TelegramUpdate(
            update_id,
            chat_id,
            private,
            *_who(user),
            query_id=query["id"],
            query_data=_string(query.get("data")) or "",
            pressed=pressed,
        )
    return TelegramUpdate(update_id)


def _int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise NotAnUpdate(f"not an integer: {value!r}")


def _chat(message: Any) -> dict[str, Any]:
    chat = message.get("chat") if isinstance(message, dict) else None
    if not isinstance(chat, dict):
        raise NotAnUpdate("a message without its chat")
    return chat


def _user(user: Any, *, optional: bool) -> dict[str, Any] | None:
    if user is None and optional:
        return None
    if not isinstance(user, dict):
        raise NotAnUpdate("a sender that is not a user")
    _int(user.get("id"))
    return user


def _who(user: dict[str, Any] | None) -> tuple[int | None, bool, str | None]:
    if user is None:
        return None, False, None
    return user["id"], user.get("is_bot") is True, _string(user.get("language_code"))


def incoming_event(update: TelegramUpdate) -> IncomingEvent | None:
    """The event for an update from a private chat, or None for anything the bot does not answer.

    The update_id is the message id the core deduplicates on, so a webhook retry or a re-fetched
    update is handled once, across restarts (the core keeps the ids in the database).
    """
    if update.user_id is None or update.is_bot or update.chat_id is None or not update.private:
        return None
    identity = Identity(CHANNEL, str(update.user_id))
    message_id = str(update.update_id)
    hint = update.language_code
    if update.query_id is not None:
        return IncomingEvent(
            identity, payload=update.query_data or "", message_id=message_id, language_hint=hint
        )
    message = update.message
    if message is None:
        return None
    text = _string(message.get("text"))
    if text is not None:
        return IncomingEvent(identity, text=text, message_id=message_id, language_hint=hint)
    # A caption travels with its picture; stickers, voice notes and the like arrive empty and the
    # core asks its question again.
    return IncomingEvent(
        identity,
        text=_string(message.get("caption")),
        attachments=attachments(message),
        message_id=message_id,
        language_hint=hint,
    )


def _string(value: object) -> str | None:
    """JSON values are not checked by Telegram's clients: a `text` of 5 or [] is no text at all."""
    return value if isinstance(value, str) else None


def _size(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def attachments(message: Mapping[str, Any]) -> tuple[Attachment, ...]:
    """Photos (the largest size Telegram made), documents and shared locations. `ref` is the
    file_id: stable for this bot, so it can be fetched or sent again later."""
    photo = message.get("photo")
    if isinstance(photo, list) and photo:
        largest = photo[-1]
        if isinstance(largest, dict) and isinstance(largest.get("file_id"), str):
            size = _size(largest.get("file_size"))
            return (Attachment(kind="photo", ref=largest["file_id"], mime_type="image/jpeg", size=size),)
    document = message.get("document")
    if isinstance(document, dict) and isinstance(document.get("file_id"), str):
        return (
            Attachment(
                kind="document",
                ref=document["file_id"],
                mime_type=_string(document.get("mime_type")),
                filename=_string(document.get("file_name")),
                size=_size(document.get("file_size")),
            ),
        )
    location = message.get("location")
    if isinstance(location, dict):
        latitude, longitude = _number(location.get("latitude")), _number(location.get("longitude"))
        if latitude is not None and longitude is not None:
            return (Attachment(kind="location", latitude=latitude, longitude=longitude),)
    return ()


class LongPolling:
    """Our getUpdates loop, in place of python-telegram-bot's `Updater`.

    PTB's updater confirms updates to Telegram (the next getUpdates' offset passes them) as soon
    as it has queued them, so an update fetched but not yet handled when the process dies is gone.
    Here an update counts as done only once `handle` returns True (the core has stored its turn);
    only then does `next_offset` move past it, and the next getUpdates confirms it. After a crash
    Telegram hands out every unconfirmed update again, and the core's persisted update ids turn the
    ones already stored into no-ops: each update is handled exactly once.

    The updates of a batch are handled side by side, one task each, at most `concurrency` at a time
    (as aiogram's dispatcher does, issue #19): one person's turn waiting on the database or the Bot
    API does not hold up the next person's. One person's updates still go one after another, in the
    order they were sent (a conversation): each waits until the one before it is done. `next_offset`
    only moves past the longest done prefix of the batch, so an update done while an earlier one is
    not is confirmed later, or handed out again after a crash (a no-op then). The next batch begins
    once the whole batch is done. After a full batch (BATCH_LIMIT updates) the getUpdates that fetches
    it goes out a little earlier, while the batch's last PREFETCH_WHEN updates are still being handled:
    with the offset of the done prefix, like any other, so it confirms nothing undone; the updates of
    this batch it brings again are dropped.

    `handle` returns False when the turn could not be stored (the database is away): the same update
    is tried again after a pause, up to TURN_ATTEMPTS times; then `abandon` gets it and polling goes
    on, so one update cannot hold up everybody for ever (the others of its batch meanwhile go on).
    """

    def __init__(
        self,
        bot: Bot,
        handle: Callable[[TelegramUpdate], Awaitable[bool]],
        abandon: Callable[[TelegramUpdate], Awaitable[None]],
        *,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        concurrency: int | None = None,
    ) -> None:
        self._bot = bot
        self._handle = handle
        self._abandon = abandon
        self._allowed_updates = list(allowed_updates)
        self._timeout = POLL_TIMEOUT
        self._backoff, self._backoff_cap, self._turn_attempts = POLL_BACKOFF, POLL_BACKOFF_CAP, TURN_ATTEMPTS
        self._slots = asyncio.Semaphore(concurrency or POLL_CONCURRENCY)
        self.next_offset: int | None = None  # None: from the oldest update Telegram still holds
        self._confirmed: int | None = None  # the offset the last answered getUpdates carried
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._stop_requested = asyncio.Event()  # ends the pauses between a turn's attempts
        self._waiting = False  # on Telegram or a pause, not in a batch: stop() may cancel
        self._prefetch: asyncio.Task[tuple[int | None, list[Any]]] | None = None  # the next batch, early
        self.failures = 0  # getUpdates failed this many times in a row (the channel's health)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-long-polling")

    async def stop(self) -> None:
        """Stop promptly: a long poll or a pause is cancelled (what it fetched is unconfirmed and
        comes again); turns in progress are finished, the batch's others are not begun. Then the
        handled updates (the done prefix of the batch) are confirmed."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        self._stop_requested.set()
        if self._waiting:
            task.cancel()
        await asyncio.wait({task})
        prefetch, self._prefetch = self._prefetch, None
        if prefetch is not None:  # its updates were not begun: they come again after a restart
            prefetch.cancel()
            await asyncio.wait({prefetch})
            if not prefetch.cancelled():
                prefetch.exception()  # a failed one: nothing to do with it, and nothing to log
        if self.next_offset is not None and self.next_offset != self._confirmed:
            try:  # as PTB's updater does on stop; if it fails they are fetched and skipped next time
                await self._get_updates(self.next_offset, dt.timedelta(0), limit=1)
                self._confirmed = self.next_offset
            except Exception as exc:
                log.warning("telegram polling: confirming the last updates on stop failed: %r", exc)

    async def _run(self) -> None:
        try:
            while not self._stopping:
                updates = await self._prefetched()
                if updates:
                    if not await self._handle_batch(updates):
                        return
                    continue
                try:
                    updates = await self._wait(self._get_updates(self.next_offset, self._timeout))
                except InvalidToken as exc:
                    log.error("telegram polling stopped: Telegram refused the bot token (%s)", exc)
                    return
                except Exception as exc:  # a TelegramError, or Bot API data PTB could not parse
                    self.failures += 1
                    await self._wait(asyncio.sleep(self._after_failure(exc, self.failures)))
                    continue
                self.failures = 0
                self._confirmed = self.next_offset
                if not await self._handle_batch(updates):
                    return
        except asyncio.CancelledError:
            if not self._stopping:
                raise
        except Exception:
            log.exception("telegram polling stopped by an unexpected error")
        finally:
            if self._prefetch is not None:
                self._prefetch.cancel()

    async def _prefetched(self) -> list[Any] | None:
        """The updates the early getUpdates brought that the last batch did not hold, or None when
        there was none (or it failed: the usual getUpdates follows, and deals with the failure)."""
        prefetch, self._prefetch = self._prefetch, None
        if prefetch is None:
            return None
        try:
            offset, updates = await self._wait(prefetch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.debug("telegram getUpdates ahead of the next batch failed: %r", exc)
            return None
        self._confirmed = offset
        done = self.next_offset
        return [data for data in updates if done is None or not _before(data, done)]

    def _fetch_ahead(self) -> None:
        """Send the next getUpdates now, with the offset of the done prefix."""
        if self._prefetch is None and not self._stopping:
            offset = self.next_offset

            async def fetch() -> tuple[int | None, list[Any]]:
                return offset, await self._get_updates(offset, dt.timedelta(0))

            self._prefetch = asyncio.create_task(fetch(), name="telegram-get-updates-ahead")

    async def _handle_batch(self, updates: list[Any]) -> bool:
        """Handle one getUpdates batch, each person's updates in order, different people's side by
        side. True once every update is done; False when stopping left some undone."""
        batch: deque[tuple[int, asyncio.Task[bool] | None]] = deque()  # in update_id order
        last_of: dict[int, asyncio.Task[bool]] = {}  # each person's latest update in the batch
        for data in updates:
            try:
                update = parse_update(data)
            except NotAnUpdate as exc:  # confirmed and skipped: it would come back for ever
                update_id = data.get("update_id") if isinstance(data, dict) else None
                log.warning("telegram getUpdates: skipped an unreadable update %r (%s)", update_id, exc)
                if isinstance(update_id, int) and not isinstance(update_id, bool):
                    batch.append((update_id, None))
                continue
            person = update.user_id if update.user_id is not None else update.chat_id
            after = last_of.get(person) if person is not None else None
            task = asyncio.create_task(self._take_turn(update, after))
            if person is not None:
                last_of[person] = task
            batch.append((update.update_id, task))
        tasks = [task for _, task in batch if task is not None]
        left = len(tasks)
        ahead = len(updates) >= BATCH_LIMIT  # a full batch: more are probably waiting

        def done(_: asyncio.Task[bool]) -> None:
            nonlocal left
            confirmable = self.next_offset
            self._advance(batch)
            left -= 1
            # Once the done prefix has moved: the early getUpdates confirms what it can.
            if ahead and left <= PREFETCH_WHEN and self.next_offset != confirmable:
                self._fetch_ahead()

        for task in tasks:
            task.add_done_callback(done)
        self._advance(batch)  # past unreadable updates at the head
        try:
            if tasks:
                await asyncio.wait(tasks)
        finally:
            for task in tasks:  # only if this loop itself is cancelled: nothing outlives it
                task.cancel()
        for task in tasks:
            if not task.cancelled() and (error := task.exception()) is not None:
                raise error  # a bug, not a failed turn (`_settle` catches those): polling stops, logged
        return not batch

    def _advance(self, batch: deque[tuple[int, asyncio.Task[bool] | None]]) -> None:
        """Move `next_offset` past the updates at the head of the batch that are done."""
        while batch:
            update_id, task = batch[0]
            if task is not None and not _done(task):
                return
            self.next_offset = update_id + 1
            batch.popleft()

    async def _take_turn(self, update: TelegramUpdate, after: asyncio.Task[bool] | None) -> bool:
        """Settle one update once the same person's previous one is done (False: it never began)."""
        if after is not None:
            await asyncio.wait({after})
            if not _done(after):  # stopping before that one was done: this one waits for next time
                return False
        async with self._slots:
            if self._stopping:
                return False
            return await self._settle(update)

    async def _get_updates(
        self, offset: int | None, wait: dt.timedelta, *, limit: int | None = None
    ) -> list[Any]:
        """One getUpdates, its answer as the Bot API's JSON (PTB's own `get_updates` would build
        its object model for every update). Through PTB's bot all the same: its long-poll HTTP
        client, read timeout (the poll's timeout on top of the usual one) and error mapping."""
        request = self._bot._request[0]  # the client PTB's get_updates uses
        data: dict[str, Any] = {
            "timeout": int(wait.total_seconds()),
            "offset": offset,
            "allowed_updates": self._allowed_updates,
            "limit": BATCH_LIMIT if limit is None else limit,
        }
        result = await self._bot._post(
            "getUpdates", data, read_timeout=(request.read_timeout or 0) + wait.total_seconds()
        )
        if not isinstance(result, list):
            raise NotAnUpdate(f"getUpdates answered {type(result).__name__}, not a list")
        return result

    async def _settle(self, update: TelegramUpdate) -> bool:
        """Handle one update until it is stored (or given up). False: stopping before that."""
        for attempt in range(1, self._turn_attempts + 1):
            try:
                if await self._handle(update):
                    return True
            except Exception:  # `handle` should say False instead; polling must go on regardless
                log.exception("telegram update %s failed", update.update_id)
            if self._stopping:
                return False
            if attempt < self._turn_attempts:
                with contextlib.suppress(TimeoutError):  # a pause stop() cuts short
                    await asyncio.wait_for(self._stop_requested.wait(), self._delay(attempt))
                if self._stopping:
                    return False
        log.error(
            "telegram update %s: not stored after %d attempts; given up",
            update.update_id,
            self._turn_attempts,
        )
        try:
            await self._abandon(update)
        except Exception:
            log.exception("telegram update %s: giving up failed too", update.update_id)
        return True

    async def _wait(self, work: Awaitable[T]) -> T:
        """Wait for Telegram or a pause, where stop() may cancel without losing anything."""
        self._waiting = True
        try:
            return await work
        finally:
            self._waiting = False

    def _delay(self, failures: int) -> float:
        return min(self._backoff_cap, self._backoff * 2 ** (failures - 1))

    def _after_failure(self, error: Exception, failures: int) -> float:
        """Log a failed getUpdates; the seconds to wait before the next one."""
        if isinstance(error, RetryAfter):
            seconds = retry_after_seconds(error)
            log.warning("telegram getUpdates: flood control; polling again in %.0fs as asked", seconds)
            return seconds
        delay = self._delay(failures)
        if isinstance(error, Conflict):
            log.error(
                "telegram getUpdates refused (409 Conflict: %s). Another process is polling with this "
                "bot token, or a webhook is set (see getWebhookInfo); only one can receive updates. "
                "Trying again in %.1fs",
                error.message,
                delay,
            )
        elif isinstance(error, BadRequest):
            log.error("telegram getUpdates refused: %s; trying again in %.1fs", error.message, delay)
        elif isinstance(error, NetworkError):  # TimedOut, connection errors, 5xx
            log.warning("telegram getUpdates failed (%s); retry %d in %.2fs", error, failures, delay)
        elif isinstance(error, TelegramError):
            log.error("telegram getUpdates failed: %s; trying again in %.1fs", error, delay)
        else:
            log.error("telegram getUpdates: unusable answer; trying again in %.1fs", delay, exc_info=error)
        return delay


def _before(data: Any, offset: int) -> bool:
    """Whether a Bot API update's id lies before `offset` (handled in the last batch)."""
    update_id = data.get("update_id") if isinstance(data, dict) else None
    return isinstance(update_id, int) and not isinstance(update_id, bool) and update_id < offset


def _done(task: asyncio.Task[bool]) -> bool:
    """Whether a finished update task settled its update (handled, or given up)."""
    return task.done() and not task.cancelled() and task.exception() is None and task.result()


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that retry_after will become a timedelta
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
