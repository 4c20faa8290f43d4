"""A linked mother's reminders about her child (issue #17 point 6); each can be muted in /pengingat.

- `child_posyandu_day`: the afternoon before her child's Posyandu day (16:00, as the cadres'
  reminder), one message for all her children at that Posyandu.
- `child_vitamin_a`: 1 February and 1 August, 09:00, for a child 6–59 months old that day — the
  blue capsule (100,000 IU) at 6–11 months, the red one (200,000 IU) at 12–59 months. Source:
  Permenkes 21/2015, Standar Kapsul Vitamin A bagi Bayi, Anak Balita, dan Ibu Nifas (vitamin A
  months February and August). Checked 2026-12-06.
- `child_immunisation`: 09:00 on the day the child reaches an age of the national schedule
  (handlers/growth/data/immunisation.tsv, Permenkes 12/2017; see IMMUNISATION.md there).

Each is checked again when due: the mother still linked, the child still on the register.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.forms.dates import day_in_month, month_start, shift_months
from handlers.scheduling import kinds
from handlers.scheduling.rules import PlanContext, local_at
from storage.models_growth import Child
from storage.models_scheduling import Reminder
from storage.repositories import mother_links
from storage.repositories.mother_links import MotherChild
from storage.repositories.reminders import NewReminder

SCHEDULE_FILE = Path(__file__).parents[1] / "growth" / "data" / "immunisation.tsv"
VITAMIN_A_MONTHS = (2, 8)
VITAMIN_A_DAY = 1
VITAMIN_A_AT = dt.time(9, 0)
VITAMIN_A_AGES = (6, 59)  # months, inclusive
BLUE_UNTIL_MONTHS = 11  # 6–11 months: blue capsule; 12–59: red
IMMUNISATION_AT = dt.time(9, 0)


@dataclass(frozen=True, slots=True)
class Dose:
    age_months: int
    vaccines: tuple[str, ...]

    @property
    def message_key(self) -> str:
        """The names of this age's vaccines, in the mother's language."""
        return f"mothers.vaccines.m{self.age_months}"


@cache
def schedule() -> tuple[Dose, ...]:
    with SCHEDULE_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    doses = tuple(Dose(int(r["age_months"]), tuple(r["vaccines"].split())) for r in rows)
    if [d.age_months for d in doses] != sorted({d.age_months for d in doses}):
        raise ValueError("immunisation.tsv: ages must be increasing and unique")
    return doses


def months_after(birth: dt.date, months: int) -> dt.date:
    """The day a child born on `birth` is `months` months old (the month's last day if shorter)."""
    return day_in_month(shift_months(month_start(birth), months), birth.day)


def completed_months(birth: dt.date, on: dt.date) -> int:
    months = (on.year - birth.year) * 12 + on.month - birth.month
    return months if on >= months_after(birth, months) else months - 1


def next_dose(birth: dt.date, today: dt.date) -> tuple[Dose, dt.date] | None:
    """The schedule's next age from today on (today included), with its date."""
    for dose in schedule():
        day = months_after(birth, dose.age_months)
        if day >= today:
            return dose, day
    return None


def posyandu_day(month: dt.date, *, day: int | None, week: int | None, weekday: int | None) -> dt.date | None:
    """The Posyandu's day in `month`: 'the 12th', or 'the 2nd Tuesday' (week 5: the last one)."""
    if week and weekday is not None:
        first = month_start(month)
        offset = (weekday - first.weekday()) % 7
        days = [first + dt.timedelta(days=offset + 7 * n) for n in range(5)]
        days = [d for d in days if d.month == first.month]
        return days[min(week, len(days)) - 1]
    if day:
        return day_in_month(month_start(month), day)
    return None


def vitamin_a_capsule(birth: dt.date, on: dt.date) -> str | None:
    """'blue', 'red', or None when the child is not 6–59 months old on that day."""
    months = completed_months(birth, on)
    if not VITAMIN_A_AGES[0] <= months <= VITAMIN_A_AGES[1]:
        return None
    return "blue" if months <= BLUE_UNTIL_MONTHS else "red"


async def _still_linked(session: AsyncSession, reminder: Reminder) -> str | None:
    ids = reminder.subject.get("child_ids") or [reminder.subject.get("child_id")]
    for child_id in ids:
        child = await session.get(Child, child_id)
        if child is None or child.status != "active":
            return "child_gone"
        if not await mother_links.is_linked(session, reminder.person_id, child_id):
            return "not_linked"
    return None


class ChildPosyanduDayRule:
    kind = kinds.CHILD_POSYANDU_DAY

    async def plan(self, session: AsyncSession, ctx: PlanContext) -> list[NewReminder]:
        this = month_start(ctx.today)
        grouped: dict[tuple[int, int, dt.date], list[MotherChild]] = {}
        for row in await mother_links.reminded(session):
            for month in (this, shift_months(this, 1)):
                day = posyandu_day(month, day=row.usual_day, week=row.usual_week, weekday=row.usual_weekday)
                if day is None:
                    continue
                when = local_at(day - dt.timedelta(days=1), kinds.ACTIVITY_REMINDER_AT, ctx.zone)
                if ctx.within(when):
                    grouped.setdefault((row.person_id, row.posyandu_id, day), []).append(row)
        planned = []
        for (person_id, posyandu_id, day), rows in grouped.items():
            planned.append(
                NewReminder(
                    kind=self.kind,
                    person_id=person_id,
                    due_at=local_at(day - dt.timedelta(days=1), kinds.ACTIVITY_REMINDER_AT, ctx.zone),
                    dedupe_key=f"{self.kind}:{person_id}:{posyandu_id}:{day.isoformat()}",
                    message_key="reminder.child_posyandu_day",
                    params={
                        "children": ", ".join(r.child_name for r in rows),
                        "posyandu": rows[0].posyandu,
                        "date": {"weekday": day.isoformat()},
                    },
                    subject={"child_ids": [r.child_id for r in rows], "date": day.isoformat()},
                )
            )
        return planned

    async def still_due(
        self, session: AsyncSession, reminder: Reminder, *, now: dt.datetime, zone: ZoneInfo
    ) -> str | None:
        if now.astimezone(zone).date() >= dt.date.fromisoformat(reminder.subject["date"]):
            return "day_passed"
        return await _still_linked(session, reminder)


class ChildVitaminARule:
    kind = kinds.CHILD_VITAMIN_A

    async def plan(self, session: AsyncSession, ctx: PlanContext) -> list[NewReminder]:
        this = month_start(ctx.today)
        days = [m for m in (this, shift_months(this, 1)) if m.month in VITAMIN_A_MONTHS]
        planned = []
        for month in days:
            day = month.replace(day=VITAMIN_A_DAY)
            when = local_at(day, VITAMIN_A_AT, ctx.zone)
            if not ctx.within(when):
                continue
            for row in await mother_links.reminded(session):
                capsule = vitamin_a_capsule(row.birth_date, day)
                if capsule is None:
                    continue
                planned.append(
                    NewReminder(
                        kind=self.kind,
                        person_id=row.person_id,
                        due_at=when,
                        dedupe_key=f"{self.kind}:{row.person_id}:{row.child_id}:{month:%Y-%m}",
                        message_key=f"reminder.child_vitamin_a.{capsule}",
                        params={"child": row.child_name, "month": {"month": month.isoformat()}},
                        subject={"child_id": row.child_id, "month": month.isoformat()},
                    )
                )
        return planned

    async def still_due(
        self, session: AsyncSession, reminder: Reminder, *, now: dt.datetime, zone: ZoneInfo
    ) -> str | None:
        return await _still_linked(session, reminder)


class ChildImmunisationRule:
    kind = kinds.CHILD_IMMUNISATION

    async def plan(self, session: AsyncSession, ctx: PlanContext) -> list[NewReminder]:
        planned = []
        for row in await mother_links.reminded(session):
            for dose in schedule():
                day = months_after(row.birth_date, dose.age_months)
                when = local_at(day, IMMUNISATION_AT, ctx.zone)
                if not ctx.within(when):
                    continue
                planned.append(
                    NewReminder(
                        kind=self.kind,
                        person_id=row.person_id,
                        due_at=when,
                        dedupe_key=f"{self.kind}:{row.person_id}:{row.child_id}:m{dose.age_months}",
                        message_key="reminder.child_immunisation",
                        params={
                            "child": row.child_name,
                            "months": dose.age_months,
                            "vaccines": {"key": dose.message_key},
                        },
                        subject={"child_id": row.child_id, "age_months": dose.age_months},
                    )
                )
        return planned

    async def still_due(
        self, session: AsyncSession, reminder: Reminder, *, now: dt.datetime, zone: ZoneInfo
    ) -> str | None:
        return await _still_linked(session, reminder)


def child_rules() -> list[ChildPosyanduDayRule | ChildVitaminARule | ChildImmunisationRule]:
    return [ChildPosyanduDayRule(), ChildVitaminARule(), ChildImmunisationRule()]


__all__ = [
    "Dose",
    "child_rules",
    "completed_months",
    "months_after",
    "next_dose",
    "posyandu_day",
    "schedule",
    "vitamin_a_capsule",
]
