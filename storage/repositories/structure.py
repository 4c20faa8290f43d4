"""Positions in a Posyandu 6 SPM (storage/models_structure.py): who holds which place, per field.

A place counts while its holder is a cadre of one of the institution's rows (the lembaga or a pos
pelayanan under it) who has not been rejected: a cadre who re-registers elsewhere, or is rejected,
drops out of the structure without a separate clean-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, Person, Posyandu, Region
from storage.models_structure import KADER, PENGURUS_ROLES, PosyanduPosition
from storage.turns import change, read

REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Holder:
    """One place as shown: the person, the field (None for the pengurus) and the role."""

    position_id: int
    person_id: int
    name: str
    field: str | None
    role: str
    verification: str  # the holder's cadre verification: pending, verified


@dataclass(frozen=True, slots=True)
class Member:
    """A cadre registered at one of an institution's rows, who may be given a place."""

    person_id: int
    name: str
    posyandu_id: int
    position: str
    verification: str


def _rows_of(institution_id: int):  # type: ignore[no-untyped-def]
    return select(Posyandu.id).where(or_(Posyandu.id == institution_id, Posyandu.parent_id == institution_id))


async def members(session: AsyncSession, institution_id: int) -> list[Member]:
    """The cadres of the institution and of its pos pelayanan, not rejected, by name."""
    query = (
        select(Cadre.person_id, Person.full_name, Cadre.posyandu_id, Cadre.position, Cadre.verification)
        .join(Person, Person.id == Cadre.person_id)
        .where(Cadre.posyandu_id.in_(_rows_of(institution_id)), Cadre.verification != REJECTED)
        .order_by(Person.full_name, Cadre.person_id)
    )
    return [
        Member(pid, name or "-", row, pos, ver) for pid, name, row, pos, ver in await session.execute(query)
    ]


async def holders(session: AsyncSession, institution_id: int) -> list[Holder]:
    """Every place of the institution whose holder still counts (see the module docstring)."""
    query = (
        select(
            PosyanduPosition.id,
            PosyanduPosition.person_id,
            Person.full_name,
            PosyanduPosition.field,
            PosyanduPosition.role,
            Cadre.verification,
        )
        .join(Person, Person.id == PosyanduPosition.person_id)
        .join(Cadre, Cadre.person_id == PosyanduPosition.person_id)
        .where(
            PosyanduPosition.posyandu_id == institution_id,
            Cadre.posyandu_id.in_(_rows_of(institution_id)),
            Cadre.verification != REJECTED,
        )
        .order_by(Person.full_name, PosyanduPosition.id)
    )
    return [Holder(i, p, n or "-", f, r, v) for i, p, n, f, r, v in await session.execute(query)]


# Plain statements built once, for what a registration does in its turn (issue #19).
# Reads name the entity's columns (the session flushes pending changes before one it must run).
_P = PosyanduPosition
_IN_PLACE = (_P.posyandu_id == bindparam("institution"), _P.role == bindparam("role"))
_PLACES = {
    True: select(_P.id, _P.person_id).where(*_IN_PLACE, _P.field.is_(None)),
    False: select(_P.id, _P.person_id).where(*_IN_PLACE, _P.field == bindparam("field")),
}
_T = PosyanduPosition.__table__
_UNPLACE = delete(_T).where(_T.c.id == bindparam("id"))
_PLACE = insert(_T).values(
    posyandu_id=bindparam("institution"),
    person_id=bindparam("person"),
    field=bindparam("field"),
    role=bindparam("role"),
    created_at=bindparam("now"),
)
_LEAVE_PENGURUS = delete(_T).where(
    _T.c.posyandu_id == bindparam("institution"),
    _T.c.person_id == bindparam("person"),
    or_(*(_T.c.role == role for role in PENGURUS_ROLES)),  # no IN: prebuilt statements take equalities
)
_CLEAR_ELSEWHERE = delete(_T).where(
    _T.c.person_id == bindparam("person"), _T.c.posyandu_id != bindparam("keep")
)


async def place(
    session: AsyncSession,
    *,
    institution_id: int,
    person_id: int,
    field: str | None,
    role: str,
    now: dt.datetime,
    replace: bool = True,
) -> bool:
    """Give `person_id` a place. A pengurus role, or a field's koordinator, has one holder: with
    `replace` the previous holder gives it up, without it an occupied place is left as it is.
    Returns whether anything changed."""
    where = {"institution": institution_id, "role": role} | ({} if field is None else {"field": field})
    current = await read(session, _PLACES[field is None], where)
    if any(holder == person_id for _, holder in current):
        return False
    if role != KADER and current:
        if not replace:
            return False
        for position_id, _ in current:
            await change(session, _UNPLACE, {"id": position_id})
    values = {"institution": institution_id, "person": person_id, "field": field, "role": role, "now": now}
    await change(session, _PLACE, values)
    return True


