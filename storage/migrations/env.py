"""Alembic environment: async engine for both SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

import storage
from storage.models import Base

# Tables of each part of the product live in storage/models.py and storage/models_<part>.py.
for module in pkgutil.iter_modules(storage.__path__):
    if module.name.startswith("models_"):
        importlib.import_module(f"storage.{module.name}")

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _online() -> None:
    engine = create_async_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_online())
