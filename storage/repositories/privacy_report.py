"""What KaderBot holds about one person, counted per category, for /privasi."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Cadre, ChannelIdentity, CoordinatorScope, Person, Posyandu, ReportRevision
from storage.models_bpjs import CadreBpjs
from storage.models_incentives import IncentiveStatus
from storage.models_media import MediaObject
from storage.models_outbox import OutboxMessage
from storage.models_scheduling import Reminder, ReminderMute
from storage.models_tickets import Ticket
from storage.models_training import Training, TrainingSeat
from storage.repositories import ticket_desk


@dataclass(frozen=True, slots=True)
class CadreHoldings:
    posyandu: str
    position: str
    verification: str
    registered_at: dt.datetime
    revisions_submitted: int  # every version of a monthly report this person sent
    incentive_records: int
    bpjs_status: str | None
    training_seats: int
    certificates: int


@dataclass(frozen=True, slots=True)
class Holdings:
    full_name: str | None
    phone: str | None
    language: str
    role: str
    consent_at: dt.datetime | None
    consent_declined_at: dt.datetime | None
    created_at: dt.datetime
    channels: list[str] = field(default_factory=list)
    cadre: CadreHoldings | None = None
    tickets: int = 0
    open_tickets: int = 0
    reminders_planned: int = 0
    muted_kinds: list[str] = field(default_factory=list)
    messages_queued: int = 0
    regions: int = 0  # a coordinator's regions
    personal_files: int = 0  # photos and documents they sent that are theirs (storage/media.py)


async def held_about(session: AsyncSession, person: Person) -> Holdings:
    pid = person.id
    channels = list(
        (
            await session.execute(
                select(ChannelIdentity.channel)
                .where(ChannelIdentity.person_id == pid)
                .order_by(ChannelIdentity.id)
            )
        ).scalars()
    )
    tickets = (
        await session.execute(
            select(func.count(), func.count().filter(Ticket.status.in_(ticket_desk.OPEN))).where(
                Ticket.person_id == pid
            )
        )
    ).one()
    muted = list(
        (
            await session.execute(
                select(ReminderMute.kind).where(ReminderMute.person_id == pid).order_by(ReminderMute.kind)
            )
        ).scalars()
    )
    return Holdings(
        full_name=person.full_name,
        phone=person.phone,
        language=person.language,
        role=person.role,
        consent_at=person.consent_at,
        consent_declined_at=person.consent_declined_at,
        created_at=person.created_at,
        channels=list(dict.fromkeys(channels)),
        cadre=await _cadre(session, pid),
        tickets=int(tickets[0]),
        open_tickets=int(tickets[1]),
        reminders_planned=await _count(session, select(func.count()).where(Reminder.person_id == pid)),
        muted_kinds=muted,
        messages_queued=await _count(session, select(func.count()).where(OutboxMessage.person_id == pid)),
        regions=await _count(session, select(func.count()).where(CoordinatorScope.person_id == pid)),
        personal_files=await _count(
            session,
            select(func.count()).where(MediaObject.owner_person_id == pid, MediaObject.personal.is_(True)),
        ),
    )


async def _cadre(session: AsyncSession, person_id: int) -> CadreHoldings | None:
    row = (
        await session.execute(
            select(Cadre, Posyandu.name)
            .join(Posyandu, Posyandu.id == Cadre.posyandu_id)
            .where(Cadre.person_id == person_id)
        )
    ).one_or_none()
    if row is None:
        return None
    cadre, posyandu = row
    bpjs = await session.get(CadreBpjs, cadre.id)
    return CadreHoldings(
        posyandu=posyandu,
        position=cadre.position,
        verification=cadre.verification,
        registered_at=cadre.registered_at,
        revisions_submitted=await _count(
            session,
            select(func.count()).where(ReportRevision.submitted_by == person_id),
        ),
        incentive_records=await _count(
            session, select(func.count()).where(IncentiveStatus.cadre_id == cadre.id)
        ),
        bpjs_status=bpjs.status if bpjs is not None else None,
        training_seats=await _count(
            session,
            select(func.count()).where(TrainingSeat.cadre_id == cadre.id, TrainingSeat.status != "cancelled"),
        ),
        certificates=await _count(
            session,
            select(func.count())
            .select_from(TrainingSeat)
            .join(Training, Training.id == TrainingSeat.training_id)
            .where(
                TrainingSeat.cadre_id == cadre.id,
                TrainingSeat.status == "attended",
                Training.certified.is_(True),
            ),
        ),
    )


async def _count(session: AsyncSession, query: object) -> int:
    return int((await session.execute(query)).scalar_one())  # type: ignore[call-overload]
