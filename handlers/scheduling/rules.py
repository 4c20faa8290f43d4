"""Planning rules: who gets which reminder, when. Each rule plans reminders due within a window
(a look-ahead from now) and, when one falls due, says whether it still stands — a report sent
meanwhile, a seat cancelled, a BPJS card arrived — so nothing outdated goes out.

All times are computed from the injected `now` and the configured zone; nothing here waits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.forms.dates import day_in_month, month_start, shift_months
from handlers.scheduling import kinds
from handlers.scheduling.deadlines import deadline, past, terms_for
from storage.models_incentives import PAID, IncentiveRule
from storage.models_scheduling import Reminder
from storage.repositories import bpjs, cadre_directory, incentives, reports, trainings
from storage.repositories.cadre_directory import CadreRow
from storage.repositories.reminders import NewReminder

HORIZON = dt.timedelta(days=8)  # how far ahead reminders are planned (covers training D-7)
PLAN_GRACE = dt.timedelta(hours=1)  # a due time this recent is still planned (then sent at once)


def local_at(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """A local wall-clock time on `day` as an aware UTC moment."""
    return dt.datetime.combine(day, at, tzinfo=zone).astimezone(dt.UTC)


@dataclass(frozen=True)
class PlanContext:
    now: dt.datetime
    zone: ZoneInfo
    start: dt.datetime  # due times planned: start <= due < end
    end: dt.datetime
    cadres: Sequence[CadreRow]
    rules: Sequence[IncentiveRule]

    @classmethod
    async def load(
        cls, session: AsyncSession, *, now: dt.datetime, zone: ZoneInfo, horizon: dt.timedelta = HORIZON
    ) -> PlanContext:
        return cls(
            now=now,
            zone=zone,
            start=now - PLAN_GRACE,
            end=now + horizon,
            cadres=await cadre_directory.reachable(session),
            rules=await incentives.rules(session),
        )

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()

    def within(self, due: dt.datetime) -> bool:
        return self.start <= due < self.end


class Rule(Protocol):
    kind: str

    async def plan(self, session: AsyncSession, ctx: PlanContext) -> list[NewReminder]: ...

    async def still_due(
        self, session: AsyncSession, reminder: Reminder, *, now: dt.datetime, zone: ZoneInfo
    ) -> str | None:
        """None when the reminder should go out; otherwise the reason to skip it."""
        ...


async def _moved(session: AsyncSession, reminder: Reminder) -> bool:
    """The person is no longer a cadre of the Posyandu the reminder is about."""
    cadre = await cadre_directory.of_person(session, reminder.person_id)
    return (
        cadre is None
        or cadre.verification == "rejected"
        or cadre.posyandu_id != reminder.subject.get("posyandu_id")
    )


async def _cadre_gone_or_reported(session: AsyncSession, reminder: Reminder) -> str | None:
    """Why a reminder about a Posyandu's month no longer applies, if it does not."""
    if await _moved(session, reminder):
        return "not_cadre_here"
    subject = reminder.subject
    if await reports.for_month(session, subject["posyandu_id"], dt.date.fromisoformat(subject["month"])):
        return "already_reported"
    return None


class ReportDeadlineRule:
    """D-3 and D-1 (09:00) before the report deadline, to cadres of Posyandu that have not reported."""

    kind = kinds.REPORT_DEADLINE

    async def plan(self, session: AsyncSession, ctx: PlanContext) -> list[NewReminder]:
        this = month_start(ctx.today)
        months = (shift_months(this, -1), this)
        sent = await cadre_directory.first_submissions(session, (c.posyandu_id for c in ctx.cadres), months)
        planned: list[NewReminder] = []
        for cadre in ctx.cadres:
            terms = terms_for(ctx.rules, cadre.region_code)
            for month in months:
                if (cadre.posyandu_id, month) in sent:
                    continue
                due_at = deadline(terms, month, ctx.zone)
                due_day = due_at.astimezone(ctx.zone).date()
                for days in kinds.REPORT_DAYS_BEFORE:
                    when = local_at(due_day - dt.timedelta(days=days), kinds.REPORT_REMINDER_AT, ctx.zone)
                    if not ctx.within(when):
                        continue
                    planned.append(
                        NewReminder(
                            kind=self.kind,
                            person_id=cadre.person_id,
                            due_at=when,
                            dedupe_key=f"{self.kind}:{cadre.person_id}:{month:%Y-%m}:d{days}",
                            message_key=f"reminder.report_deadline.d{days}",
                            params={
                                "posyandu": cadre.posyandu,
                                "month": {"month": month.isoformat()},
                                "deadline": {"moment": due_at.isoformat()},
                            },
                            subject={
                                "posyandu_id": cadre.posyandu_id,
                                "month": month.isoformat(),
                                "deadline": due_at.isoformat(),
                            },
                        )
                    )
        return planned

    async def still_due(
        self, session: AsyncSession, reminder: Reminder, *, now: dt.datetime, zone: ZoneInfo
    ) -> str | None:
        subject = reminder.subject
        if (reason := await _cadre_gone_or_reported(session, reminder)) is not None:
            return reason
        if past(dt.datetime.fromisoformat(subject["deadline"]), now):
            return "deadline_passed"
        return None


