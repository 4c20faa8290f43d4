"""The Telegram channel on python-telegram-bot 22: long polling, or a webhook on the shared web app.

PTB's `Application` (its bot, rate limiter and HTTP pools) is set up by `start()`, inside the web
server's event loop (the app's lifespan), never with `run_polling()`, which would own the loop.
Long polling is our own loop (`LongPolling`) instead of PTB's `Updater`: an update is confirmed to
Telegram only after the core has stored its turn, so a crash never loses what a person typed; the
webhook answers 200 only then, for the same reason. Every update goes the same way in both modes:
update → incoming event → `Core.handle` → replies rendered as Telegram messages. Nothing that must
survive a restart is kept here: the core persists conversations and the update ids it has handled.

A turn's replies are kept with the turn (`Outcome.kept`) and sent through bot/replies.py: claimed
right before they go out, recorded after. Replies not yet out when the process dies go out after the
restart, once: on Telegram's redelivery of the update (a duplicate for the core), or by the sweep for
updates already confirmed. A reply whose send was under way at the crash is settled as unconfirmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from telegram import BotCommandScopeChat
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter, ExtBot

from bot.app import KaderBot
from bot.asgi import ClientGone, header, read_body, respond
from bot.channels.base import RateLimited, TurnNotStored, Unreachable
from bot.channels.telegram_http import LightCalls
from bot.channels.telegram_render import (
    OutFile,
    Outgoing,
    OutMessage,
    Translate,
    is_page_payload,
    keyboard,
    pressed_label,
    render,
    with_choice,
)
from bot.channels.telegram_setup import build_application, command_menus, default_rate_limiter, staff_menu
from bot.channels.telegram_updates import (
    ALLOWED_UPDATES,
    CHANNEL,
    LongPolling,
    NotAnUpdate,
    Pressed,
    TelegramUpdate,
    incoming_event,
    parse_update,
    retry_after_seconds,
)
from bot.media_intake import MediaIntake
from bot.replies import ReplyLedger
from bot.settings import Settings
from handlers.types import Choice, Outcome, Reply, Text
from storage.models import Person
from storage.repositories import people, scopes
from storage.repositories.turn_replies import Unsent

if TYPE_CHECKING:  # FastAPI is imported only when the web app's routes are first needed (bot/web.py)
    from fastapi import APIRouter
    from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("kaderbot.telegram")

T = TypeVar("T")

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_HEADER_KEY = SECRET_HEADER.lower().encode()  # as ASGI servers give header names
NETWORK_ATTEMPTS = 4  # a call failing on the network is tried this often in all
NETWORK_BACKOFF = 0.25  # seconds before the first retry; doubled each time
MAX_DELIVERIES = 32  # replies waiting or going out while polling goes on (CONNECTION_POOL calls at once)
UNHEALTHY_AFTER = 3  # getUpdates failures in a row before /healthz reports polling as down


class ChatLocks:
    """One lock per chat: two webhook requests for one person never interleave their turns, and
    replies sent in the background leave in turn order (asyncio.Lock serves waiters first come,
    first served, and a task takes a free lock without yielding)."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users <= 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)


@dataclass(frozen=True, slots=True)
class Answered:
    """A turn the core has handled and stored, with what is left to do on Telegram."""

    update: TelegramUpdate
    chat_id: int
    outcome: Outcome
    answering: asyncio.Task[None] | None  # answerCallbackQuery, running beside the core


