"""Mothers linked to their children, the one-time codes that link them, and what their reminders need
(issue #17 point 6). The rules — who may link, how long a code lasts — are in
handlers/growth/mother_link.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, Person, Posyandu
from storage.models_growth import Child, ChildMeasurement
from storage.models_growth_mothers import MotherLink, MotherLinkCode


async def whatsapp_numbers(session: AsyncSession, person_id: int) -> list[str]:
    """The person's WhatsApp addresses (wa_id: the number in international form without '+')."""
    rows = await session.execute(
        select(ChannelIdentity.address).where(
            ChannelIdentity.person_id == person_id, ChannelIdentity.channel == "whatsapp"
        )
    )
    return list(rows.scalars())


async def children_with_phone(session: AsyncSession, phones: Iterable[str]) -> list[Child]:
    wanted = sorted(set(phones))
    if not wanted:
        return []
    rows = await session.execute(
        select(Child)
        .where(Child.mother_phone.in_(wanted), Child.status == "active")
        .order_by(Child.birth_date, Child.id)
    )
    return list(rows.scalars())


async def linked_children(session: AsyncSession, person_id: int) -> list[Child]:
    rows = await session.execute(
        select(Child)
        .join(MotherLink, MotherLink.child_id == Child.id)
        .where(MotherLink.person_id == person_id, Child.status == "active")
        .order_by(Child.birth_date, Child.id)
    )
    return list(rows.scalars())


async def is_linked(session: AsyncSession, person_id: int, child_id: int) -> bool:
    row = await session.execute(
        select(MotherLink.id).where(MotherLink.person_id == person_id, MotherLink.child_id == child_id)
    )
    return row.first() is not None


async def has_links(session: AsyncSession, person_id: int) -> bool:
    row = await session.execute(select(MotherLink.id).where(MotherLink.person_id == person_id).limit(1))
    return row.first() is not None


async def link(
    session: AsyncSession, *, person_id: int, child_id: int, way: str, now: dt.datetime
) -> MotherLink:
    """Link (once: linking again keeps the first link and its consent)."""
    found = (
        await session.execute(
            select(MotherLink).where(MotherLink.person_id == person_id, MotherLink.child_id == child_id)
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    row = MotherLink(child_id=child_id, person_id=person_id, linked_by=way, consent_at=now, created_at=now)
    session.add(row)
    await session.flush()
    return row


async def add_code(
    session: AsyncSession,
    *,
    child_id: int,
    code_hash: str,
    expires_at: dt.datetime,
    created_by: int,
    now: dt.datetime,
) -> MotherLinkCode:
    """A new code for the child; the child's earlier unused codes stop working."""
    await session.execute(
        update(MotherLinkCode)
        .where(
            MotherLinkCode.child_id == child_id,
            MotherLinkCode.used_at.is_(None),
            MotherLinkCode.expires_at > now,
        )
        .values(expires_at=now)
    )
    row = MotherLinkCode(
        child_id=child_id, code_hash=code_hash, expires_at=expires_at, created_by=created_by, created_at=now
    )
    session.add(row)
    await session.flush()
    return row


async def code_in_use(session: AsyncSession, code_hash: str) -> bool:
    row = await session.execute(select(MotherLinkCode.id).where(MotherLinkCode.code_hash == code_hash))
    return row.first() is not None


async def valid_code(session: AsyncSession, code_hash: str, now: dt.datetime) -> MotherLinkCode | None:
    """The unused, unexpired code with this hash whose child is still on a register."""
    row = await session.execute(
        select(MotherLinkCode)
        .join(Child, Child.id == MotherLinkCode.child_id)
        .where(
            MotherLinkCode.code_hash == code_hash,
            MotherLinkCode.used_at.is_(None),
            MotherLinkCode.expires_at > now,
            Child.status == "active",
        )
    )
    return row.scalar_one_or_none()


async def use_code(session: AsyncSession, code_id: int, now: dt.datetime) -> bool:
    """Mark the code used; False when someone used it first."""
    result = await session.execute(
        update(MotherLinkCode)
        .where(MotherLinkCode.id == code_id, MotherLinkCode.used_at.is_(None))
        .values(used_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def history(session: AsyncSession, child_id: int) -> list[ChildMeasurement]:
    rows = await session.execute(
        select(ChildMeasurement)
        .where(ChildMeasurement.child_id == child_id)
        .order_by(ChildMeasurement.measured_on, ChildMeasurement.id)
    )
    return list(rows.scalars())


@dataclass(frozen=True, slots=True)
class MotherChild:
    """One linked child, as the reminders of its mother need it."""

    person_id: int
    child_id: int
    child_name: str
    birth_date: dt.date
    posyandu_id: int
    posyandu: str
    usual_day: int | None
    usual_week: int | None
    usual_weekday: int | None


async def reminded(session: AsyncSession) -> list[MotherChild]:
    """Every link of a consenting mother to a child still on a register."""
    rows = await session.execute(
        select(
            MotherLink.person_id,
            Child.id,
            Child.full_name,
            Child.birth_date,
            Posyandu.id,
            Posyandu.name,
            Posyandu.usual_day,
            Posyandu.usual_week,
            Posyandu.usual_weekday,
        )
        .join(Child, Child.id == MotherLink.child_id)
        .join(Posyandu, Posyandu.id == Child.posyandu_id)
        .join(Person, Person.id == MotherLink.person_id)
        .where(Child.status == "active", Person.consent_at.is_not(None))
        .order_by(MotherLink.person_id, Child.birth_date, Child.id)
    )
    return [MotherChild(*row) for row in rows.all()]


async def forget_mother(
    session: AsyncSession, person_id: int, phones: Iterable[str], *, children_too: bool
) -> dict[str, int]:
    """Before a mother is erased: her number comes off her linked children (it was there to link her),
    and with `children_too` each linked child is anonymised and leaves the register — its
    measurements stay for the Posyandu's statistics. The links themselves go with the person."""
    numbers = sorted(set(phones))
    child_ids = list(
        (
            await session.execute(select(MotherLink.child_id).where(MotherLink.person_id == person_id))
        ).scalars()
    )
    counts = {"child": 0, "mother_link_code": 0}
    if not child_ids:
        return counts
    if children_too:
        for child_id in child_ids:
            result = await session.execute(
                update(Child)
                .where(Child.id == child_id)
                .values(
                    full_name=f"Anonim {child_id}",
                    mother_name="-",
                    mother_phone=None,
                    mother_nik_masked=None,
                    status="erased",
                    left_reason="mother_erasure",
                )
            )
            counts["child"] += int(getattr(result, "rowcount", 0) or 0)
        result = await session.execute(delete(MotherLinkCode).where(MotherLinkCode.child_id.in_(child_ids)))
        counts["mother_link_code"] += int(getattr(result, "rowcount", 0) or 0)
    elif numbers:
        result = await session.execute(
            update(Child)
            .where(Child.id.in_(child_ids), Child.mother_phone.in_(numbers))
            .values(mother_phone=None)
        )
        counts["child"] += int(getattr(result, "rowcount", 0) or 0)
    return counts
