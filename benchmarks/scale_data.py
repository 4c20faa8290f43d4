"""A province-sized database for the scale benchmarks: 1 province → 10 kabupaten → 100 kecamatan →
1,000 desa → 10,000 Posyandu, three cadres each, and twelve months of reports (about 80–90 % of
Posyandu report in a month; no revision history, which the recap never reads). Rows go in with Core
`insert()` executemany, not the ORM, so building it takes seconds, not minutes.

Not a `bench_*` module: `python -m benchmarks` does not run it on its own."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database
from storage.models import (
    Cadre,
    ChannelIdentity,
    CoordinatorScope,
    MonthlyReport,
    Person,
    Posyandu,
    Region,
)

PROVINCE = "99"
FAN_OUT = 10  # children per region at every level, and Posyandu per desa
CADRES_PER_POSYANDU = 3
MONTHS = 12
LAST_MONTH = dt.date(2026, 11, 1)
CHUNK = 5000
FLOWERS = ("Melati", "Mawar", "Anggrek", "Kenanga", "Teratai")  # as Posyandu are often named
UTC = dt.UTC


@dataclass(frozen=True, slots=True)
class Coordinator:
    """A coordinator who will send /rekap: their chat address and the region they look after."""

    address: str
    region_code: str
    label: str


@dataclass(frozen=True, slots=True)
class Built:
    posyandu: int
    people: int
    reports: int
    reported_last_month: dict[str, int]  # region code (province, kabupaten) → Posyandu that reported
    posyandu_under: dict[str, int]
    coordinators: tuple[Coordinator, ...]


def months() -> list[dt.date]:
    """The twelve months ending with LAST_MONTH, oldest first."""
    found = []
    year, month = LAST_MONTH.year, LAST_MONTH.month
    for _ in range(MONTHS):
        found.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found[::-1]


def _regions() -> tuple[list[dict[str, Any]], list[str]]:
    rows = [{"code": PROVINCE, "parent_code": None, "level": "provinsi", "name": "Provinsi Bench"}]
    desas: list[str] = []
    for kab in range(1, FAN_OUT + 1):
        kab_code = f"{PROVINCE}.{kab:02d}"
        rows.append(
            {"code": kab_code, "parent_code": PROVINCE, "level": "kabupaten", "name": f"Kabupaten {kab:02d}"}
        )
        for kec in range(1, FAN_OUT + 1):
            kec_code = f"{kab_code}.{kec:02d}"
            rows.append(
                {
                    "code": kec_code,
                    "parent_code": kab_code,
                    "level": "kecamatan",
                    "name": f"Kecamatan {kab:02d}{kec:02d}",
                }
            )
            for desa in range(1, FAN_OUT + 1):
                desa_code = f"{kec_code}.{2000 + desa}"
                rows.append(
                    {
                        "code": desa_code,
                        "parent_code": kec_code,
                        "level": "desa" if desa % 4 else "kelurahan",
                        "name": f"Desa {kab:02d}{kec:02d}{desa:02d}",
                    }
                )
                desas.append(desa_code)
    return rows, desas


def _report(
    rng: random.Random, report_id: int, posyandu_id: int, month: dt.date, person_id: int
) -> dict[str, Any]:
    held = rng.choices(("usual_place", "other_place", "not_held"), weights=(92, 5, 3))[0]
    submitted = dt.datetime(month.year, month.month, rng.randint(5, 25), rng.randint(0, 12), tzinfo=UTC)
    row: dict[str, Any] = {
        "id": report_id,
        "posyandu_id": posyandu_id,
        "month": month,
        "revision": 1,
        "held": held,
        "held_on": None,
        "place_note": "Rumah Bu RT" if held == "other_place" else None,
        "not_held_reason": "Banjir" if held == "not_held" else None,
        "s": None,
        "k": None,
        "d": None,
        "n": None,
        "visits": {},
        "referrals_gizi": None,
        "immunizations": None,
        "vitamin_a": None,
        "notes": None,
        "photos": [],
        "submitted_by": person_id,
        "submitted_at": submitted,
        "first_submitted_at": submitted,
    }
    if held != "not_held":
        s = rng.randint(20, 90)
        d = rng.randint(s * 6 // 10, s)
        row |= {
            "held_on": submitted.date(),
            "s": s,
            "k": rng.randint(s * 8 // 10, s),
            "d": d,
            "n": rng.randint(d // 2, d),
            "visits": {"ibu_hamil": rng.randint(0, 8), "balita": d, "lansia": rng.randint(0, 30)},
            "referrals_gizi": rng.randint(0, 3),
            "immunizations": rng.randint(0, 12),
            "vitamin_a": rng.randint(0, s),
            "notes": "Lancar",
        }
    return row


async def _insert(connection: AsyncConnection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await connection.execute(insert(table), rows[start : start + CHUNK])


def _chunks(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def build(db: Database, *, seed: int = 8) -> Built:
    """Fill an empty, migrated database; returns what the recap should find."""
    rng = random.Random(seed)
    region_rows, desas = _regions()
    created = dt.datetime(2025, 6, 1, tzinfo=UTC)
    posyandu_rows, people, cadres, identities = [], [], [], []
    kabupaten_of: dict[int, str] = {}
    for index, desa in enumerate(d for d in desas for _ in range(FAN_OUT)):
        posyandu_id = index + 1
        kabupaten_of[posyandu_id] = desa[: len(PROVINCE) + 3]
        posyandu_rows.append(
            {
                "id": posyandu_id,
                "code": f"PY-B-{posyandu_id:05d}",
                "region_code": desa,
                "name": f"Posyandu {FLOWERS[index % len(FLOWERS)]} {posyandu_id}",
                "address": None,
                "has_fixed_place": index % 7 != 0,
                "usual_day": 1 + index % 25,
                "created_at": created,
            }
        )
        for position in ("ketua", "sekretaris", "anggota")[:CADRES_PER_POSYANDU]:
            person_id = len(people) + 1
            people.append(
                {
                    "id": person_id,
                    "full_name": f"Kader {person_id}",
                    "phone": f"+62812{person_id:08d}",
                    "language": "id",
                    "role": "cadre",
                    "consent_at": created,
                    "consent_declined_at": None,
                    "created_at": created,
                }
            )
            identities.append(
                {
                    "id": person_id,
                    "channel": "telegram",
                    "address": str(700000 + person_id),
                    "person_id": person_id,
                    "created_at": created,
                }
            )
            cadres.append(
                {
                    "id": person_id,
                    "person_id": person_id,
                    "posyandu_id": posyandu_id,
                    "position": position,
                    "verification": "verified" if rng.random() < 0.9 else "pending",
                    "verified_at": created if rng.random() < 0.9 else None,
                    "verified_by": None,
                    "rejection_reason": None,
                    "registered_at": created,
                }
            )
    # Each kabupaten has its own habit (some report well, some poorly), each month its own noise.
    habit = {f"{PROVINCE}.{k:02d}": 0.78 + 0.015 * k for k in range(1, FAN_OUT + 1)}
    all_months = months()
    reported_last: dict[str, int] = {PROVINCE: 0} | {code: 0 for code in habit}
    under = {PROVINCE: len(posyandu_rows)} | {code: len(posyandu_rows) // FAN_OUT for code in habit}

    def reports() -> Iterator[dict[str, Any]]:
        report_id = 0
        for month in all_months:
            noise = {code: rng.uniform(-0.04, 0.04) for code in habit}
            for row in posyandu_rows:
                kab = kabupaten_of[row["id"]]
                if rng.random() >= habit[kab] + noise[kab]:
                    continue
                report_id += 1
                if month == LAST_MONTH:
                    reported_last[PROVINCE] += 1
                    reported_last[kab] += 1
                submitter = (row["id"] - 1) * CADRES_PER_POSYANDU + 1 + rng.randrange(CADRES_PER_POSYANDU)
                yield _report(rng, report_id, row["id"], month, submitter)

    coordinators = (
        Coordinator("coord-province", PROVINCE, "province (10,000 Posyandu)"),
        Coordinator("coord-kabupaten", f"{PROVINCE}.01", "kabupaten (1,000 Posyandu)"),
    )
    count = 0
    async with db.engine.begin() as connection:
        await _insert(connection, Region.__table__, region_rows)
        await _insert(connection, Posyandu.__table__, posyandu_rows)
        await _insert(connection, Person.__table__, people)
        await _insert(connection, ChannelIdentity.__table__, identities)
        await _insert(connection, Cadre.__table__, cadres)
        for batch in _chunks(reports(), CHUNK):
            count += len(batch)
            await connection.execute(insert(MonthlyReport.__table__), batch)
        for offset, coordinator in enumerate(coordinators, start=1):
            person_id = len(people) + offset
            await connection.execute(
                insert(Person.__table__),
                {
                    "id": person_id,
                    "full_name": f"Koordinator {coordinator.region_code}",
                    "phone": None,
                    "language": "id",
                    "role": "coordinator",
                    "consent_at": created,
                    "consent_declined_at": None,
                    "created_at": created,
                },
            )
            await connection.execute(
                insert(ChannelIdentity.__table__),
                {
                    "id": person_id,
                    "channel": "bench",
                    "address": coordinator.address,
                    "person_id": person_id,
                    "created_at": created,
                },
            )
            await connection.execute(
                insert(CoordinatorScope.__table__),
                {"person_id": person_id, "region_code": coordinator.region_code},
            )
        if connection.dialect.name == "postgresql":
            await _advance_sequences(connection)
    if db.engine.dialect.name == "postgresql":
        # Autovacuum would gather statistics within a minute of such a load; do it now. SQLite gets
        # none, as in production (nothing there runs ANALYZE).
        async with db.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
    return Built(len(posyandu_rows), len(people), count, reported_last, under, coordinators)


async def _advance_sequences(connection: AsyncConnection) -> None:
    """Rows went in with explicit ids; move PostgreSQL's sequences past them so later inserts work."""
    for table in (Posyandu, Person, ChannelIdentity, Cadre, MonthlyReport):
        name = table.__tablename__
        highest = (await connection.execute(select(func.max(table.id)))).scalar_one()
        await connection.execute(
            text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :value)"),
            {"table": name, "value": highest},
        )
