"""The WhatsApp channel on the Cloud API: signed webhooks in, the core's replies out through pywa.

pywa (async) is used for sending and media download only; webhook bodies are parsed by
`whatsapp_webhook` (see there why). Replies to a message are always inside WhatsApp's 24-hour
window; a message KaderBot starts itself (`send`) is free text inside the window and an approved
template outside it, as configured in `whatsapp_templates.yaml`.

A turn's replies are kept with the turn and sent through bot/replies.py (claimed before, recorded
after): after a crash, Meta's redelivery of the unanswered body (a duplicate for the core) or the
sweep sends the ones never sent; one whose send was under way is settled as unconfirmed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import mimetypes
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import APIRouter
from pywa_async import WhatsApp, errors, types
from pywa_async.types.templates import BodyText, TemplateLanguage

from bot.channels.base import DeliveryError, RateLimited, TurnNotStored, Unreachable, WindowClosed
from bot.channels.whatsapp_render import Labels, WaButtons, WaList, WaMedia, WaMessage, WaText, render
from bot.channels.whatsapp_templates import TemplateBook
from bot.channels.whatsapp_webhook import (
    CHANNEL,
    InboundMessage,
    StatusUpdate,
    parse_body,
    webhook_router,
)
from bot.media_intake import MediaIntake
from bot.replies import ReplyLedger
from bot.settings import Settings
from handlers.i18n import Translator
from handlers.types import Choice, File, Reply, Text
from storage.media import MediaRefused
from storage.repositories import people
from storage.repositories import whatsapp as deliveries
from storage.repositories.turn_replies import Unsent

if TYPE_CHECKING:
    from bot.app import KaderBot

log = logging.getLogger("kaderbot.whatsapp")

GRAPH_API_BASE_URL = "https://graph.facebook.com"
WINDOW = dt.timedelta(hours=24)
DEFAULT_BACKOFF = (1.0, 3.0, 7.0)  # seconds between attempts after 130429 / 131056; then RateLimited
UNDELIVERABLE = 131026
DEFAULT_MIME = "application/octet-stream"


class MediaUnavailable(Exception):
    """A media id could not be downloaded (expired, unknown, or the Graph API refused)."""


class RewriteTransport(httpx.AsyncBaseTransport):
    """Sends every request to another Graph API (a proxy, a local fake), keeping path and query.

    pywa pins its session's base_url to Meta's host and media URLs point at Meta's CDN, so the
    rewrite has to happen below the client, in the transport.
    """

    def __init__(self, target: httpx.URL, inner: httpx.AsyncBaseTransport) -> None:
        self._target = target
        self._prefix = target.path.rstrip("/")
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(
            scheme=self._target.scheme,
            host=self._target.host,
            port=self._target.port,
            path=self._prefix + request.url.path,
        )
        request.headers["Host"] = request.url.netloc.decode("ascii")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def graph_session(base_url: str, *, timeout: float = 20.0) -> httpx.AsyncClient:
    """The HTTP client for pywa: plain for Meta's Graph API, rewriting for any other base URL."""
    target = httpx.URL(base_url)
    if str(target).rstrip("/") == GRAPH_API_BASE_URL:
        return httpx.AsyncClient(timeout=timeout)
    return httpx.AsyncClient(
        transport=RewriteTransport(target, httpx.AsyncHTTPTransport()), timeout=timeout, trust_env=False
    )


@dataclass(frozen=True, slots=True)
class _Template:
    name: str
    language: TemplateLanguage
    parameters: tuple[str, ...]


_Outgoing = WaMessage | _Template


