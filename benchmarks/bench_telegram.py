"""Per-update cost of KaderBot's Telegram path against a bare python-telegram-bot echo bot.

Each bot runs as its own process and long-polls its own FakeBotAPI (a real HTTP server on
127.0.0.1, in this process), all of them in the same run: `kaderbot run` exactly as deployed, and a
dozen-line PTB echo bot (PTB's own updater and dispatch, one reply sent at a time). N updates from
N different people are queued at once; the clock runs from the first push to the N-th reply the
fake records. The bots take turns round by round (echo, KaderBot, echo, KaderBot, …), so the load
of a shared machine falls on both alike; each figure is the median of its rounds, after a warm-up.
Beside the wall clock, each bot process's CPU time per update is shown (Linux: /proc).

KaderBot's path is everything a person's message goes through: its getUpdates loop, the update →
event mapping, the core's database transaction (SQLite here), rendering and the Bot API call. Its
rate limiter caps sends at Telegram's own 30 messages/s; the cap is lifted (TELEGRAM_RATE_LIMIT=0)
for the comparison, as the echo bot has none, and measured on its own. (With the cap at 0 the
limiter still wraps every call, as deployed.) One more row runs the same channel with the core
replaced by a fixed reply, to show how the cost splits between the Telegram side and the core's
database turn.

A second comparison gives every Bot API answer 30 ms of latency, closer to a real server's round
trip than 127.0.0.1: there KaderBot's replies going out while the next turn runs pay off.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from storage.db import open_database
from storage.migrate import upgrade
from storage.seed import seed_demo
from tests.fakes.bot_api import Call, FakeBotAPI

UPDATES = 200  # per round
ROUNDS = 5
WARM_UP = 20
LATENCY = 0.030  # seconds per Bot API answer in the second comparison
LATENCY_UPDATES = 60
LATENCY_ROUNDS = 2
TARGET_RATIO = 1.5
TIMEOUT = 120.0
KADERBOT = str(Path(sys.executable).with_name("kaderbot"))

ECHO_BOT = """
import os, datetime as dt
from telegram.ext import Application, MessageHandler, filters

async def echo(update, context):
    await context.bot.send_message(update.effective_chat.id, update.message.text)

app = Application.builder().token(os.environ["TOKEN"]).base_url(os.environ["BASE_URL"]).build()
app.add_handler(MessageHandler(filters.TEXT, echo))
app.run_polling(timeout=dt.timedelta(seconds=10), close_loop=False)
"""

# KaderBot's channel with the core replaced by a fixed reply of the same shape as the help answer
# (a text and a two-button question): what the Telegram side costs without the database turn.
CHANNEL_ONLY_BOT = """
import asyncio
from bot.app import build
from bot.channels.telegram import TelegramChannel
from bot.settings import load_settings
from handlers.types import Choice, Option, Outcome, Text

OPTIONS = (Option("a.id", "Bahasa Indonesia"), Option("a.en", "English"))
QUESTION = Choice("Silakan pilih bahasa", OPTIONS, turn="a")


async def main():
    settings = load_settings()
    kaderbot = build(settings)

    async def handle(event):
        return Outcome(replies=[Text("Bantuan KaderBot"), QUESTION])

    kaderbot.core.handle = handle
    channel = TelegramChannel(kaderbot, settings)
    await channel.start()
    await asyncio.Event().wait()

