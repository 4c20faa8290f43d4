"""Text as it enters the core, from any channel: control characters removed, once.

NUL and the other C0/C1 control characters (newline and tab excepted) have no meaning in a chat
message, break PostgreSQL's text columns (`invalid byte sequence for encoding "UTF8": 0x00`) and
can forge log lines; lone surrogates cannot be stored either. They are dropped from the typed
text, the button payload and an attachment's file name, mime type and handle before any flow sees
the event."""

from __future__ import annotations

import dataclasses
import re

from handlers.types import Attachment, IncomingEvent

# C0 except tab (09) and newline (0a), DEL, C1, and UTF-16 surrogates (only ever alone in a str).
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without control characters other than newline and tab (a carriage return becomes a newline)."""
    if _UNWANTED.search(text) is None:
        return text
    return _UNWANTED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _clean(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


def _clean_attachment(attachment: Attachment) -> Attachment:
    cleaned = {
        "ref": clean_text(attachment.ref),
        "mime_type": _clean(attachment.mime_type),
        "filename": _clean(attachment.filename),
    }
    if all(cleaned[name] == getattr(attachment, name) for name in cleaned):
        return attachment
    return dataclasses.replace(attachment, **cleaned)


def clean_event(event: IncomingEvent) -> IncomingEvent:
    """The event with its text cleaned; the same object when there was nothing to clean (the usual case)."""
    text, payload = _clean(event.text), _clean(event.payload)
    attachments = tuple(_clean_attachment(a) for a in event.attachments)
    message_id = _clean(event.message_id)
    if (
        text == event.text
        and payload == event.payload
        and message_id == event.message_id
        and all(a is b for a, b in zip(attachments, event.attachments, strict=True))
    ):
        return event
    return dataclasses.replace(
        event, text=text, payload=payload, attachments=attachments, message_id=message_id
    )
