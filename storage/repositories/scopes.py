"""Roles and coordinators' regions: who is a coordinator of where, and changing it (`kaderbot admin`).

Kemendagri region codes nest by dotted prefix: a scope of "64.02" covers "64.02.06" and
"64.02.06.1005". `within` turns a scope into SQL for any region-code column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, ChannelIdentity, CoordinatorScope, Person, Region

STAFF_ROLES = ("coordinator", "admin")


def under(column: ColumnElement[str], code: str) -> ColumnElement[bool]:
    """The region `code` itself or anything below it."""
    return or_(column == code, column.like(f"{code}.%"))


def within(column: ColumnElement[str], roots: Sequence[str] | None) -> ColumnElement[bool]:
    """Rows whose region lies in one of `roots`; None means everywhere (an admin)."""
    if roots is None:
        return true()
    if not roots:
        return false()
    return or_(*(under(column, root) for root in roots))


async def top_regions(session: AsyncSession) -> list[Region]:
    """The top of the region tree (provinces): where an admin's scope starts."""
    result = await session.execute(select(Region).where(Region.parent_code.is_(None)).order_by(Region.code))
    return list(result.scalars())


async def codes_of(session: AsyncSession, person_id: int) -> list[str]:
    result = await session.execute(
        select(CoordinatorScope.region_code)
        .where(CoordinatorScope.person_id == person_id)
        .order_by(CoordinatorScope.region_code)
    )
    return list(result.scalars())


async def find_person(
    session: AsyncSession, *, phone: str | None = None, channel: str | None = None, address: str | None = None
) -> Person | None:
    """A person by E.164 phone number, or by a channel address (a Telegram id, a WhatsApp number)."""
    if channel is not None and address is not None:
        row = await session.execute(
            select(Person)
            .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.address == address)
        )
        return row.scalar_one_or_none()
    if phone is not None:
        rows = await session.execute(select(Person).where(Person.phone == phone).order_by(Person.id))
        return rows.scalars().first()
    return None


async def grant(session: AsyncSession, person: Person, region_code: str) -> bool:
    """Make the person a coordinator of the region (admins keep their role). False: already so."""
    if await session.get(Region, region_code) is None:
        raise LookupError(region_code)
    if person.role not in STAFF_ROLES:
        person.role = "coordinator"
    if await session.get(CoordinatorScope, (person.id, region_code)) is not None:
        return False
    session.add(CoordinatorScope(person_id=person.id, region_code=region_code))
    await session.flush()
    return True


async def revoke(session: AsyncSession, person: Person, region_code: str | None) -> int:
    """Take one region (or all) away. Without regions a coordinator goes back to being a cadre (if
    registered as one) or a resident. Returns the number of regions removed."""
    query = delete(CoordinatorScope).where(CoordinatorScope.person_id == person.id)
    if region_code is not None:
        query = query.where(CoordinatorScope.region_code == region_code)
    removed = int((await session.execute(query)).rowcount or 0)  # type: ignore[attr-defined]
    if person.role == "coordinator" and not await codes_of(session, person.id):
        has_cadre = await session.execute(select(Cadre.id).where(Cadre.person_id == person.id))
        person.role = "cadre" if has_cadre.scalar_one_or_none() is not None else "resident"
    await session.flush()
    return removed


@dataclass(frozen=True, slots=True)
class StaffMember:
    person_id: int
    name: str | None
    phone: str | None
    role: str
    regions: tuple[str, ...]
    identities: tuple[str, ...]  # "telegram:12345", "whatsapp:62811…"


async def staff(session: AsyncSession) -> list[StaffMember]:
    """Coordinators and admins with their regions and channel identities."""
    people = list(
        (
            await session.execute(select(Person).where(Person.role.in_(STAFF_ROLES)).order_by(Person.id))
        ).scalars()
    )
    ids = [p.id for p in people]
    regions: dict[int, list[str]] = {i: [] for i in ids}
    for person_id, code in await session.execute(
        select(CoordinatorScope.person_id, CoordinatorScope.region_code)
        .where(CoordinatorScope.person_id.in_(ids))
        .order_by(CoordinatorScope.region_code)
    ):
        regions[person_id].append(code)
    identities: dict[int, list[str]] = {i: [] for i in ids}
    for person_id, channel, address in await session.execute(
        select(ChannelIdentity.person_id, ChannelIdentity.channel, ChannelIdentity.address)
        .where(ChannelIdentity.person_id.in_(ids))
        .order_by(ChannelIdentity.id)
    ):
        identities[person_id].append(f"{channel}:{address}")
    return [
        StaffMember(p.id, p.full_name, p.phone, p.role, tuple(regions[p.id]), tuple(identities[p.id]))
        for p in people
    ]


async def staff_addresses(session: AsyncSession, channel: str) -> list[tuple[str, str]]:
    """(address, language) of every coordinator and admin on a channel: the chats that get the
    coordinators' command menu (Telegram: setMyCommands with BotCommandScopeChat)."""
    result = await session.execute(
        select(ChannelIdentity.address, Person.language)
        .join(Person, Person.id == ChannelIdentity.person_id)
        .where(ChannelIdentity.channel == channel, Person.role.in_(STAFF_ROLES))
        .order_by(ChannelIdentity.id)
    )
    return [(address, language) for address, language in result.all()]