asyncio.run(main())
"""


@dataclass(frozen=True)
class Figure:
    name: str
    seconds: float  # median per round
    updates: int
    cpu: float | None = None  # the bot process's CPU seconds per update, over all its rounds

    @property
    def per_update_ms(self) -> float:
        return 1000 * self.seconds / self.updates

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds


class Chats:
    """Fresh chat ids, so a first contact really is the first."""

    def __init__(self) -> None:
        self.next = 7_000_001

    def take(self, count: int) -> int:
        first, self.next = self.next, self.next + count
        return first


@dataclass
class Bot:
    """A bot process long-polling its own fake."""

    fake: FakeBotAPI
    pid: int

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the process so far (Linux), or None."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Measurement:
    """One row: `text` from fresh people (`returning`: people who sent /start the round before)."""

    bot: Bot
    name: str
    text: str
    returning: bool = False
    times: list[float] = field(default_factory=list)
    cpu: float | None = 0.0

    def figure(self, updates: int) -> Figure:
        cpu = self.cpu / (updates * len(self.times)) if self.cpu is not None else None
        return Figure(self.name, statistics.median(self.times), updates, cpu)


def _round(fake: FakeBotAPI, text: str, first_chat: int, count: int) -> float:
    """Queue `count` updates from different chats at once; seconds until the last reply arrived."""
    mark = fake.mark()
    seen = 0

    def last_reply(call: Call) -> bool:
        nonlocal seen
        seen += call.method == "sendMessage" and call.ok
        return seen >= count

    started = time.monotonic()
    for offset in range(count):
        fake.push_text(first_chat + offset, text)
    return fake.wait_for(last_reply, TIMEOUT, after=mark).at - started


def _measure(measurements: list[Measurement], chats: Chats, *, rounds: int, updates: int) -> list[Figure]:
    """Warm every bot up, then `rounds` rounds in which the measurements take turns."""
    for bot in {id(m.bot): m.bot for m in measurements}.values():
        _round(bot.fake, "/start", chats.take(WARM_UP), WARM_UP)
    for _ in range(rounds):
        for m in measurements:
            first = chats.take(updates)
            if m.returning:
                _round(m.bot.fake, "/start", first, updates)
            before = m.bot.cpu_seconds()
            m.times.append(_round(m.bot.fake, m.text, first, updates))
            after = m.bot.cpu_seconds()
            m.cpu = None if m.cpu is None or before is None or after is None else m.cpu + after - before
    return [m.figure(updates) for m in measurements]


@contextmanager
def _bot(fake: FakeBotAPI, command: list[str], env: dict[str, str], log: Path) -> Iterator[Bot]:
    """A bot process, ready once it long-polls the fake."""
    mark = fake.mark()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    with log.open("wb") as out:
        process = subprocess.Popen(command, env={**inherited, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        try:
            fake.wait_for_call("getUpdates", timeout=60, after=mark)
        except TimeoutError:
            raise RuntimeError(f"{command[0]} did not start polling:\n{log.read_text()}") from None
        yield Bot(fake, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database(folder: Path) -> Path:
    """The seeded database every KaderBot process gets a copy of: each fake numbers its updates from
    the same id, and KaderBot would take another process's stored ids for duplicates."""
    path = folder / "seeded.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)

    async def seed() -> None:
        db = open_database(url)
        try:
            await seed_demo(db)
        finally:
            await db.dispose()

    asyncio.run(seed())
    return path


def _copy(seeded: Path, name: str) -> str:
    copy = seeded.with_name(f"{name}.sqlite3")
    shutil.copyfile(seeded, copy)
    return f"sqlite+aiosqlite:///{copy}"


def _kaderbot_env(
    fake: FakeBotAPI, seeded: Path, name: str, *, rate_limit: str | None = None
) -> dict[str, str]:
    env = {
        "DATABASE_URL": _copy(seeded, name),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(_free_port()),
        "LOG_LEVEL": "WARNING",
    }
    if rate_limit is not None:
        env["TELEGRAM_RATE_LIMIT"] = rate_limit
    return env


@dataclass
class Bots:
    echo: Bot
    kaderbot: Bot
    channel_only: Bot | None


@contextmanager
def _bots(folder: Path, seeded: Path, *, latency: float = 0.0, channel_only: bool = True) -> Iterator[Bots]:
    """The echo bot, KaderBot (rate cap lifted) and, if asked, KaderBot's channel alone: each its own
    process on its own fake, all running at once (idle ones wait in a long poll)."""
    tag = f"-{latency * 1000:.0f}ms" if latency else ""
    with ExitStack() as stack:

        def fake() -> FakeBotAPI:
            started = stack.enter_context(FakeBotAPI())
            if latency:
                started.delay_next("sendMessage", latency, count=10**9)
            return started

        echo_fake = fake()
        echo_env = {"TOKEN": echo_fake.token, "BASE_URL": echo_fake.base_url}
        echo = stack.enter_context(
            _bot(echo_fake, [sys.executable, "-c", ECHO_BOT], echo_env, folder / f"echo{tag}.log")
        )
        kb_fake = fake()
        kb_env = _kaderbot_env(kb_fake, seeded, f"kb{tag}", rate_limit="0")
        kaderbot = stack.enter_context(_bot(kb_fake, [KADERBOT, "run"], kb_env, folder / f"kb{tag}.log"))
        channel = None
        if channel_only:
            ch_fake = fake()
            ch_env = _kaderbot_env(ch_fake, seeded, "channel-only", rate_limit="0")
            channel = stack.enter_context(
                _bot(ch_fake, [sys.executable, "-c", CHANNEL_ONLY_BOT], ch_env, folder / "channel-only.log")
            )
        yield Bots(echo, kaderbot, channel)


