"""One conversation turn's transaction: open the person's conversation, let a flow work, save, commit.

Two ways to run the same statements (storage/repositories/conversations.py), chosen by the database:

- `PooledTurns` (PostgreSQL, or SQLite in memory): a session from the pool per turn, the turn's
  own statements sent through one `run_sync` call at each end.
- `InlineSqliteTurns` (the embedded default, an SQLite file run on the event loop by
  storage/inline_sqlite.py): one connection kept for turns, one turn at a time on it, the turn's own
  statements compiled once and handed straight to sqlite3, and an ORM session only when a flow asks
  for one. SQLite has one writer anyway, and every turn starts with a write, so turns were already
  taking the write lock one after another; here they take a lock of our own first, which also keeps
  a turn from ever waiting on the event loop for the write lock another turn on the same loop holds.
  Plain reads a flow makes in the turn go the same way (`read`). What this saves is the per-turn
  SQLAlchemy machinery (session, pool checkout and reset, execution context, a greenlet hop per
  call): `make bench` went from 0.92 to 0.42 ms CPU per update on the 2-core bench machine.

On the embedded SQLite, turns that end with nothing but their own statements share one commit: the
turns already waiting for the connection when one ends (a getUpdates batch, webhook requests in
flight) run in the same transaction, each under a savepoint, and a single commit behind them stores
them all (`_CommitGroup`). A turn still returns only after that commit, so nothing is sent before
it is stored.

A turn's replies are written in its own transaction (storage/repositories/turn_replies.py), so a crash
after the commit cannot lose them; `Turns.write` runs the short transactions that claim, record and
sweep them (bot/replies.py). On the embedded SQLite a turn that finds another process holding the
write lock is rolled back and tried again after an `asyncio.sleep`, up to the overall limit
(storage/inline_sqlite.py), so the event loop keeps serving meanwhile; then `DatabaseBusy`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from handlers.types import Identity
from storage.compiled import CompiledStatement
from storage.inline_sqlite import DatabaseBusy, InlineConnection, commit, is_busy, patiently
from storage.models import Person
from storage.repositories.conversations import (
    Opened,
    Statements,
    attach_person,
    open_turn,
    save_state,
    write_people,
)
from storage.repositories.turn_replies import Kept

T = TypeVar("T")

# Where a turn's session keeps its statement runner on the embedded SQLite (Session.info), for `read`.
_RUNNER = "kaderbot.turn_statements"


async def read(
    session: AsyncSession, statement: Executable, values: Mapping[str, Any] | None = None
) -> list[Sequence[Any]]:
    """The rows of a plain read (a Core SELECT of columns). In a turn on the embedded SQLite it runs
    straight on sqlite3, about a tenth of an ORM query's cost; anywhere else, and whenever the session
    holds changes not yet flushed (which the read must see), through the session as usual."""
    runner = session.info.get(_RUNNER)
    if runner is not None and not _pending(session):
        return runner.rows(statement, values or {})
    return list((await session.execute(statement, values or {})).all())


async def change(
    session: AsyncSession, statement: Executable, values: Mapping[str, Any] | None = None
) -> int:
    """Run a Core INSERT, UPDATE or DELETE of a table (the session's entities are left as they are,
    as with `synchronize_session=False`); the number of rows it changed. Changes the session holds
    are flushed first, so they reach the database in order. In a turn on the embedded SQLite it then
    runs straight on sqlite3 like `read`; anywhere else through the session."""
    if _pending(session):
        await session.flush()
    runner = session.info.get(_RUNNER)
    if runner is not None:
        return runner.changed(statement, values or {})
    result = await session.execute(statement, values or {})
    return int(result.rowcount)  # type: ignore[attr-defined]


async def insert_returning(
    session: AsyncSession, statement: Executable, values: Mapping[str, Any] | None = None
) -> list[Sequence[Any]]:
    """A Core INSERT … RETURNING run like `change` (what the session holds flushed first); its rows.
    Every value is to be given: Python-side column defaults are not applied on the embedded path."""
    if _pending(session):
        await session.flush()
    runner = session.info.get(_RUNNER)
    if runner is not None:
        return runner.rows(statement, values or {})
    return list((await session.execute(statement, values or {})).all())


def _pending(session: AsyncSession) -> bool:
    """Whether the session holds changes not yet flushed."""
    return bool(session.new or session.dirty or session.deleted)


class TurnTransaction(Protocol):
    """What the core needs of storage for one turn."""

    @property
    def session(self) -> AsyncSession:
        """The ORM session of this turn's transaction, for flows."""
        ...

    async def open(self, who: Identity, *, message_id: str | None, language: str, now: dt.datetime) -> Opened:
        """Raises conversations.AlreadyHandled for a message id seen before."""
        ...

    def person(self, opened: Opened) -> Person: ...

    async def save_and_commit(
        self, opened: Opened, state: dict[str, Any], now: dt.datetime, *, replies: Kept | None = None
    ) -> None:
        """Save the state, keep the replies (when given), commit."""
        ...

    async def commit(self, *, replies: Kept | None = None) -> None:
        """Commit without saving a state (the apology after a failed turn), keeping the replies."""
        ...


