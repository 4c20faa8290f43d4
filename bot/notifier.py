"""Deliver pending notifications (ticket news, urgent cases) through the platform channels.

Each row is rendered in the recipient's language when it is sent, on the identity they last wrote
from. Console users have no push channel: the console shows their pending notifications at their
next turn (`console_notices`). Delivery is at least once: a crash between the platform's answer and
marking the row sent may repeat one message; the durable broadcast outbox of a later issue will
tighten this. Run one notifier per database.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels.base import PlatformChannel, RateLimited, Unreachable, WindowClosed
from handlers.i18n import Catalogues
from handlers.types import Text
from storage.db import Database
from storage.models_notifications import Notification
from storage.repositories import notifications, people

log = logging.getLogger("kaderbot.notifier")

CONSOLE = "console"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def render(catalogues: Catalogues, lang: str, key: str, params: Mapping[str, Any]) -> str:
    """The message in `lang`; a parameter {"key": "<message key>"} is translated first."""
    values = {
        name: catalogues.text(lang, value["key"]) if isinstance(value, dict) and "key" in value else value
        for name, value in params.items()
    }
    return catalogues.text(lang, key, **values)


@dataclass
class Notifier:
    db: Database
    catalogues: Catalogues
    channels: Mapping[str, PlatformChannel]  # channel name → channel that can send
    clock: Callable[[], dt.datetime] = utcnow
    batch: int = 50
    max_attempts: int = 5

    def _text(self, row: Notification, lang: str) -> str:
        return render(self.catalogues, self.catalogues.language(lang), row.message_key, row.params or {})

    async def drain_once(self) -> int:
        """Send what is pending now on the platform channels; returns how many were sent.

        Raises RateLimited when a platform asks us to wait: the rest stays pending for the next round.
        """
        names = [name for name in self.channels if name != CONSOLE]
        if not names:
            return 0
        async with self.db.sessions() as session:
            due = await notifications.pending(
                session, channels=names, limit=self.batch, max_attempts=self.max_attempts
            )
        sent = 0
        for row, person in due:
            text = self._text(row, person.language)
            if await self._deliver(row.id, person.id, text, names, kind=row.kind):
                sent += 1
        return sent

    async def _deliver(
        self, notification_id: int, person_id: int, text: str, names: list[str], *, kind: str = "notification"
    ) -> bool:
        async with self.db.sessions() as session:
            targets = [
                (i.channel, i.address) for i in await notifications.identities(session, person_id, names)
            ]
        problems: list[str] = []
        for channel, address in targets:
            try:
                await self.channels[channel].send(address, [Text(text)], kind=kind)
            except RateLimited:
                raise
            except Unreachable:
                problems.append(f"{channel}: unreachable")
                async with self.db.sessions() as session, session.begin():
                    await people.mark_unreachable(session, channel, address, self.clock())
                continue
            except WindowClosed:
                problems.append(f"{channel}: outside the 24-hour window")
                continue
            except Exception as exc:  # a transport error: count the attempt, retry next round
                log.warning("notification %s via %s failed: %s", notification_id, channel, exc)
                problems.append(f"{channel}: {exc}")
                continue
            async with self.db.sessions() as session, session.begin():
                await notifications.mark_sent(session, notification_id, self.clock())
            return True
        async with self.db.sessions() as session, session.begin():
            await notifications.mark_attempt_failed(
                session,
                notification_id,
                "; ".join(problems) or "no reachable identity",
                max_attempts=self.max_attempts,
                final=bool(problems) and all(p.endswith("unreachable") for p in problems),
            )
        return False

    async def run(self, stop: asyncio.Event, *, interval: float = 2.0) -> None:
        """Drain every `interval` seconds until `stop` is set; wait longer when a platform asks to."""
        while not stop.is_set():
            wait = interval
            try:
                await self.drain_once()
            except RateLimited as limited:
                wait = max(interval, limited.retry_after)
            except Exception:
                log.exception("notifier round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)

    async def console_notices(self, address: str) -> list[str]:
        """Pending notifications of the person behind a console handle, rendered and marked sent."""
        async with self.db.sessions() as session, session.begin():
            found = await notifications.pending_for_address(session, CONSOLE, address)
            if found is None:
                return []
            person, rows = found
            texts = [self._text(row, person.language) for row in rows]
            for row in rows:
                await notifications.mark_sent(session, row.id, self.clock())
            return texts