def _compare(bots: Bots, chats: Chats, *, rounds: int, updates: int) -> tuple[list[Figure], list[Figure]]:
    """Echo and KaderBot, first contact and returning person; rounds taking turns."""
    first = _measure(
        [
            Measurement(bots.echo, "echo bot, /start", "/start"),
            Measurement(bots.kaderbot, "KaderBot, first contact /start", "/start"),
        ],
        chats,
        rounds=rounds,
        updates=updates,
    )
    returning = [
        Measurement(bots.echo, "echo bot, /bantuan", "/bantuan", returning=True),
        Measurement(bots.kaderbot, "KaderBot, returning person /bantuan", "/bantuan", returning=True),
    ]
    if bots.channel_only is not None:
        returning.append(
            Measurement(bots.channel_only, "KaderBot channel only (core stubbed)", "/bantuan", returning=True)
        )
    second = _measure(returning, chats, rounds=rounds, updates=updates)
    return [first[0], second[0]], [first[1], second[1], *second[2:]]


def _cpu(figure: Figure) -> str:
    return f"{1000 * figure.cpu:14.2f}" if figure.cpu is not None else f"{'—':>14s}"


def _row(figure: Figure, note: str) -> None:
    wall = f"{figure.per_second:10.0f} {figure.per_update_ms:10.2f}"
    print(f"  {figure.name:40s} {wall} {note:>8s} {_cpu(figure)}")


def _table(echo: list[Figure], ours: list[Figure]) -> float:
    """Print the figures; return KaderBot's worst ratio to the echo bot."""
    print(f"  {'':40s} {'updates/s':>10s} {'ms/update':>10s} {'× echo':>8s} {'CPU ms/update':>14s}")
    for figure in echo:
        _row(figure, "baseline")
    worst = 0.0
    for baseline, figure in zip(echo, ours[: len(echo)], strict=True):
        ratio = figure.per_update_ms / baseline.per_update_ms
        worst = max(worst, ratio)
        _row(figure, f"{ratio:7.2f}×")
    return worst


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        seeded = _database(folder)
        chats = Chats()
        with _bots(folder, seeded) as bots:
            echo, ours = _compare(bots, chats, rounds=ROUNDS, updates=UPDATES)
        with (
            FakeBotAPI() as fake,
            _bot(
                fake, [KADERBOT, "run"], _kaderbot_env(fake, seeded, "deployed"), folder / "deployed.log"
            ) as deployed_bot,
        ):
            (deployed,) = _measure(
                [Measurement(deployed_bot, "KaderBot as deployed, /start", "/start")],
                chats,
                rounds=1,
                updates=UPDATES,
            )
        with _bots(folder, seeded, latency=LATENCY, channel_only=False) as bots:
            echo_slow, ours_slow = _compare(bots, chats, rounds=LATENCY_ROUNDS, updates=LATENCY_UPDATES)

    print(
        f"Long polling against FakeBotAPI on 127.0.0.1, each bot its own process; {UPDATES} updates from "
        f"{UPDATES} people per round, median of {ROUNDS} rounds (the bots taking turns), one reply message "
        "per update."
    )
    worst = _table(echo, ours)
    verdict = "met" if worst <= TARGET_RATIO else "NOT met"
    print(
        f"  target: KaderBot ≤ {TARGET_RATIO}× the echo bot's per-update cost: {verdict} (worst {worst:.2f}×)"
    )
    channel_only = ours[2]
    ratio = channel_only.per_update_ms / echo[1].per_update_ms
    _row(channel_only, f"{ratio:7.2f}×")
    print("  (channel only: vs echo /bantuan; the rest of KaderBot's cost is the core's database turn)")
    _row(deployed, "")
    print("  (as deployed: rate limiter at Telegram's 30 messages/s)")
    latency = f"{LATENCY * 1000:.0f} ms per sendMessage answer"
    print(f"\nThe same with {latency} ({LATENCY_UPDATES} updates, median of {LATENCY_ROUNDS} rounds):")
    _table(echo_slow, ours_slow)


if __name__ == "__main__":
    main()
