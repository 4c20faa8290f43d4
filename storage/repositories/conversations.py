"""Conversation state per channel identity, loaded with the identity and person in one query.

A turn runs these per message, so they are built for speed: plain table-level statements built once
(constructing a statement costs more than running it on SQLite), rows instead of ORM entities, and
the statements at each end of a turn sent through one `run_sync` call each (every async SQLAlchemy
call is a greenlet round trip that costs as much as the SQLite statement inside it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, make_transient_to_detached

from handlers.types import Identity
from storage.models import ChannelIdentity, Conversation, Person
from storage.repositories import inbound

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


# ON CONFLICT has no dialect-neutral form in SQLAlchemy; both databases we run on have it.
_NEW_IDENTITY = {"sqlite": _new_identity(sqlite.insert), "postgresql": _new_identity(postgresql.insert)}
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


@dataclass(frozen=True, slots=True)
class IdentityRow:
    """The channel identity a turn runs for, as plain values."""

    id: int
    channel: str
    address: str
    person_id: int


@dataclass
class Opened:
    """The identity, its person and the saved conversation state (None before the first save).

    The person is read with the rest but becomes an ORM entity only when `person()` is first called:
    most turns (a form answer) never look at it, and building and attaching the entity costs about as
    much as the query."""

    identity: IdentityRow
    language: str
    state: dict[str, Any] | None
    session: AsyncSession
    person_values: Sequence[Any] = ()
    entity: Person | None = field(default=None)

    def person(self) -> Person:
        if self.entity is None:
            self.entity = _attach(self.session.sync_session, self.person_values)
        return self.entity


async def open_for(
    session: AsyncSession, who: Identity, *, message_id: str | None, language: str, now: dt.datetime
) -> Opened:
    """Record the message id (raising AlreadyHandled when it was seen before), then open the identity,
    its person and the saved conversation (all locked for this transaction where the database has row
    locks), creating identity and person on first contact (no personal data yet)."""
    opened = await session.run_sync(_record_and_open, who, message_id, language, now)
    if opened is not None:
        row, state = opened
        return _opened(session, who, row, state)
    # The address is known but has no conversation (a person an admin added), or another worker
    # created it first and has committed: locked now, a new statement sees the conversation that
    # worker saved, if any.
    where = {"channel": who.channel, "address": who.address}
    row = (await session.execute(_OPEN, where)).one_or_none()
    state = None if row is None else row[_STATE_AT]
    if row is None:
        row = (await session.execute(_IDENTITY, where)).one()
    if _stale(row, now):
        await session.execute(_TOUCH, {"identity": row[0], "now": now})
    return _opened(session, who, row, state)


async def save_and_commit(
    session: AsyncSession, identity_id: int, state: dict[str, Any], now: dt.datetime, *, existed: bool
) -> None:
    """Write the state back and commit the turn, together with whatever the flow changed."""
    await session.run_sync(_save_and_commit, identity_id, state, now, existed)


def _record_and_open(
    session: Session, who: Identity, message_id: str | None, language: str, now: dt.datetime
) -> tuple[Sequence[Any], dict[str, Any] | None] | None:
    """(identity and person row, saved state) or, when the address is taken without a conversation,
    None. Straight on the connection: these plain statements need nothing of the session's execute."""
    connection = session.connection()
    if message_id is not None:
        try:
            inbound.record_now(connection, who.channel, message_id, now)
        except IntegrityError:
            raise AlreadyHandled() from None
    row = connection.execute(_OPEN, {"channel": who.channel, "address": who.address}).one_or_none()
    if row is not None:
        if _stale(row, now):
            connection.execute(_TOUCH, {"identity": row[0], "now": now})
        return row, row[_STATE_AT]
    created = _create(connection, who, language, now)
    return None if created is None else (created, None)


def _create(connection: Connection, who: Identity, language: str, now: dt.datetime) -> tuple[Any, ...] | None:
    """A new person behind a new address, first contact: a row shaped like `_IDENTITY`'s, or None when
    the address exists already, from an admin or from another worker's transaction (on PostgreSQL the
    insert waits for that transaction, then yields nothing once it has committed). The person row
    inserted for nothing is taken away again. No savepoint is needed: nothing here fails."""
    person = connection.execute(_NEW_PERSON, {"language": language, "now": now}).one()
    person_id = person[_PERSON_ID]
    identity_id = connection.execute(
        _NEW_IDENTITY[connection.dialect.name],
        {"channel": who.channel, "address": who.address, "person": person_id, "now": now},
    ).scalar_one_or_none()
    if identity_id is None:
        connection.execute(_DROP_PERSON, {"person": person_id})
        return None
    return (identity_id, person_id, now, None, *person)


def _save_and_commit(
    session: Session, identity_id: int, state: dict[str, Any], now: dt.datetime, existed: bool
) -> None:
    statement = _SAVE if existed else _CREATE
    session.connection().execute(statement, {"identity": identity_id, "state": state, "now": now})
    session.commit()


def _stale(row: Any, now: dt.datetime) -> bool:
    """Whether the identity's last inbound time needs a write, or its unreachable mark clearing."""
    last_inbound_at, unreachable_at = row[2], row[3]
    return unreachable_at is not None or last_inbound_at is None or now - last_inbound_at >= INBOUND_PRECISION


def _opened(session: AsyncSession, who: Identity, row: Any, state: dict[str, Any] | None) -> Opened:
    identity = IdentityRow(row[0], who.channel, who.address, row[1])
    return Opened(identity, row[_LANGUAGE_AT], state, session, tuple(row[_PERSON_AT:_STATE_AT]))


def _attach(session: Session, values: Sequence[Any]) -> Person:
    """The person as a persistent entity of this session, built from its row without another query
    (or the one the session already holds, when a flow loaded it meanwhile)."""
    attributes = {key: value for (key, _), value in zip(_PERSON_FIELDS, values, strict=True)}
    known = session.identity_map.get(session.identity_key(Person, attributes["id"]))  # type: ignore[arg-type]
    if known is not None:
        return known  # type: ignore[return-value]
    person = Person(**attributes)
    make_transient_to_detached(person)  # loaded state as if read by a query, no pending changes
    session.add(person)
    return person
