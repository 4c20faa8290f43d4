"""Set-up shared by the newcomer tour and the console demo tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage.db import open_database
from storage.models import Cadre, ChannelIdentity
from storage.models_training import Training, TrainingSeat


async def sari_signs_up_for_a_training(db_url: str, now: dt.datetime) -> None:
    """A training in three days with Sari on it: whatever today's date, the scheduler has reminders
    to plan for her (the day before and the morning of)."""
    db = open_database(db_url)
    try:
        async with db.sessions() as session, session.begin():
            cadre_id = (
                await session.execute(
                    select(Cadre.id)
                    .join(ChannelIdentity, ChannelIdentity.person_id == Cadre.person_id)
                    .where(ChannelIdentity.channel == "console", ChannelIdentity.address == "sari")
                )
            ).scalar_one()
            training = Training(
                title="Pelatihan Kader Gizi",
                certified=True,
                starts_at=now + dt.timedelta(days=3),
                place="Puskesmas Tenggarong",
                quota=20,
                region_code="64.02",
                created_at=now,
            )
            session.add(training)
            await session.flush()
            session.add(
                TrainingSeat(
                    training_id=training.id,
                    cadre_id=cadre_id,
                    status="registered",
                    position=1,
                    created_at=now,
                    updated_at=now,
                )
            )
    finally:
        await db.dispose()
