"""A SQLAlchemy Core statement compiled once and run straight on a DB-API connection.

SQLAlchemy stays the one place a statement is written and typed: the SQL comes from its compiler
and every value goes through its column types' own bind and result processors (so a datetime or a
JSON value is stored exactly as SQLAlchemy would store it). What is skipped is the per-call machinery
around that (execution context, result objects, events, and under asyncio a greenlet hop per call),
which costs several times the statement itself on SQLite. Used for the few statements every
conversation turn runs (storage/turns.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class CompiledStatement:
    sql: str
    names: tuple[str, ...]  # bind parameter names in the order the driver takes them
    fixed: Mapping[str, Any]  # values written in the statement itself (e.g. role="resident")
    binders: tuple[Processor, ...]
    readers: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, processor) where one is needed

    @classmethod
    def of(cls, statement: Executable, dialect: Dialect) -> CompiledStatement:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        if not dialect.positional or compiled.positiontup is None:
            raise ValueError(f"{dialect.name}: a positional paramstyle is needed")
        names = tuple(compiled.positiontup)
        binds = compiled.binds
        if any(binds[name].expanding for name in names):
            raise ValueError("IN with a list of values is expanded per call: write it as equalities")
        fixed = {name: compiled.params[name] for name in names if not binds[name].required}
        binders = tuple(binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)
        returned = getattr(statement, "exported_columns", ())
        readers = tuple(
            (index, read)
            for index, column in enumerate(returned)
            if (read := column.type.dialect_impl(dialect).result_processor(dialect, None)) is not None
        )
        return cls(compiled.string, names, fixed, binders, readers)

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        if self.fixed:
            values = {**self.fixed, **values}
        return tuple(
            [
                value if bind is None else bind(value)
                for value, bind in zip(map(values.__getitem__, self.names), self.binders)  # noqa: B905
            ]
        )

    def row(self, raw: Sequence[Any]) -> Sequence[Any]:
        if not self.readers:
            return raw
        row = list(raw)
        for index, read in self.readers:
            value = row[index]
            if value is not None:
                row[index] = read(value)
        return row
