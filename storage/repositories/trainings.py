"""Trainings and their seats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, Person
from storage.models_training import Training, TrainingSeat
from storage.repositories.scopes import within
from storage.repositories.tickets import region_lineage_codes


@dataclass(frozen=True, slots=True)
class Counts:
    registered: int = 0
    waitlisted: int = 0
    attended: int = 0

    @property
    def taken(self) -> int:
        """Places used: attendance is recorded on a registered seat, so it still holds its place."""
        return self.registered + self.attended


@dataclass(frozen=True, slots=True)
class Participant:
    seat_id: int
    cadre_id: int
    person_id: int
    name: str
    status: str
    position: int


async def create(
    session: AsyncSession,
    *,
    title: str,
    certified: bool,
    starts_at: dt.datetime,
    place: str,
    quota: int,
    region_code: str,
    created_by: int | None,
    now: dt.datetime,
) -> Training:
    training = Training(
        title=title,
        certified=certified,
        starts_at=starts_at,
        place=place,
        quota=quota,
        region_code=region_code,
        created_by=created_by,
        created_at=now,
    )
    session.add(training)
    await session.flush()
    return training


async def get(session: AsyncSession, training_id: int) -> Training | None:
    return await session.get(Training, training_id)


async def lock(session: AsyncSession, training_id: int) -> Training | None:
    """The training, locked for this transaction (PostgreSQL: FOR UPDATE), so that two sign-ups for
    the last place are decided one after the other. SQLite serialises writers anyway."""
    result = await session.execute(
        select(Training)
        .where(Training.id == training_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return result.scalar_one_or_none()


async def upcoming_for(session: AsyncSession, region_code: str, *, now: dt.datetime) -> list[Training]:
    """Trainings not yet started whose target region contains `region_code`."""
    result = await session.execute(
        select(Training)
        .where(Training.region_code.in_(region_lineage_codes(region_code)), Training.starts_at > now)
        .order_by(Training.starts_at, Training.id)
    )
    return list(result.scalars())


async def in_scope(
    session: AsyncSession, roots: Sequence[str] | None, *, since: dt.datetime, limit: int = 60
) -> list[Training]:
    """Trainings targeted at a region within `roots` (None: all), starting after `since`."""
    result = await session.execute(
        select(Training)
        .where(within(Training.region_code, roots), Training.starts_at >= since)
        .order_by(Training.starts_at, Training.id)
        .limit(limit)
    )
    return list(result.scalars())


async def starting_between(session: AsyncSession, start: dt.datetime, end: dt.datetime) -> list[Training]:
    result = await session.execute(
        select(Training).where(Training.starts_at > start, Training.starts_at <= end).order_by(Training.id)
    )
    return list(result.scalars())


async def counts(session: AsyncSession, training_ids: Iterable[int]) -> dict[int, Counts]:
    ids = list(set(training_ids))
    if not ids:
        return {}
    result = await session.execute(
        select(TrainingSeat.training_id, TrainingSeat.status, func.count())
        .where(TrainingSeat.training_id.in_(ids))
        .group_by(TrainingSeat.training_id, TrainingSeat.status)
    )
    raw: dict[int, dict[str, int]] = {i: {} for i in ids}
    for training_id, status, count in result.all():
        raw[training_id][status] = int(count)
    return {
        i: Counts(c.get("registered", 0), c.get("waitlisted", 0), c.get("attended", 0))
        for i, c in raw.items()
    }


async def seat(session: AsyncSession, training_id: int, cadre_id: int) -> TrainingSeat | None:
    result = await session.execute(
        select(TrainingSeat).where(TrainingSeat.training_id == training_id, TrainingSeat.cadre_id == cadre_id)
    )
    return result.scalar_one_or_none()


async def seats_of_cadre(
    session: AsyncSession, cadre_id: int, training_ids: Iterable[int]
) -> dict[int, TrainingSeat]:
    ids = list(set(training_ids))
    if not ids:
        return {}
    result = await session.execute(
        select(TrainingSeat).where(TrainingSeat.cadre_id == cadre_id, TrainingSeat.training_id.in_(ids))
    )
    return {s.training_id: s for s in result.scalars()}


async def next_position(session: AsyncSession, training_id: int) -> int:
    result = await session.execute(
        select(func.max(TrainingSeat.position)).where(TrainingSeat.training_id == training_id)
    )
    return int(result.scalar_one() or 0) + 1


async def waitlist_rank(session: AsyncSession, seat: TrainingSeat) -> int:
    """1 for the first in line."""
    result = await session.execute(
        select(func.count()).where(
            TrainingSeat.training_id == seat.training_id,
            TrainingSeat.status == "waitlisted",
            TrainingSeat.position <= seat.position,
        )
    )
    return int(result.scalar_one())


async def first_waitlisted(session: AsyncSession, training_id: int) -> TrainingSeat | None:
    result = await session.execute(
        select(TrainingSeat)
        .where(TrainingSeat.training_id == training_id, TrainingSeat.status == "waitlisted")
        .order_by(TrainingSeat.position, TrainingSeat.id)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def participants(
    session: AsyncSession, training_id: int, statuses: Sequence[str] = ("registered", "attended")
) -> list[Participant]:
    result = await session.execute(
        select(
            TrainingSeat.id,
            Cadre.id,
            Person.id,
            Person.full_name,
            TrainingSeat.status,
            TrainingSeat.position,
        )
        .join(Cadre, Cadre.id == TrainingSeat.cadre_id)
        .join(Person, Person.id == Cadre.person_id)
        .where(TrainingSeat.training_id == training_id, TrainingSeat.status.in_(list(statuses)))
        .order_by(TrainingSeat.position, TrainingSeat.id)
    )
    return [
        Participant(sid, cid, pid, name or "-", status, pos)
        for sid, cid, pid, name, status, pos in result.all()
    ]


async def registered_seats(
    session: AsyncSession, training_ids: Iterable[int]
) -> list[tuple[TrainingSeat, int]]:
    """Registered seats with the cadre's person id, for reminders."""
    ids = list(set(training_ids))
    if not ids:
        return []
    result = await session.execute(
        select(TrainingSeat, Cadre.person_id)
        .join(Cadre, Cadre.id == TrainingSeat.cadre_id)
        .join(Person, Person.id == Cadre.person_id)
        .where(
            TrainingSeat.training_id.in_(ids),
            TrainingSeat.status == "registered",
            Person.consent_at.is_not(None),
        )
        .order_by(TrainingSeat.id)
    )
    return [(row[0], row[1]) for row in result.all()]


async def attended_certified(session: AsyncSession, cadre_id: int) -> list[Training]:
    result = await session.execute(
        select(Training)
        .join(TrainingSeat, TrainingSeat.training_id == Training.id)
        .where(
            TrainingSeat.cadre_id == cadre_id,
            TrainingSeat.status == "attended",
            Training.certified.is_(True),
        )
        .order_by(Training.starts_at.desc(), Training.id)
    )
    return list(result.scalars())