class ActivityDayRule:
    """The afternoon before the Posyandu's usual day of the month, unless this month is reported."""

    kind = kinds.ACTIVITY_DAY

    async def plan(self, session: AsyncSession, ctx: PlanContext) -> list[NewReminder]:
        this = month_start(ctx.today)
        months = (this, shift_months(this, 1))
        with_day = [c for c in ctx.cadres if c.usual_day]
        sent = await cadre_directory.first_submissions(session, (c.posyandu_id for c in with_day), months)
        planned: list[NewReminder] = []
        for cadre in with_day:
            assert cadre.usual_day is not None
            for month in months:
                day = day_in_month(month, cadre.usual_day)
                when = local_at(day - dt.timedelta(days=1), kinds.ACTIVITY_REMINDER_AT, ctx.zone)
                if not ctx.within(when) or (cadre.posyandu_id, month) in sent:
                    continue
                planned.append(
                    NewReminder(
                        kind=self.kind,
                        person_id=cadre.person_id,
                        due_at=when,
                        dedupe_key=f"{self.kind}:{cadre.person_id}:{cadre.posyandu_id}:{day.isoformat()}",
                        message_key="reminder.activity_day",
                        params={"posyandu": cadre.posyandu, "date": {"weekday": day.isoformat()}},
                        subject={
                            "posyandu_id": cadre.posyandu_id,
                            "month": month.isoformat(),
                            "date": day.isoformat(),
                        },
                    )
                )
        return planned

    async def still_due(
        self, session: AsyncSession, reminder: Reminder, *, now: dt.datetime, zone: ZoneInfo
    ) -> str | None:
        if (reason := await _cadre_gone_or_reported(session, reminder)) is not None:
            return reason
        if now.astimezone(zone).date() >= dt.date.fromisoformat(reminder.subject["date"]):
            return "day_passed"
        return None


class TrainingRule:
    """D-7 and D-1 (09:00) and the morning of a training, to cadres registered for it."""

    kind = kinds.TRAINING

    async def plan(self, session: AsyncSession, ctx: PlanContext) -> list[NewReminder]:
        lookahead = ctx.end + dt.timedelta(days=max(kinds.TRAINING_DAYS_BEFORE) + 1)
        found = {t.id: t for t in await trainings.starting_between(session, ctx.now, lookahead)}
        planned: list[NewReminder] = []
        for seat, person_id in await trainings.registered_seats(session, found):
            training = found[seat.training_id]
            start_day = training.starts_at.astimezone(ctx.zone).date()
            moments = {
                f"d{days}": local_at(
                    start_day - dt.timedelta(days=days), kinds.TRAINING_REMINDER_AT, ctx.zone
                )
                for days in kinds.TRAINING_DAYS_BEFORE
            }
            moments["day"] = min(
                local_at(start_day, kinds.TRAINING_MORNING_AT, ctx.zone),
                training.starts_at - dt.timedelta(hours=1),
            )
            for tag, when in moments.items():
                # Nothing from before the cadre signed up, and nothing once the training has begun.
                if not ctx.within(when) or when <= seat.updated_at or when >= training.starts_at:
                    continue
                planned.append(
                    NewReminder(
                        kind=self.kind,
                        person_id=person_id,
                        due_at=when,
                        dedupe_key=f"{self.kind}:{person_id}:{training.id}:{tag}",
                        message_key=f"reminder.training.{tag}",
                        params={
                            "title": training.title,
                            "place": training.place,
                            "when": {"moment": training.starts_at.isoformat()},
                            "time": {"time": training.starts_at.isoformat()},
                        },
                        subject={"training_id": training.id, "cadre_id": seat.cadre_id},
                    )
                )
        return planned

    async def still_due(
        self, session: AsyncSession, reminder: Reminder, *, now: dt.datetime, zone: ZoneInfo
    ) -> str | None:
        training = await trainings.get(session, reminder.subject["training_id"])
        if training is None:
            return "training_gone"
        seat = await trainings.seat(session, training.id, reminder.subject["cadre_id"])
        if seat is None or seat.status not in ("registered", "attended"):
            return "not_registered"
        if now >= training.starts_at:
            return "started"
        return None


