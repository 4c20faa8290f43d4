"""Coordinators' access to personal data goes into the audit log (UU 27/2022 PDP): who saw whose
data, when. One entry per screen that shows names, phone numbers or a resident's own words.

A single person's screen names its subject by id (`cadre_id`, `ticket_id`), which erasure clears
(storage/repositories/erasure.py); a list screen records only what and how many, never names."""

from __future__ import annotations

from typing import Any

from handlers.turn import Turn
from storage.repositories import audit

VIEWED = "personal.view"  # one person's details: a cadre to verify, a ticket
LISTED = "personal.list"  # a list with names: cadres waiting, recap, participants, incentives


async def personal_data_seen(turn: Turn, action: str, target: str, **details: Any) -> None:
    await audit.record(
        turn.session, actor=turn.person, action=action, target=target, details=details, now=turn.now
    )
