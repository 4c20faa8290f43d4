"""A coordinator's broadcast, wherever it is composed (the chat's /siaran, the dashboard's
/dasbor/siaran): who it reaches (the preview's count), and queueing it — the scope checked again at
the moment it matters, one outbox row per recipient, its audit entry, all in the caller's
transaction. The outbox sender (bot/outbox.py) does the sending."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import OutOfScope, Scope, require_posyandu, require_region
from handlers.types import Identity
from storage.models import Person
from storage.models_outbox import Broadcast
from storage.repositories import audit, outbox
from storage.repositories.audience import Audience, Resolved, resolve

TEXT_MAX = 3500  # within Telegram's 4096 with room for the caption split; WhatsApp allows 4096
TEXT_MIN = 5


@dataclass(frozen=True, slots=True)
class Queued:
    broadcast: Broadcast
    recipients: int


async def audience_region(session: AsyncSession, scope: Scope, audience: Audience) -> str:
    """The region the audience lies in, checked against the scope (OutOfScope otherwise)."""
    if audience.posyandu_id is not None:
        return (await require_posyandu(session, scope, audience.posyandu_id)).region_code
    return (await require_region(session, scope, audience.region)).code


async def reach(session: AsyncSession, audience: Audience) -> Resolved:
    """Who the audience reaches now: the preview's count and the unreachable ones."""
    return await resolve(session, audience)


async def queue(
    session: AsyncSession,
    scope: Scope,
    *,
    actor: Person,
    origin: Identity,
    audience: Audience,
    label: str,
    text: str,
    attachment: outbox.Attachment | None = None,
    scheduled_at: dt.datetime | None,
    now: dt.datetime,
) -> Queued | None:
    """Queue the broadcast now (or for `scheduled_at`); None when the audience reaches nobody."""
    region_code = await audience_region(session, scope, audience)
    resolved = await reach(session, audience)
    if not resolved.recipients:
        return None
    broadcast = await outbox.create_broadcast(
        session,
        created_by=actor.id,
        origin=origin,
        text=text,
        attachment=attachment,
        audience={**audience.to_json(), "label": label},
        region_code=region_code,
        recipients=resolved.recipients,
        scheduled_at=scheduled_at,
        now=now,
    )
    await audit.record(
        session,
        actor=actor,
        action="broadcast.create",
        target=f"broadcast {broadcast.id}",
        details={
            "broadcast_id": broadcast.id,
            "recipients": len(resolved.recipients),
            "audience": audience.to_json(),
            "region_code": region_code,
            "scheduled_at": scheduled_at.isoformat() if scheduled_at else None,
            "attachment": attachment.kind if attachment else None,
            "text": text[:200],
        },
        now=now,
    )
    return Queued(broadcast, len(resolved.recipients))


async def require_broadcast(session: AsyncSession, scope: Scope, broadcast_id: int | None) -> Broadcast:
    """A broadcast the coordinator may see: its audience lies in their scope."""
    broadcast = await outbox.get(session, broadcast_id) if broadcast_id is not None else None
    if broadcast is None or not scope.covers(broadcast.region_code):
        raise OutOfScope(f"broadcast {broadcast_id}")
    return broadcast
