"""Conversation state per channel identity, loaded with the identity and person in one query.

A turn runs these per message, so they are built for speed: plain table-level statements built once
(constructing a statement costs more than running it on SQLite), rows instead of ORM entities, and
plain synchronous code over a `Statements` runner, so that storage/turns.py can send them through one
`run_sync` call (pooled connections) or straight to SQLite (the embedded default).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import bindparam, delete, insert, inspect, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql.expression import Executable

from handlers.types import Identity
from storage.models import ChannelIdentity, Conversation, InboundMessage, Person

# Recording the last inbound time at minute precision is enough for WhatsApp's 24-hour window and
# saves a write on most turns.
INBOUND_PRECISION = dt.timedelta(seconds=60)

_IDENTITY_TABLE = ChannelIdentity.__table__
_PERSON_TABLE = Person.__table__
_CONVERSATION = Conversation.__table__
# (attribute name, column) of every Person column, to build the entity from a plain row.
_PERSON_FIELDS = tuple((inspect(Person).get_property_by_column(c).key, c) for c in _PERSON_TABLE.c)
_IDENTITY_COLUMNS = (
    _IDENTITY_TABLE.c.id,
    _IDENTITY_TABLE.c.person_id,
    _IDENTITY_TABLE.c.last_inbound_at,
    _IDENTITY_TABLE.c.unreachable_at,
)
_PERSON_AT = len(_IDENTITY_COLUMNS)
_STATE_AT = _PERSON_AT + len(_PERSON_FIELDS)
_PERSON_KEYS = [key for key, _ in _PERSON_FIELDS]
_PERSON_ID = _PERSON_KEYS.index("id")
_LANGUAGE_AT = _PERSON_AT + _PERSON_KEYS.index("language")

# Every row a turn reads is locked. On PostgreSQL (READ COMMITTED) a statement that waited for another
# worker's turn on the same person re-reads only the rows it locks; any other row would come from
# before the wait, and that turn's answer would be lost. (SQLite has no row locks: a turn there
# starts with a write and so holds the database's write lock from its first statement.)
_WHERE = (
    _IDENTITY_TABLE.c.channel == bindparam("channel"),
    _IDENTITY_TABLE.c.address == bindparam("address"),
)
_OPEN = (
    select(*_IDENTITY_COLUMNS, *(c for _, c in _PERSON_FIELDS), _CONVERSATION.c.state)
    .join(_PERSON_TABLE, _PERSON_TABLE.c.id == _IDENTITY_TABLE.c.person_id)
    .join(_CONVERSATION, _CONVERSATION.c.identity_id == _IDENTITY_TABLE.c.id)
    .where(*_WHERE)
    .with_for_update(of=(_IDENTITY_TABLE, _PERSON_TABLE, _CONVERSATION))
)
# No conversation yet (first contact, or a person an admin added): lock identity and person alone,
# since the missing row cannot be locked.
_IDENTITY = (
    select(*_IDENTITY_COLUMNS, *(c for _, c in _PERSON_FIELDS))
    .join(_PERSON_TABLE, _PERSON_TABLE.c.id == _IDENTITY_TABLE.c.person_id)
    .where(*_WHERE)
    .with_for_update(of=(_IDENTITY_TABLE, _PERSON_TABLE))
)
_TOUCH = (
    update(_IDENTITY_TABLE)
    .where(_IDENTITY_TABLE.c.id == bindparam("identity"))
    .values(last_inbound_at=bindparam("now"), unreachable_at=None)
)
_NEW_PERSON = (
    insert(_PERSON_TABLE)
    .values(language=bindparam("language"), role="resident", created_at=bindparam("now"))
    .returning(*(c for _, c in _PERSON_FIELDS))
)


def _record(dialect_insert: Any) -> Any:
    """The message id, or nothing when it was handled before (no error: a failed statement would
    spoil the transaction on PostgreSQL)."""
    return (
        dialect_insert(InboundMessage.__table__)
        .values(
            channel=bindparam("channel"), message_id=bindparam("message_id"), received_at=bindparam("now")
        )
        .on_conflict_do_nothing(index_elements=["channel", "message_id"])
    )


def _new_identity(dialect_insert: Any) -> Any:
    """The identity insert that yields no row, instead of failing, when the address is taken."""
    return (
        dialect_insert(_IDENTITY_TABLE)
        .values(
            channel=bindparam("channel"),
            address=bindparam("address"),
            person_id=bindparam("person"),
            last_inbound_at=bindparam("now"),
            created_at=bindparam("now"),
        )
        .on_conflict_do_nothing(index_elements=["channel", "address"])
        .returning(_IDENTITY_TABLE.c.id)
    )


class _PerDialect(dict[str, Any]):
    """A statement per dialect name, built with that dialect's `insert` the first time it is asked
    for: a bot on SQLite never imports SQLAlchemy's PostgreSQL dialect (issue #19: ~2 MB idle)."""

    def __init__(self, build: Callable[[Any], Any]) -> None:
        super().__init__()
        self._build = build

    def __missing__(self, dialect_name: str) -> Any:
        dialect = importlib.import_module(f"sqlalchemy.dialects.{dialect_name}")
        statement = self[dialect_name] = self._build(dialect.insert)
        return statement


