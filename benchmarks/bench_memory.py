"""Idle memory of `kaderbot run` with Telegram on (long polling the fake Bot API), against the target
of issue #19: resident set size (VmRSS, Linux /proc) under 120 MB once started and idle. Heavy
modules a person rarely needs (matplotlib for charts, openpyxl for workbooks) load at first use, so
they are not in this figure; one chart or workbook adds them for the rest of the process's life."""

from __future__ import annotations

import importlib.util
import tempfile
import time
from pathlib import Path

from benchmarks.bench_telegram import KADERBOT, _bot, _database, _kaderbot_env
from tests.fakes.bot_api import FakeBotAPI

TARGET_MB = 120.0
IDLE = 3.0  # seconds after the first getUpdates: the scheduler's first pass and the outbox have run
SAMPLES = 3


def rss_mb(pid: int) -> float:
    """The process's resident set size in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc (not Linux?)")


def idle_rss(folder: Path, seeded: Path, n: int) -> float:
    with FakeBotAPI() as fake:
        env = _kaderbot_env(fake, seeded, f"memory-{n}")
        with _bot(fake, [KADERBOT, "run"], env, folder / f"memory-{n}.log") as bot:
            time.sleep(IDLE)
            return rss_mb(bot.pid)


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        seeded = _database(folder)
        figures = sorted(idle_rss(folder, seeded, n) for n in range(SAMPLES))
    median = figures[len(figures) // 2]
    verdict = "met" if median < TARGET_MB else "NOT met"
    print(
        f"Idle RSS of `kaderbot run` (Telegram long polling a fake Bot API, {IDLE:.0f} s after start), "
        f"{SAMPLES} starts: median {median:.1f} MB (min {figures[0]:.1f}, max {figures[-1]:.1f})"
    )
    print(f"  target: < {TARGET_MB:.0f} MB: {verdict}")
    if importlib.util.find_spec("cryptography") is not None:
        print(
            "  (cryptography is installed here, a test tool's dependency: python-telegram-bot then imports"
            " it, ~7 MB that a `make run` machine, without it, does not carry)"
        )


if __name__ == "__main__":
    main()