class Turns(Protocol):
    def begin(self) -> AbstractAsyncContextManager[TurnTransaction]:
        """`async with turns.begin() as turn:` a TurnTransaction, rolled back unless committed."""
        ...

    async def write(self, work: Callable[[Statements], T]) -> T:
        """`work` in a short transaction of its own, committed. On the embedded SQLite it may run
        again from the start (after a rollback) while another process holds the write lock."""
        ...

    async def close(self) -> None: ...


class _ConnectionStatements:
    """conversations.Statements over a SQLAlchemy Connection (inside `run_sync`)."""

    __slots__ = ("_connection", "dialect_name")

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self.dialect_name = connection.dialect.name

    def rows(self, statement: Executable, values: Mapping[str, Any]) -> list[Sequence[Any]]:
        return list(self._connection.execute(statement, values).all())

    def changed(self, statement: Executable, values: Mapping[str, Any]) -> int:
        return int(self._connection.execute(statement, values).rowcount)  # type: ignore[attr-defined]


class PooledTurn:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open(self, who: Identity, *, message_id: str | None, language: str, now: dt.datetime) -> Opened:
        def run(session: Session) -> Opened:
            statements = _ConnectionStatements(session.connection())
            return open_turn(statements, who, message_id=message_id, language=language, now=now)

        return await self.session.run_sync(run)

    def person(self, opened: Opened) -> Person:
        return attach_person(self.session.sync_session, opened.person_values)

    async def save_and_commit(
        self, opened: Opened, state: dict[str, Any], now: dt.datetime, *, replies: Kept | None = None
    ) -> None:
        def run(session: Session) -> None:
            statements = _ConnectionStatements(session.connection())
            save_state(statements, opened, state, now)
            if replies is not None:
                replies.record(statements)
            session.commit()

        await self.session.run_sync(run)

    async def commit(self, *, replies: Kept | None = None) -> None:
        if replies is not None:
            await self.session.run_sync(lambda s: replies.record(_ConnectionStatements(s.connection())))
        await self.session.commit()


class PooledTurns:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[PooledTurn]:
        session = self._sessions()
        try:
            yield PooledTurn(session)
        finally:
            if session.in_transaction():
                # A failed turn (or a duplicate). Roll back first, straight away: AsyncSession's exit
                # closes through asyncio.shield, a task switch, and a lock held meanwhile would make
                # other tasks wait for it. Then SQLAlchemy's own exit hands the connection back even
                # if this task is cancelled meanwhile.
                await session.rollback()
                async with session:
                    pass
            else:
                session.expunge_all()  # committed: no connection held, only the entities to let go

    async def write(self, work: Callable[[Statements], T]) -> T:
        async with self._sessions() as session:

            def run(sync: Session) -> T:
                result = work(_ConnectionStatements(sync.connection()))
                sync.commit()
                return result

            return await session.run_sync(run)

    async def close(self) -> None:
        return None


