"""Cadres: who serves which Posyandu, and whether a coordinator has verified them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, Person, Posyandu
from storage.turns import read


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a cadre serves and whether they are verified: what the cadre's own flows check first."""

    posyandu_id: int
    verification: str


_STANDING = select(Cadre.posyandu_id, Cadre.verification).where(Cadre.person_id == bindparam("person"))


async def standing(session: AsyncSession, person_id: int) -> Standing | None:
    found = await read(session, _STANDING, {"person": person_id})
    return Standing(*found[0]) if found else None


async def of_person(session: AsyncSession, person_id: int) -> Cadre | None:
    return (await session.execute(select(Cadre).where(Cadre.person_id == person_id))).scalar_one_or_none()


async def register(
    session: AsyncSession,
    person: Person,
    *,
    full_name: str,
    phone: str,
    posyandu_id: int,
    position: str,
    now: dt.datetime,
) -> Cadre:
    """Make a person a cadre awaiting verification (or update a pending registration)."""
    # Whether they are one already, read before anything changes (a plain read, no entity to load
    # for a first registration, the usual case).
    known = await standing(session, person.id)
    person.full_name = full_name
    person.phone = phone
    if person.role in ("resident",):
        person.role = "cadre"
    cadre = None if known is None else await of_person(session, person.id)
    if cadre is None:
        cadre = Cadre(person_id=person.id, registered_at=now, posyandu_id=posyandu_id, position=position)
        session.add(cadre)
    else:
        if cadre.posyandu_id != posyandu_id:  # a Posyandu they proposed before is no longer theirs
            await _withdraw_proposal(session, cadre.posyandu_id, person.id)
        cadre.posyandu_id = posyandu_id
        cadre.position = position
        cadre.verification = "pending"
        cadre.verified_at = None
        cadre.verified_by = None
        cadre.rejection_reason = None
        cadre.registered_at = now
    await session.flush()
    return cadre


async def _withdraw_proposal(session: AsyncSession, posyandu_id: int, person_id: int) -> None:
    await session.execute(
        update(Posyandu)
        .where(Posyandu.id == posyandu_id, Posyandu.status == "proposed", Posyandu.proposed_by == person_id)
        .values(status="withdrawn")
        .execution_options(synchronize_session=False)
    )