class TelegramChannel:
    name = CHANNEL

    def __init__(
        self, kaderbot: KaderBot, settings: Settings, *, rate_limiter: BaseRateLimiter[Any] | None = None
    ) -> None:
        self.kaderbot = kaderbot
        self.webhook_url = settings.telegram_webhook_url
        self.webhook_secret = settings.telegram_webhook_secret or ""
        limiter = rate_limiter or default_rate_limiter(settings)
        self.application = build_application(settings, limiter)
        self.api = LightCalls(self.application.bot)  # the calls of every turn (telegram_http.py)
        self._polling: LongPolling | None = None
        self._receiving = False
        self._chat_locks = ChatLocks()
        self._delivery_slots = asyncio.Semaphore(MAX_DELIVERIES)
        self._deliveries: set[asyncio.Task[None]] = set()
        self._replies = ReplyLedger(
            kaderbot.db, CHANNEL, clock=kaderbot.core.clock, in_doubt_after=settings.outbox_in_doubt_after
        )
        # Photos and documents are downloaded on arrival into the media store (bot/media_intake.py).
        self._intake = MediaIntake(kaderbot.db, kaderbot.media) if kaderbot.media is not None else None
        self._media_retry: asyncio.Task[int] | None = None

    @property
    def bot(self) -> ExtBot[Any]:
        return self.application.bot

    # -- lifecycle ------------------------------------------------------------------------------

    def router(self) -> APIRouter | None:
        return None  # the webhook is one of `endpoints()`, served ahead of FastAPI

    def endpoints(self) -> dict[str, ASGIApp]:
        """Plain ASGI routes for the web app (bot/asgi.py): the webhook, in webhook mode."""
        return {WEBHOOK_PATH: self._webhook} if self.webhook_url else {}

    async def start(self) -> None:
        await self.application.initialize()  # getMe: a wrong token stops the start here
        await self._set_commands()
        if self.webhook_url:
            await self._call(
                self.bot.set_webhook,
                self.webhook_url,
                secret_token=self.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
            log.info("telegram webhook set")
        else:
            # As PTB's updater does: getUpdates is refused while a webhook is set. Pending updates stay.
            await self._call(self.bot.delete_webhook)
            self._polling = LongPolling(self.bot, self._on_update, self._abandon)
            self._polling.start()
            log.info("telegram long polling started")
        self._replies.start(self._send_kept)  # replies a stopped process left unsent
        if self._intake is not None:  # files whose download failed before: fetched again now
            self._media_retry = asyncio.create_task(self._intake.retry_pending(CHANNEL, self.download))
        self._receiving = True

    async def stop(self) -> None:
        self._receiving = False
        if self._polling is not None:
            await self._polling.stop()  # interrupts a long poll; a turn under way is finished
            self._polling = None
        if self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)
        await self._replies.stop()
        if self._media_retry is not None:
            self._media_retry.cancel()
            await asyncio.gather(self._media_retry, return_exceptions=True)
        await self.application.shutdown()

    async def healthy(self) -> bool:
        if not self._receiving:
            return False
        if self.webhook_url:
            return True
        # Polling: running, and not failing over and over (Telegram unreachable, a 409 conflict).
        polling = self._polling
        return polling is not None and polling.running and polling.failures < UNHEALTHY_AFTER

    # -- incoming -------------------------------------------------------------------------------

    async def _webhook(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await respond(send, 405, headers=((b"allow", b"POST"),))
            return
        given = header(scope, SECRET_HEADER_KEY)
        if not self.webhook_secret or not hmac.compare_digest(given, self.webhook_secret.encode()):
            await respond(send, 401)
            return
        try:
            body = await read_body(receive)
        except ClientGone:  # gone, or its body refused as too large (413 sent): nothing to answer
            return
        try:
            update: TelegramUpdate | None = parse_update(orjson.loads(body))
        except (orjson.JSONDecodeError, NotAnUpdate):  # not JSON (or nested too deep), not an update
            update = None
        if update is None:
            await respond(send, 400)
        elif not await self.process(update):
            await respond(send, 503)  # not stored: Telegram delivers it again later
        else:
            # 200 only after the turn is stored: a crash before it makes Telegram deliver again, and
            # the persisted update ids turn that second delivery into a no-op if the first got through.
            await respond(send, 200)

    async def _on_update(self, update: TelegramUpdate) -> bool:
        """Polling: `LongPolling` hands over a batch's updates side by side, one person's one after
        another. The core's turn runs here; the replies go out in a task, so one person's Bot API
        round trips do not hold up the same person's next turn. Each chat's replies still leave in
        order (see `ChatLocks`: the next update's turn begins only after this one's task exists).

        True once the turn is stored (or there was nothing to store): the update may be confirmed
        to Telegram. False when the core could not store it; `LongPolling` tries again later."""
        try:
            answered = await self._turn(update)
        except Exception:
            log.warning(
                "telegram update %s: turn not stored; will try again", update.update_id, exc_info=True
            )
            return False
        if answered is None:
            return True
        await self._delivery_slots.acquire()  # a slow Bot API slows polling down instead of piling up
        task = asyncio.create_task(self._respond_in_order(answered))
        self._deliveries.add(task)
        task.add_done_callback(self._delivered)
        return True

    async def _abandon(self, update: TelegramUpdate) -> None:
        """Polling gave up on an update whose turn could not be stored: say sorry, go on."""
        if update.chat_id is not None:
            await self._apologise(update.chat_id, update.language_code)

    async def process(self, update: TelegramUpdate) -> bool:
        """Webhook: handle one update completely (turn and replies). Never raises. False when the
        core could not store the turn: nothing is sent, and Telegram should deliver it again."""
        async with self._chat_locks.hold(update.chat_id or 0):
            try:
                answered = await self._guarded(update, self._turn(update))
            except TurnNotStored:
                log.warning("telegram update %s: turn not stored; asking for redelivery", update.update_id)
                return False
            if answered is not None:
                await self._guarded(update, self._respond(answered), answered.outcome.language)
            return True

    async def _turn(self, update: TelegramUpdate) -> Answered | None:
        """The core's part: the event in, the outcome stored. None when there is nothing to send."""
        event = incoming_event(update)
        if event is None:
            return None
        if event.attachments and self._intake is not None:
            event = await self._intake.receive(event, self.download)
        query_id = update.query_id
        # Stop the button's spinner while the core works.
        answering = asyncio.create_task(self._answer_query(query_id)) if query_id is not None else None
        outcome: Outcome | None = None
        try:
            outcome = await self.kaderbot.core.handle(event)
        finally:
            if answering is not None and (outcome is None or outcome.duplicate or not outcome.stored):
                await answering  # nothing will follow it
        if not outcome.stored:
            raise TurnNotStored(f"update {update.update_id}")
        if outcome.duplicate:
            # Handled before; its replies still go out if a crash stopped them (kept, never claimed).
            unsent = await self._replies.unsent(event.message_id or "")
            if unsent is None:
                return None
            outcome = Outcome(replies=unsent.replies, language=unsent.language, kept=True)
        return Answered(update, update.chat_id, outcome, answering)  # type: ignore[arg-type]

    async def _respond_in_order(self, answered: Answered) -> None:
        try:
            async with self._chat_locks.hold(answered.chat_id):
                await self._guarded(answered.update, self._respond(answered), answered.outcome.language)
        finally:
            self._delivery_slots.release()

    def _delivered(self, task: asyncio.Task[None]) -> None:
        self._deliveries.discard(task)

    async def _send_kept(self, unsent: Unsent) -> None:
        """Kept replies of an update a stopped process had stored but not answered (the sweep)."""
        chat_id = int(unsent.address)
        t = self._translator(unsent.language)
        async with self._chat_locks.hold(chat_id):
            await self._replies.send(unsent.message_id, lambda: self._deliver(chat_id, unsent.replies, t))

    async def _respond(self, answered: Answered) -> None:
        """The channel's part: close the pressed button's message, then send the replies (kept
        ones claimed first, so they go out once: see bot/replies.py)."""
        if answered.answering is not None:
            await answered.answering
        if answered.outcome.kept:
            await self._replies.send(str(answered.update.update_id), lambda: self._respond_now(answered))
        else:
            await self._respond_now(answered)

    async def _respond_now(self, answered: Answered) -> None:
        outcome, update = answered.outcome, answered.update
        t = self._translator(outcome.language)
        if update.pressed is not None:
            if await self._settle_pressed(update.pressed, update.query_data or "", outcome, t):
                return
        await self._deliver(answered.chat_id, outcome.replies, t)

    async def _guarded(self, update: TelegramUpdate, work: Awaitable[T], lang: str | None = None) -> T | None:
        """Run a step of an update; log a failure with the update id and apologise (in `lang`, or
        the phone's language), never raise: one bad update cannot stop polling or fail the webhook.
        Only TurnNotStored goes through: that update is to come again, not to be apologised for."""
        try:
            return await work
        except TurnNotStored:
            raise  # not a failure to apologise for now: the update comes again
        except RetryAfter:
            log.warning("telegram update %s: still rate limited after retries", update.update_id)
        except Exception:
            log.exception("telegram update %s failed", update.update_id)
            if update.chat_id is not None:
                await self._apologise(update.chat_id, lang or update.language_code)
        return None

    async def _settle_pressed(self, message: Pressed, data: str, outcome: Outcome, t: Translate) -> bool:
        """Update the message whose button was pressed. A page change is shown there (True: done);
        otherwise the keyboard goes, with the chosen answer under the question, so an old button
        cannot be pressed again."""
        replies = outcome.replies
        if is_page_payload(data) and len(replies) == 1 and isinstance(replies[0], Choice):
            await self._edit(self.api.edit_message_reply_markup, message, keyboard(replies[0], t))
            return True
        # The core answers a stale button with its note first; that press chose nothing.
        stale = bool(replies) and replies[0] == Text(t("core.stale_button"))
        label = pressed_label(message.keyboard, data)
        marked = None
        if not stale and label is not None and message.text is not None and not is_page_payload(data):
            marked = with_choice(message.text, t("telegram.chosen", label=label))
        if marked is not None:
            await self._edit(self.api.edit_message_text, message, marked)
        elif message.keyboard is not None:
            await self._edit(self.api.edit_message_reply_markup, message, None)
        return False

    # -- outgoing -------------------------------------------------------------------------------

    async def start_sending(self) -> None:
        """Ready to send only, for a sender process beside the bot: no polling, no webhook."""
        await self.application.initialize()

    async def send(self, address: str, replies: Sequence[Reply], *, kind: str = "notification") -> str | None:
        """Deliver replies outside a turn (notifications, the outbox); the last message's id."""
        # Only a question's page controls need the person's language; other replies are worded.
        asks = any(isinstance(reply, Choice) for reply in replies)
        lang = await self._language_of(address) if asks else self.kaderbot.catalogues.default_language
        t = self._translator(lang)
        try:
            return await self._send_all(int(address), render(replies, t))
        except Forbidden as exc:
            await self._mark_unreachable(address)
            raise Unreachable(str(exc)) from exc
        except RetryAfter as exc:
            raise RateLimited(retry_after_seconds(exc)) from exc

    async def send_progress(self, address: str, text: str, handle: str | None) -> str | None:
        """One message that changes (a broadcast's progress): sent once, then edited in place.
        Returns the message id to edit next time; None when it could not be sent."""
        chat_id = int(address)
        try:
            if handle is not None:
                try:
                    await self._call(
                        self.bot.edit_message_text, text, chat_id=chat_id, message_id=int(handle)
                    )
                    return handle
                except BadRequest as exc:
                    if "not modified" in str(exc).casefold():
                        return handle
                    # Deleted or too old to edit: a new message carries on.
            message = await self._call(self.bot.send_message, chat_id, text)
            return str(message.message_id)
        except Forbidden:
            await self._mark_unreachable(address)
        except TelegramError as exc:
            log.warning("progress message to %s: %s", address, exc)
        return None

    async def download(self, ref: str) -> bytes:
        """The bytes of a photo or document a person sent (`Attachment.ref` is its file_id)."""
        file = await self._call(self.bot.get_file, ref)
        return bytes(await self._call(file.download_as_bytearray))

    async def _deliver(self, chat_id: int, replies: Sequence[Reply], t: Translate) -> None:
        try:
            await self._send_all(chat_id, render(replies, t))
        except Forbidden:
            log.info("telegram chat %s blocked the bot; marked unreachable", chat_id)
            await self._mark_unreachable(str(chat_id))

    async def _send_all(self, chat_id: int, messages: Sequence[Outgoing]) -> str | None:
        """Send in order; the id of the last message sent."""
        last: int | None = None
        for item in messages:
            if isinstance(item, OutMessage):
                last = await self._call(self.api.send_message, chat_id, item.text, item.keyboard)
            elif isinstance(item, OutFile):
                file = item.file
                send = self.bot.send_photo if file.kind == "photo" else self.bot.send_document
                sent = await self._call(
                    send, chat_id, file.data, caption=item.caption, filename=file.filename
                )
                last = sent.message_id
        return str(last) if last is not None else None

    async def _apologise(self, chat_id: int, lang: str | None) -> None:
        t = self._translator(self.kaderbot.catalogues.language(lang))
        with contextlib.suppress(Exception):  # the bot may be unreachable for the very same reason
            await self.bot.send_message(chat_id, t("telegram.error"))

    async def _answer_query(self, query_id: str) -> None:
        try:
            await self._call(self.api.answer_callback_query, query_id)
        except TelegramError as exc:  # too old, or answered already: the turn goes on regardless
            log.debug("answerCallbackQuery %s: %s", query_id, exc)

    async def _edit(self, method: Callable[..., Awaitable[None]], message: Pressed, change: Any) -> None:
        try:
            await self._call(method, message.chat_id, message.message_id, change)
        except BadRequest as exc:  # "not modified" or gone: nothing to fix on screen
            log.debug("edit of message %s: %s", message.message_id, exc)

    async def _call(self, method: Callable[..., Awaitable[T]], /, *args: Any, **kwargs: Any) -> T:
        """A Bot API call, tried again on network errors (429 waits are the rate limiter's)."""
        attempt = 0
        while True:
            try:
                return await method(*args, **kwargs)
            except BadRequest:
                raise
            except NetworkError as exc:  # TimedOut too
                attempt += 1
                if attempt >= NETWORK_ATTEMPTS:
                    raise
                delay = NETWORK_BACKOFF * 2 ** (attempt - 1)
                log.warning("telegram %s failed (%s); retry %d in %.2fs", _name(method), exc, attempt, delay)
                await asyncio.sleep(delay)

    async def _set_commands(self) -> None:
        """The '/' menu in Indonesian (also for every language without its own) and English; and
        for each coordinator's or admin's chat, a menu of its own with the coordinators' commands
        (residents and cadres never see them)."""
        for language_code, commands in command_menus(self.kaderbot.catalogues).items():
            try:
                await self._call(self.bot.set_my_commands, commands, language_code=language_code)
            except TelegramError as exc:  # the menu is a convenience; the bot works without it
                log.warning("setMyCommands (%s) failed: %s", language_code or "default", exc)
        async with self.kaderbot.db.sessions() as session:
            staff = await scopes.staff_addresses(session, CHANNEL)
        for address, language in staff:
            if not address.lstrip("-").isdigit():
                continue
            menu = staff_menu(self.kaderbot.catalogues, language)
            try:
                await self._call(self.bot.set_my_commands, menu, scope=BotCommandScopeChat(int(address)))
            except TelegramError as exc:
                log.warning("setMyCommands for a coordinator's chat failed: %s", exc)

    # -- storage --------------------------------------------------------------------------------

    async def _mark_unreachable(self, address: str) -> None:
        db, clock = self.kaderbot.db, self.kaderbot.core.clock
        async with db.sessions() as session, session.begin():
            await people.mark_unreachable(session, CHANNEL, address, clock())

    async def _language_of(self, address: str) -> str:
        async with self.kaderbot.db.sessions() as session:
            identity = await people.find_identity(session, CHANNEL, address)
            person = await session.get(Person, identity.person_id) if identity is not None else None
        return self.kaderbot.catalogues.language(person.language if person is not None else None)

    def _translator(self, lang: str) -> Translate:
        return self.kaderbot.catalogues.translator(lang)


def _name(method: Callable[..., Any]) -> str:
    return getattr(method, "__name__", "call")
