"""A throw-away PostgreSQL server on 127.0.0.1 for the tests: found (or installed from the
distribution's packages where the machine allows), started in a temporary folder, stopped after.

`python -m tests.postgres -- CMD…` runs CMD with `KADERBOT_TEST_POSTGRES_URL` pointing at a fresh
server; `start_server()` does the same inside a test session."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ENV_URL = "KADERBOT_TEST_POSTGRES_URL"
SUPERUSER = "kaderbot"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL binaries here and none could be installed; the message says why."""


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, or Debian's versioned folder (newest first)."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key, reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _version_key(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def ensure_binaries(*, install: bool = True) -> Path:
    bindir = find_bindir()
    if bindir is not None:
        return bindir
    if not install:
        raise PostgresUnavailable("PostgreSQL binaries not found")
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PostgresUnavailable("PostgreSQL binaries not found and apt-get as root is not available")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print("PostgreSQL not found: installing the `postgresql` package…", file=sys.stderr, flush=True)
    install_command = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"]
    for command in (["apt-get", "update", "-qq"], install_command):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["?"]
            raise PostgresUnavailable(f"installing PostgreSQL failed: {' '.join(command)}: {tail[0]}")
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL was installed but initdb was not found")
    return bindir


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: Path
    datadir: Path
    port: int
    run_as: str | None

    @property
    def url(self) -> str:
        """The asyncpg URL of the maintenance database `postgres`."""
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def _command(self, *args: str) -> list[str]:
        # PostgreSQL refuses to run as root; run it as the distribution's `postgres` user then.
        return ["runuser", "-u", self.run_as, "--", *args] if self.run_as else list(args)

    def stop(self) -> None:
        subprocess.run(
            self._command(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_server(*, install: bool = True, max_connections: int = 300) -> PostgresServer:
    bindir = ensure_binaries(install=install)
    run_as = None
    root = Path(tempfile.mkdtemp(prefix="kaderbot-pg-"))
    if os.geteuid() == 0:
        run_as = "postgres"
        user = pwd.getpwnam(run_as)
        os.chmod(root, 0o755)
        os.chown(root, user.pw_uid, user.pw_gid)
    datadir = root / "data"
    port = free_port()
    server = PostgresServer(bindir, datadir, port, run_as)
    initdb = server._command(
        str(bindir / "initdb"), "-D", str(datadir), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
        "--no-sync", "--locale=C",
    )  # fmt: skip
    _run(initdb, "initdb")
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
        f"-c max_connections={max_connections} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c shared_buffers=128MB"
    )
    logfile = str(root / "server.log")
    pg_ctl = str(bindir / "pg_ctl")
    start = server._command(pg_ctl, "-D", str(datadir), "-o", options, "-l", logfile, "-w", "start")
    try:
        _run(start, "pg_ctl start")
    except PostgresUnavailable:
        log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise PostgresUnavailable(f"PostgreSQL did not start: {log.strip()[-300:]}") from None
    _wait_for_port(port)
    return server


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PostgresUnavailable(f"{what} failed: {(result.stderr or result.stdout).strip()[-300:]}")


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise PostgresUnavailable(f"PostgreSQL did not listen on 127.0.0.1:{port}")


@contextlib.contextmanager
def running(*, install: bool = True) -> Iterator[PostgresServer]:
    server = start_server(install=install)
    try:
        yield server
    finally:
        server.stop()


def main(argv: list[str]) -> int:
    """`python -m tests.postgres -- CMD…`: run CMD beside a fresh server. Exit code 3 when PostgreSQL
    is not available here (the message says why), else CMD's own."""
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: python -m tests.postgres -- CMD…", file=sys.stderr)
        return 2
    try:
        server = start_server()
    except PostgresUnavailable as reason:
        print(f"PostgreSQL: not available — {reason}", file=sys.stderr)
        return 3
    try:
        print(f"PostgreSQL {server.bindir.parent.name} started on 127.0.0.1:{server.port}", flush=True)
        return subprocess.run(argv, env={**os.environ, ENV_URL: server.url}, check=False).returncode
    finally:
        server.stop()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
