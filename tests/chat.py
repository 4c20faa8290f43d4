"""Drive the core like a person does: type, press a button by its label, send a photo."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from handlers.core import Core
from handlers.types import Attachment, Choice, Identity, IncomingEvent, Outcome, Reply, Text


@dataclass
class Clock:
    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


_ids = itertools.count(1)


@dataclass
class Chat:
    core: Core
    address: str
    channel: str = "console"
    replies: list[Reply] = field(default_factory=list)
    dedupe: bool = True

    @property
    def identity(self) -> Identity:
        return Identity(self.channel, self.address)

    async def _send(self, event: IncomingEvent) -> Outcome:
        outcome = await self.core.handle(event)
        self.replies = outcome.replies
        return outcome

    def _id(self) -> str | None:
        return f"m{next(_ids)}" if self.dedupe else None

    async def say(self, text: str) -> Outcome:
        return await self._send(IncomingEvent(self.identity, text=text, message_id=self._id()))

    async def press(self, label: str) -> Outcome:
        """Press the option whose label contains `label` (case-insensitive) in the last question."""
        choice = self.choice
        exact = [o for o in choice.options if label.casefold() == o.label.casefold()]
        matches = exact or [o for o in choice.options if label.casefold() in o.label.casefold()]
        assert matches, f"no option like {label!r} in {[o.label for o in choice.options]}"
        return await self._send(
            IncomingEvent(self.identity, payload=matches[0].payload, message_id=self._id())
        )

    async def press_payload(self, payload: str) -> Outcome:
        return await self._send(IncomingEvent(self.identity, payload=payload, message_id=self._id()))

    async def photo(self, ref: str = "photo-1") -> Outcome:
        attachment = Attachment(kind="photo", ref=ref, mime_type="image/jpeg")
        return await self._send(
            IncomingEvent(self.identity, attachments=(attachment,), message_id=self._id())
        )

    @property
    def text(self) -> str:
        parts = []
        for reply in self.replies:
            if isinstance(reply, (Text, Choice)):
                parts.append(reply.text)
        return "\n".join(parts)

    @property
    def choice(self) -> Choice:
        choices = [r for r in self.replies if isinstance(r, Choice)]
        assert choices, f"no question with options in: {self.text!r}"
        return choices[-1]

    @property
    def labels(self) -> list[str]:
        return [o.label for o in self.choice.options]

    @property
    def question(self) -> str:
        """The last question asked (with or without options)."""
        for reply in reversed(self.replies):
            if isinstance(reply, (Text, Choice)):
                return reply.text
        return ""
