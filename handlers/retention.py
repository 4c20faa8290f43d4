"""Retention (UU 27/2022 PDP: keep personal data no longer than needed), run daily by the scheduler.

- Inbound message ids (kept only so a redelivered message is handled once) and WhatsApp delivery
  records (kept to show what reached whom) go after `inbound_days`: no platform redelivers that late.
- A conversation left with unfinished work — a parked form draft, a form half filled, an
  interrupted step — for `draft_days` goes back to the menu without it. The turn counter stays,
  so buttons from before remain stale; the person, their reports and their tickets are untouched.
- Dashboard login links that were used or have expired, and dashboard sessions that ended, went
  idle or outlived their lifetime (storage/repositories/dashboard.py) go at once: nothing opens them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.core import utcnow
from handlers.state import ConversationState
from storage.db import Database
from storage.repositories import dashboard, inbound, retention

log = logging.getLogger("kaderbot.retention")

BATCH = 500  # conversations looked at per transaction


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    inbound_days: int = 30
    draft_days: int = 90


@dataclass(frozen=True, slots=True)
class Purged:
    inbound_ids: int = 0
    whatsapp_deliveries: int = 0
    drafts: int = 0
    dashboard_links: int = 0
    dashboard_sessions: int = 0


def without_draft(raw: dict[str, Any]) -> dict[str, Any] | None:
    """The state with its unfinished work dropped, or None when it holds none."""
    state = ConversationState.from_json(dict(raw))
    if not state.drafts and not state.data and state.resume_to is None:
        return None
    clean = ConversationState(flow="menu", turn=state.turn)
    return clean.to_json()


@dataclass
class Retention:
    db: Database
    policy: RetentionPolicy
    clock: Callable[[], dt.datetime] = utcnow

    async def run(self) -> Purged:
        now = self.clock()
        inbound_cutoff = now - dt.timedelta(days=self.policy.inbound_days)
        async with self.db.sessions() as session, session.begin():
            ids = await inbound.purge_before(session, inbound_cutoff)
            deliveries = await retention.purge_whatsapp_deliveries(session, inbound_cutoff)
            signed = await dashboard.purge(session, now=now)
        drafts = await self._purge_drafts(now - dt.timedelta(days=self.policy.draft_days), now)
        purged = Purged(ids, deliveries, drafts, signed.links, signed.sessions)
        log.info(
            "retention: %d inbound ids, %d whatsapp delivery records, %d drafts, "
            "%d dashboard links, %d dashboard sessions removed",
            purged.inbound_ids,
            purged.whatsapp_deliveries,
            purged.drafts,
            purged.dashboard_links,
            purged.dashboard_sessions,
        )
        return purged

    async def _purge_drafts(self, cutoff: dt.datetime, now: dt.datetime) -> int:
        cleared, after = 0, -1
        while True:
            async with self.db.sessions() as session, session.begin():
                idle = await retention.idle_conversations(session, cutoff, after=after, limit=BATCH)
                for row in idle:
                    clean = without_draft(row.state)
                    # Only if the person has not written meanwhile (their turn would win anyway).
                    if clean is not None and await retention.replace_state(
                        session, row.identity_id, clean, was_updated_at=row.updated_at, now=now
                    ):
                        cleared += 1
            if len(idle) < BATCH:
                return cleared
            after = idle[-1].identity_id
