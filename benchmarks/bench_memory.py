"""Idle memory of `kaderbot run` with Telegram on (long polling the fake Bot API), against the target
of issue #19: resident set size (VmRSS, Linux /proc) under 120 MB once started and idle. Heavy
modules a person rarely needs (matplotlib for charts, openpyxl for workbooks) load at first use, so
they are not in this figure; one chart or workbook adds them for the rest of the process's life. The
programme matcher is built by the first question: what that adds is printed too, as are the idle
figures of the webhook mode and of the console chat (no web server there)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_telegram import KADERBOT, _bot, _copy, _database, _kaderbot_env
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


def idle_rss(folder: Path, seeded: Path, n: int, *, webhook: bool = False) -> float:
    with FakeBotAPI() as fake:
        env = _kaderbot_env(fake, seeded, f"memory-{n}")
        serves = None
        if webhook:
            serves = int(env["WEB_PORT"])
            env["TELEGRAM_WEBHOOK_URL"] = f"http://127.0.0.1:{serves}/telegram/webhook"
            env["TELEGRAM_WEBHOOK_SECRET"] = "bench-memory-secret"
        with _bot(fake, [KADERBOT, "run"], env, folder / f"memory-{n}.log", serves=serves) as bot:
            time.sleep(IDLE)
            return rss_mb(bot.pid)


def console_rss(folder: Path, seeded: Path) -> float:
    """`kaderbot run` without a platform channel: the console chat, waiting for its first line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    env.update(DATABASE_URL=_copy(seeded, "memory-console"), CONSOLE_DIR=str(folder / "console"))
    process = subprocess.Popen(
        [KADERBOT, "run", "--as", "siti"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        process.stderr.readline()  # "starting the console chat": said before it builds the bot
        # Then built and waiting for a line once its resident set stops growing (it prints nothing
        # before the first line it reads).
        last, deadline = 0.0, time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(1.0)
            now = rss_mb(process.pid)
            if abs(now - last) < 0.2:
                break
            last = now
        time.sleep(IDLE)
        return rss_mb(process.pid)
    finally:
        process.kill()
        process.wait()


# The programme matcher is built by the first question (handlers/programs/library.py): what that costs
# the first resident who asks one, through the core in a fresh process, against the next question.
FIRST_QUESTION = """
import asyncio, json, time
from bot.app import build
from bot.settings import load_settings
from tests.chat import Chat
from tests.flows import onboard


def rss():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


async def other_turn(chat, due):  # another person's message, due during the question: answered after
    await asyncio.sleep(max(0.0, due - time.perf_counter()))  # a loop held up ends it late: counted
    await chat.say("/bantuan")
    return time.perf_counter() - due


async def main():
    kaderbot = build(load_settings())
    chat, other = Chat(kaderbot.core, "first-question"), Chat(kaderbot.core, "meanwhile")
    await onboard(chat, role="warga")
    await onboard(other, role="warga")
    figures = []
    for question in ("gmn cara daftar sekolah rakyat", "sy blm dpt bansos knp ya"):
        before = rss()
        wall, cpu = time.perf_counter(), time.process_time()
        meanwhile = asyncio.create_task(other_turn(other, time.perf_counter() + 0.02))
        await chat.say(question)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        figures.append((wall, cpu, chat.text.split(chr(10))[0], rss() - before, await meanwhile))
    print(json.dumps(figures))
    await kaderbot.close()


asyncio.run(main())
"""


def first_question(seeded: Path, folder: Path) -> list[tuple[float, float, str, float, float]]:
    """(wall s, CPU s, first line of the answer, MB of RSS added, s until another person's message
    due meanwhile was answered) of a resident's first and second question."""
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
        webhook = idle_rss(folder, seeded, SAMPLES, webhook=True)
        console = console_rss(folder, seeded)
        questions = first_question(seeded, folder)
    median = figures[len(figures) // 2]
    verdict = "met" if median < TARGET_MB else "NOT met"
    print(
        f"Idle RSS of `kaderbot run` (Telegram long polling a fake Bot API, {IDLE:.0f} s after start), "
        f"{SAMPLES} starts: median {median:.1f} MB (min {figures[0]:.1f}, max {figures[-1]:.1f})"
    )
    print(f"  target: < {TARGET_MB:.0f} MB: {verdict}")
    print(f"  the same in webhook mode: {webhook:.1f} MB; the console chat (no web server): {console:.1f} MB")
    (first_wall, first_cpu, answer, grown, meanwhile), (next_wall, *_) = questions
    print(
        f"  a resident's first question, which builds the programme matcher (outside the turn's "
        f"transaction): {first_wall * 1000:.0f} ms ({first_cpu * 1000:.0f} ms CPU; the next one "
        f"{next_wall * 1000:.1f} ms), target < 300 ms; answered {answer!r}; it adds {grown:.1f} MB; "
        f"another person's message, due 20 ms into it, answered {meanwhile * 1000:.0f} ms later"
    )


if __name__ == "__main__":
    main()
