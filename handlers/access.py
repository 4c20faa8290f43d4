"""Who may do what: a coordinator acts only on regions in their scope, an admin everywhere.

Every coordinator flow checks the role (again on every step: a role can be taken away mid-flow)
and passes every target — a cadre to verify, a Posyandu, a region, a broadcast, a ticket — through
`require_*` here before acting on it. The core already refuses buttons that were not offered; these
checks hold even when an offered button has gone stale or a payload was forged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, Person, Posyandu, Region
from storage.repositories import scopes

COORDINATOR_ROLES = frozenset({"coordinator", "admin"})

# Commands shown only to coordinators in a platform's command menu (Telegram: per-chat scope),
# per language; the words are those handlers/commands.py understands, described by
# `coordinator.command.<command name>` messages.
COORDINATOR_COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "id": (
        ("verifikasi", "verify"),
        ("verifposyandu", "posyandu_verify"),
        ("siaran", "broadcast"),
        ("siaran_status", "broadcast_status"),
        ("rekap", "recap"),
        ("ekspor", "export"),
        ("tiket", "tickets"),
        ("imporposyandu", "posyandu_import"),
        ("dasbor", "dashboard"),
    ),
    "en": (
        ("verify", "verify"),
        ("verifyposyandu", "posyandu_verify"),
        ("broadcast", "broadcast"),
        ("broadcast_status", "broadcast_status"),
        ("recap", "recap"),
        ("export", "export"),
        ("tickets", "tickets"),
        ("importposyandu", "posyandu_import"),
        ("dashboard", "dashboard"),
    ),
}


def covers(root: str, code: str) -> bool:
    """'64.02' covers '64.02' and '64.02.06.1005', not '64.021' or '64.71'."""
    return code == root or code.startswith(root + ".")


class OutOfScope(Exception):
    """A coordinator tried to act on something outside their regions (or it no longer exists)."""


@dataclass(frozen=True, slots=True)
class Scope:
    """A person's regions. `roots` never overlap; `everything` is an admin's scope."""

    roots: tuple[str, ...] = ()
    everything: bool = False

    def covers(self, code: str | None) -> bool:
        if code is None:
            return False
        return self.everything or any(covers(root, code) for root in self.roots)

    @property
    def empty(self) -> bool:
        return not self.everything and not self.roots

    @property
    def sql_roots(self) -> tuple[str, ...] | None:
        """For storage.repositories.scopes.within: None means everywhere."""
        return None if self.everything else self.roots


def minimal(codes: list[str]) -> tuple[str, ...]:
    """Drop codes already covered by another ('64.02.06' goes when '64.02' is there)."""
    kept: list[str] = []
    for code in sorted(set(codes), key=lambda c: (c.count("."), c)):
        if not any(covers(root, code) for root in kept):
            kept.append(code)
    return tuple(sorted(kept))


async def scope_of(session: AsyncSession, person: Person) -> Scope:
    if person.role == "admin":
        return Scope(everything=True)
    if person.role != "coordinator":
        return Scope()
    return Scope(minimal(await scopes.codes_of(session, person.id)))


async def require_region(session: AsyncSession, scope: Scope, code: str | None) -> Region:
    region = await session.get(Region, code) if code else None
    if region is None or not scope.covers(region.code):
        raise OutOfScope(f"region {code}")
    return region


async def require_posyandu(session: AsyncSession, scope: Scope, posyandu_id: int | None) -> Posyandu:
    posyandu = await session.get(Posyandu, posyandu_id) if posyandu_id is not None else None
    if posyandu is None or not scope.covers(posyandu.region_code):
        raise OutOfScope(f"posyandu {posyandu_id}")
    return posyandu


async def require_cadre(session: AsyncSession, scope: Scope, cadre_id: int | None) -> Cadre:
    cadre = await session.get(Cadre, cadre_id) if cadre_id is not None else None
    if cadre is None:
        raise OutOfScope(f"cadre {cadre_id}")
    await require_posyandu(session, scope, cadre.posyandu_id)
    return cadre
