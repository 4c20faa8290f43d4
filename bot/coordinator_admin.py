"""What `kaderbot admin add-coordinator | remove-coordinator | roles | audit` and `kaderbot export` do.

`run` opens the database, runs one of the functions below and closes it; each returns the lines to
print, or raises `AdminError` with its localized message. Every change is written to the audit log
as done by "cli".
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from handlers.compliance import recap, workbook
from handlers.forms.dates import parse_month
from handlers.growth import eppgbm
from handlers.i18n import Catalogues, Translator
from handlers.posyandu import verification_recap
from handlers.posyandu.structure import structure_rows
from handlers.posyandu.verification import DEFAULT_DEADLINE
from storage.db import Database, open_database
from storage.models import ChannelIdentity, Person
from storage.repositories import audit, regions, scopes


class AdminError(Exception):
    """A refusal with the message to show (already translated)."""


@dataclass(frozen=True)
class Tools:
    db: Database
    t: Translator
    zone: ZoneInfo
    posyandu_deadline: dt.date = DEFAULT_DEADLINE  # POSYANDU_VERIFICATION_DEADLINE, for the export


def run(settings: Settings, lang: str | None, work: Callable[[Tools], Awaitable[list[str]]]) -> list[str]:
    """Run one admin function in its own event loop; raises AdminError."""
    catalogues = Catalogues.load(settings.locales_dir, default_language=settings.default_language)
    t = catalogues.translator(lang or settings.default_language)

    async def _go() -> list[str]:
        db = open_database(settings.database_url)
        try:
            return await work(Tools(db, t, settings.zone, settings.posyandu_verification_deadline))
        finally:
            await db.dispose()

    return asyncio.run(_go())


@dataclass(frozen=True, slots=True)
class Who:
    """How the operator names a person: exactly one of a phone number, a Telegram id, a WhatsApp
    number, a console name."""

    phone: str | None = None
    telegram: str | None = None
    whatsapp: str | None = None
    console: str | None = None


CONSOLE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")


def _e164(raw: str, t: Translator) -> str:
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        raise AdminError(t("coordinator.admin.bad_phone", phone=raw)) from None
    if not phonenumbers.is_valid_number(number):
        raise AdminError(t("coordinator.admin.bad_phone", phone=raw))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _address(who: Who, t: Translator) -> tuple[str, str] | None:
    """(channel, address) for a Telegram id, WhatsApp number or console name; None for a phone number."""
    given = [value for value in (who.phone, who.telegram, who.whatsapp, who.console) if value]
    if len(given) != 1:
        raise AdminError(t("coordinator.admin.one_of"))
    if who.telegram:
        if not who.telegram.strip().lstrip("-").isdigit():
            raise AdminError(t("coordinator.admin.bad_telegram", id=who.telegram))
        return "telegram", who.telegram.strip()
    if who.whatsapp:
        return "whatsapp", _e164(who.whatsapp, t).removeprefix("+")  # WhatsApp ids are digits only
    if who.console:
        if CONSOLE_NAME.fullmatch(who.console.strip()) is None:
            raise AdminError(t("console.admin.bad_console", name=who.console))
        return "console", who.console.strip()
    return None


@dataclass(frozen=True, slots=True)
class Found:
    person: Person
    created: str | None = None  # "channel:address" of a person created just now


async def _person(
    session: AsyncSession, who: Who, t: Translator, *, create: bool, name: str | None, now: dt.datetime
) -> Found:
    found = _address(who, t)
    if found is None:
        phone = _e164(who.phone or "", t)
        person = await scopes.find_person(session, phone=phone)
        if person is not None:
            return Found(person)
        if not (create and name):
            raise AdminError(t("coordinator.admin.no_phone", phone=who.phone))
        # Someone who has not written yet: WhatsApp knows people by their number, so they are a
        # coordinator from their first WhatsApp message (add --telegram ID for Telegram as well).
        channel, address = "whatsapp", phone.removeprefix("+")
        person = await scopes.find_person(session, channel=channel, address=address)
        if person is None:
            person = await _create(session, channel, address, name=name, phone=phone, now=now)
            return Found(person, f"{channel}:{address}")
        return Found(person)
    channel, address = found
    person = await scopes.find_person(session, channel=channel, address=address)
    if person is None:
        if not create:
            raise AdminError(t("coordinator.admin.not_found", who=f"{channel}:{address}"))
        # Not written to the bot yet: they will be a coordinator from their first message.
        if channel == "console" and not name:
            name = address.capitalize()
        person = await _create(session, channel, address, name=name, phone=None, now=now)
        return Found(person, f"{channel}:{address}")
    if name and not person.full_name:
        person.full_name = name
    return Found(person)


async def _create(
    session: AsyncSession,
    channel: str,
    address: str,
    *,
    name: str | None,
    phone: str | None,
    now: dt.datetime,
) -> Person:
    person = Person(full_name=name, phone=phone, language="id", role="resident", created_at=now)
    session.add(person)
    await session.flush()
    session.add(ChannelIdentity(channel=channel, address=address, person_id=person.id, created_at=now))
    await session.flush()
    return person


def _label(person: Person) -> str:
    return f"{person.full_name or '-'} (#{person.id})"


async def add_coordinator(
    tools: Tools, who: Who, region_code: str, *, name: str | None, now: dt.datetime
) -> list[str]:
    db, t = tools.db, tools.t
    async with db.sessions() as session, session.begin():
        region = await regions.get(session, region_code)
        if region is None:
            raise AdminError(t("coordinator.admin.unknown_region", code=region_code))
        found = await _person(session, who, t, create=True, name=name, now=now)
        person = found.person
        added = await scopes.grant(session, person, region_code)
        await audit.record(
            session,
            actor=None,
            action="coordinator.add",
            target=f"person {person.id}",
            details={"person_id": person.id, "region_code": region_code, "new": added},
            now=now,
        )
        key = "coordinator.admin.added" if added else "coordinator.admin.already"
        lines = [t(key, person=_label(person), region=f"{region.code} {region.name}")]
        if found.created is not None:
            lines.append(t("console.admin.created", person=_label(person), reach=found.created))
        return lines


async def remove_coordinator(
    tools: Tools, who: Who, region_code: str | None, *, now: dt.datetime
) -> list[str]:
    db, t = tools.db, tools.t
    async with db.sessions() as session, session.begin():
        person = (await _person(session, who, t, create=False, name=None, now=now)).person
        removed = await scopes.revoke(session, person, region_code)
        if not removed:
            raise AdminError(t("coordinator.admin.nothing_removed", person=_label(person)))
        await audit.record(
            session,
            actor=None,
            action="coordinator.remove",
            target=f"person {person.id}",
            details={
                "person_id": person.id,
                "region_code": region_code,
                "removed": removed,
                "role": person.role,
            },
            now=now,
        )
        return [t("coordinator.admin.removed", person=_label(person), count=removed, role=person.role)]


async def roles(tools: Tools) -> list[str]:
    db, t = tools.db, tools.t
    async with db.sessions() as session:
        staff = await scopes.staff(session)
        names = {}
        for member in staff:
            for code in member.regions:
                region = await regions.get(session, code)
                names[code] = region.name if region else code
    if not staff:
        return [t("coordinator.admin.no_staff")]
    return [
        t(
            "coordinator.admin.role_line",
            role=m.role,
            person=f"{m.name or '-'} (#{m.person_id})",
            phone=m.phone or "-",
            regions=", ".join(f"{c} {names[c]}" for c in m.regions) or "-",
            reach=", ".join(m.identities) or "-",
        )
        for m in staff
    ]


async def audit_lines(tools: Tools, *, limit: int) -> list[str]:
    db, t, zone = tools.db, tools.t, tools.zone
    async with db.sessions() as session:
        entries = await audit.recent(session, limit=limit)
    return [
        t(
            "coordinator.admin.audit_line",
            at=e.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            actor=e.actor,
            action=e.action,
            target=e.target,
            details=", ".join(f"{k}={v}" for k, v in sorted(e.details.items()) if v is not None),
        )
        for e in entries
    ] or [t("coordinator.admin.no_audit")]


async def export(tools: Tools, *, month: str, region_code: str, out: Path, now: dt.datetime) -> list[str]:
    """`kaderbot export --month YYYY-MM --region KODE --out FILE.xlsx|FILE.csv`: the same workbook as
    /ekspor, or its Posyandu sheet as CSV (the extension decides). The folder must exist."""
    db, t, zone = tools.db, tools.t, tools.zone
    today = now.astimezone(zone).date()
    first = parse_month(month, today)
    if first is None:
        raise AdminError(t("coordinator.admin.bad_month", month=month))
    if first > today.replace(day=1):
        raise AdminError(t("trust.export.future_month", month=f"{first:%Y-%m}", latest=f"{today:%Y-%m}"))
    kind = out.suffix.casefold().removeprefix(".")
    if kind not in ("xlsx", "csv"):
        raise AdminError(t("trust.export.bad_extension", file=out.name))
    if not out.parent.is_dir():
        raise AdminError(t("trust.export.no_folder", folder=str(out.parent)))
    async with db.sessions() as session, session.begin():
        region = await regions.get(session, region_code)
        if region is None:
            raise AdminError(t("coordinator.admin.unknown_region", code=region_code))
        found = await recap.build(session, region, first, zone=zone)
        if kind == "csv":
            data = workbook.build_csv(t, found, zone=zone)
        else:
            verified = await verification_recap.summarise(
                session, region.code, region.name, deadline=tools.posyandu_deadline, zone=zone
            )
            structure = await structure_rows(session, region.code, now=now)
            data = workbook.build(
                t,
                found,
                zone=zone,
                generated_at=now,
                posyandu_verification=verified,
                structure=structure,
                growth=await eppgbm.load(session, region.code, first),  # issue 17: the e-PPGBM sheet
            )
        await audit.record(
            session,
            actor=None,
            action=f"export.{kind}",
            target=f"{region.code} {first:%Y-%m}",
            details={
                "region_code": region.code,
                "month": f"{first:%Y-%m}",
                "rows": len(found.posyandu),
                "file": str(out),
            },
            now=now,
        )
        # Written before the audit entry commits: a failed write leaves no "exported" behind.
        await asyncio.to_thread(_write, out, data)
    return [
        t(
            "coordinator.admin.exported",
            file=str(out),
            total=found.total,
            reported=len(found.reported),
            region=f"{region.code} {region.name}",
            month=f"{first:%Y-%m}",
        )
    ]


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)  # a missing folder is the operator's to create: refused above
