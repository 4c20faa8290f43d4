"""Alembic migrations build exactly the schema the models declare, on the backend the suite runs on,
and the same schema on SQLite and on PostgreSQL (checked in the PostgreSQL run, which has both)."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Float, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.types import TypeEngine

import storage
from storage.migrate import upgrade
from storage.models import Base
from tests.pg_query import is_postgres

for _module in pkgutil.iter_modules(storage.__path__):
    if _module.name.startswith("models_"):
        importlib.import_module(f"storage.{_module.name}")


def on(url: str, work: Any) -> Any:
    """Run `work(sync_connection)` against the database at `url`."""

    async def _run() -> Any:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(_run())


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def kind(column_type: TypeEngine[Any]) -> str:
    """A column type in backend-neutral words: its generic type, with the length of a string.
    `sa.Float()` reads back as DOUBLE PRECISION on PostgreSQL (the same 8-byte float SQLite keeps)."""
    generic = column_type.as_generic()
    if isinstance(generic, Float):
        return "Float"
    length = getattr(generic, "length", None)
    return f"{type(generic).__name__}({length})" if length else type(generic).__name__


def schema(connection: Connection) -> dict[str, Any]:
    """Tables with their columns (name, generic type, nullability), keys and indexes, as comparable
    plain values: what both backends must agree on, without each one's spelling of a type."""
    inspector = inspect(connection)
    tables: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        tables[table] = {
            "columns": [(c["name"], kind(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
            "primary key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign keys": sorted(
                (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
                for fk in inspector.get_foreign_keys(table)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            "indexes": sorted(
                (i["name"], tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
                if not i.get("duplicates_constraint")  # PostgreSQL backs a UNIQUE constraint by an index
            ),
        }
    return tables


def test_the_migrations_build_what_the_models_declare(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    assert on(empty_db_url, differences) == []


def test_sqlite_and_postgresql_get_the_same_schema(empty_db_url: str, tmp_path: Path) -> None:
    if not is_postgres(empty_db_url):
        pytest.skip("needs PostgreSQL: compared in the PostgreSQL run of the suite")
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'kaderbot.sqlite3'}"
    upgrade(sqlite_url)
    upgrade(empty_db_url)
    on_sqlite, on_postgres = on(sqlite_url, schema), on(empty_db_url, schema)
    assert sorted(on_sqlite) == sorted(on_postgres)
    differing = {t: (on_sqlite[t], on_postgres[t]) for t in on_sqlite if on_sqlite[t] != on_postgres[t]}
    assert differing == {}
