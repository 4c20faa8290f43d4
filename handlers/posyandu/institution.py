"""The institution of a Posyandu row: a pos pelayanan belongs to its lembaga; a lembaga is its own.

Structure, documents and the DPMD verification belong to the institution; cadres and monthly
reports belong to the row a cadre registered at.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Posyandu
from storage.turns import read

LEMBAGA = "lembaga"
POS = "pos"
KINDS = (LEMBAGA, POS)


async def institution_of(session: AsyncSession, posyandu: Posyandu) -> Posyandu:
    """The lembaga `posyandu` belongs to: its parent if it has one, else itself."""
    if posyandu.parent_id is None:
        return posyandu
    parent = await session.get(Posyandu, posyandu.parent_id)
    return parent if parent is not None else posyandu


_PARENT_ID = select(Posyandu.parent_id).where(Posyandu.id == bindparam("id"))


async def institution_id_of(session: AsyncSession, posyandu_id: int) -> int:
    """The id of the institution of the Posyandu row `posyandu_id`."""
    found = await read(session, _PARENT_ID, {"id": posyandu_id})
    parent_id = found[0][0] if found else None
    return parent_id if parent_id is not None else posyandu_id


async def posts_of(session: AsyncSession, institution: Posyandu) -> list[Posyandu]:
    """The pos pelayanan run by `institution`, by name."""
    rows = await session.scalars(
        select(Posyandu).where(Posyandu.parent_id == institution.id).order_by(Posyandu.name)
    )
    return list(rows)


async def rows_of(session: AsyncSession, institution: Posyandu) -> list[Posyandu]:
    """The institution itself followed by its pos pelayanan: every row its cadres may belong to."""
    return [institution, *await posts_of(session, institution)]
