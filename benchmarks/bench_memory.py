"""Idle memory of `kaderbot run` with Telegram on (long polling the fake Bot API), against the target
of issue #19: resident set size (VmRSS, Linux /proc) under 120 MB once started and idle. Heavy
modules a person rarely needs (matplotlib for charts, openpyxl for workbooks) load at first use, so
they are not in this figure; one chart or workbook adds them for the rest of the process's life."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_telegram import KADERBOT, _bot, _database, _kaderbot_env
from tests.fakes.bot_api import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
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


# The programme matcher is built by the first question (handlers/programs/library.py): what that costs
# the first resident who asks one, through the core in a fresh process, against the next question.
FIRST_QUESTION = """
import asyncio, json, time
from bot.app import build
from bot.settings import load_settings
from tests.chat import Chat
from tests.flows import onboard


async def main():
    kaderbot = build(load_settings())
    chat = Chat(kaderbot.core, "first-question")
    await onboard(chat, role="warga")
    figures = []
    for question in ("gmn cara daftar sekolah rakyat", "sy blm dpt bansos knp ya"):
        wall, cpu = time.perf_counter(), time.process_time()
        await chat.say(question)
        figures.append((time.perf_counter() - wall, time.process_time() - cpu, chat.text.split(chr(10))[0]))
    print(json.dumps(figures))
    await kaderbot.close()


asyncio.run(main())
"""


def first_question(seeded: Path, folder: Path) -> list[tuple[float, float, str]]:
    """(wall s, CPU s, first line of the answer) of a resident's first and second question."""
    database = folder / "first-question.sqlite3"
    shutil.copy(seeded, database)
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    env = {k: v for k, v in env.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_QUESTION],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [tuple(row) for row in json.loads(done.stdout.strip().splitlines()[-1])]  # type: ignore[misc]


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        seeded = _database(folder)
        figures = sorted(idle_rss(folder, seeded, n) for n in range(SAMPLES))
        questions = first_question(seeded, folder)
    median = figures[len(figures) // 2]
    verdict = "met" if median < TARGET_MB else "NOT met"
    print(
        f"Idle RSS of `kaderbot run` (Telegram long polling a fake Bot API, {IDLE:.0f} s after start), "
        f"{SAMPLES} starts: median {median:.1f} MB (min {figures[0]:.1f}, max {figures[-1]:.1f})"
    )
    print(f"  target: < {TARGET_MB:.0f} MB: {verdict}")
    (first_wall, first_cpu, answer), (next_wall, _, _) = questions
    print(
        f"  a resident's first question, which builds the programme matcher: {first_wall * 1000:.0f} ms "
        f"({first_cpu * 1000:.0f} ms CPU; the next one {next_wall * 1000:.1f} ms), target < 300 ms; "
        f"answered {answer!r}"
    )
    if importlib.util.find_spec("cryptography") is not None:
        print(
            "  (cryptography is installed here, a test tool's dependency: python-telegram-bot then imports"
            " it, ~7 MB that a `make run` machine, without it, does not carry)"
        )


if __name__ == "__main__":
    main()
