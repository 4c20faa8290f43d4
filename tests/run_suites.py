"""`make test`: the whole test suite on SQLite, then again on a throw-away PostgreSQL server, and one
line per backend saying what ran.

    python -m tests.run_suites [PYTEST ARGS…]

PostgreSQL is found or installed from the distribution's packages (tests/postgres.py). When that is
impossible the run fails, since CI must test both; `KADERBOT_SKIP_POSTGRES=1` runs SQLite alone, on
purpose, and says so. A server already named by `KADERBOT_TEST_POSTGRES_URL` is used as it is."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from tests.postgres import ENV_URL, PostgresServer, PostgresUnavailable, start_server

SKIP_POSTGRES = "KADERBOT_SKIP_POSTGRES"


@dataclass(frozen=True)
class Outcome:
    backend: str
    passed: bool
    summary: str

    def line(self) -> str:
        return f"{self.backend + ' suite:':<18} {self.summary}"


def run_pytest(backend: str, args: list[str], env: dict[str, str], report_dir: Path) -> Outcome:
    report = report_dir / f"{backend.lower()}.xml"
    print(f"\n=== {backend} suite ===", flush=True)
    started = time.monotonic()
    code = subprocess.run(
        [sys.executable, "-m", "pytest", f"--junitxml={report}", *args], env=env, check=False
    ).returncode
    took = f"in {time.monotonic() - started:.0f} s"
    counts = _counts(report)
    if code == 0:
        return Outcome(backend, True, f"passed ({counts}) {took}")
    return Outcome(backend, False, f"FAILED ({counts or f'pytest exit code {code}'}) {took}")


def _counts(report: Path) -> str:
    """'1519 passed, 2 skipped or xfailed' from pytest's JUnit XML report ('' when there is none)."""
    if not report.exists():
        return ""
    suite = ElementTree.parse(report).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    if suite is None:
        return ""
    total, failed, errors, skipped = (
        int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")
    )
    others = ((failed, "failed"), (errors, "errors"), (skipped, "skipped or xfailed"))
    parts = [f"{total - failed - errors - skipped} passed", *(f"{n} {word}" for n, word in others if n)]
    return ", ".join(parts)


def postgres_suite(args: list[str], base_env: dict[str, str], report_dir: Path) -> Outcome:
    if base_env.get(ENV_URL):
        return run_pytest("PostgreSQL", args, base_env, report_dir)
    if base_env.get(SKIP_POSTGRES) == "1":
        return Outcome("PostgreSQL", True, f"not run — {SKIP_POSTGRES}=1")
    server: PostgresServer | None = None
    try:
        server = start_server()
    except PostgresUnavailable as reason:
        return Outcome("PostgreSQL", False, f"FAILED: not run — {reason} (set {SKIP_POSTGRES}=1 to skip it)")
    try:
        print(f"PostgreSQL {server.bindir.parent.name} started on 127.0.0.1:{server.port}", flush=True)
        return run_pytest("PostgreSQL", args, {**base_env, ENV_URL: server.url}, report_dir)
    finally:
        server.stop()


def main(args: list[str]) -> int:
    base_env = dict(os.environ)
    sqlite_env = {k: v for k, v in base_env.items() if k != ENV_URL}
    with tempfile.TemporaryDirectory(prefix="kaderbot-suites-") as folder:
        report_dir = Path(folder)
        outcomes = [
            run_pytest("SQLite", args, sqlite_env, report_dir),
            postgres_suite(args, base_env, report_dir),
        ]
    print()
    for outcome in outcomes:
        print(outcome.line())
    return 0 if all(outcome.passed for outcome in outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
