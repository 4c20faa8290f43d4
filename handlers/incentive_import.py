"""Importing the payment office's list of paid cadres (XLSX): all rows or none.

Columns (header row, any order): telepon / no hp (the cadre's phone number), bulan (the month paid:
2026-10, 10/2026, Oktober 2026 or a date in it), tanggal bayar (the payment date), optionally
jumlah (rupiah; defaults to the region's monthly amount) and nama (ignored, for people reading it).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import sheets
from handlers.access import Scope
from handlers.incentives import record_status
from handlers.scheduling.deadlines import terms_for
from handlers.sheets import ImportReport, RowError, RowInvalid, SheetError
from storage.models import Person
from storage.models_incentives import PAID
from storage.repositories import audit, cadre_directory, incentives

COLUMNS = {
    "phone": ("telepon", "no telepon", "nomor telepon", "no hp", "nomor hp", "hp", "telp", "phone"),
    "month": ("bulan", "bulan insentif", "month"),
    "paid_on": ("tanggal bayar", "tanggal dibayar", "tgl bayar", "dibayar", "paid on", "payment date"),
    "amount": ("jumlah", "nominal", "besaran", "amount"),
    "name": ("nama", "nama kader", "name"),
}
REQUIRED = ("phone", "month", "paid_on")


async def import_paid(
    session: AsyncSession,
    data: bytes,
    *,
    scope: Scope,
    actor: Person | None,
    now: dt.datetime,
    zone: ZoneInfo,
) -> ImportReport:
    """Mark the listed cadres paid for the listed months, or — if any row is wrong — change nothing."""
    try:
        sheet = sheets.read_xlsx(data, COLUMNS, REQUIRED)
    except SheetError as problem:
        return ImportReport(problem=problem)
    today = now.astimezone(zone).date()
    errors: list[RowError] = []
    parsed: list[tuple[int, str, dt.date, dt.date, int | None]] = []
    for number, row in sheet.rows:
        try:
            parsed.append(
                (
                    number,
                    sheets.phone(row.get("phone")),
                    sheets.month(row.get("month"), today),
                    sheets.date(row.get("paid_on"), today),
                    sheets.whole_number(row.get("amount")),
                )
            )
        except RowInvalid as bad:
            errors.append(RowError(number, bad.key, bad.params))
    found = await cadre_directory.by_phones(session, (p[1] for p in parsed))
    rules = await incentives.rules(session)
    seen: dict[tuple[int, dt.date], int] = {}
    ready = []
    for number, phone, month, paid_on, amount in parsed:
        matches = found.get(phone, [])
        if not matches:
            errors.append(RowError(number, "import.err.unknown_cadre", {"phone": phone}))
            continue
        if len(matches) > 1:
            errors.append(RowError(number, "import.err.ambiguous_phone", {"phone": phone}))
            continue
        cadre = matches[0]
        if not scope.covers(cadre.region_code):
            errors.append(RowError(number, "import.err.out_of_scope", {"phone": phone}))
            continue
        if paid_on > today:
            errors.append(RowError(number, "import.err.date_future", {"value": paid_on.isoformat()}))
            continue
        if paid_on < month:
            errors.append(RowError(number, "import.err.paid_before_month", {"value": paid_on.isoformat()}))
            continue
        if (cadre.cadre_id, month) in seen:
            errors.append(RowError(number, "import.err.duplicate", {"first": seen[(cadre.cadre_id, month)]}))
            continue
        seen[(cadre.cadre_id, month)] = number
        amount = amount if amount is not None else terms_for(rules, cadre.region_code).amount
        if amount is None or amount <= 0:
            errors.append(RowError(number, "import.err.amount_missing", {}))
            continue
        ready.append((cadre, month, paid_on, amount))
    if errors:
        return ImportReport(errors=sorted(errors, key=lambda e: e.row))
    for cadre, month, paid_on, amount in ready:
        await record_status(
            session,
            cadre,
            month,
            status=PAID,
            amount=amount,
            paid_on=paid_on,
            by=actor.id if actor is not None else None,
            source="import",
            now=now,
        )
    await audit.record(
        session,
        actor=actor,
        action="incentive.import_paid",
        target=f"{len(ready)} cadre-months",
        details={"rows": len(ready)},
        now=now,
    )
    return ImportReport(applied=len(ready))
