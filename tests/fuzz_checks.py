"""The checks run on fuzzed conversations: every reply, every logged error, the database.

The reply check is the heart: every text a person reads must be made of catalogue messages rendered
for that person (placeholders filled), joined by punctuation, digits and emoji, plus data that is not
language of ours: what people typed, names from the database (regions, Posyandu, people), the
programme knowledge base under `locales/`, month and day names from Babel, and links. A flow that
writes a word of its own (`say_text("Error")`) leaves letters behind and fails the check."""

from __future__ import annotations

import functools
import heapq
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from babel.dates import get_day_names, get_month_names
from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import LANGUAGES, Catalogues
from handlers.programs import Programs
from handlers.report_fields import HEALTH, sections, served
from handlers.state import ConversationState
from handlers.types import PAYLOAD_LIMIT, Choice, ClearOptions, File, Reply, Text
from storage.db import Database
from storage.models import (
    Base,
    Cadre,
    ChannelIdentity,
    Conversation,
    CoordinatorScope,
    MonthlyReport,
    Person,
    Posyandu,
    Region,
    ReportRevision,
)
from storage.models_tickets import Ticket, TicketEvent
from storage.models_training import Training, TrainingSeat

# --- what must never reach a person -------------------------------------------------------------

# Python leaking through: a repr, a None, an unfilled placeholder, an empty container.
_REPR = re.compile(
    r"\bNone\b|object at 0x|Traceback|\b(?:datetime|Decimal|Input|Turn)\(|\{[a-z_][a-z0-9_]*\}|\[\]|\{\}"
    r"|\[['\"{]|\{['\"]"
)


def key_pattern(catalogues: Catalogues) -> re.Pattern[str]:
    """A raw message key, e.g. 'report.ask.s': a dotted word starting with one of the catalogues' prefixes."""
    prefixes = sorted({key.split(".", 1)[0] for table in catalogues.messages.values() for key in table})
    return re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, prefixes)) + r")(?:\.[a-z0-9_]+)+")


def never_shown(typed: str) -> bool:
    """Inputs are kept free of what the leak check looks for, so an echo of them cannot trip it."""
    return _REPR.search(typed) is None


def leaks(text: str, keys: re.Pattern[str]) -> str | None:
    found = _REPR.search(text) or keys.search(text)
    return found.group(0) if found else None


# --- catalogues that remember what they rendered ------------------------------------------------


@dataclass(frozen=True)
class RecordingCatalogues(Catalogues):
    """The same catalogues, noting every message rendered (after its placeholders are filled)."""

    rendered: list[str] = field(default_factory=list, compare=False)

    @classmethod
    def wrap(cls, catalogues: Catalogues) -> RecordingCatalogues:
        return cls(catalogues.messages, catalogues.default_language, catalogues.strict)

    def text(self, lang: str, key: str, /, **params: object) -> str:
        rendered = super().text(lang, key, **params)
        self.rendered.append(rendered)
        return rendered


# --- the reply check ----------------------------------------------------------------------------

_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")
_URL = re.compile(r"https?://\S+")


