"""The vocabulary every part of KaderBot speaks: an incoming event goes in, replies come out.

Replies say *what* to show, never *how*: each channel renders a `Choice` as inline buttons, reply
buttons, a list or numbered lines, within its own limits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Channel = Literal["console", "telegram", "whatsapp"]

# A pressed option arrives as "<turn>.<value>"; paging arrives as "<turn>~<page>". The turn stamp
# lets the core tell a current button from a stale one on any channel.
PAYLOAD_LIMIT = 64


@dataclass(frozen=True, slots=True)
class Identity:
    """Who wrote: a channel and that channel's address for the person."""

    channel: str
    address: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A photo, document or location sent with a message. `ref` is the channel's own handle to it."""

    kind: Literal["photo", "document", "location"]
    ref: str = ""
    mime_type: str | None = None
    filename: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    size: int | None = None  # bytes, when the platform announces it
    # Set by the channel once the file is in the media store (bot/media_intake.py): its media_object
    # row, or why it was refused ('too_big', 'wrong_type'; the core tells the person).
    media_id: int | None = None
    refused: str | None = None


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """One thing a person did: typed text, pressed an option, or sent an attachment."""

    identity: Identity
    text: str | None = None
    payload: str | None = None
    attachments: tuple[Attachment, ...] = ()
    message_id: str | None = None  # the platform's id, for once-only handling; None skips dedupe
    language_hint: str | None = None  # the platform's idea of the person's language, if any
    received_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Option:
    """One choice offered to the person. `payload` is short and stable (≤ 64 bytes)."""

    payload: str
    label: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Choice:
    """A question with options. Channels page long lists; `page` is the page the person asked for."""

    text: str
    options: tuple[Option, ...]
    page: int = 0
    turn: str = ""
    numbered: bool = True  # False when typed digits are answers, not option numbers

    def page_payload(self, page: int) -> str:
        """The payload a channel puts on its 'previous/next page' control."""
        return f"{self.turn}~{page}"


@dataclass(frozen=True, slots=True)
class File:
    """A picture or document to send, with an optional caption."""

    kind: Literal["photo", "document"]
    filename: str
    data: bytes
    caption: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class ClearOptions:
    """Remove any keyboard or menu still showing (e.g. after a flow ends)."""


Reply = Text | Choice | File | ClearOptions


@dataclass(slots=True)
class Outcome:
    """What the core returns for one event: the replies, and whether it was a duplicate."""

    replies: list[Reply] = field(default_factory=list)
    duplicate: bool = False
    language: str = "id"
    flow: str | None = None  # the flow the person was in when the event came (for metrics)
    # False when the core could not record the event at all (the database failed even for the
    # apology): the message is not kept, so a channel should let the platform deliver it again.
    stored: bool = True
    # True when the replies were kept in the database with the turn, under the event's message id:
    # the channel sends them through bot/replies.py (claimed before, recorded after), once.
    kept: bool = False
