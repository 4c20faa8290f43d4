"""Notices to one person: how a catalogue message is rendered for them, and the console's pull.

There is one delivery path: a notice (ticket news, a reminder, a training seat) is an outbox row
written by its producer (storage/repositories/notifications.py) and sent by the outbox sender
(bot/outbox.py), which renders it with `render` in the recipient's language at send time. The
console has no push channel, so the sender leaves console rows alone and the console shows them
(notices and broadcasts alike) at the person's next turn through `ConsoleNotices`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.core import utcnow
from handlers.i18n import Catalogues
from handlers.types import Choice, Option, Reply, Text
from storage.db import Database
from storage.models_outbox import Broadcast
from storage.repositories import notifications, outbox


def render(catalogues: Catalogues, lang: str, key: str, params: Mapping[str, Any]) -> str:
    """The message in `lang`; a parameter {"key": "<message key>"} is translated first."""
    lang = catalogues.language(lang)
    values = {
        name: _value(catalogues, lang, value)
        for name, value in params.items()
        if name != notifications.BUTTONS
    }
    return catalogues.text(lang, key, **values)


def render_notice(catalogues: Catalogues, lang: str, key: str, params: Mapping[str, Any]) -> Reply:
    """The notice as the outbox sends it: its text, with its buttons when it has some."""
    text = render(catalogues, lang, key, params)
    buttons = params.get(notifications.BUTTONS) or []
    if not buttons:
        return Text(text)
    lang = catalogues.language(lang)
    options = tuple(Option(str(payload), str(_value(catalogues, lang, label))) for payload, label in buttons)
    return Choice(text, options, numbered=False)


def _value(catalogues: Catalogues, lang: str, value: Any) -> Any:
    return catalogues.text(lang, value["key"]) if isinstance(value, dict) and "key" in value else value


@dataclass
class ConsoleNotices:
    """What the console shows before a person's next turn: their due notices and broadcasts, each once."""

    db: Database
    catalogues: Catalogues
    clock: Callable[[], dt.datetime] = utcnow

    async def __call__(self, address: str) -> list[str]:
        async with self.db.sessions() as session, session.begin():
            taken = await notifications.take_console(session, address, now=self.clock())
            people = [t.person_id for t in taken if t.person_id is not None]
            languages = await outbox.languages(session, people)
            broadcasts = await outbox.get_many(
                session, {t.broadcast_id for t in taken if t.broadcast_id is not None}
            )
        default = self.catalogues.default_language
        shown: list[str] = []
        for t in taken:
            lang = languages.get(t.person_id or 0, default)
            if t.broadcast_id is not None and t.broadcast_id in broadcasts:
                shown.append(self._broadcast(lang, broadcasts[t.broadcast_id]))
            elif t.message_key is not None:
                shown.append(render(self.catalogues, lang, t.message_key, t.params or {}))
            else:
                shown.append(t.text or "")
        return shown

    def _broadcast(self, lang: str, broadcast: Broadcast) -> str:
        text = self.catalogues.text(lang, "console.broadcast", text=broadcast.text)
        if broadcast.attachment_ref:
            name = broadcast.attachment_name or broadcast.attachment_ref
            text += "\n" + self.catalogues.text(lang, "console.broadcast.attachment", path=name)
        return text


__all__ = ["ConsoleNotices", "render", "render_notice"]