def norm(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class ReplyCheck:
    """Checks one turn's replies. `data` holds what may appear besides catalogue messages."""

    keys: re.Pattern[str]
    data: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    _longest_first: list[str] = field(default_factory=list)

    def allow(self, texts: Iterable[str], *, typed: bool = False) -> None:
        """Data that may be shown; what people `typed` may also be shown cut short (word by word)."""
        for text in texts:
            plain = norm(text)
            if plain and plain not in self.data:
                self.data.add(plain)
                if typed:
                    self.words.update(_WORD.findall(plain))
                self._longest_first.clear()

    def problems(self, replies: Sequence[Reply], rendered: Sequence[str]) -> list[str]:
        found: list[str] = []
        fragments = sorted({norm(r) for r in rendered if r.strip()}, key=len, reverse=True)
        for reply in replies:
            if isinstance(reply, Text):
                found += self._text("text", reply.text, fragments)
            elif isinstance(reply, Choice):
                found += self._text("question", reply.text, fragments)
                if not reply.options:
                    found.append(f"a question without options: {reply.text[:80]!r}")
                for option in reply.options:
                    if not option.label.strip():
                        found.append(f"an option without a label: {option.payload!r}")
                    leaked = leaks(option.label, self.keys) or leaks(option.description or "", self.keys)
                    if leaked:
                        found.append(f"option label leaks {leaked!r}: {option.label!r}")
                    if len(option.payload.encode()) > PAYLOAD_LIMIT:
                        found.append(f"option payload over {PAYLOAD_LIMIT} bytes: {option.payload!r}")
            elif isinstance(reply, File):
                if not reply.data or not reply.filename:
                    found.append(f"an empty file: {reply.filename!r}")
                if reply.caption is not None:
                    found += self._text("caption", reply.caption, fragments)
            elif not isinstance(reply, ClearOptions):
                found.append(f"an unknown reply: {reply!r}")
        return found

    def _text(self, what: str, text: str, fragments: Sequence[str]) -> list[str]:
        if not text.strip():
            return [f"an empty {what}"]
        leaked = leaks(text, self.keys)
        if leaked:
            return [f"{what} leaks {leaked!r}: {text[:200]!r}"]
        plain = norm(text)
        if not _LETTER.search(_without(plain, fragments)):
            return []
        # Not only catalogue messages: what is left must be data (typed text, names, knowledge). Both
        # go together, longest first, so a short message ('Ya') is not cut out of a longer name.
        if not self._longest_first:
            self._longest_first = sorted(self.data, key=len, reverse=True)
        both = heapq.merge(fragments, self._longest_first, key=len, reverse=True)
        rest = _URL.sub(" ", _without(plain, both))
        strangers = [w for w in _WORD.findall(rest) if not self._known_word(w)]
        if strangers:
            return [f"{what} has words from no catalogue: {strangers[:5]} in {text[:300]!r}"]
        return []

    def _known_word(self, word: str) -> bool:
        # A typed text cut short (a long place name kept to 240 characters) ends in part of a word.
        # Only typed words count here: catalogue words would let any sentence made of them through.
        return word in self.words or any(w.startswith(word) for w in self.words)


def _without(text: str, fragments: Iterable[str]) -> str:
    for fragment in fragments:
        if fragment in text:
            text = text.replace(fragment, " ")
    return text


def calendar_words() -> list[str]:
    """Month and day names as Babel writes them in dates (not catalogue messages, but not ours)."""
    names: list[str] = []
    for lang in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                names += get_month_names(width, context, locale=lang).values()
                names += get_day_names(width, context, locale=lang).values()
    return names


def knowledge_texts(programs: Programs) -> list[str]:
    """Programme answers come from `locales/<lang>/programs.yaml`, not from the .po catalogues."""
    found: list[str] = []
    for base in programs.bases.values():
        for topic in base:
            found += [topic.title, topic.short, topic.answer, topic.next_step, topic.source]
    return found


async def database_names(db: Database) -> list[str]:
    async with db.sessions() as session:
        names = list((await session.execute(select(Region.name))).scalars())
        for name, address in (await session.execute(select(Posyandu.name, Posyandu.address))).all():
            names += [name, address or ""]
        names += [n for n in (await session.execute(select(Person.full_name))).scalars() if n]
        names += list((await session.execute(select(Training.title))).scalars())
        names += list((await session.execute(select(Training.place))).scalars())
    return names


# --- flow errors ----------------------------------------------------------------------------------


class ErrorTrap(logging.Handler):
    """Collects every error any KaderBot logger logs; the core logs a failed turn as 'flow error'."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        formatter = logging.Formatter("%(name)s: %(message)s")
        taken = [formatter.format(record) for record in self.records]
        self.records.clear()
        return taken


# --- the database's invariants ------------------------------------------------------------------


async def database_problems(
    session: AsyncSession, flow_names: Iterable[str], addresses: Sequence[str]
) -> list[str]:
    """Everything that must hold in the database; conversations are read only for `addresses` (the
    rest were read when their example ended)."""
    found = await _orphans(session)
    found += await _reports(session)
    found += await _people(session, set(flow_names), addresses)
    found += await _tickets_and_trainings(session)
    found += await _proposals(session)
    return found


async def _proposals(session: AsyncSession) -> list[str]:
    """A Posyandu's status is known; one still proposed waits with its proposer as a pending cadre."""
    found: list[str] = []
    rows = await session.execute(select(Posyandu.id, Posyandu.status, Posyandu.proposed_by))
    for posyandu_id, status, proposer in rows.all():
        if status not in ("active", "proposed", "rejected", "withdrawn"):
            found.append(f"Posyandu {posyandu_id}: status {status!r}")
        elif status == "proposed" and proposer is not None:
            waiting = await session.execute(
                select(Cadre.verification).where(
                    Cadre.person_id == proposer, Cadre.posyandu_id == posyandu_id
                )
            )
            if waiting.scalar_one_or_none() != "pending":
                found.append(f"Posyandu {posyandu_id}: proposed, but its proposer does not wait on it")
    return found


def _field_answer_problems(where: str, answers: dict[str, Any]) -> list[str]:
    """A report's answers per SPM field (issue 16): known questions, counts within bounds, checks held."""
    found = []
    for code, given in answers.items():
        section = sections().get(code)
        if section is None:
            found.append(f"{where}: answers for unknown field {code!r}")
            continue
        kinds = {q.key: q for q in section.questions}
        for key, value in given.items():
            q = kinds.get(key)
            if q is None:
                found.append(f"{where}: unknown question {code}.{key}")
            elif q.kind == "count" and not (isinstance(value, int) and 0 <= value <= q.maximum):
                found.append(f"{where}: {code}.{key} = {value!r} out of bounds")
        for small, large in section.checks:
            a, b = given.get(small), given.get(large)
            if isinstance(a, int) and isinstance(b, int) and a > b:
                found.append(f"{where}: {code}.{small} {given[small]} > {large} {given[large]}")
    return found


@functools.cache
def orphan_counts() -> Select[Any]:
    """One query counting, for every foreign key of every model, the rows pointing at nothing."""
    counts = []
    for table in Base.metadata.sorted_tables:
        for key in sorted(table.foreign_keys, key=lambda k: k.parent.name):
            child, parent = key.parent, key.column
            target = parent.table.alias()
            counts.append(
                select(func.count())
                .select_from(table)
                .where(child.is_not(None), ~exists().where(target.c[parent.name] == child))
                .scalar_subquery()
                .label(f"{table.name}.{child.name} → {parent.table.name}")
            )
    return select(*counts)


async def _orphans(session: AsyncSession) -> list[str]:
    """No row points at a row that is not there."""
    row = (await session.execute(orphan_counts())).one()
    return [f"{count} orphan row(s): {name}" for name, count in row._mapping.items() if count]


async def _reports(session: AsyncSession) -> list[str]:
    found = []
    fields = dict((await session.execute(select(Posyandu.id, Posyandu.spm_fields))).all())
    for report in (await session.execute(select(MonthlyReport))).scalars():
        where = f"report {report.id} ({report.month}, Posyandu {report.posyandu_id})"
        found += _field_answer_problems(where, report.field_answers or {})
        counts = {
            "s": report.s,
            "k": report.k,
            "d": report.d,
            "n": report.n,
            "referrals_gizi": report.referrals_gizi,
            "immunizations": report.immunizations,
            "vitamin_a": report.vitamin_a,
            **{f"visits_{k}": v for k, v in (report.visits or {}).items()},
        }
        negative = {k: v for k, v in counts.items() if v is not None and (not isinstance(v, int) or v < 0)}
        if negative:
            found.append(f"{where}: negative or non-integer counts {negative}")
        s, k, d, n = report.s, report.k, report.d, report.n
        if None not in (n, d) and n > d:  # type: ignore[operator]
            found.append(f"{where}: N {n} > D {d}")
        if None not in (d, s) and d > s:  # type: ignore[operator]
            found.append(f"{where}: D {d} > S {s}")
        if None not in (k, s) and k > s:  # type: ignore[operator]
            found.append(f"{where}: K {k} > S {s}")
        # SKDN only where kesehatan is served (issue 16)
        needed = (
            (report.held_on, s, k, d, n)
            if HEALTH in served(fields.get(report.posyandu_id))
            else (report.held_on,)
        )
        if report.held in ("usual_place", "other_place") and None in needed:
            found.append(f"{where}: held but SKDN or the date is missing")
        if report.held not in ("usual_place", "other_place", "not_held"):
            found.append(f"{where}: held is {report.held!r}")
        if report.held_on is not None and report.held_on.replace(day=1) != report.month:
            found.append(f"{where}: held on {report.held_on}, outside its month")
    latest = dict(
        (
            await session.execute(
                select(ReportRevision.report_id, func.max(ReportRevision.revision)).group_by(
                    ReportRevision.report_id
                )
            )
        ).all()
    )
    for report_id, revision in (
        await session.execute(select(MonthlyReport.id, MonthlyReport.revision))
    ).all():
        if latest.get(report_id) != revision:
            found.append(
                f"report {report_id}: revision {revision}, latest stored revision {latest.get(report_id)}"
            )
    return found


async def _people(session: AsyncSession, flow_names: set[str], addresses: Sequence[str]) -> list[str]:
    found = []
    no_identity = (
        await session.execute(
            select(func.count())
            .select_from(Person)
            .where(~exists().where(ChannelIdentity.person_id == Person.id))
        )
    ).scalar_one()
    if no_identity:
        found.append(f"{no_identity} person(s) with no channel identity")
    cadre_without_row = (
        await session.execute(
            select(func.count())
            .select_from(Person)
            .where(Person.role == "cadre", ~exists().where(Cadre.person_id == Person.id))
        )
    ).scalar_one()
    if cadre_without_row:
        found.append(f"{cadre_without_row} person(s) with the cadre role but no cadre record")
    coordinators_without_scope = (
        await session.execute(
            select(func.count())
            .select_from(Person)
            .where(Person.role == "coordinator", ~exists().where(CoordinatorScope.person_id == Person.id))
        )
    ).scalar_one()
    if coordinators_without_scope:
        found.append(f"{coordinators_without_scope} coordinator(s) without a region")
    states = (
        select(Conversation.identity_id, Conversation.state)
        .join(ChannelIdentity, ChannelIdentity.id == Conversation.identity_id)
        .where(ChannelIdentity.address.in_(addresses))
    )
    for identity_id, raw in (await session.execute(states)).all():
        try:
            state = ConversationState.from_json(raw)
        except (TypeError, ValueError) as error:
            found.append(f"conversation {identity_id}: unreadable state ({error})")
            continue
        if state.flow not in flow_names:
            found.append(f"conversation {identity_id}: unknown flow {state.flow!r}")
        unknown_drafts = set(state.drafts) - flow_names
        if unknown_drafts:
            found.append(f"conversation {identity_id}: drafts of unknown flows {unknown_drafts}")
    return found


async def _tickets_and_trainings(session: AsyncSession) -> list[str]:
    found = []
    latest_event = (
        select(TicketEvent.status)
        .where(TicketEvent.ticket_id == Ticket.id)
        .order_by(TicketEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    for number, status, last in (
        await session.execute(select(Ticket.number, Ticket.status, latest_event))
    ).all():
        if last != status:
            found.append(f"ticket {number}: status {status!r}, last event {last!r}")
    taken = (
        select(func.count())
        .where(TrainingSeat.training_id == Training.id, TrainingSeat.status.in_(("registered", "attended")))
        .scalar_subquery()
    )
    for title, quota, seats in (await session.execute(select(Training.title, Training.quota, taken))).all():
        if seats > quota:
            found.append(f"training {title!r}: {seats} seats taken of {quota}")
    duplicates = (
        await session.execute(
            select(TrainingSeat.training_id, TrainingSeat.cadre_id)
            .group_by(TrainingSeat.training_id, TrainingSeat.cadre_id)
            .having(func.count() > 1)
        )
    ).all()
    if duplicates:
        found.append(f"a cadre holds two seats on one training: {duplicates}")
    return found
