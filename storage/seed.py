"""`kaderbot seed --demo`: load the demo regions, Posyandu and people. Running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.models import Cadre, ChannelIdentity, CoordinatorScope, Person, Posyandu, Region
from storage.repositories import posyandu_verification

DEMO_FILE = Path(__file__).resolve().parent / "demo" / "demo.yaml"


@dataclass(frozen=True)
class SeedResult:
    regions: int = 0
    posyandu: int = 0
    people: int = 0

    @property
    def total(self) -> int:
        return self.regions + self.posyandu + self.people


def _walk(nodes: list[dict[str, Any]], parent: str | None) -> list[Region]:
    found: list[Region] = []
    for node in nodes:
        code = str(node["code"])
        found.append(Region(code=code, parent_code=parent, level=node["level"], name=node["name"]))
        found.extend(_walk(node.get("children", []), code))
    return found


def load_demo(path: Path = DEMO_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


async def seed_demo(
    db: Database, *, path: Path = DEMO_FILE, now: dt.datetime | None = None, at_console: bool = False
) -> SeedResult:
    """`at_console`: the demo people count as having used the console chat already, so broadcasts
    reach them there (`kaderbot seed --demo` does; tests start from people who have not)."""
    data = load_demo(path)
    now = now or dt.datetime.now(dt.UTC)
    async with db.sessions() as session, session.begin():
        regions_added = await _regions(session, _walk(data["regions"], None))
        posyandu_added = await _posyandu(session, data["posyandu"])
        people_added = await _people(session, data["people"], now, at_console=at_console)
        await _posyandu_verification(session, data["posyandu"], now)
    return SeedResult(regions_added, posyandu_added, people_added)


async def seed_regions(db: Database, *, path: Path = DEMO_FILE) -> int:
    """Only the region tree of the file (real Kemendagri kode wilayah; see the file's header): what
    `kaderbot seed` without --demo loads, so a real Posyandu list can be imported against it."""
    data = load_demo(path)
    async with db.sessions() as session, session.begin():
        return await _regions(session, _walk(data["regions"], None))


async def _regions(session: AsyncSession, wanted: list[Region]) -> int:
    have = set((await session.execute(select(Region.code))).scalars())
    new = [r for r in wanted if r.code not in have]
    session.add_all(new)  # parents come before children in the walk, so foreign keys hold
    await session.flush()
    return len(new)


async def _posyandu(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    have = set((await session.execute(select(Posyandu.code))).scalars())
    new = [
        Posyandu(
            code=row["code"],
            region_code=str(row["region"]),
            name=row["name"],
            address=row.get("address"),
            has_fixed_place=bool(row.get("has_fixed_place", True)),
            usual_day=row.get("usual_day"),
            kind=row.get("kind", "lembaga"),
            usual_week=row.get("usual_week"),
            usual_weekday=row.get("usual_weekday"),
            latitude=row.get("latitude"),
            longitude=row.get("longitude"),
            spm_fields=list(row.get("spm_fields", ["kesehatan"])),
        )
        for row in rows
        if row["code"] not in have
    ]
    session.add_all(new)
    await session.flush()
    # A pos pelayanan points at its lembaga (listed before it in the file).
    ids = dict((await session.execute(select(Posyandu.code, Posyandu.id))).all())
    for posyandu in new:
        parent = next(row.get("parent") for row in rows if row["code"] == posyandu.code)
        if parent:
            posyandu.parent_id = ids[parent]
    await session.flush()
    return len(new)


async def _posyandu_verification(session: AsyncSession, rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """The DPMD's verification state of demo Posyandu (`dpmd_verification`: submitted/verified)."""
    ids = dict((await session.execute(select(Posyandu.code, Posyandu.id))).all())
    states = {ids[row["code"]]: row["dpmd_verification"] for row in rows if row.get("dpmd_verification")}
    await posyandu_verification.seed(session, states, by=None, now=now)


async def _people(
    session: AsyncSession, rows: list[dict[str, Any]], now: dt.datetime, *, at_console: bool = False
) -> int:
    added = 0
    posyandu_ids = dict((await session.execute(select(Posyandu.code, Posyandu.id))).all())
    for row in rows:
        handle = row["console"]
        exists = await session.execute(
            select(ChannelIdentity.id).where(
                ChannelIdentity.channel == "console", ChannelIdentity.address == handle
            )
        )
        if exists.scalar_one_or_none() is not None:
            continue
        person = Person(
            full_name=row["name"],
            phone=row["phone"],
            language=row.get("language", "id"),
            role=row["role"],
            consent_at=now,  # demo people are set up as having consented
            created_at=now,
        )
        session.add(person)
        await session.flush()
        session.add(
            ChannelIdentity(
                channel="console",
                address=handle,
                person_id=person.id,
                last_inbound_at=now if at_console else None,
                created_at=now,
            )
        )
        for code in row.get("scope", []):
            session.add(CoordinatorScope(person_id=person.id, region_code=str(code)))
        if row["role"] == "cadre":
            session.add(
                Cadre(
                    person_id=person.id,
                    posyandu_id=posyandu_ids[row["posyandu"]],
                    position=row["position"],
                    verification=row.get("verification", "pending"),
                    verified_at=now if row.get("verification") == "verified" else None,
                    registered_at=now,
                )
            )
        added += 1
    await session.flush()
    return added