class BpjsRule:
    """Once a month (the 10th, 09:00) to cadres not enrolled in BPJS Ketenagakerjaan."""

    kind = kinds.BPJS

    async def plan(self, session: AsyncSession, ctx: PlanContext) -> list[NewReminder]:
        this = month_start(ctx.today)
        planned: list[NewReminder] = []
        for month in (this, shift_months(this, 1)):
            when = local_at(month.replace(day=kinds.BPJS_DAY), kinds.BPJS_REMINDER_AT, ctx.zone)
            if not ctx.within(when):
                continue
            known = await bpjs.of_cadres(session, (c.cadre_id for c in ctx.cadres))
            for cadre in ctx.cadres:
                row = known.get(cadre.cadre_id)
                if row is not None and row.status != "belum":
                    continue
                planned.append(
                    NewReminder(
                        kind=self.kind,
                        person_id=cadre.person_id,
                        due_at=when,
                        dedupe_key=f"{self.kind}:{cadre.person_id}:{month:%Y-%m}",
                        message_key="reminder.bpjs",
                        subject={"cadre_id": cadre.cadre_id},
                    )
                )
        return planned

    async def still_due(
        self, session: AsyncSession, reminder: Reminder, *, now: dt.datetime, zone: ZoneInfo
    ) -> str | None:
        row = await bpjs.of_cadre(session, reminder.subject["cadre_id"])
        if row is not None and row.status != "belum":
            return "enrolled"
        return None


class IncentivePaidRule:
    """Planned by the act of marking a month paid (see `paid_reminder`), not ahead of time."""

    kind = kinds.INCENTIVE_PAID

    async def plan(self, session: AsyncSession, ctx: PlanContext) -> list[NewReminder]:
        return []

    async def still_due(
        self, session: AsyncSession, reminder: Reminder, *, now: dt.datetime, zone: ZoneInfo
    ) -> str | None:
        month = dt.date.fromisoformat(reminder.subject["month"])
        record = (await incentives.records_for(session, [reminder.subject["cadre_id"]], month)).get(
            reminder.subject["cadre_id"]
        )
        return None if record is not None and record.status == PAID else "not_paid"


def paid_reminder(
    *, cadre_id: int, person_id: int, month: dt.date, amount: int | None, paid_on: dt.date, now: dt.datetime
) -> NewReminder:
    """'Your incentive for <month> was paid', due at once."""
    return NewReminder(
        kind=kinds.INCENTIVE_PAID,
        person_id=person_id,
        due_at=now,
        dedupe_key=f"{kinds.INCENTIVE_PAID}:{cadre_id}:{month:%Y-%m}",
        message_key="reminder.incentive_paid" if amount else "reminder.incentive_paid_plain",
        params={
            "month": {"month": month.isoformat()},
            "paid_on": {"date": paid_on.isoformat()},
            **({"amount": {"rupiah": amount}} if amount else {}),
        },
        subject={"cadre_id": cadre_id, "month": month.isoformat()},
    )


def default_rules() -> Mapping[str, Rule]:
    # A linked mother's reminders about her child (issue #17); they plan with this module's context.
    from handlers.scheduling.child_rules import child_rules

    rules: list[Rule] = [
        ReportDeadlineRule(),
        ActivityDayRule(),
        TrainingRule(),
        BpjsRule(),
        IncentivePaidRule(),
        *child_rules(),
    ]
    return {rule.kind: rule for rule in rules}