class WhatsAppChannel:
    name = "whatsapp"

    def __init__(
        self,
        kaderbot: KaderBot,
        settings: Settings,
        *,
        templates: TemplateBook | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
    ) -> None:
        if not (settings.whatsapp_phone_number_id and settings.whatsapp_token):
            raise ValueError("WhatsApp needs WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_TOKEN")
        self._bot = kaderbot
        self._settings = settings
        self._phone_id = settings.whatsapp_phone_number_id
        self._templates = templates or TemplateBook.load(settings.whatsapp_templates_file)
        self._sleep = sleep
        self._backoff = tuple(backoff)
        self._client: WhatsApp | None = None
        self._session: httpx.AsyncClient | None = None
        # One conversation at a time per person, so replies leave in the order messages came in.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._replies = ReplyLedger(
            kaderbot.db, CHANNEL, clock=kaderbot.core.clock, in_doubt_after=settings.outbox_in_doubt_after
        )
        # Photos and documents are downloaded on arrival into the media store (bot/media_intake.py):
        # a WhatsApp media id expires at Meta after some days.
        self._intake = MediaIntake(kaderbot.db, kaderbot.media) if kaderbot.media is not None else None
        self._media_retry: asyncio.Task[int] | None = None

    # -- PlatformChannel ----------------------------------------------------------------------
    def router(self) -> APIRouter:
        return webhook_router(
            verify_token=self._settings.whatsapp_verify_token or "",
            app_secret=self._settings.whatsapp_app_secret or "",
            on_body=self.handle_body,
        )

    async def start(self) -> None:
        if self._client is not None:
            return
        # One session per pywa client: pywa sets its auth header and base_url on it, and never closes it.
        self._session = graph_session(self._settings.whatsapp_api_base_url)
        self._client = WhatsApp(
            phone_id=self._phone_id, token=self._settings.whatsapp_token, session=self._session, server=None
        )
        self._replies.start(self._send_kept)  # replies a stopped process left unsent
        if self._intake is not None:  # files whose download failed before: fetched again now
            self._media_retry = asyncio.create_task(self._intake.retry_pending(CHANNEL, self.download))

    async def stop(self) -> None:
        await self._replies.stop()
        if self._media_retry is not None:
            self._media_retry.cancel()
            await asyncio.gather(self._media_retry, return_exceptions=True)
        session, self._session, self._client = self._session, None, None
        if session is not None:
            await session.aclose()

    async def healthy(self) -> bool:
        return self._client is not None

    async def send(self, address: str, replies: Sequence[Reply], *, kind: str = "notification") -> None:
        """A message KaderBot starts (reminder, broadcast, ticket update): free text inside the
        24-hour window, the kind's approved template outside it. Raises Unreachable or RateLimited."""
        async with self._lock(address):
            async with self._bot.db.sessions() as session:
                who = await deliveries.recipient(session, address)
            last = who.last_inbound_at
            if last is not None and self._now() - last < WINDOW:
                try:
                    await self._send_free(address, replies, who.language, kind)
                    return
                except WindowClosed:
                    log.info("whatsapp window closed for a %s; sending its template", kind)
            await self._send_template(who, replies, kind)

    async def download(self, media_id: str) -> bytes:
        """The bytes behind a media id from an incoming photo or document (Graph API, then CDN)."""
        client = self._require()
        try:
            info = await client.get_media_url(media_id)
            # The webhook does not say how big a file is; the media URL does: too big is refused
            # before a byte of it is fetched.
            if self._intake is not None and info.file_size > self._intake.store.max_bytes:
                raise MediaRefused("too_big")
            return await client.get_media_bytes(info.url)
        except (errors.WhatsAppError, httpx.HTTPError) as exc:
            raise MediaUnavailable(f"media {media_id}: {exc}") from exc

    # -- inbound ------------------------------------------------------------------------------
    async def handle_body(self, body: Any) -> None:
        """One webhook body: every message and status in it, in order. Errors propagate (→ 5xx)."""
        # Older than the inbound-id retention: its id may be purged, so a replay would count as new.
        oldest = self._now() - dt.timedelta(days=self._settings.retention_inbound_days)
        for update in parse_body(body, phone_number_id=self._phone_id, not_before=oldest):
            if isinstance(update, StatusUpdate):
                await self._on_status(update)
            else:
                await self._on_message(update)

    async def _on_message(self, message: InboundMessage) -> None:
        address = message.event.identity.address
        async with self._lock(address):
            event = message.event
            if event.attachments and self._intake is not None:
                event = await self._intake.receive(event, self.download)
            outcome = await self._bot.core.handle(event)
            if not outcome.stored:  # → 5xx: Meta delivers the body again
                raise TurnNotStored(f"whatsapp message {message.event.message_id}")
            message_id = message.event.message_id or ""
            if outcome.duplicate:
                log.info("whatsapp message %s already handled", message_id)
                unsent = await self._replies.unsent(message_id)
                if unsent is not None:  # a crash stopped its replies: they go out now, once
                    await self._replies.send(
                        message_id, lambda: self._reply(address, message_id, unsent.replies, unsent.language)
                    )
                return
            replies = list(outcome.replies)
            if not message.supported:
                replies.insert(0, Text(self._t(outcome.language)("whatsapp.unsupported")))
            if outcome.kept:
                await self._replies.send(
                    message_id, lambda: self._reply(address, message_id, replies, outcome.language)
                )
            else:
                await self._reply(address, message_id, replies, outcome.language)

    async def _reply(self, address: str, message_id: str, replies: Sequence[Reply], lang: str) -> None:
        try:
            await self._send_free(address, replies, lang, "reply")
        except WindowClosed:
            # Only when Meta delivered the message late, after its window had closed.
            await self._send_template_quietly(address, replies)
        except DeliveryError as exc:
            # The turn is saved and the message recorded as handled; the failure is in the
            # delivery table. Answering 5xx would not help: a redelivery is a duplicate.
            log.warning("whatsapp reply to %s not delivered: %s", message_id, exc)

    async def _send_kept(self, unsent: Unsent) -> None:
        """Kept replies of a message a stopped process had stored but not answered (the sweep)."""
        async with self._lock(unsent.address):
            await self._replies.send(
                unsent.message_id,
                lambda: self._reply(unsent.address, unsent.message_id, unsent.replies, unsent.language),
            )

    async def _send_template_quietly(self, address: str, replies: Sequence[Reply]) -> None:
        async with self._bot.db.sessions() as session:
            who = await deliveries.recipient(session, address)
        try:
            await self._send_template(who, replies, "notification")
        except DeliveryError as exc:
            log.warning("whatsapp template reply not delivered: %s", exc)

    async def _on_status(self, update: StatusUpdate) -> None:
        async with self._bot.db.sessions() as session, session.begin():
            row = await deliveries.apply_status(
                session,
                wamid=update.wamid,
                status=update.status,
                at=update.at,
                error_code=update.error_code,
                error_title=update.error_title,
            )
            if update.status == "failed" and update.error_code == UNDELIVERABLE and update.recipient:
                await people.mark_unreachable(session, CHANNEL, update.recipient, self._now())
        if update.status == "failed":
            log.warning(
                "whatsapp message %s failed: %s %s", update.wamid, update.error_code, update.error_title
            )
        elif row is None:
            log.debug("status %s for a message not sent by KaderBot: %s", update.status, update.wamid)

    # -- outbound -----------------------------------------------------------------------------
    async def _send_free(self, address: str, replies: Sequence[Reply], lang: str | None, kind: str) -> None:
        for message in render(replies, self._labels(lang)):
            await self._deliver(address, message, kind)

    async def _send_template(self, who: deliveries.Recipient, replies: Sequence[Reply], kind: str) -> None:
        spec = self._templates.for_kind(kind)
        t = self._t(who.language)
        name = who.full_name.split()[0] if who.full_name and who.full_name.split() else ""
        parameters = spec.parameters(
            name=name or t("whatsapp.template.name_fallback"),
            text=_plain_text(replies),
            max_length=self._templates.text_max_length,
        )
        template = _Template(spec.name, spec.language(who.language), tuple(parameters))
        await self._deliver(who.address, template, kind)

    async def _deliver(self, address: str, message: _Outgoing, kind: str) -> str:
        """Send one message, retrying throttled sends; record it, or the refusal, in the database."""
        template = message.name if isinstance(message, _Template) else None
        attempt = deliveries.Attempt(address, kind, _message_type(message), template)
        try:
            wamid = await self._with_backoff(lambda: self._post(address, message))
        except errors.WhatsAppError as exc:
            await self._record(attempt, error_code=exc.code, error_title=exc.message)
            reason = f"whatsapp error {exc.code}: {exc.message}"
            if isinstance(exc, errors.ReEngagementMessage):
                raise WindowClosed(reason) from exc
            if isinstance(exc, errors.MessageUndeliverable):
                async with self._bot.db.sessions() as session, session.begin():
                    await people.mark_unreachable(session, CHANNEL, address, self._now())
                raise Unreachable(reason) from exc
            if isinstance(exc, errors.ThrottlingError):
                raise RateLimited(self._backoff[-1] if self._backoff else 1.0) from exc
            raise DeliveryError(reason) from exc
        except httpx.HTTPError as exc:
            await self._record(attempt, error_title=type(exc).__name__)
            raise DeliveryError(f"whatsapp send failed: {exc!r}") from exc
        await self._record(attempt, wamid=wamid)
        return wamid

    async def _record(
        self,
        attempt: deliveries.Attempt,
        *,
        wamid: str | None = None,
        error_code: int | None = None,
        error_title: str | None = None,
    ) -> None:
        async with self._bot.db.sessions() as session, session.begin():
            await deliveries.record(
                session, attempt, now=self._now(), wamid=wamid, error_code=error_code, error_title=error_title
            )

    async def _with_backoff(self, call: Callable[[], Awaitable[str]]) -> str:
        """130429 (number throughput) and 131056 (same person too fast): wait and try again, bounded."""
        for delay in self._backoff:
            try:
                return await call()
            except errors.ThrottlingError as exc:
                log.warning("whatsapp throttled (%s); retrying in %.1fs", exc.code, delay)
                await self._sleep(delay)
        return await call()

    async def _post(self, address: str, message: _Outgoing) -> str:
        client = self._require()
        if isinstance(message, WaText):
            return (await client.send_message(to=address, text=message.body)).id
        if isinstance(message, WaButtons):
            buttons = [types.Button(title=b.title, callback_data=b.id) for b in message.buttons]
            return (await client.send_message(to=address, text=message.body, buttons=buttons)).id
        if isinstance(message, WaList):
            rows = [types.SectionRow(r.title, r.id, r.description) for r in message.rows]
            section_list = types.SectionList(message.button, [types.Section(message.section, rows)])
            return (await client.send_message(to=address, text=message.body, buttons=section_list)).id
        if isinstance(message, WaMedia):
            mime = (
                message.mime_type or mimetypes.guess_type(message.filename)[0] or "application/octet-stream"
            )
            if message.kind == "image":
                sent = await client.send_image(
                    to=address, image=message.data, caption=message.caption, mime_type=mime
                )
            else:
                sent = await client.send_document(
                    to=address,
                    document=message.data,
                    filename=message.filename,
                    caption=message.caption,
                    mime_type=mime,
                )
            return sent.id
        params = [BodyText.params(*message.parameters)] if message.parameters else []
        sent_template = await client.send_template(
            to=address, name=message.name, language=message.language, params=params
        )
        return sent_template.id

    # -- helpers ------------------------------------------------------------------------------
    def _require(self) -> WhatsApp:
        if self._client is None:
            raise RuntimeError("the WhatsApp channel is not started")
        return self._client

    def _lock(self, address: str) -> asyncio.Lock:
        lock = self._locks.get(address)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[address] = lock
        return lock

    def _now(self) -> dt.datetime:
        return self._bot.core.clock()

    def _t(self, lang: str | None) -> Translator:
        catalogues = self._bot.catalogues
        return catalogues.translator(catalogues.language(lang))

    def _labels(self, lang: str | None) -> Labels:
        return Labels.from_translator(self._t(lang))


def _message_type(message: _Outgoing) -> str:
    if isinstance(message, WaText):
        return "text"
    if isinstance(message, (WaButtons, WaList)):
        return "interactive"
    if isinstance(message, WaMedia):
        return message.kind
    return "template"


def _plain_text(replies: Sequence[Reply]) -> str:
    """What a template carries of the replies: their words (buttons cannot go into a template)."""
    parts: list[str] = []
    for reply in replies:
        if isinstance(reply, (Text, Choice)):
            parts.append(reply.text)
        elif isinstance(reply, File) and reply.caption:
            parts.append(reply.caption)
    return " ".join(parts)
