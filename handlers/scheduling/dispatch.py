"""The dispatcher: plan what is coming, and turn due reminders into outbox rows.

Exactly once: a due reminder is settled with a conditional UPDATE (`status = 'pending'` in the WHERE
clause) and its outbox row (kind `reminder`) is written in the same transaction. A second
dispatcher — after a restart, or a second process — finds it no longer pending. The outbox sender
then delivers the row like any other (bot/outbox.py: claimed before sending, never sent twice), in
the person's language; a console user sees it at their next turn.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.core import utcnow
from handlers.scheduling import kinds
from handlers.scheduling.formats import render_params
from handlers.scheduling.rules import HORIZON, PlanContext, Rule, default_rules
from storage.db import Database
from storage.models import Person
from storage.models_scheduling import Reminder
from storage.repositories import notifications, reminders

log = logging.getLogger("kaderbot.reminders")


@dataclass(frozen=True, slots=True)
class Dispatched:
    sent: int = 0
    skipped: int = 0


@dataclass
class Dispatcher:
    db: Database
    zone: ZoneInfo
    clock: Callable[[], dt.datetime] = utcnow
    rules: Mapping[str, Rule] = field(default_factory=default_rules)
    batch: int = 200
    horizon: dt.timedelta = HORIZON

    async def plan(self) -> int:
        """Plan the reminders due within the horizon; returns how many are new."""
        now = self.clock()
        async with self.db.sessions() as session, session.begin():
            ctx = await PlanContext.load(session, now=now, zone=self.zone, horizon=self.horizon)
            wanted = [item for rule in self.rules.values() for item in await rule.plan(session, ctx)]
            added = await reminders.plan(session, wanted, now=now)
        if added:
            log.info("planned %d reminders", added)
        return added

    async def dispatch(self) -> Dispatched:
        """Turn every reminder due now into a notification (or skip it, saying why)."""
        now = self.clock()
        sent = skipped = 0
        while True:
            async with self.db.sessions() as session, session.begin():
                due = await reminders.due(session, now=now, limit=self.batch)
                mutes = await reminders.muted_pairs(session, (r.person_id for r in due))
                for reminder in due:
                    reason = await self._reason_to_skip(session, reminder, mutes, now)
                    if reason is not None:
                        if await reminders.settle(
                            session, reminder.id, status="skipped", reason=reason, now=now
                        ):
                            skipped += 1
                        continue
                    if not await reminders.settle(session, reminder.id, status="sent", now=now):
                        continue  # another dispatcher settled it first
                    person = await session.get(Person, reminder.person_id)
                    assert person is not None
                    rows = await notifications.add(
                        session,
                        [reminder.person_id],
                        kind=kinds.NOTIFICATION_KIND,
                        key=reminder.message_key,
                        params=render_params(reminder.params, person.language, self.zone),
                        now=now,
                    )
                    if rows:  # the outbox row it became (none only for a person with no identity)
                        await reminders.link_notification(session, reminder.id, rows[0].id)
                    sent += 1
            if len(due) < self.batch:
                break
        if sent or skipped:
            log.info("reminders: %d sent, %d skipped", sent, skipped)
        return Dispatched(sent, skipped)

    async def run_once(self) -> Dispatched:
        await self.plan()
        return await self.dispatch()

    async def _reason_to_skip(
        self, session: AsyncSession, reminder: Reminder, mutes: set[tuple[int, str]], now: dt.datetime
    ) -> str | None:
        person = await session.get(Person, reminder.person_id)
        if person is None or person.consent_at is None:
            return "no_consent"
        if reminder.kind not in kinds.ESSENTIAL and (reminder.person_id, reminder.kind) in mutes:
            return "muted"
        stale = kinds.STALE_AFTER.get(reminder.kind)
        if stale is not None and now - reminder.due_at > stale:
            return "stale"
        rule = self.rules.get(reminder.kind)
        if rule is None:
            return None
        return await rule.still_due(session, reminder, now=now, zone=self.zone)
