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
    defaults: Mapping[str, Any]  # values fixed in the statement itself (e.g. role="resident")
    binders: tuple[Processor, ...]
    readers: tuple[Processor, ...]  # one per returned column; empty when nothing is returned

    @classmethod
    def of(cls, statement: Executable, dialect: Dialect) -> CompiledStatement:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        if not dialect.positional or compiled.positiontup is None:
            raise ValueError(f"{dialect.name}: a positional paramstyle is needed")
        names = tuple(compiled.positiontup)
        binders = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
        )
        returned = getattr(statement, "exported_columns", ())
        readers = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in returned
        )
        return cls(compiled.string, names, compiled.params, binders, readers)

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        merged = {**self.defaults, **values}
        return tuple(
            merged[name] if bind is None else bind(merged[name])
            for name, bind in zip(self.names, self.binders, strict=True)
        )

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            value if read is None or value is None else read(value)
            for value, read in zip(raw, self.readers, strict=True)
        )
