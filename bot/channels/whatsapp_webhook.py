"""The WhatsApp Cloud API webhook: Meta's handshake, signed bodies, and the body as our own events.

We parse the documented webhook JSON ourselves instead of through pywa 4.5, which reads only the
first entry, change and message of a body, drops bodies without BSUIDs (`contacts[].user_id`),
cannot build failed statuses (they come without `contacts`), and dedupes in memory only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from handlers.types import Attachment, Identity, IncomingEvent

log = logging.getLogger("kaderbot.whatsapp")

CHANNEL = "whatsapp"
WEBHOOK_PATH = "/whatsapp/webhook"
IGNORED_TYPES = frozenset({"reaction", "system", "request_welcome"})  # nothing to answer


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A person's message, as the core's event. `supported` False: a voice note, sticker, video…"""

    event: IncomingEvent
    kind: str
    supported: bool = True


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """What Meta says happened to a message we sent."""

    wamid: str
    status: str  # sent, delivered, read, failed
    recipient: str
    at: dt.datetime
    error_code: int | None = None
    error_title: str | None = None


Update = InboundMessage | StatusUpdate


def signature_valid(app_secret: str, raw_body: bytes, header: str | None) -> bool:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`."""
    if not header or not app_secret:
        return False
    scheme, _, given = header.strip().partition("=")
    if scheme.lower() != "sha256" or not given:
        return False
    expected = hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.strip().lower())


def parse_body(body: Any, *, phone_number_id: str, not_before: dt.datetime | None = None) -> list[Update]:
    """Every message and status of every change of every entry, in order.

    Changes addressed to another phone number of the same app are skipped: we cannot answer them.
    A malformed item is logged and skipped, so one odd message cannot make Meta redeliver forever.
    A message sent before `not_before` (the inbound-id retention: its id may already be purged, so a
    replayed body would be handled again) is logged and skipped too.
    """
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        return []
    updates: list[Update] = []
    for entry in _dicts(body.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            number = str((value.get("metadata") or {}).get("phone_number_id", ""))
            if number != phone_number_id:
                log.info("webhook for another phone number id %s skipped", number)
                continue
            for error in _dicts(value.get("errors")):
                log.warning("whatsapp webhook error %s: %s", error.get("code"), error.get("title"))
            for message in _dicts(value.get("messages")):
                try:
                    parsed = _message(message)
                except (KeyError, TypeError, ValueError):
                    log.warning("malformed whatsapp message skipped: id=%s", message.get("id"))
                    continue
                if parsed is not None and _too_old(parsed, not_before):
                    log.warning(
                        "whatsapp message %s sent %s, before the retention window: not handled",
                        parsed.event.message_id,
                        parsed.event.received_at,
                    )
                    continue
                if parsed is not None:
                    updates.append(parsed)
            for item in _dicts(value.get("statuses")):
                try:
                    updates.append(_status(item))
                except (KeyError, TypeError, ValueError):
                    log.warning("malformed whatsapp status skipped: id=%s", item.get("id"))
    return updates


def _too_old(message: InboundMessage, not_before: dt.datetime | None) -> bool:
    sent = message.event.received_at
    return not_before is not None and sent is not None and sent < not_before


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _timestamp(raw: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(raw), dt.UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _message(message: dict[str, Any]) -> InboundMessage | None:
    kind = str(message.get("type", "unknown"))
    if kind in IGNORED_TYPES:
        return None
    address = str(message.get("from") or message["from_user_id"])
    base: dict[str, Any] = {
        "identity": Identity(CHANNEL, address),
        "message_id": str(message["id"]),
        "received_at": _timestamp(message.get("timestamp")),
    }
    content = message.get(kind)
    content = content if isinstance(content, dict) else {}
    if kind == "text":
        return InboundMessage(IncomingEvent(text=str(content.get("body", "")), **base), kind)
    if kind == "interactive":
        reply = content.get(str(content.get("type")))
        if content.get("type") in ("button_reply", "list_reply") and isinstance(reply, dict):
            return InboundMessage(IncomingEvent(payload=str(reply["id"]), **base), kind)
    if kind == "button":  # a quick reply on one of our templates: its label is the answer
        return InboundMessage(IncomingEvent(text=str(content.get("text", "")), **base), kind)
    if kind in ("image", "document"):
        # The media id is the handle; bytes are fetched through the Graph API when needed.
        attachment = Attachment(
            kind="photo" if kind == "image" else "document",
            ref=str(content["id"]),
            mime_type=content.get("mime_type"),
            filename=content.get("filename"),
        )
        return InboundMessage(IncomingEvent(attachments=(attachment,), **base), kind)
    if kind == "location":
        attachment = Attachment(
            kind="location", latitude=float(content["latitude"]), longitude=float(content["longitude"])
        )
        return InboundMessage(IncomingEvent(attachments=(attachment,), **base), kind)
    # Voice notes, video, stickers, contacts…: still an inbound message (it opens the 24-hour window
    # and is handled once), but there is nothing the core can read in it.
    return InboundMessage(IncomingEvent(**base), kind, supported=False)


def _status(item: dict[str, Any]) -> StatusUpdate:
    errors = _dicts(item.get("errors"))
    first = errors[0] if errors else {}
    code = first.get("code")
    return StatusUpdate(
        wamid=str(item["id"]),
        status=str(item["status"]),
        recipient=str(item.get("recipient_id") or item.get("recipient_user_id") or ""),
        at=_timestamp(item.get("timestamp")) or dt.datetime.now(dt.UTC),
        error_code=int(code) if code is not None else None,
        error_title=first.get("title") or first.get("message"),
    )


def webhook_router(
    *, verify_token: str, app_secret: str, on_body: Callable[[Any], Awaitable[None]]
) -> APIRouter:
    """GET answers Meta's subscription handshake; POST takes signed bodies only.

    The body is processed before answering 200, so a crash answers 5xx and Meta delivers again
    (redelivered messages are then handled once, by wamid).
    """
    router = APIRouter()

    @router.get(WEBHOOK_PATH)
    async def handshake(request: Request) -> Response:
        params = request.query_params
        token = params.get("hub.verify_token", "")
        if (
            params.get("hub.mode") == "subscribe"
            and verify_token
            and hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8"))
        ):
            return PlainTextResponse(params.get("hub.challenge", ""))
        return PlainTextResponse("Forbidden", status_code=403)

    @router.post(WEBHOOK_PATH)
    async def receive(request: Request) -> Response:
        raw = await request.body()  # at most WEB_MAX_BODY_BYTES: bot/body_limit.py refuses more
        if not signature_valid(app_secret, raw, request.headers.get("x-hub-signature-256")):
            log.warning("whatsapp webhook with a missing or wrong signature refused")
            return PlainTextResponse("Unauthorized", status_code=401)
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes
            log.warning("whatsapp webhook body is not JSON we can read; refused (400)")
            return PlainTextResponse("Bad Request", status_code=400)
        try:
            await on_body(body)
        except Exception:
            log.exception("whatsapp webhook body failed; Meta will deliver it again")
            return PlainTextResponse("Internal Server Error", status_code=500)
        return PlainTextResponse("OK")

    return router
