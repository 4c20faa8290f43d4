"""BPJS Ketenagakerjaan status of cadres: how it is shown (the card masked) and the bulk update from
an XLSX, all rows or none.

Columns (header row, any order): telepon / no hp, status (terdaftar, dalam proses, belum), and
optionally nomor kartu (only its last four digits are kept) and nama (ignored).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import sheets
from handlers.access import Scope
from handlers.sheets import ImportReport, RowError, RowInvalid, SheetError
from storage.models import Person
from storage.models_bpjs import ENROLLED, IN_PROGRESS, NOT_ENROLLED
from storage.repositories import audit, bpjs, cadre_directory

COLUMNS = {
    "phone": ("telepon", "no telepon", "nomor telepon", "no hp", "nomor hp", "hp", "telp", "phone"),
    "status": ("status", "status bpjs", "status bpjs ketenagakerjaan", "kepesertaan"),
    "card": ("nomor kartu", "no kartu", "nomor kpj", "no kpj", "kpj", "nomor peserta", "card number", "card"),
    "name": ("nama", "nama kader", "name"),
}
REQUIRED = ("phone", "status")
STATUS_WORDS = {
    "terdaftar": ENROLLED,
    "sudah terdaftar": ENROLLED,
    "sudah": ENROLLED,
    "registered": ENROLLED,
    "enrolled": ENROLLED,
    "dalam proses": IN_PROGRESS,
    "proses": IN_PROGRESS,
    "diproses": IN_PROGRESS,
    "in progress": IN_PROGRESS,
    "belum": NOT_ENROLLED,
    "belum terdaftar": NOT_ENROLLED,
    "not enrolled": NOT_ENROLLED,
    "not registered": NOT_ENROLLED,
}
CARD_DIGITS = (8, 20)


def masked(last4: str | None) -> str:
    return f"••••{last4}" if last4 else "-"


def _status(value: object) -> str:
    raw = " ".join(re.sub(r"[^a-z]+", " ", sheets.text(value).casefold()).split())
    if raw not in STATUS_WORDS:
        raise RowInvalid("import.err.bpjs_status", value=sheets.text(value) or "-")
    return STATUS_WORDS[raw]


def _last4(value: object) -> str | None:
    """The last four digits of a card number; the number itself goes no further than this."""
    raw = sheets.text(value)
    if not raw:
        return None
    digits = re.sub(r"[\s.\-]", "", raw)
    if not digits.isdigit() or not CARD_DIGITS[0] <= len(digits) <= CARD_DIGITS[1]:
        raise RowInvalid("import.err.card", digits=f"{CARD_DIGITS[0]}-{CARD_DIGITS[1]}")
    return digits[-4:]


async def import_statuses(
    session: AsyncSession, data: bytes, *, scope: Scope, actor: Person | None, now: dt.datetime
) -> ImportReport:
    try:
        sheet = sheets.read_xlsx(data, COLUMNS, REQUIRED)
    except SheetError as problem:
        return ImportReport(problem=problem)
    errors: list[RowError] = []
    parsed: list[tuple[int, str, str, str | None]] = []
    for number, row in sheet.rows:
        try:
            status, last4 = _status(row.get("status")), _last4(row.get("card"))
            if status == NOT_ENROLLED and last4 is not None:
                raise RowInvalid("import.err.card_not_enrolled")
            parsed.append((number, sheets.phone(row.get("phone")), status, last4))
        except RowInvalid as bad:
            errors.append(RowError(number, bad.key, bad.params))
    found = await cadre_directory.by_phones(session, (p[1] for p in parsed))
    seen: dict[int, int] = {}
    ready = []
    for number, phone, status, last4 in parsed:
        matches = found.get(phone, [])
        if not matches:
            errors.append(RowError(number, "import.err.unknown_cadre", {"phone": phone}))
        elif len(matches) > 1:
            errors.append(RowError(number, "import.err.ambiguous_phone", {"phone": phone}))
        elif not scope.covers(matches[0].region_code):
            errors.append(RowError(number, "import.err.out_of_scope", {"phone": phone}))
        elif matches[0].cadre_id in seen:
            errors.append(RowError(number, "import.err.duplicate", {"first": seen[matches[0].cadre_id]}))
        else:
            seen[matches[0].cadre_id] = number
            ready.append((matches[0], status, last4))
    if errors:
        return ImportReport(errors=sorted(errors, key=lambda e: e.row))
    for cadre, status, last4 in ready:
        await bpjs.set_status(
            session,
            cadre.cadre_id,
            status=status,
            card_last4=last4,
            by=actor.id if actor is not None else None,
            now=now,
        )
    await audit.record(
        session,
        actor=actor,
        action="bpjs.import",
        target=f"{len(ready)} cadres",
        details={"rows": len(ready)},
        now=now,
    )
    return ImportReport(applied=len(ready))
