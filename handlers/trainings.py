"""Signing up for trainings: a place while the quota lasts, else the waitlist; a cancellation moves
the first on the waitlist up (and tells them); attendance recorded by the coordinator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.scheduling import kinds
from handlers.scheduling.formats import moment
from storage.models import Person
from storage.models_training import Training, TrainingSeat
from storage.repositories import audit, notifications, reminders, trainings
from storage.repositories.cadre_directory import CadreRow

ACTIVE = ("registered", "waitlisted")


async def create(
    session: AsyncSession,
    *,
    actor: Person,
    title: str,
    certified: bool,
    starts_at: dt.datetime,
    place: str,
    quota: int,
    region_code: str,
    now: dt.datetime,
) -> Training:
    """A coordinator creates a training (/pelatihan_baru in chat, /dasbor/pelatihan/baru), recorded
    in the audit log."""
    training = await trainings.create(
        session,
        title=title,
        certified=certified,
        starts_at=starts_at,
        place=place,
        quota=quota,
        region_code=region_code,
        created_by=actor.id,
        now=now,
    )
    await audit.record(
        session,
        actor=actor,
        action="training.create",
        target=f"training {training.id}",
        details={"title": training.title, "region_code": region_code, "quota": training.quota},
        now=now,
    )
    return training


@dataclass(frozen=True, slots=True)
class SignUp:
    status: str  # registered, waitlisted, already, closed, gone
    rank: int = 0  # place on the waitlist (1 = next in line)


async def register(session: AsyncSession, training_id: int, cadre: CadreRow, *, now: dt.datetime) -> SignUp:
    training = await trainings.lock(session, training_id)
    if training is None:
        return SignUp("gone")
    if training.starts_at <= now:
        return SignUp("closed")
    seat = await trainings.seat(session, training.id, cadre.cadre_id)
    if seat is not None and seat.status in ACTIVE:
        return SignUp(
            "already", await trainings.waitlist_rank(session, seat) if seat.status == "waitlisted" else 0
        )
    taken = (await trainings.counts(session, [training.id]))[training.id].taken
    status = "registered" if taken < training.quota else "waitlisted"
    position = await trainings.next_position(session, training.id)
    if seat is None:
        seat = TrainingSeat(training_id=training.id, cadre_id=cadre.cadre_id, created_at=now)
        session.add(seat)
    seat.status = status
    seat.position = position
    seat.updated_at = now
    await session.flush()
    rank = await trainings.waitlist_rank(session, seat) if status == "waitlisted" else 0
    return SignUp(status, rank)


@dataclass(frozen=True, slots=True)
class Cancelled:
    done: bool
    promoted_person_id: int | None = None


async def cancel(
    session: AsyncSession, training_id: int, cadre: CadreRow, *, now: dt.datetime, zone: ZoneInfo
) -> Cancelled:
    training = await trainings.lock(session, training_id)
    if training is None or training.starts_at <= now:
        return Cancelled(False)
    seat = await trainings.seat(session, training.id, cadre.cadre_id)
    if seat is None or seat.status not in ACTIVE:
        return Cancelled(False)
    freed = seat.status == "registered"
    seat.status = "cancelled"
    seat.updated_at = now
    await session.flush()
    await reminders.cancel_pending(
        session,
        person_id=cadre.person_id,
        kind=kinds.TRAINING,
        subject={"training_id": training.id},
        reason="cancelled",
    )
    promoted = await _move_up(session, training, now=now, zone=zone) if freed else None
    return Cancelled(True, promoted)


async def _move_up(
    session: AsyncSession, training: Training, *, now: dt.datetime, zone: ZoneInfo
) -> int | None:
    """Give a freed place to the first on the waitlist and tell them. Returns their person id."""
    counts = (await trainings.counts(session, [training.id]))[training.id]
    if counts.taken >= training.quota:
        return None
    seat = await trainings.first_waitlisted(session, training.id)
    if seat is None:
        return None
    seat.status = "registered"
    seat.updated_at = now
    await session.flush()
    person_id = next(
        (
            p.person_id
            for p in await trainings.participants(session, training.id, ("registered",))
            if p.seat_id == seat.id
        ),
        None,
    )
    person = await session.get(Person, person_id) if person_id is not None else None
    if person is not None:
        await notifications.add(
            session,
            [person.id],
            kind="notification",
            key="training.notice.promoted",
            params={"title": training.title, "when": moment(training.starts_at, person.language, zone)},
            now=now,
        )
    return person_id


async def set_attended(
    session: AsyncSession, training: Training, seat_id: int, *, attended: bool, now: dt.datetime
) -> bool:
    """Mark a registered seat attended (or undo it). False when the seat is not on this training's list."""
    seat = await session.get(TrainingSeat, seat_id)
    if seat is None or seat.training_id != training.id or seat.status not in ("registered", "attended"):
        return False
    seat.status = "attended" if attended else "registered"
    seat.updated_at = now
    await session.flush()
    return True