async def unplace(
    session: AsyncSession, *, institution_id: int, person_id: int, field: str | None, role: str
) -> bool:
    """Take a place from a person; returns whether they held it."""
    result = await session.execute(
        delete(PosyanduPosition)
        .where(
            PosyanduPosition.posyandu_id == institution_id,
            PosyanduPosition.person_id == person_id,
            PosyanduPosition.field.is_(None) if field is None else PosyanduPosition.field == field,
            PosyanduPosition.role == role,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def leave_pengurus(session: AsyncSession, *, institution_id: int, person_id: int) -> None:
    """Drop a person's pengurus places (they registered again as an anggota, say)."""
    await change(session, _LEAVE_PENGURUS, {"institution": institution_id, "person": person_id})


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One place of one institution, with where the institution is, for the office's sheet."""

    posyandu_id: int
    code: str
    posyandu: str
    status: str
    desa: str
    kecamatan: str
    kabupaten: str
    field: str | None
    role: str
    name: str
    phone: str | None
    verification: str


async def export_rows(session: AsyncSession, *, roots: Sequence[str] | None) -> list[ExportRow]:
    """Every counted place of every institution under `roots` (region codes; None: everywhere)."""
    desa = Region.__table__.alias("desa")
    kec = Region.__table__.alias("kec")
    kab = Region.__table__.alias("kab")
    member_row = Posyandu.__table__.alias("member_row")
    query = (
        select(
            Posyandu.id,
            Posyandu.code,
            Posyandu.name,
            Posyandu.status,
            desa.c.name,
            kec.c.name,
            kab.c.name,
            PosyanduPosition.field,
            PosyanduPosition.role,
            Person.full_name,
            Person.phone,
            Cadre.verification,
        )
        .join(Posyandu, Posyandu.id == PosyanduPosition.posyandu_id)
        .join(desa, desa.c.code == Posyandu.region_code)
        .join(kec, kec.c.code == desa.c.parent_code)
        .join(kab, kab.c.code == kec.c.parent_code)
        .join(Person, Person.id == PosyanduPosition.person_id)
        .join(Cadre, Cadre.person_id == PosyanduPosition.person_id)
        .join(member_row, member_row.c.id == Cadre.posyandu_id)
        .where(
            or_(member_row.c.id == Posyandu.id, member_row.c.parent_id == Posyandu.id),
            Cadre.verification != REJECTED,
        )
        .order_by(kab.c.name, kec.c.name, desa.c.name, Posyandu.name, Posyandu.id)
    )
    if roots is not None:
        query = query.where(
            or_(*(or_(Posyandu.region_code == r, Posyandu.region_code.like(f"{r}.%")) for r in roots))
        )
    return [ExportRow(*row) for row in (await session.execute(query)).all()]


async def clear_elsewhere(session: AsyncSession, *, person_id: int, keep_institution_id: int) -> None:
    """Drop a person's places in any other institution (they registered at another Posyandu)."""
    await change(session, _CLEAR_ELSEWHERE, {"person": person_id, "keep": keep_institution_id})


async def adopt_pengurus(
    session: AsyncSession, *, now: dt.datetime, institution_id: int | None = None
) -> int:
    """Cadres registered as ketua, sekretaris or bendahara (`cadre.position`) take that place when
    their institution has nobody in it: cadres registered before the structure existed, or set up by
    an office list, appear in it as registered. Returns how many places were given."""
    institution = func.coalesce(Posyandu.parent_id, Posyandu.id)
    query = (
        select(institution, Cadre.person_id, Cadre.position)
        .join(Posyandu, Posyandu.id == Cadre.posyandu_id)
        .where(Cadre.position.in_(PENGURUS_ROLES), Cadre.verification != REJECTED)
        .order_by(Cadre.registered_at, Cadre.id)
    )
    if institution_id is not None:
        query = query.where(institution == institution_id)
    wanted = (await session.execute(query)).all()
    if not wanted:
        return 0
    taken_query = select(PosyanduPosition.posyandu_id, PosyanduPosition.role).where(
        PosyanduPosition.field.is_(None), PosyanduPosition.role.in_(PENGURUS_ROLES)
    )
    if institution_id is not None:
        taken_query = taken_query.where(PosyanduPosition.posyandu_id == institution_id)
    taken = {(i, r) for i, r in await session.execute(taken_query)}
    given = 0
    for inst, person_id, role in wanted:
        if (inst, role) in taken:
            continue
        taken.add((inst, role))
        session.add(
            PosyanduPosition(posyandu_id=inst, person_id=person_id, field=None, role=role, created_at=now)
        )
        given += 1
    if given:
        await session.flush()
    return given