# ON CONFLICT has no dialect-neutral form in SQLAlchemy; both databases we run on have it.
_RECORD = _PerDialect(_record)
_NEW_IDENTITY = _PerDialect(_new_identity)
_DROP_PERSON = delete(_PERSON_TABLE).where(_PERSON_TABLE.c.id == bindparam("person"))
_SAVE = (
    update(_CONVERSATION)
    .where(_CONVERSATION.c.identity_id == bindparam("identity"))
    .values(state=bindparam("state"), updated_at=bindparam("now"))
)
_CREATE = insert(_CONVERSATION).values(
    identity_id=bindparam("identity"), state=bindparam("state"), updated_at=bindparam("now")
)


class AlreadyHandled(Exception):
    """The message id was recorded before: a redelivered message."""


class Statements(Protocol):
    """Runs a statement of this module in the turn's transaction (storage/turns.py has two kinds)."""

    dialect_name: str

    def rows(self, statement: Executable, values: Mapping[str, Any]) -> list[Sequence[Any]]:
        """The rows a SELECT or RETURNING statement yields, values already in Python types."""
        ...

    def changed(self, statement: Executable, values: Mapping[str, Any]) -> int:
        """Run a statement that returns nothing; the number of rows it changed."""
        ...


@dataclass(frozen=True, slots=True)
class IdentityRow:
    """The channel identity a turn runs for, as plain values."""

    id: int
    channel: str
    address: str
    person_id: int


@dataclass(frozen=True, slots=True)
class Opened:
    """The identity, its person as a plain row and the saved state (None before the first save).

    The person becomes an ORM entity only when a flow asks for it (`attach_person`): most turns (a form
    answer) never look at it, and building and attaching the entity costs about as much as the query."""

    identity: IdentityRow
    language: str
    state: dict[str, Any] | None
    person_values: Sequence[Any]


def open_turn(
    run: Statements, who: Identity, *, message_id: str | None, language: str, now: dt.datetime
) -> Opened:
    """Record the message id (raising AlreadyHandled when it was seen before), then open the identity,
    its person and the saved conversation (all locked for this transaction where the database has row
    locks), creating identity and person on first contact (no personal data yet)."""
    if message_id is not None:
        recorded = run.changed(
            _RECORD[run.dialect_name], {"channel": who.channel, "message_id": message_id, "now": now}
        )
        if recorded == 0:
            raise AlreadyHandled()
    where = {"channel": who.channel, "address": who.address}
    found = run.rows(_OPEN, where)
    if found:
        row = found[0]
        state = row[_STATE_AT]
    else:
        created = _create(run, who, language, now)
        if created is not None:
            return _opened(who, created, None)
        # The address is known but has no conversation (a person an admin added), or another worker
        # created it first and has committed: locked now, a new statement sees the conversation that
        # worker saved, if any.
        found = run.rows(_OPEN, where)
        row = found[0] if found else run.rows(_IDENTITY, where)[0]
        state = row[_STATE_AT] if found else None
    if _stale(row, now):
        run.changed(_TOUCH, {"identity": row[0], "now": now})
    return _opened(who, row, state)


