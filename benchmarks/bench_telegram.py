"""Per-update cost of KaderBot's Telegram path against a bare python-telegram-bot echo bot.

Both bots run as their own processes and long-poll the same FakeBotAPI (a real HTTP server on
127.0.0.1, in this process) in the same run, one after the other: `kaderbot run` exactly as
deployed, and a dozen-line PTB echo bot. N updates from N different people are queued at once; the
clock runs from the first push to the N-th reply the fake records. Each figure is the median of a
few rounds after a warm-up.

KaderBot's path is everything a person's message goes through: PTB's polling and dispatch, the
update → event mapping, the core's database transaction (SQLite here), rendering and the Bot API
call. Its rate limiter caps sends at Telegram's own 30 messages/s; the cap is lifted
(TELEGRAM_RATE_LIMIT=0) for the comparison, as the echo bot has none, and measured on its own.
One more row runs the same channel with the core replaced by a fixed reply, to show how the cost
splits between the Telegram side and the core's database turn.

A second comparison gives every Bot API answer 30 ms of latency, closer to a real server's round
trip than 127.0.0.1: there KaderBot's replies going out while the next turn runs pay off.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from storage.db import open_database
from storage.migrate import upgrade
from storage.seed import seed_demo
from tests.fakes.bot_api import Call, FakeBotAPI

UPDATES = 200  # per round
ROUNDS = 3
WARM_UP = 20
LATENCY = 0.030  # seconds per Bot API answer in the second comparison
LATENCY_UPDATES = 60
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


def _measure(
    fake: FakeBotAPI,
    name: str,
    text: str,
    chats: Chats,
    *,
    returning: bool = False,
    rounds: int = ROUNDS,
    updates: int = UPDATES,
) -> Figure:
    """Warm up, then `rounds` rounds. A returning person's round reuses the chats of a first contact."""
    _round(fake, text, chats.take(WARM_UP), WARM_UP)
    times = []
    for _ in range(rounds):
        first = chats.take(updates)
        if returning:
            _round(fake, "/start", first, updates)
        times.append(_round(fake, text, first, updates))
    return Figure(name, statistics.median(times), updates)


@contextmanager
def _bot(fake: FakeBotAPI, command: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
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
        yield
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


def _database(folder: Path) -> str:
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)

    async def seed() -> None:
        db = open_database(url)
        try:
            await seed_demo(db)
        finally:
            await db.dispose()

    asyncio.run(seed())
    return url


def _compare(
    fake: FakeBotAPI, folder: Path, db_url: str, chats: Chats, *, rounds: int, updates: int, tag: str
) -> tuple[list[Figure], list[Figure]]:
    """The echo bot, then KaderBot (rate cap lifted), each in its own process on `fake`."""
    echo_env = {"TOKEN": fake.token, "BASE_URL": fake.base_url}
    with _bot(fake, [sys.executable, "-c", ECHO_BOT], echo_env, folder / f"echo{tag}.log"):
        echo = [
            _measure(fake, "echo bot, /start", "/start", chats, rounds=rounds, updates=updates),
            _measure(
                fake, "echo bot, /bantuan", "/bantuan", chats, returning=True, rounds=rounds, updates=updates
            ),
        ]
    with _bot(fake, [KADERBOT, "run"], _kaderbot_env(fake, db_url, rate_limit="0"), folder / f"kb{tag}.log"):
        ours = [
            _measure(fake, "KaderBot, first contact /start", "/start", chats, rounds=rounds, updates=updates),
            _measure(
                fake,
                "KaderBot, returning person /bantuan",
                "/bantuan",
                chats,
                returning=True,
                rounds=rounds,
                updates=updates,
            ),
        ]
    return echo, ours


def _kaderbot_env(fake: FakeBotAPI, db_url: str, *, rate_limit: str | None = None) -> dict[str, str]:
    env = {
        "DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "WEB_HOST": "127.0.0.1",
        "WEB_PORT": str(_free_port()),
        "LOG_LEVEL": "WARNING",
    }
    if rate_limit is not None:
        env["TELEGRAM_RATE_LIMIT"] = rate_limit
    return env


def _table(echo: list[Figure], ours: list[Figure]) -> float:
    """Print the figures; return KaderBot's worst ratio to the echo bot."""
    print(f"  {'':40s} {'updates/s':>10s} {'ms/update':>10s} {'× echo':>8s}")
    for figure in echo:
        print(f"  {figure.name:40s} {figure.per_second:10.0f} {figure.per_update_ms:10.2f} {'baseline':>8s}")
    worst = 0.0
    for baseline, figure in zip(echo, ours, strict=True):
        ratio = figure.per_update_ms / baseline.per_update_ms
        worst = max(worst, ratio)
        print(f"  {figure.name:40s} {figure.per_second:10.0f} {figure.per_update_ms:10.2f} {ratio:7.2f}×")
    return worst


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db_url = _database(folder)
        chats = Chats()
        with FakeBotAPI() as fake:
            echo, ours = _compare(fake, folder, db_url, chats, rounds=ROUNDS, updates=UPDATES, tag="")
            env = _kaderbot_env(fake, db_url, rate_limit="0")
            with _bot(fake, [sys.executable, "-c", CHANNEL_ONLY_BOT], env, folder / "channel-only.log"):
                channel_only = _measure(
                    fake, "KaderBot channel only (core stubbed)", "/bantuan", chats, returning=True
                )
            with _bot(fake, [KADERBOT, "run"], _kaderbot_env(fake, db_url), folder / "deployed.log"):
                deployed = _measure(fake, "KaderBot as deployed, /start", "/start", chats, rounds=1)
        with FakeBotAPI() as slow:
            slow.delay_next("sendMessage", LATENCY, count=10**9)
            echo_slow, ours_slow = _compare(
                slow, folder, db_url, chats, rounds=1, updates=LATENCY_UPDATES, tag="-latency"
            )

    print(
        f"Long polling against FakeBotAPI on 127.0.0.1, each bot its own process; {UPDATES} updates from "
        f"{UPDATES} people per round, median of {ROUNDS} rounds, one reply message per update."
    )
    worst = _table(echo, ours)
    verdict = "met" if worst <= TARGET_RATIO else "NOT met"
    print(
        f"  target: KaderBot ≤ {TARGET_RATIO}× the echo bot's per-update cost: {verdict} (worst {worst:.2f}×)"
    )
    ratio = channel_only.per_update_ms / echo[1].per_update_ms
    print(
        f"  {channel_only.name:40s} {channel_only.per_second:10.0f} {channel_only.per_update_ms:10.2f}"
        f" {ratio:7.2f}×  (vs echo /bantuan; the rest of KaderBot's cost is the core's database turn)"
    )
    print(
        f"  {deployed.name:40s} {deployed.per_second:10.0f} {deployed.per_update_ms:10.2f}"
        "   (rate limiter at Telegram's 30 messages/s)"
    )
    latency = f"{LATENCY * 1000:.0f} ms per sendMessage answer"
    print(f"\nThe same with {latency} ({LATENCY_UPDATES} updates, one round):")
    _table(echo_slow, ours_slow)


if __name__ == "__main__":
    main()
