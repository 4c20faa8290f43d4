"""A database per test on the throw-away PostgreSQL server (`KADERBOT_TEST_POSTGRES_URL`).

Migrating and seeding takes seconds, so it happens once per session into a template database; each
test then gets `CREATE DATABASE t_<n> TEMPLATE …`, a file-level copy, and drops it afterwards. A copy
still takes a few hundred milliseconds (mostly the checkpoint it forces), so the next test's copy is
made, and the last test's dropped, on a background thread while the current test runs."""

from __future__ import annotations

import itertools
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url

from tests.pg_query import asyncpg_dsn, run_sync


@dataclass
class PostgresDatabases:
    """Creates and drops databases through the server's maintenance database `postgres`. Names carry
    the process id, so two test sessions may share one server."""

    server_url: str
    template: str = field(default_factory=lambda: f"kaderbot_template_{os.getpid()}")
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _worker: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-databases")
    )
    _next: Future[tuple[str, str]] | None = None
    _drops: list[Future[None]] = field(default_factory=list)

    def url(self, name: str) -> str:
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, *, template: str | None = None) -> str:
        # FILE_COPY copies the template's files instead of logging every page to the WAL; for our small
        # template it was mostly the quicker (the checkpoint it forces is cheap with fsync off).
        copy = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    def fresh(self, *, from_template: bool = True) -> tuple[str, str]:
        """A new database for one test, a copy of the template or empty: (name, URL)."""
        name = f"t_{os.getpid()}_{next(self._numbers)}"
        return name, self.create(name, template=self.template if from_template else None)

    def clone(self) -> tuple[str, str]:
        """A copy of the template for this test, (name, URL); the copy for the next test is started."""
        upcoming = self._next or self._worker.submit(self.fresh)
        self._next = self._worker.submit(self.fresh)
        return upcoming.result()

    def drop_later(self, name: str) -> None:
        self._drops.append(self._worker.submit(self.drop, name))

    def close(self) -> None:
        """Wait for the background work, drop the copy nobody took; a failed drop is reported here."""
        if self._next is not None:
            self.drop(self._next.result()[0])
            self._next = None
        self._worker.shutdown(wait=True)
        for dropped in self._drops:
            dropped.result()

    def drop(self, name: str) -> None:
        # FORCE: a subprocess killed mid-test may leave a connection behind.
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def server_version(self) -> str:
        async def _version() -> str:
            import asyncpg

            connection = await asyncpg.connect(asyncpg_dsn(self.server_url))
            try:
                return str(await connection.fetchval("SHOW server_version"))
            finally:
                await connection.close()

        return run_sync(_version)

    def _admin(self, *statements: str) -> None:
        async def _run() -> None:
            import asyncpg

            # CREATE/DROP DATABASE cannot run inside a transaction; asyncpg's execute() does not open one.
            connection = await asyncpg.connect(asyncpg_dsn(self.server_url))
            try:
                for statement in statements:
                    await connection.execute(statement)
            finally:
                await connection.close()

        run_sync(_run)