class _SqliteStatements:
    """conversations.Statements straight on sqlite3, each statement compiled once (storage/compiled.py)."""

    __slots__ = ("_compiled", "_dialect", "dialect_name", "limit", "sqlite")

    def __init__(
        self,
        sqlite: sqlite3.Connection,
        dialect: Dialect,
        compiled: dict[Executable, CompiledStatement],
        limit: float,
    ) -> None:
        self.sqlite, self._dialect, self._compiled = sqlite, dialect, compiled
        self.dialect_name = dialect.name
        self.limit = limit  # seconds to wait for another process's write lock in all

    def _statement(self, statement: Executable) -> CompiledStatement:
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = CompiledStatement.of(statement, self._dialect)
        return compiled

    def rows(self, statement: Executable, values: Mapping[str, Any]) -> list[Sequence[Any]]:
        compiled = self._statement(statement)
        cursor = self._execute(compiled, values)
        return [compiled.row(raw) for raw in cursor.fetchall()]

    def changed(self, statement: Executable, values: Mapping[str, Any]) -> int:
        return self._execute(self._statement(statement), values).rowcount

    def _execute(self, compiled: CompiledStatement, values: Mapping[str, Any]) -> sqlite3.Cursor:
        parameters = compiled.parameters(values)
        try:
            return self.sqlite.execute(compiled.sql, parameters)
        except sqlite3.IntegrityError as error:
            raise IntegrityError(compiled.sql, parameters, error) from error


class InlineSqliteTurn:
    def __init__(
        self,
        connection: AsyncConnection,
        statements: _SqliteStatements,
        sessions: async_sessionmaker[AsyncSession],
        limit: float,
        group: _CommitGroup,
    ) -> None:
        self._connection = connection
        self._statements = statements
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._committed = False
        self._limit = limit
        self._group = group
        # Other turns' work waits uncommitted in the transaction this turn joined: its own is kept
        # under a savepoint, so that a failure undoes this turn alone.
        self._savepoint = group.joined()

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self._sessions(bind=self._connection, info={_RUNNER: self._statements})
        return self._session

    async def open(self, who: Identity, *, message_id: str | None, language: str, now: dt.datetime) -> Opened:
        """The turn's first statement takes the write lock; while another process holds it, the
        opening is rolled back and tried again without blocking the event loop."""
        statements = self._statements
        try:  # the usual case, without a coroutine for the retry loop
            return open_turn(statements, who, message_id=message_id, language=language, now=now)
        except sqlite3.OperationalError as error:
            if self._savepoint or not is_busy(error, snapshot=True):
                raise  # in a group the write lock is ours already: nothing to wait for
        statements.sqlite.rollback()
        return await patiently(
            lambda: open_turn(statements, who, message_id=message_id, language=language, now=now),
            limit=self._limit,
            snapshot=True,
            before_retry=statements.sqlite.rollback,
        )

    def person(self, opened: Opened) -> Person:
        return attach_person(self.session.sync_session, opened.person_values)

    async def save_and_commit(
        self, opened: Opened, state: dict[str, Any], now: dt.datetime, *, replies: Kept | None = None
    ) -> None:
        statements = self._statements
        try:
            save_state(statements, opened, state, now)
        except sqlite3.OperationalError as error:
            if not is_busy(error):
                raise
            await patiently(lambda: save_state(statements, opened, state, now), limit=self._limit)
        await self.commit(replies=replies)

    async def commit(self, *, replies: Kept | None = None) -> None:
        session = self._session
        if replies is not None:
            statements = self._statements
            await patiently(lambda: replies.record(statements), limit=self._limit)
        if session is not None and (session.in_transaction() or _pending(session)):
            write_people(self._statements, session.sync_session)  # a person's language or consent
            if _pending(session) or self._connection.in_transaction():
                await session.commit()  # flushes the flow's changes, commits the SQLite transaction
            else:
                # It only held entities built from the turn's rows (the person, read by /start): nothing
                # to flush, and no statement went through it, so its transaction holds no connection.
                # Closed here, without the async session's commit (a greenlet hop): issue #19, 0.07 ms
                # of a first contact's 0.54 ms of CPU.
                session.sync_session.close()
        sqlite = self._statements.sqlite
        if sqlite.in_transaction:  # no session, or nothing of the turn went through it
            # Committed with the turns that run before the loop comes round again (_CommitGroup);
            # this returns once the commit is done, so nothing is sent before it is stored.
            self._committed = True
            await self._group.commit_with_others(self._savepoint)
            return
        self._group.committed()  # the session's commit took the others' work with it
        self._committed = True

    async def end(self) -> None:
        """Roll back whatever was not committed, the SQLite transaction first (no task switch before),
        then let the session go. In a group, only this turn's own work is undone."""
        session = self._session
        if not self._committed:
            if self._savepoint:
                self._group.undo_own()
                if session is not None and session.in_transaction():
                    # The session's rollback would take the others' work with it: theirs is
                    # committed first.
                    await self._group.commit_now()
            else:
                self._statements.sqlite.rollback()
        if session is None:
            return
        if session.in_transaction():  # a failed turn: end the transaction the next turn must not join
            await session.rollback()
        session.expunge_all()  # no connection of its own to hand back: it was lent ours


