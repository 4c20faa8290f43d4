"""Telegram updates: fetched by long polling, and turned into the core's incoming events."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import Bot, Message, Update
from telegram.constants import ChatType
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


def incoming_event(update: Update) -> IncomingEvent | None:
    """The event for an update from a private chat, or None for anything the bot does not answer.

    The update_id is the message id the core deduplicates on, so a webhook retry or a re-fetched
    update is handled once, across restarts (the core keeps the ids in the database).
    """
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot or chat is None or chat.type != ChatType.PRIVATE:
        return None
    identity = Identity(CHANNEL, str(user.id))
    message_id = str(update.update_id)
    hint = _string(user.language_code)
    query = update.callback_query
    if query is not None:
        return IncomingEvent(
            identity, payload=_string(query.data) or "", message_id=message_id, language_hint=hint
        )
    message = update.message
    if message is None:
        return None
    text = _string(message.text)
    if text is not None:
        return IncomingEvent(identity, text=text, message_id=message_id, language_hint=hint)
    # A caption travels with its picture; stickers, voice notes and the like arrive empty and the
    # core asks its question again.
    return IncomingEvent(
        identity,
        text=_string(message.caption),
        attachments=attachments(message),
        message_id=message_id,
        language_hint=hint,
    )


def _string(value: object) -> str | None:
    """PTB passes JSON values through unchecked: a `text` of 5 or [] is no text at all."""
    return value if isinstance(value, str) else None


def _size(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def attachments(message: Message) -> tuple[Attachment, ...]:
    """Photos (the largest size Telegram made), documents and shared locations. `ref` is the
    file_id: stable for this bot, so it can be fetched or sent again later."""
    if message.photo:
        largest = message.photo[-1]
        size = _size(largest.file_size)
        return (Attachment(kind="photo", ref=largest.file_id, mime_type="image/jpeg", size=size),)
    if message.document is not None:
        document = message.document
        return (
            Attachment(
                kind="document",
                ref=document.file_id,
                mime_type=document.mime_type,
                filename=document.file_name,
                size=_size(document.file_size),
            ),
        )
    if message.location is not None:
        location = message.location
        return (Attachment(kind="location", latitude=location.latitude, longitude=location.longitude),)
    return ()


class LongPolling:
    """Our getUpdates loop, in place of python-telegram-bot's `Updater`.

    PTB's updater confirms updates to Telegram (the next getUpdates' offset passes them) as soon
    as it has queued them, so an update fetched but not yet handled when the process dies is gone.
    Here an update counts as done only once `handle` returns True (the core has stored its turn);
    only then does `next_offset` move past it, and the next getUpdates confirms it. After a crash
    Telegram hands out every unconfirmed update again, and the core's persisted update ids turn the
    ones already stored into no-ops: each update is handled exactly once.

    `handle` returns False when the turn could not be stored (the database is away): the same update
    is tried again after a pause, up to TURN_ATTEMPTS times; then `abandon` gets it and polling goes
    on, so one update cannot hold up everybody for ever.
    """

    def __init__(
        self,
        bot: Bot,
        handle: Callable[[Update], Awaitable[bool]],
        abandon: Callable[[Update], Awaitable[None]],
        *,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
    ) -> None:
        self._bot = bot
        self._handle = handle
        self._abandon = abandon
        self._allowed_updates = list(allowed_updates)
        self._timeout = POLL_TIMEOUT
        self._backoff, self._backoff_cap, self._turn_attempts = POLL_BACKOFF, POLL_BACKOFF_CAP, TURN_ATTEMPTS
        self.next_offset: int | None = None  # None: from the oldest update Telegram still holds
        self._confirmed: int | None = None  # the offset the last answered getUpdates carried
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._waiting = False  # on Telegram or a pause, not in a turn: stop() may cancel
        self.failures = 0  # getUpdates failed this many times in a row (the channel's health)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-long-polling")

    async def stop(self) -> None:
        """Stop promptly: a long poll or a pause is cancelled (what it fetched is unconfirmed and
        comes again); a turn in progress is finished. Then the handled updates are confirmed."""
        task = self._task
        if task is None:
            return
        self._stopping = True
        if self._waiting:
            task.cancel()
        await asyncio.wait({task})
        if self.next_offset is not None and self.next_offset != self._confirmed:
            try:  # as PTB's updater does on stop; if it fails they are fetched and skipped next time
                await self._bot.get_updates(
                    offset=self.next_offset,
                    limit=1,
                    timeout=dt.timedelta(0),
                    allowed_updates=self._allowed_updates,
                )
                self._confirmed = self.next_offset
            except Exception as exc:
                log.warning("telegram polling: confirming the last updates on stop failed: %r", exc)

    async def _run(self) -> None:
        try:
            while not self._stopping:
                try:
                    updates = await self._wait(
                        self._bot.get_updates(
                            offset=self.next_offset,
                            timeout=self._timeout,
                            allowed_updates=self._allowed_updates,
                        )
                    )
                except InvalidToken as exc:
                    log.error("telegram polling stopped: Telegram refused the bot token (%s)", exc)
                    return
                except Exception as exc:  # a TelegramError, or Bot API data PTB could not parse
                    self.failures += 1
                    await self._wait(asyncio.sleep(self._after_failure(exc, self.failures)))
                    continue
                self.failures = 0
                self._confirmed = self.next_offset
                for update in updates:
                    if not await self._settle(update):
                        return
                    self.next_offset = update.update_id + 1
                    if self._stopping:
                        return
        except asyncio.CancelledError:
            if not self._stopping:
                raise
        except Exception:
            log.exception("telegram polling stopped by an unexpected error")

    async def _settle(self, update: Update) -> bool:
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
                await self._wait(asyncio.sleep(self._delay(attempt)))
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


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that retry_after will become a timedelta
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