def save_state(run: Statements, opened: Opened, state: dict[str, Any], now: dt.datetime) -> None:
    """Write the state back (the caller commits, with whatever the flow changed)."""
    statement = _SAVE if opened.state is not None else _CREATE
    run.changed(statement, {"identity": opened.identity.id, "state": state, "now": now})


def _create(run: Statements, who: Identity, language: str, now: dt.datetime) -> tuple[Any, ...] | None:
    """A new person behind a new address, first contact: a row shaped like `_IDENTITY`'s, or None when
    the address exists already, from an admin or from another worker's transaction (on PostgreSQL the
    insert waits for that transaction, then yields nothing once it has committed). The person row
    inserted for nothing is taken away again. No savepoint is needed: nothing here fails."""
    person = run.rows(_NEW_PERSON, {"language": language, "now": now})[0]
    person_id = person[_PERSON_ID]
    identity = run.rows(
        _NEW_IDENTITY[run.dialect_name],
        {"channel": who.channel, "address": who.address, "person": person_id, "now": now},
    )
    if not identity:
        run.changed(_DROP_PERSON, {"person": person_id})
        return None
    return (identity[0][0], person_id, now, None, *person)


def _stale(row: Sequence[Any], now: dt.datetime) -> bool:
    """Whether the identity's last inbound time needs a write, or its unreachable mark clearing."""
    last_inbound_at, unreachable_at = row[2], row[3]
    return unreachable_at is not None or last_inbound_at is None or now - last_inbound_at >= INBOUND_PRECISION


def _opened(who: Identity, row: Sequence[Any], state: dict[str, Any] | None) -> Opened:
    identity = IdentityRow(row[0], who.channel, who.address, row[1])
    return Opened(identity, row[_LANGUAGE_AT], state, tuple(row[_PERSON_AT:_STATE_AT]))


_PERSON_COLUMN = dict(_PERSON_FIELDS)  # attribute name → column
_PERSON_MANAGER = inspect(Person).class_manager
_PERSON_UPDATES: dict[frozenset[str], Executable] = {}


def write_people(run: Statements, session: Session) -> bool:
    """When all a turn changed through its session is attributes of Person entities (the language,
    a consent: the welcome's steps), write them with a plain UPDATE each and let the entities go, so
    that committing the session flushes nothing; the ORM's flush costs several times the statement.
    Returns whether it did (False: anything else pending, the session flushes as usual)."""
    if session.new or session.deleted:
        return False
    dirty = list(session.dirty)
    if not dirty or any(type(entity) is not Person for entity in dirty):
        return False
    changes: list[tuple[Person, dict[str, Any]]] = []
    for person in dirty:
        state = inspect(person)
        values: dict[str, Any] = {}
        for key in state.committed_state:
            if key not in _PERSON_COLUMN:
                return False
            added = state.attrs[key].history.added
            if added:
                values[key] = added[0]
        changes.append((person, values))
    for person, values in changes:
        if values:
            names = frozenset(values)
            statement = _PERSON_UPDATES.get(names)
            if statement is None:
                statement = _PERSON_UPDATES[names] = (
                    update(_PERSON_TABLE)
                    .where(_PERSON_TABLE.c.id == bindparam("person_id_"))
                    .values({_PERSON_COLUMN[key].name: bindparam(key) for key in sorted(names)})
                )
            run.changed(statement, {**values, "person_id_": person.id})
        session.expunge(person)
    return True


def attach_person(session: Session, values: Sequence[Any]) -> Person:
    """The person as a persistent entity of this session, built from its row without another query
    (or the one the session already holds, when a flow loaded it meanwhile)."""
    attributes = dict(zip(_PERSON_KEYS, values, strict=True))
    known = session.identity_map.get(session.identity_key(Person, attributes["id"]))  # type: ignore[arg-type]
    if known is not None:
        return known  # type: ignore[return-value]
    # The row's values put in place as a query's load does, not set one by one through the mapped
    # attributes as Person(**attributes) would (each set recording a change): 8 µs instead of 21
    # (issue #19; a person is attached in most turns).
    person: Person = _PERSON_MANAGER.new_instance()
    instance_state(person).dict.update(attributes)
    make_transient_to_detached(person)  # loaded state as if read by a query, no pending changes
    session.add(person)
    return person