class _CommitGroup:
    """One SQLite commit for the turns that finish before the event loop comes round again
    (issue #19). A turn that ends with nothing but its own statements does not commit: it lets go of
    the connection and waits; turns already waiting to run (a getUpdates batch, webhook requests in
    flight) run meanwhile in the same transaction, each under a savepoint, and a commit scheduled
    behind them stores them all at once. A turn returns only once that commit is done, so nothing is
    sent before it is stored; if the commit fails, every turn of the group fails with it (and is
    delivered again). Anything else that takes the connection (a short write, a turn whose ORM
    session commits, a failing turn with an ORM transaction, closing) commits the group first."""

    def __init__(self, turnstile: _Turnstile) -> None:
        self._turnstile = turnstile
        self._waiting: list[asyncio.Future[None]] = []  # turns done, their work not yet committed
        self._flusher: asyncio.Task[None] | None = None
        self.statements: _SqliteStatements | None = None
        self._release: Callable[[], None] | None = None  # lets go of the connection the turn holds
        self.commits = 0  # SQLite commits of turns, for the tests

    def held_by(self, statements: _SqliteStatements, release: Callable[[], None]) -> None:
        """A turn took the connection: its statements, and how it lets go of it."""
        self.statements, self._release = statements, release

    def joined(self) -> bool:
        """Called as a turn starts, holding the connection: True when it joins waiting turns' work
        (a savepoint now marks where its own begins)."""
        if not self._waiting:
            return False
        assert self.statements is not None
        self.statements.sqlite.execute("SAVEPOINT turn")
        return True

    def undo_own(self) -> None:
        """A failed turn in a group: its own statements undone, the others' kept."""
        assert self.statements is not None
        sqlite = self.statements.sqlite
        sqlite.execute("ROLLBACK TO turn")
        sqlite.execute("RELEASE turn")

    async def commit_with_others(self, savepoint: bool) -> None:
        """The end of a turn with only its own statements in the transaction."""
        assert self.statements is not None and self._release is not None
        if savepoint:
            self.statements.sqlite.execute("RELEASE turn")
        done = asyncio.get_running_loop().create_future()
        self._waiting.append(done)
        if self._flusher is None:
            self._flusher = asyncio.ensure_future(self._flush())
        self._release()  # the turns already waiting for the connection run in this transaction
        await asyncio.shield(done)

    def lost(self) -> None:
        """The connection went away with the group's work uncommitted: those turns are not stored
        (their channel delivers them again)."""
        waiting, self._waiting = self._waiting, []
        for done in waiting:
            if not done.done():
                done.set_exception(DatabaseBusy("the connection was lost before the turns' commit"))

    def committed(self) -> None:
        """Something committed the transaction, the group's work with it."""
        self.commits += 1
        waiting, self._waiting = self._waiting, []
        for done in waiting:
            if not done.done():
                done.set_result(None)

    async def commit_now(self) -> None:
        """Commit what the group holds, with the connection held by the caller."""
        if not self._waiting:
            return
        assert self.statements is not None
        sqlite = self.statements.sqlite
        try:
            await commit(sqlite, limit=self.statements.limit)
        except BaseException as error:
            sqlite.rollback()
            waiting, self._waiting = self._waiting, []
            for done in waiting:
                if not done.done():
                    done.set_exception(error if isinstance(error, Exception) else DatabaseBusy(str(error)))
            if not isinstance(error, Exception):
                raise
            return
        self.committed()

    async def _flush(self) -> None:
        """Behind the turns already waiting (a short write goes first, and commits the group itself)."""
        await self._turnstile.acquire(write=True)
        try:
            self._flusher = None
            await self.commit_now()
        finally:
            self._turnstile.release()


