"""The region tree and the Posyandu in it."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Posyandu, Region
from storage.turns import read

TOP_LEVELS = ("kabupaten", "kota")
VILLAGE_LEVELS = ("desa", "kelurahan")
ACTIVE, PROPOSED, REJECTED, WITHDRAWN = "active", "proposed", "rejected", "withdrawn"


@dataclass(frozen=True, slots=True)
class RegionNode:
    """A region as read for showing and walking the tree (read-only: no ORM entity to track)."""

    code: str
    parent_code: str | None
    level: str
    name: str


@dataclass(frozen=True, slots=True)
class PosyanduInfo:
    """A Posyandu as read for showing and choosing (read-only)."""

    id: int
    code: str
    region_code: str
    name: str
    address: str | None
    has_fixed_place: bool
    usual_day: int | None


@dataclass(frozen=True, slots=True)
class PosyanduPlace:
    """A Posyandu with the names of the regions above it, for showing and for fuzzy search."""

    id: int
    code: str
    name: str
    region_code: str
    desa: str
    kecamatan: str
    kabupaten: str


# The statements a registration runs on every step of walking the tree, built once (building a
# statement costs more than SQLite takes to run it) and read as plain rows (storage/turns.read).
_REGION = select(Region.code, Region.parent_code, Region.level, Region.name)
_GET = _REGION.where(Region.code == bindparam("code"))
_TOP = _REGION.where(or_(*(Region.level == level for level in TOP_LEVELS))).order_by(Region.name)
_CHILDREN = _REGION.where(Region.parent_code == bindparam("code")).order_by(Region.name)
_POSYANDU = select(
    Posyandu.id,
    Posyandu.code,
    Posyandu.region_code,
    Posyandu.name,
    Posyandu.address,
    Posyandu.has_fixed_place,
    Posyandu.usual_day,
)
_GET_POSYANDU = _POSYANDU.where(Posyandu.id == bindparam("id"))
_POSYANDU_IN = _POSYANDU.where(Posyandu.region_code == bindparam("code"), Posyandu.status == ACTIVE).order_by(
    Posyandu.name
)

# Branches that lead somewhere: a kecamatan with at least one desa/kelurahan listed, a kabupaten/kota
# with at least one such kecamatan (read through the indexed parent links, not by code prefix).
# (`or_` of equalities rather than `in_`: these statements are compiled once with their literals.)
_kec, _village = aliased(Region), aliased(Region)
_HAS_VILLAGE = exists().where(
    _village.parent_code == Region.code, or_(*(_village.level == level for level in VILLAGE_LEVELS))
)
_HAS_VILLAGE_BELOW = exists().where(
    _kec.parent_code == Region.code,
    exists().where(
        _village.parent_code == _kec.code, or_(*(_village.level == level for level in VILLAGE_LEVELS))
    ),
)
_TOP_WITH_VILLAGES = _TOP.where(_HAS_VILLAGE_BELOW)
_CHILDREN_WITH_VILLAGES = _CHILDREN.where(
    or_(*(Region.level == level for level in VILLAGE_LEVELS), _HAS_VILLAGE)
)


async def get(session: AsyncSession, code: str) -> RegionNode | None:
    found = await read(session, _GET, {"code": code})
    return RegionNode(*found[0]) if found else None


async def top(session: AsyncSession) -> list[RegionNode]:
    """Kabupaten and kota: where a person starts walking the tree."""
    return [RegionNode(*row) for row in await read(session, _TOP)]


async def children(session: AsyncSession, code: str) -> list[RegionNode]:
    return [RegionNode(*row) for row in await read(session, _CHILDREN, {"code": code})]


async def top_with_villages(session: AsyncSession) -> list[RegionNode]:
    """Kabupaten and kota with at least one desa/kelurahan listed below them."""
    return [RegionNode(*row) for row in await read(session, _TOP_WITH_VILLAGES)]


async def children_with_villages(session: AsyncSession, code: str) -> list[RegionNode]:
    """The regions below `code` that are desa/kelurahan or have one listed directly below them."""
    return [RegionNode(*row) for row in await read(session, _CHILDREN_WITH_VILLAGES, {"code": code})]


async def posyandu_in(session: AsyncSession, region_code: str) -> list[PosyanduInfo]:
    return [PosyanduInfo(*row) for row in await read(session, _POSYANDU_IN, {"code": region_code})]


async def get_posyandu(session: AsyncSession, posyandu_id: int) -> PosyanduInfo | None:
    found = await read(session, _GET_POSYANDU, {"id": posyandu_id})
    return PosyanduInfo(*found[0]) if found else None


def _under(column: object, code: str) -> object:
    return or_(column == code, column.like(f"{code}.%"))  # type: ignore[attr-defined]


def _place_query():  # type: ignore[no-untyped-def]
    desa = Region.__table__.alias("desa")
    kec = Region.__table__.alias("kec")
    kab = Region.__table__.alias("kab")
    return (
        select(
            Posyandu.id,
            Posyandu.code,
            Posyandu.name,
            Posyandu.region_code,
            desa.c.name,
            kec.c.name,
            kab.c.name,
        )
        .join(desa, desa.c.code == Posyandu.region_code)
        .join(kec, kec.c.code == desa.c.parent_code)
        .join(kab, kab.c.code == kec.c.parent_code)
    )


async def places(session: AsyncSession, *, within: str | None = None) -> list[PosyanduPlace]:
    """Every Posyandu (under a region, if given) with its desa, kecamatan and kabupaten names."""
    query = _place_query().where(Posyandu.status == ACTIVE).order_by(Posyandu.name)
    if within:
        query = query.where(_under(Posyandu.region_code, within))
    return [PosyanduPlace(*row) for row in (await session.execute(query)).all()]


_PLACE = _place_query().where(Posyandu.id == bindparam("id"))


async def place(session: AsyncSession, posyandu_id: int) -> PosyanduPlace | None:
    """A Posyandu by id, whatever its status (a proposed one is shown to the verifying coordinator)."""
    found = await read(session, _PLACE, {"id": posyandu_id})
    return PosyanduPlace(*found[0]) if found else None


async def propose(
    session: AsyncSession,
    *,
    region_code: str,
    name: str,
    has_fixed_place: bool,
    usual_day: int | None,
    proposed_by: int,
    now: dt.datetime,
) -> int:
    """Add a Posyandu a cadre says exists, waiting for a coordinator; returns its id."""
    posyandu = Posyandu(
        code=f"USUL-{uuid.uuid4().hex[:12].upper()}",
        region_code=region_code,
        name=name,
        has_fixed_place=has_fixed_place,
        usual_day=usual_day,
        status=PROPOSED,
        proposed_by=proposed_by,
        created_at=now,
    )
    session.add(posyandu)
    await session.flush()
    return posyandu.id


async def settle_proposal(session: AsyncSession, posyandu_id: int, *, status: str) -> None:
    """Decide a proposed Posyandu (active, rejected or withdrawn); a listed one is left as it is."""
    await session.execute(
        update(Posyandu)
        .where(Posyandu.id == posyandu_id, Posyandu.status == PROPOSED)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True, slots=True)
class Village:
    """A desa or kelurahan with the names of its kecamatan and kabupaten/kota, for search and display."""

    code: str
    name: str
    kecamatan: str
    kabupaten: str


async def villages(session: AsyncSession, *, within: str | None = None) -> list[Village]:
    """Every desa and kelurahan (under a region, if given)."""
    kec = Region.__table__.alias("kec")
    kab = Region.__table__.alias("kab")
    query = (
        select(Region.code, Region.name, kec.c.name, kab.c.name)
        .join(kec, kec.c.code == Region.parent_code)
        .join(kab, kab.c.code == kec.c.parent_code)
        .where(Region.level.in_(("desa", "kelurahan")))
        .order_by(Region.name)
    )
    if within:
        query = query.where(_under(Region.code, within))
    return [Village(*row) for row in (await session.execute(query)).all()]


async def districts(session: AsyncSession, *, within: str | None = None) -> list[Village]:
    """Every kecamatan (under a region, if given), as a Village whose `kecamatan` is its own name."""
    kab = Region.__table__.alias("kab")
    query = (
        select(Region.code, Region.name, Region.name, kab.c.name)
        .join(kab, kab.c.code == Region.parent_code)
        .where(Region.level == "kecamatan")
        .order_by(Region.name)
    )
    if within:
        query = query.where(_under(Region.code, within))
    return [Village(*row) for row in (await session.execute(query)).all()]
