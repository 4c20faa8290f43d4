"""Erasing a person (/hapusdata, UU 27/2022 PDP), table by table, in the caller's transaction.

What goes and what stays:
  - the person, their channel identities and conversations, their cadre record and everything
    hanging off it (training seats, incentive records, BPJS status), reminders and mutes,
    coordinator regions, messages queued to them, WhatsApp delivery records of their number:
    deleted;
  - the Posyandu's monthly reports and their revisions stay (they are the Posyandu's statistics)
    without `submitted_by`, and with the person's name or number masked where someone typed it;
  - their tickets stay for the office's statistics (number, category, region, status, dates) with
    no asker and no personal text: description, photos, location and the notes to the asker go;
  - their personal media (storage/media.py) goes: ticket photos and any file they sent that no flow
    took up. The rows are deleted here; `Erased.media_keys` names the stored bytes no other row
    refers to any more, which the caller deletes from the store. A Posyandu's report photos and
    documents stay with the Posyandu (they are its records, like the reports), without the uploader;
  - what others hold about them is cut back: audit entries about them lose the name and the ids
    that pointed at them, notices to coordinators about their tickets lose the description, and a
    coordinator's open screen that shows them is closed (back to the menu).
Any other table with a foreign key to the person (or to a row deleted here) is handled by the
sweep at the end: a nullable link is set NULL, a required one takes its row with it. A table
added later is thereby covered without touching this module; its free text is not, which the
table-by-table test in tests/test_privacy.py would show.

Nothing erased is recorded: the audit entry names an opaque reference and counts per table.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, String, Table, and_, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import storage
from storage.models import (
    Base,
    Cadre,
    ChannelIdentity,
    Conversation,
    MonthlyReport,
    Person,
    ReportRevision,
)
from storage.models_growth_followup import ChildFollowUp
from storage.models_media import MediaObject
from storage.models_outbox import AuditLog, Broadcast, OutboxMessage
from storage.models_replies import TurnReply
from storage.models_tickets import Ticket, TicketEvent
from storage.models_training import TrainingSeat
from storage.models_whatsapp import WhatsAppOutboundMessage
from storage.repositories import media as media_repo
from storage.repositories import mother_links

# Every part's tables must be in the metadata for the sweep to see them.
for _module in pkgutil.iter_modules(storage.__path__):
    if _module.name.startswith("models_"):
        importlib.import_module(f"storage.{_module.name}")

MASK = "***"
ERASED_ACTION = "person.erase"
SELF = "self"  # the audit actor of an erasure: the person themselves, who is no longer there
# Keys of audit details and notice parameters that carry a person's words or whereabouts.
PERSONAL_KEYS = ("person_id", "cadre_id", "name", "phone", "note", "reason", "description", "location")
# Too short to mask safely: "Ani" would eat "Tani". Such a name is still erased from its own rows.
MIN_NEEDLE = 5


@dataclass(frozen=True)
class Erased:
    reference: str
    rows: dict[str, int] = field(default_factory=dict)  # table → rows deleted, unlinked or masked
    media_keys: list[str] = field(default_factory=list)  # stored bytes to delete from the media store


@dataclass(frozen=True)
class _Subject:
    person_id: int
    identity_ids: list[int]
    addresses: list[tuple[str, str]]
    cadre_ids: list[int]
    ticket_ids: list[int]
    ticket_numbers: list[str]
    needles: list[str]


async def erase_person(
    session: AsyncSession, person_id: int, *, now: dt.datetime, reference: str, children_too: bool = False
) -> Erased:
    """Erase one person. The session's identity map is cleared at the end: objects loaded before
    (the turn's person and identity) are gone from the database and must not be written back.
    A mother's links to her children go with her (the sweep), her number comes off their register
    entries, and with `children_too` the children are anonymised (storage/repositories/mother_links.py)."""
    await session.flush()
    who = await _subject(session, person_id)
    counts: Counter[str] = Counter()
    numbers = ["+" + a.lstrip("+") for c, a in who.addresses if c == "whatsapp"]
    counts.update(await mother_links.forget_mother(session, person_id, numbers, children_too=children_too))
    media_keys = await _erase_media(session, who, counts)
    await _anonymise_tickets(session, who, counts)
    await _cut_back_what_others_hold(session, who, counts)
    await _drop_deliveries(session, who, counts)
    await _mask_mentions(session, who, counts)
    await _sweep(session, who, counts)
    rows = {table: n for table, n in sorted(counts.items()) if n}
    session.add(
        AuditLog(
            at=now,
            actor_person_id=None,
            actor=SELF,
            action=ERASED_ACTION,
            target=f"erasure {reference}",
            details={"reference": reference, "rows": rows},
        )
    )
    await session.flush()
    session.expunge_all()
    return Erased(reference, rows, media_keys)


async def active_seat_trainings(session: AsyncSession, cadre_id: int) -> list[int]:
    """Trainings the cadre holds a place or a waitlist spot on: given back before erasing."""
    result = await session.execute(
        select(TrainingSeat.training_id)
        .where(TrainingSeat.cadre_id == cadre_id, TrainingSeat.status.in_(("registered", "waitlisted")))
        .order_by(TrainingSeat.training_id)
    )
    return list(result.scalars())


async def _subject(session: AsyncSession, person_id: int) -> _Subject:
    person = await session.get(Person, person_id)
    if person is None:
        raise LookupError(f"person {person_id}")
    identities = (
        await session.execute(
            select(ChannelIdentity.id, ChannelIdentity.channel, ChannelIdentity.address).where(
                ChannelIdentity.person_id == person_id
            )
        )
    ).all()
    cadre_ids = list((await session.execute(select(Cadre.id).where(Cadre.person_id == person_id))).scalars())
    tickets = (
        await session.execute(select(Ticket.id, Ticket.number).where(Ticket.person_id == person_id))
    ).all()
    return _Subject(
        person_id=person_id,
        identity_ids=[i.id for i in identities],
        addresses=[(i.channel, i.address) for i in identities],
        cadre_ids=cadre_ids,
        ticket_ids=[t.id for t in tickets],
        ticket_numbers=[t.number for t in tickets],
        needles=needles(person.full_name, person.phone, [i.address for i in identities]),
    )


def needles(name: str | None, phone: str | None, addresses: Iterable[str]) -> list[str]:
    """The strings that identify the person in someone's free text: the full name, the phone number
    (as stored, +62…, and as typed locally, 08…), and the channel addresses (Telegram id, wa_id)."""
    found = [" ".join(name.split())] if name and name.strip() else []
    if phone:
        found.append(phone)
        if phone.startswith("+62"):
            found += ["0" + phone[3:], phone[1:]]
    found += list(addresses)
    return sorted({n for n in found if len(n) >= MIN_NEEDLE}, key=len, reverse=True)


def mask(text: str, words: Iterable[str]) -> str:
    """`text` with every whole occurrence of a word (case-insensitive) replaced by the mask."""
    for word in words:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", MASK, text, flags=re.IGNORECASE)
    return text


def mask_value(value: Any, words: Iterable[str]) -> Any:
    """A JSON value with the words masked in every string inside it."""
    words = list(words)
    if isinstance(value, str):
        return mask(value, words)
    if isinstance(value, list):
        return [mask_value(v, words) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v, words) for k, v in value.items()}
    return value


def _mentions(column: Any, words: list[str]) -> Any:
    """SQL prefilter: the column's text (JSON included) contains one of the words. JSON stores
    non-ASCII escaped, so the escaped spelling is looked for as well; `mask` decides exactly."""
    spellings = {s for w in words for s in (w, json.dumps(w)[1:-1])}
    text = func.lower(cast(column, String))
    return or_(*(text.contains(s.lower(), autoescape=True) for s in spellings))


async def _erase_media(session: AsyncSession, who: _Subject, counts: Counter[str]) -> list[str]:
    """Delete the person's personal media rows (their own, and the photos of their tickets); the
    storage keys no remaining row refers to."""
    ticket_media: list[int] = []
    if who.ticket_ids:
        photos = await session.execute(select(Ticket.photos).where(Ticket.id.in_(who.ticket_ids)))
        for listed in photos.scalars():
            ticket_media += media_repo.media_ids(listed)
    mine = and_(MediaObject.owner_person_id == who.person_id, MediaObject.personal.is_(True))
    condition = or_(mine, MediaObject.id.in_(ticket_media)) if ticket_media else mine
    rows = (await session.execute(select(MediaObject.id, MediaObject.storage_key).where(condition))).all()
    if not rows:
        return []
    counts["media_object"] += _n(
        await session.execute(delete(MediaObject).where(MediaObject.id.in_([r.id for r in rows])))
    )
    keys = {r.storage_key for r in rows if r.storage_key}
    kept = set(
        (
            await session.execute(select(MediaObject.storage_key).where(MediaObject.storage_key.in_(keys)))
        ).scalars()
    )
    return sorted(keys - kept)


async def _anonymise_tickets(session: AsyncSession, who: _Subject, counts: Counter[str]) -> None:
    if not who.ticket_ids:
        return
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id.in_(who.ticket_ids))
        .values(description="", photos=[], location_lat=None, location_lon=None, location_text=None)
    )
    counts["ticket"] += _n(result)
    result = await session.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id.in_(who.ticket_ids), TicketEvent.note.is_not(None))
        .values(note=None)
    )
    counts["ticket_event"] += _n(result)


async def _cut_back_what_others_hold(session: AsyncSession, who: _Subject, counts: Counter[str]) -> None:
    # Notices to others about the person's tickets (coordinators were told of each new one).
    if who.ticket_numbers:
        rows = (
            await session.execute(
                select(OutboxMessage.id, OutboxMessage.params).where(
                    OutboxMessage.params["number"].as_string().in_(who.ticket_numbers)
                )
            )
        ).all()
        for row_id, params in rows:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id)
                .values(params=_without(params, blank="-"))
            )
        counts["outbox_message"] += len(rows)
    # Audit entries: by the person (the actor's name), and about them (who was verified, viewed…).
    result = await session.execute(
        update(AuditLog)
        .where(AuditLog.actor_person_id == who.person_id)
        .values(actor=MASK, actor_person_id=None)
    )
    counts["audit_log"] += _n(result)
    # About them: the target names them ("cadre 7 Sutinah …"), so it goes; an entry about their
    # ticket keeps the ticket's number (the ticket stays, anonymised) but not the words.
    about = [AuditLog.details["person_id"].as_integer() == who.person_id]
    if who.cadre_ids:
        about.append(AuditLog.details["cadre_id"].as_integer().in_(who.cadre_ids))
    their_tickets = AuditLog.details["ticket_id"].as_integer().in_(who.ticket_ids or [-1])
    entries = (
        await session.execute(
            select(AuditLog.id, AuditLog.target, AuditLog.details, or_(*about)).where(
                or_(*about, their_tickets)
            )
        )
    ).all()
    for entry_id, target, details, is_about_them in entries:
        await session.execute(
            update(AuditLog)
            .where(AuditLog.id == entry_id)
            .values(target=MASK if is_about_them else target, details=_without(details))
        )
    counts["audit_log"] += len(entries)
    # Broadcasts the person wrote: the text is the office's notice and stays; where it was written
    # from (their chat) goes.
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.created_by == who.person_id)
        .values(created_by=None, origin_address="", progress_ref=None)
    )
    counts["broadcast"] += _n(result)
    # A coordinator's screen (saved prompt, form in progress) that shows the person is closed.
    if who.needles:
        others = (
            await session.execute(
                select(Conversation.identity_id, Conversation.state).where(
                    Conversation.identity_id.not_in(who.identity_ids or [-1]),
                    _mentions(Conversation.state, who.needles),
                )
            )
        ).all()
        for identity_id, state in others:
            await session.execute(
                update(Conversation)
                .where(Conversation.identity_id == identity_id)
                .values(state=_closed(state, who.needles))
            )
        counts["conversation"] += len(others)


def _without(values: dict[str, Any] | None, *, blank: str | None = None) -> dict[str, Any]:
    """The values with the personal keys blanked: None in the audit log, "-" in a notice still to be
    rendered (its message has a placeholder to fill)."""
    return {k: (blank if k in PERSONAL_KEYS else v) for k, v in (values or {}).items()}


def _closed(state: dict[str, Any], words: list[str]) -> dict[str, Any]:
    """A conversation state (handlers/state.py) back at the menu, keeping its turn counter (so old
    buttons stay stale) and the drafts that do not mention the person."""
    drafts = {
        name: draft
        for name, draft in (state.get("drafts") or {}).items()
        if mask_value(draft, words) == draft
    }
    return {"flow": "menu", "data": {}, "turn": state.get("turn", 0), "prompt": None, "drafts": drafts}


async def _drop_deliveries(session: AsyncSession, who: _Subject, counts: Counter[str]) -> None:
    mine = [OutboxMessage.person_id == who.person_id]
    mine += [and_(OutboxMessage.channel == c, OutboxMessage.address == a) for c, a in who.addresses]
    counts["outbox_message"] += _n(await session.execute(delete(OutboxMessage).where(or_(*mine))))
    if who.addresses:  # kept replies a crash or a failed send left (bot/replies.py)
        kept = [and_(TurnReply.channel == c, TurnReply.address == a) for c, a in who.addresses]
        counts["turn_reply"] += _n(await session.execute(delete(TurnReply).where(or_(*kept))))
    numbers = [a for c, a in who.addresses if c == "whatsapp"]
    if numbers:
        result = await session.execute(
            delete(WhatsAppOutboundMessage).where(WhatsAppOutboundMessage.address.in_(numbers))
        )
        counts["whatsapp_outbound_message"] += _n(result)


# Free text that stays and may name the person: masked where it does.
_MASKED_COLUMNS: tuple[tuple[Any, Any], ...] = (
    (MonthlyReport.id, MonthlyReport.notes),
    (MonthlyReport.id, MonthlyReport.place_note),
    (MonthlyReport.id, MonthlyReport.not_held_reason),
    (ReportRevision.id, ReportRevision.data),
    (TicketEvent.id, TicketEvent.note),
    (OutboxMessage.id, OutboxMessage.params),
    (OutboxMessage.id, OutboxMessage.text),
    (Broadcast.id, Broadcast.text),
    (AuditLog.id, AuditLog.target),
    (AuditLog.id, AuditLog.details),
    (ChildFollowUp.id, ChildFollowUp.note),  # a cadre's note may name the mother
)


async def _mask_mentions(session: AsyncSession, who: _Subject, counts: Counter[str]) -> None:
    if not who.needles:
        return
    for key, column in _MASKED_COLUMNS:
        table = column.class_.__tablename__
        found = (await session.execute(select(key, column).where(_mentions(column, who.needles)))).all()
        for row_id, value in found:
            masked = mask_value(value, who.needles)
            if masked != value:
                await session.execute(update(column.class_).where(key == row_id).values({column.key: masked}))
                counts[table] += 1


async def _sweep(session: AsyncSession, who: _Subject, counts: Counter[str]) -> None:
    """Every foreign key to a doomed row, in dependency order: unlink where the link may be NULL,
    delete (and doom in turn) where it may not. The person row itself goes last."""
    tables = Base.metadata.sorted_tables
    doomed: dict[str, set[Any]] = {"person": {who.person_id}}
    deletions: list[tuple[Table, Any]] = []
    for table in tables:
        if table.name == "person":
            continue
        required: list[Any] = []
        for fk in table.foreign_keys:
            target_ids = doomed.get(fk.column.table.name)
            if not target_ids or fk.column is not _pk(fk.column.table):
                continue
            column: Column[Any] = fk.parent
            condition = column.in_(sorted(target_ids))
            if column.nullable and not column.primary_key:
                counts[table.name] += _n(
                    await session.execute(update(table).where(condition).values({column.name: None}))
                )
            else:
                required.append(condition)
        if not required:
            continue
        condition = or_(*required)
        pk = _pk(table)
        if pk is not None:
            ids = set((await session.execute(select(pk).where(condition))).scalars())
            if ids:
                doomed[table.name] = ids
        deletions.append((table, condition))
    for table, condition in reversed(deletions):
        counts[table.name] += _n(await session.execute(delete(table).where(condition)))
    counts["person"] += _n(await session.execute(delete(Person).where(Person.id == who.person_id)))


def _pk(table: Table) -> Any:
    """The single-column primary key, or None (composite keys are never referenced here)."""
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 else None


def _n(result: Any) -> int:
    return int(result.rowcount or 0)
