"""The helpdesk inbox, read-only for now (issue #18, point 3): residents' open requests and urgent
(TRC) cases in the coordinator's regions, urgent first, then the longest waiting — the chat's own
queue (storage/repositories/ticket_desk.py). Like the chat's list, it shows no resident's words or
name; those stay behind the audited ticket screen of /tiket."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import Scope
from storage.models import Region
from storage.repositories import ticket_desk

SHOWN = 200


@dataclass(frozen=True, slots=True)
class Row:
    number: str
    urgent: bool
    category: str
    status: str
    region_name: str
    waiting: dt.timedelta


async def queue(session: AsyncSession, scope: Scope, *, now: dt.datetime) -> tuple[list[Row], bool]:
    """The open tickets in the scope, and whether there are more than SHOWN."""
    found = await ticket_desk.open_within(session, roots=scope.sql_roots, limit=SHOWN + 1)
    codes = {t.region_code for t in found}
    names = dict(
        (await session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))).all()
    )
    rows = [
        Row(
            t.number,
            t.urgent,
            t.category,
            t.status,
            names.get(t.region_code, t.region_code),
            now - t.created_at,
        )
        for t in found[:SHOWN]
    ]
    return rows, len(found) > SHOWN
