"""Builders for WhatsApp Cloud API webhook bodies (the ``messages`` field), in Meta's shape.

Every builder returns a full body::

    {"object": "whatsapp_business_account",
     "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": {
         "messaging_product": "whatsapp",
         "metadata": {"display_phone_number": ..., "phone_number_id": ...},
         "contacts": [{"profile": {"name": ...}, "wa_id": ..., "user_id": ...}],
         "messages": [...]        # or "statuses": [...]
     }}]}]}

Business-scoped user ids (BSUIDs): Meta now adds ``contacts[].user_id`` and
``messages[].from_user_id`` to incoming messages, and ``statuses[].recipient_user_id`` plus a
``contacts`` array to sent/delivered/read statuses (failed statuses carry no ``contacts``).
pywa 4.5 *requires* ``contacts[0].user_id``: a body without it is logged as "Failed to
construct update" and no handler runs. The builders therefore always include a BSUID,
derived deterministically from the wa_id unless given.

Send bodies to a webhook with ``sign(raw, app_secret)`` in ``X-Hub-Signature-256``; always
sign the exact bytes you post (``encode(body)``).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

__all__ = [
    "APP_SECRET",
    "DISPLAY_PHONE_NUMBER",
    "FIXTURES_DIR",
    "PHONE_NUMBER_ID",
    "WABA_ID",
    "bsuid_for",
    "button_reply",
    "combine",
    "document_message",
    "encode",
    "image_message",
    "list_reply",
    "load_fixture",
    "location_message",
    "new_wamid",
    "sign",
    "split",
    "status",
    "status_error",
    "text_message",
]

# Defaults shared by builders and fixtures (use the same values when constructing pywa).
WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE_NUMBER = "15550783881"
APP_SECRET = "test-app-secret"  # test value only

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "whatsapp"

Body = dict[str, Any]

_wamid_counter = 0


def new_wamid(seed: str = "") -> str:
    """A fresh, unique, realistic-looking ``wamid.`` id."""
    global _wamid_counter
    _wamid_counter += 1
    digest = hashlib.sha256(f"{seed}:{_wamid_counter}:{time.time_ns()}".encode()).digest()[:18]
    return "wamid.HBgN" + base64.b64encode(digest).decode()


def bsuid_for(wa_id: str, country: str = "ID") -> str:
    """Deterministic business-scoped user id (``CC.<digits>``) for a wa_id."""
    digits = int(hashlib.sha256(wa_id.encode()).hexdigest()[:15], 16)
    return f"{country}.{digits}"


def _ts(timestamp: int | None) -> str:
    """Webhook timestamps are unix seconds as strings."""
    return str(int(time.time()) if timestamp is None else int(timestamp))


def _envelope(value: Body, *, waba_id: str = WABA_ID) -> Body:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def _value(phone_number_id: str, display_phone_number: str) -> Body:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id},
    }


def _incoming(
    wa_id: str,
    msg_type: str,
    content: Body,
    *,
    wamid: str | None,
    name: str | None,
    user_id: str | None,
    phone_number_id: str,
    display_phone_number: str,
    timestamp: int | None,
    waba_id: str,
    context: Body | None = None,
) -> Body:
    """Common shape of an incoming-message webhook."""
    bsuid = user_id or bsuid_for(wa_id)
    contact: Body = {"profile": {"name": name} if name is not None else {}, "wa_id": wa_id, "user_id": bsuid}
    message: Body = {}
    if context is not None:
        message["context"] = context
    message.update(
        {
            "from": wa_id,
            "from_user_id": bsuid,
            "id": wamid or new_wamid(wa_id),
            "timestamp": _ts(timestamp),
            "type": msg_type,
            msg_type: content,
        }
    )
    value = _value(phone_number_id, display_phone_number)
    value["contacts"] = [contact]
    value["messages"] = [message]
    return _envelope(value, waba_id=waba_id)


def text_message(
    wa_id: str,
    text: str,
    *,
    wamid: str | None = None,
    name: str | None = "Sari",
    user_id: str | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    display_phone_number: str = DISPLAY_PHONE_NUMBER,
    timestamp: int | None = None,
    waba_id: str = WABA_ID,
) -> Body:
    """A text message from ``wa_id``."""
    return _incoming(
        wa_id,
        "text",
        {"body": text},
        wamid=wamid,
        name=name,
        user_id=user_id,
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        timestamp=timestamp,
        waba_id=waba_id,
    )


def button_reply(
    wa_id: str,
    reply_id: str,
    title: str,
    *,
    context_wamid: str | None = None,
    wamid: str | None = None,
    name: str | None = "Sari",
    user_id: str | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    display_phone_number: str = DISPLAY_PHONE_NUMBER,
    timestamp: int | None = None,
    waba_id: str = WABA_ID,
) -> Body:
    """A tap on an interactive reply button (``interactive.type == "button_reply"``).

    ``context_wamid`` is the id of the business message that carried the buttons.
    """
    return _incoming(
        wa_id,
        "interactive",
        {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}},
        wamid=wamid,
        name=name,
        user_id=user_id,
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        timestamp=timestamp,
        waba_id=waba_id,
        context={"from": display_phone_number, "id": context_wamid or new_wamid("ctx")},
    )


def list_reply(
    wa_id: str,
    row_id: str,
    title: str,
    description: str | None = None,
    *,
    context_wamid: str | None = None,
    wamid: str | None = None,
    name: str | None = "Sari",
    user_id: str | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    display_phone_number: str = DISPLAY_PHONE_NUMBER,
    timestamp: int | None = None,
    waba_id: str = WABA_ID,
) -> Body:
    """A selection in an interactive list (``interactive.type == "list_reply"``).

    Meta always sends ``context`` with list replies, and pywa 4.5 requires it.
    """
    row: Body = {"id": row_id, "title": title}
    if description is not None:
        row["description"] = description
    return _incoming(
        wa_id,
        "interactive",
        {"type": "list_reply", "list_reply": row},
        wamid=wamid,
        name=name,
        user_id=user_id,
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        timestamp=timestamp,
        waba_id=waba_id,
        context={"from": display_phone_number, "id": context_wamid or new_wamid("ctx")},
    )


def _media_sha256(media_id: str) -> str:
    """Meta sends the base64 SHA-256 of the file; derive a stable fake one from the id."""
    return base64.b64encode(hashlib.sha256(media_id.encode()).digest()).decode()


def image_message(
    wa_id: str,
    media_id: str,
    *,
    caption: str | None = None,
    mime_type: str = "image/jpeg",
    sha256: str | None = None,
    wamid: str | None = None,
    name: str | None = "Sari",
    user_id: str | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    display_phone_number: str = DISPLAY_PHONE_NUMBER,
    timestamp: int | None = None,
    waba_id: str = WABA_ID,
) -> Body:
    """An image message; download it via GET /{media_id} (see ``FakeGraphAPI.add_media``)."""
    image: Body = {}
    if caption is not None:
        image["caption"] = caption
    image.update({"mime_type": mime_type, "sha256": sha256 or _media_sha256(media_id), "id": media_id})
    return _incoming(
        wa_id,
        "image",
        image,
        wamid=wamid,
        name=name,
        user_id=user_id,
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        timestamp=timestamp,
        waba_id=waba_id,
    )


def document_message(
    wa_id: str,
    media_id: str,
    filename: str,
    mime_type: str,
    *,
    caption: str | None = None,
    sha256: str | None = None,
    wamid: str | None = None,
    name: str | None = "Sari",
    user_id: str | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    display_phone_number: str = DISPLAY_PHONE_NUMBER,
    timestamp: int | None = None,
    waba_id: str = WABA_ID,
) -> Body:
    """A document message (e.g. an .xlsx or .pdf)."""
    document: Body = {}
    if caption is not None:
        document["caption"] = caption
    document.update(
        {
            "filename": filename,
            "mime_type": mime_type,
            "sha256": sha256 or _media_sha256(media_id),
            "id": media_id,
        }
    )
    return _incoming(
        wa_id,
        "document",
        document,
        wamid=wamid,
        name=name,
        user_id=user_id,
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        timestamp=timestamp,
        waba_id=waba_id,
    )


def location_message(
    wa_id: str,
    lat: float,
    lon: float,
    name: str | None = None,
    address: str | None = None,
    *,
    url: str | None = None,
    wamid: str | None = None,
    profile_name: str | None = "Sari",
    user_id: str | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    display_phone_number: str = DISPLAY_PHONE_NUMBER,
    timestamp: int | None = None,
    waba_id: str = WABA_ID,
) -> Body:
    """A shared location (``name``/``address`` present for a chosen place, absent for "current")."""
    location: Body = {"latitude": lat, "longitude": lon}
    if name is not None:
        location["name"] = name
    if address is not None:
        location["address"] = address
    if url is not None:
        location["url"] = url
    return _incoming(
        wa_id,
        "location",
        location,
        wamid=wamid,
        name=profile_name,
        user_id=user_id,
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number,
        timestamp=timestamp,
        waba_id=waba_id,
    )


def status(
    wamid: str,
    recipient_id: str,
    status: str,
    *,
    errors: list[Body] | None = None,
    recipient_user_id: str | None = None,
    include_contacts: bool | None = None,
    name: str | None = None,
    category: str = "service",
    biz_opaque_callback_data: str | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    display_phone_number: str = DISPLAY_PHONE_NUMBER,
    timestamp: int | None = None,
    waba_id: str = WABA_ID,
) -> Body:
    """A message status update: ``sent``, ``delivered``, ``read`` or ``failed``.

    Args:
        errors: For ``failed``: e.g. ``[status_error(131047)]``; defaults to a 131026 error.
        include_contacts: Add the ``contacts`` array (default: yes except for ``failed``,
            matching Meta's BSUID webhooks). pywa 4.5 cannot build a ``MessageStatus``
            without it - failed statuses only reach ``on_raw_update`` handlers.
        category: Pricing category (``service``, ``utility``, ``marketing``...).
    """
    bsuid = recipient_user_id or bsuid_for(recipient_id)
    item: Body = {
        "id": wamid,
        "status": status,
        "timestamp": _ts(timestamp),
        "recipient_id": recipient_id,
        "recipient_user_id": bsuid,
    }
    if biz_opaque_callback_data is not None:
        item["biz_opaque_callback_data"] = biz_opaque_callback_data
    if status == "failed":
        item["errors"] = errors if errors is not None else [status_error(131026)]
    else:
        if errors:
            item["errors"] = errors
        if status in ("sent", "delivered"):
            # Per-message pricing (PMP) - the conversation object is gone since webhooks v24.
            item["pricing"] = {
                "billable": category != "service",
                "pricing_model": "PMP",
                "category": category,
                "type": "free_customer_service" if category == "service" else "regular",
            }
    value = _value(phone_number_id, display_phone_number)
    if include_contacts if include_contacts is not None else status != "failed":
        contact: Body = {"wa_id": recipient_id, "user_id": bsuid}
        if name is not None:
            contact = {"profile": {"name": name}, **contact}
        value["contacts"] = [contact]
    value["statuses"] = [item]
    return _envelope(value, waba_id=waba_id)


_STATUS_ERRORS: dict[int, tuple[str, str]] = {
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    ),
    131026: ("Message undeliverable", "Unable to deliver message."),
    130429: ("Rate limit hit", "Cloud API message throughput has been reached."),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from the sender phone number to the same recipient phone "
        "number in a short period of time.",
    ),
    131049: (
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
    ),
}


def status_error(code: int, title: str | None = None, details: str | None = None) -> Body:
    """One element of ``statuses[].errors`` as Meta sends it."""
    default_title, default_details = _STATUS_ERRORS.get(code, ("Unknown error", "Unknown error."))
    return {
        "code": code,
        "title": title or default_title,
        "message": title or default_title,
        "error_data": {"details": details or default_details},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }


def combine(*bodies: Body) -> Body:
    """One webhook POST holding every entry of ``bodies`` (one ``entry`` per input entry).

    Meta may batch several entries, changes and messages into one POST, but pywa 4.5 only
    looks at ``entry[0].changes[0]`` and its first message/status - use :func:`split` to
    feed pywa one update at a time.
    """
    return {
        "object": "whatsapp_business_account",
        "entry": [copy.deepcopy(entry) for body in bodies for entry in body["entry"]],
    }


def split(body: Body) -> list[Body]:
    """Split a (batched) body into single-entry, single-change, single-message/status bodies.

    The matching contact (by ``wa_id``/``user_id``) is kept with each message or status.
    """
    out: list[Body] = []
    for entry in body.get("entry", []):
        for change in entry.get("changes", []):
            value = change.get("value", {})
            contacts = value.get("contacts") or []
            base = {k: v for k, v in value.items() if k not in ("contacts", "messages", "statuses")}
            for key, sender_keys in (
                ("messages", ("from", "from_user_id")),
                ("statuses", ("recipient_id", "recipient_user_id")),
            ):
                for item in value.get(key) or []:
                    ids = {item.get(k) for k in sender_keys} - {None}
                    match = [c for c in contacts if {c.get("wa_id"), c.get("user_id")} & ids]
                    new_value = copy.deepcopy(base)
                    if match or (key == "messages" and contacts):
                        new_value["contacts"] = copy.deepcopy(match[:1] or contacts[:1])
                    new_value[key] = [copy.deepcopy(item)]
                    out.append(
                        {
                            "object": body.get("object", "whatsapp_business_account"),
                            "entry": [
                                {
                                    "id": entry["id"],
                                    "changes": [{"value": new_value, "field": change.get("field")}],
                                }
                            ],
                        }
                    )
    return out


def encode(body: Body) -> bytes:
    """Serialize a body the way it is posted (compact JSON, UTF-8)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(raw_body: bytes, app_secret: str = APP_SECRET) -> str:
    """``X-Hub-Signature-256`` value for ``raw_body``: ``"sha256=" + HMAC-SHA256 hex``."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()


def load_fixture(name: str) -> Body:
    """Load ``tests/fixtures/whatsapp/<name>.json`` (``.json`` optional)."""
    filename = name if name.endswith(".json") else f"{name}.json"
    return json.loads((FIXTURES_DIR / filename).read_text(encoding="utf-8"))