class _Turnstile:
    """The kept connection, held by one turn or short write at a time, first come first served, except
    that a waiting short write (`Turns.write`: the reply ledger's claims and records) goes before the
    waiting turns. A turn's reply leaves only once claimed; behind every turn already waiting, the
    replies of a busy bot fell behind its turns and a round's last ones went out well after its last
    turn (issue #19, polling bench)."""

    def __init__(self) -> None:
        self._held = False
        self._writes: deque[asyncio.Future[None]] = deque()
        self._turns: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def hold(self, *, write: bool = False) -> AsyncIterator[None]:
        await self.acquire(write=write)
        try:
            yield
        finally:
            self.release()

    async def acquire(self, *, write: bool = False) -> None:
        if self._held or self._writes or self._turns:
            await self._wait(self._writes if write else self._turns)
        else:
            self._held = True  # free: taken without yielding, as asyncio.Lock does

    def release(self) -> None:
        self._pass_on()

    async def _wait(self, queue: deque[asyncio.Future[None]]) -> None:
        future = asyncio.get_running_loop().create_future()
        queue.append(future)
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._pass_on()  # handed over just as it was cancelled: to the next one
            else:
                with contextlib.suppress(ValueError):
                    queue.remove(future)
            raise

    def _pass_on(self) -> None:
        for queue in (self._writes, self._turns):
            while queue:
                future = queue.popleft()
                if not future.done():
                    future.set_result(None)  # still held: handed over
                    return
        self._held = False


class InlineSqliteTurns:
    def __init__(self, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._engine = engine
        self._sessions = sessions
        self._lock = _Turnstile()
        self.group = _CommitGroup(self._lock)
        self._connection: AsyncConnection | None = None
        self._statements: _SqliteStatements | None = None
        self._compiled: dict[Executable, CompiledStatement] = {}

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[InlineSqliteTurn]:
        await self._lock.acquire()
        held = True

        def release() -> None:  # once: a turn whose commit waits for the group lets go before its end
            nonlocal held
            if held:
                held = False
                self._lock.release()

        try:
            connection, statements = await self._ready()
            self.group.held_by(statements, release)
            turn = InlineSqliteTurn(connection, statements, self._sessions, statements.limit, self.group)
            try:
                yield turn
            finally:
                await turn.end()
        finally:
            release()

    async def write(self, work: Callable[[Statements], T]) -> T:
        async with self._lock.hold(write=True):
            _, statements = await self._ready()
            await self.group.commit_now()  # the turns waiting for their commit are stored first
            sqlite = statements.sqlite
            try:
                result = await patiently(
                    lambda: work(statements),
                    limit=statements.limit,
                    snapshot=True,
                    before_retry=sqlite.rollback,
                )
                await commit(sqlite, limit=statements.limit)
            except BaseException:
                sqlite.rollback()
                raise
            return result

    async def _ready(self) -> tuple[AsyncConnection, _SqliteStatements]:
        connection = self._connection
        if connection is None or connection.closed or connection.invalidated or self._statements is None:
            self.group.lost()  # nothing waits on a fresh connection; on a lost one, nothing is stored
            if connection is not None:
                await connection.close()
            connection = self._connection = await self._engine.connect()
            raw = (await connection.get_raw_connection()).driver_connection
            if not isinstance(raw, InlineConnection):
                raise TypeError("InlineSqliteTurns needs an engine made by storage.inline_sqlite")
            self._statements = _SqliteStatements(raw.sqlite, connection.dialect, self._compiled, raw.limit)
        elif connection.in_transaction():
            await self.group.commit_now()  # the turns waiting for their commit keep their work
            await connection.rollback()  # left over by a turn cut short: never let the next one join it
        return connection, self._statements

    async def close(self) -> None:
        async with self._lock.hold():
            await self.group.commit_now()
            if self._connection is not None:
                await self._connection.close()
                self._connection = None
                self._statements = None
