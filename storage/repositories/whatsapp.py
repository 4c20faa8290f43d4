"""WhatsApp delivery records and the facts a sender needs about a recipient."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Person
from storage.models_whatsapp import STATUS_RANK, WhatsAppOutboundMessage

CHANNEL = "whatsapp"


@dataclass(frozen=True, slots=True)
class Recipient:
    """What deciding between free text and a template needs to know about one WhatsApp address."""

    address: str
    known: bool
    language: str | None
    full_name: str | None
    last_inbound_at: dt.datetime | None


async def recipient(session: AsyncSession, address: str) -> Recipient:
    row = (
        await session.execute(
            select(ChannelIdentity, Person)
            .join(Person, Person.id == ChannelIdentity.person_id)
            .where(ChannelIdentity.channel == CHANNEL, ChannelIdentity.address == address)
        )
    ).one_or_none()
    if row is None:
        return Recipient(address, known=False, language=None, full_name=None, last_inbound_at=None)
    identity, person = row
    return Recipient(
        address,
        known=True,
        language=person.language,
        full_name=person.full_name,
        last_inbound_at=identity.last_inbound_at,
    )


@dataclass(frozen=True, slots=True)
class Attempt:
    """One message we tried to send: to whom, why (reply, reminder, …) and what it was."""

    address: str
    kind: str
    message_type: str  # text, interactive, template, image, document
    template: str | None = None


async def record(
    session: AsyncSession,
    attempt: Attempt,
    *,
    now: dt.datetime,
    wamid: str | None = None,
    error_code: int | None = None,
    error_title: str | None = None,
) -> WhatsAppOutboundMessage:
    """A message the Graph API accepted (it has a wamid), or one it refused outright: kept too, with
    the error, so failed deliveries are visible rather than lost."""
    refused = wamid is None
    row = WhatsAppOutboundMessage(
        wamid=wamid,
        address=attempt.address,
        kind=attempt.kind,
        message_type=attempt.message_type,
        template=attempt.template,
        status="failed" if refused else "accepted",
        error_code=error_code,
        error_title=(error_title or "")[:240] or None,
        created_at=now,
        failed_at=now if refused else None,
    )
    session.add(row)
    await session.flush()
    return row


async def apply_status(
    session: AsyncSession,
    *,
    wamid: str,
    status: str,
    at: dt.datetime,
    error_code: int | None = None,
    error_title: str | None = None,
) -> WhatsAppOutboundMessage | None:
    """Record a status webhook against the message. Unknown wamids (not sent by us) are ignored."""
    row = (
        await session.execute(select(WhatsAppOutboundMessage).where(WhatsAppOutboundMessage.wamid == wamid))
    ).scalar_one_or_none()
    if row is None or status not in STATUS_RANK:
        return None
    stamp = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at", "failed": "failed_at"}
    if getattr(row, stamp[status]) is None:
        setattr(row, stamp[status], at)
    if status == "failed":
        row.error_code = error_code
        row.error_title = (error_title or "")[:240] or None
    # Statuses can arrive out of order; only move forward (failed always wins).
    if STATUS_RANK[status] > STATUS_RANK.get(row.status, 0):
        row.status = status
    return row


async def by_address(session: AsyncSession, address: str) -> list[WhatsAppOutboundMessage]:
    result = await session.execute(
        select(WhatsAppOutboundMessage)
        .where(WhatsAppOutboundMessage.address == address)
        .order_by(WhatsAppOutboundMessage.id)
    )
    return list(result.scalars())
