"""Monthly Posyandu reports with their revision history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, bindparam, case, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from storage.models import MonthlyReport, Posyandu, ReportRevision
from storage.repositories.scopes import under
from storage.turns import change, insert_returning, read

REPORT_COLUMNS = (
    "held",
    "held_on",
    "place_note",
    "not_held_reason",
    "s",
    "k",
    "d",
    "n",
    "visits",
    "referrals_gizi",
    "immunizations",
    "vitamin_a",
    "notes",
    "photos",
    "field_answers",
    "skdn_source",
)


async def for_month(session: AsyncSession, posyandu_id: int, month: dt.date) -> MonthlyReport | None:
    return (
        await session.execute(
            select(MonthlyReport).where(
                MonthlyReport.posyandu_id == posyandu_id, MonthlyReport.month == month
            )
        )
    ).scalar_one_or_none()


_FILED = select(MonthlyReport.id).where(
    MonthlyReport.posyandu_id == bindparam("posyandu"), MonthlyReport.month == bindparam("month")
)


async def filed(session: AsyncSession, posyandu_id: int, month: dt.date) -> bool:
    """Whether the Posyandu has a report for the month already."""
    return bool(await read(session, _FILED, {"posyandu": posyandu_id, "month": month}))


def _snapshot(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}


_REPORT_TABLE = MonthlyReport.__table__
_NEW_REPORT = (
    insert(_REPORT_TABLE)
    .values(
        {
            name: bindparam(name)
            for name in (
                "posyandu_id",
                "month",
                "revision",
                "submitted_by",
                "submitted_at",
                "first_submitted_at",
                *REPORT_COLUMNS,
            )
        }
    )
    .returning(_REPORT_TABLE.c.id)
)
_NEW_REVISION = insert(ReportRevision.__table__).values(
    report_id=bindparam("report"),
    revision=bindparam("revision"),
    data=bindparam("data"),
    submitted_by=bindparam("by"),
    submitted_at=bindparam("now"),
)


async def submit(
    session: AsyncSession,
    *,
    posyandu_id: int,
    month: dt.date,
    values: dict[str, Any],
    person_id: int,
    now: dt.datetime,
) -> MonthlyReport:
    """Store the month's report, or a new revision of it. Never a second report for the same month."""
    unknown = set(values) - set(REPORT_COLUMNS)
    if unknown:
        raise ValueError(f"unknown report fields: {sorted(unknown)}")
    full = {column: values.get(column) for column in REPORT_COLUMNS}
    full["visits"] = full["visits"] or {}
    full["photos"] = full["photos"] or []
    full["field_answers"] = full["field_answers"] or {}
    # A plain read first: a month's first report (the usual case) needs no entity loaded.
    report = None
    if await filed(session, posyandu_id, month):
        report = await for_month(session, posyandu_id, month)
    if report is None:
        # The month's first report: two plain statements instead of two ORM flushes (issue #19),
        # and the entity as the session would hold it after them.
        row = {
            "posyandu_id": posyandu_id,
            "month": month,
            "revision": 1,
            "submitted_by": person_id,
            "submitted_at": now,
            "first_submitted_at": now,
            **full,
        }
        (report_id,) = (await insert_returning(session, _NEW_REPORT, row))[0]
        report = MonthlyReport(id=report_id, **row)
        make_transient_to_detached(report)
        session.add(report)
        revision = {"report": report_id, "revision": 1, "data": _snapshot(full), "by": person_id, "now": now}
        await change(session, _NEW_REVISION, revision)
        return report
    else:
        report.revision += 1
        report.submitted_by = person_id
        report.submitted_at = now
        for column, value in full.items():
            setattr(report, column, value)
    await session.flush()
    session.add(
        ReportRevision(
            report_id=report.id,
            revision=report.revision,
            data=_snapshot(full),
            submitted_by=person_id,
            submitted_at=now,
        )
    )
    await session.flush()
    return report


async def recent(session: AsyncSession, posyandu_id: int, since: dt.date) -> list[MonthlyReport]:
    result = await session.execute(
        select(MonthlyReport)
        .where(MonthlyReport.posyandu_id == posyandu_id, MonthlyReport.month >= since)
        .order_by(MonthlyReport.month.desc())
    )
    return list(result.scalars())


_RECENT_S = (
    select(MonthlyReport.month, MonthlyReport.s)
    .where(MonthlyReport.posyandu_id == bindparam("posyandu"), MonthlyReport.month >= bindparam("since"))
    .order_by(MonthlyReport.month.desc())
)


async def recent_s(
    session: AsyncSession, posyandu_id: int, since: dt.date
) -> list[tuple[dt.date, int | None]]:
    """(month, S) of the Posyandu's reports since `since`, latest first: a plain read, for the report
    form's start (issue #19: an ORM query there cost that turn about 0.3 ms)."""
    found = await read(session, _RECENT_S, {"posyandu": posyandu_id, "since": since})
    return [(month, s) for month, s in found]


async def revision_count(session: AsyncSession, report_id: int) -> int:
    return int(
        (
            await session.execute(select(func.count()).where(ReportRevision.report_id == report_id))
        ).scalar_one()
    )


_SPM_FIELDS = select(Posyandu.spm_fields).where(Posyandu.id == bindparam("posyandu"))


async def spm_fields(session: AsyncSession, posyandu_id: int) -> list[str]:
    """The SPM fields a Posyandu serves, as stored (its report asks a section for each)."""
    found = await read(session, _SPM_FIELDS, {"posyandu": posyandu_id})
    return list(found[0][0] or []) if found else []


async def field_totals(
    session: AsyncSession, region_code: str, month: dt.date, questions: list[tuple[str, str, str]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (field, question) of the reports of Posyandu under a region for a month, counted in the
    database: (reports that answered it, the sum of a count or the number of 'yes'). `questions`:
    (field, key, kind) with kind 'count' or 'yes_no'. Posyandu counted as in the compliance recap:
    listed, or proposed and waiting."""
    if not questions:
        return {}
    columns = []
    for code, key, kind in questions:
        value = MonthlyReport.field_answers[(code, key)]
        if kind == "yes_no":
            answered = func.count(value.as_boolean())
            total = func.coalesce(func.sum(case((value.as_boolean(), 1), else_=0)), 0)
        else:
            answered = func.count(value.as_integer())
            total = func.coalesce(func.sum(value.as_integer()), 0)
        columns += [answered, total.cast(Integer)]
    row = (
        await session.execute(
            select(*columns)
            .join(Posyandu, Posyandu.id == MonthlyReport.posyandu_id)
            .where(
                MonthlyReport.month == month,
                under(Posyandu.region_code, region_code),
                Posyandu.status.in_(("active", "proposed")),
            )
        )
    ).one()
    values = [int(v or 0) for v in row]
    return {(code, key): (values[2 * i], values[2 * i + 1]) for i, (code, key, _) in enumerate(questions)}
