"""Incentive rules per region and coordinators' records per cadre and month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_incentives import IncentiveRule, IncentiveStatus


async def rules(session: AsyncSession) -> list[IncentiveRule]:
    return list((await session.execute(select(IncentiveRule).order_by(IncentiveRule.region_code))).scalars())


async def set_rule(
    session: AsyncSession,
    region_code: str,
    *,
    amount: int,
    deadline_day: int,
    deadline_hour: int,
    deadline_minute: int,
    now: dt.datetime,
) -> IncentiveRule:
    rule = (
        await session.execute(select(IncentiveRule).where(IncentiveRule.region_code == region_code))
    ).scalar_one_or_none()
    if rule is None:
        rule = IncentiveRule(region_code=region_code)
        session.add(rule)
    rule.monthly_amount = amount
    rule.deadline_day = deadline_day
    rule.deadline_hour = deadline_hour
    rule.deadline_minute = deadline_minute
    rule.updated_at = now
    await session.flush()
    return rule


async def records_of(session: AsyncSession, cadre_id: int, since: dt.date) -> dict[dt.date, IncentiveStatus]:
    result = await session.execute(
        select(IncentiveStatus).where(IncentiveStatus.cadre_id == cadre_id, IncentiveStatus.month >= since)
    )
    return {row.month: row for row in result.scalars()}


async def records_for(
    session: AsyncSession, cadre_ids: Iterable[int], month: dt.date
) -> dict[int, IncentiveStatus]:
    ids = list(set(cadre_ids))
    if not ids:
        return {}
    result = await session.execute(
        select(IncentiveStatus).where(IncentiveStatus.cadre_id.in_(ids), IncentiveStatus.month == month)
    )
    return {row.cadre_id: row for row in result.scalars()}


async def record(
    session: AsyncSession,
    *,
    cadre_id: int,
    month: dt.date,
    status: str,
    amount: int | None,
    paid_on: dt.date | None,
    source: str,
    by: int | None,
    now: dt.datetime,
) -> IncentiveStatus:
    row = (
        await session.execute(
            select(IncentiveStatus).where(
                IncentiveStatus.cadre_id == cadre_id, IncentiveStatus.month == month
            )
        )
    ).scalar_one_or_none()
    if row is None:
        row = IncentiveStatus(cadre_id=cadre_id, month=month)
        session.add(row)
    row.status = status
    row.amount = amount
    row.paid_on = paid_on
    row.source = source
    row.updated_by = by
    row.updated_at = now
    await session.flush()
    return row
