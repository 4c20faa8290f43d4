"""Crash safety: the outbox sender runs as its own process (`python -m bot.outbox`) against the fake
Bot API and is killed with SIGKILL five times in the middle of one broadcast, then runs to the end.

What is asserted, and why (see bot/outbox.py): delivery is AT MOST ONCE. No chat ever gets the
message twice. A message whose send was under way when the process died cannot be known to have
gone out or not (sendMessage has no idempotency key), so it is never sent again: it ends as
`unconfirmed`. None is lost silently either: every recipient ends `sent` (delivered exactly once)
or `unconfirmed` (delivered at most once), at most one per worker slot per crash.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import KaderBot
from tests.chat import Chat
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.outbox_support import add_cadres, compose_broadcast, make_coordinator
from tests.pg_query import query

RECIPIENTS = 800
FIRST_CHAT = 610_000
COORDINATOR = "777002"
KILLS = 5
SLOTS = 4
STEP_TIMEOUT = 60.0


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


def open_rows(db: str) -> int:
    return int(query(db, "SELECT count(*) FROM outbox_message WHERE status IN ('pending', 'sending')")[0][0])


def broadcast_done(db: str) -> bool:
    return query(db, "SELECT status FROM broadcast")[0][0] == "done" and open_rows(db) == 0


class Sender:
    """`python -m bot.outbox` with the bot's settings, pointed at the fake."""

    def __init__(self, fake: FakeBotAPI, db_url: str, workdir: Path) -> None:
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "OUTBOX_"))
        }
        self.env.update(
            DATABASE_URL=db_url,
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            TELEGRAM_RATE_LIMIT="0",
            OUTBOX_TELEGRAM_RATE="200",
            OUTBOX_SLOTS=str(SLOTS),
            OUTBOX_IN_DOUBT_AFTER="1",
            OUTBOX_IDLE_POLL="0.1",
            OUTBOX_PROGRESS_EVERY="0.2",
            LOG_LEVEL="INFO",
        )
        self.workdir = workdir
        self.runs = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.runs += 1
        with (self.workdir / f"sender-{self.runs}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.outbox"],
                env=self.env,
                cwd=Path(__file__).resolve().parent.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def logs(self) -> str:
        return "\n".join(
            f"--- run {i} ---\n" + (self.workdir / f"sender-{i}.log").read_text(errors="replace")
            for i in range(1, self.runs + 1)
        )


def sends_since(fake: FakeBotAPI, mark: int) -> int:
    return sum(1 for call in fake.calls("sendMessage") if call.index >= mark)


def wait_until(predicate: object, what: str, sender: Sender) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen\n{sender.logs()}")
        assert sender.process is None or sender.process.poll() is None, sender.logs()
        time.sleep(0.005)


async def test_sigkill_five_times_mid_broadcast_sends_nobody_twice_and_loses_nobody(
    fake: FakeBotAPI, kaderbot: KaderBot, db_url: str, tmp_path: Path
) -> None:
    addresses = await add_cadres(
        kaderbot.db, count=RECIPIENTS, posyandu_code="PY-6402-0008", first_address=FIRST_CHAT
    )
    await make_coordinator(kaderbot.db, "telegram", COORDINATOR, "64.02")
    coordinator = Chat(kaderbot.core, COORDINATOR, channel="telegram")
    await compose_broadcast(
        coordinator, "Pengingat: laporan bulanan paling lambat tanggal 5.", whole="Kutai Kartanegara"
    )
    await coordinator.press("Kirim sekarang")
    await coordinator.press("Kirim")
    assert "800 penerima" in coordinator.text
    db = db_url
    sender = Sender(fake, db_url, tmp_path)
    rng = random.Random(20261124)

    for _ in range(KILLS):
        mark = fake.mark()
        sender.start()
        goal = rng.randint(30, 90)  # die after this many more sends, wherever the sender is then
        wait_until(lambda mark=mark, goal=goal: sends_since(fake, mark) >= goal, "sending", sender)
        sender.kill()
        assert open_rows(db) > 0, "the broadcast finished before the process was killed"

    sender.start()
    wait_until(
        lambda: broadcast_done(db) and fake.sent_texts(COORDINATOR), "the end of the broadcast", sender
    )
    assert sender.stop() in (0, -signal.SIGTERM), sender.logs()
    assert "Unclosed" not in sender.logs()  # a clean stop closes the Bot API session too

    calls = [c for c in fake.calls("sendMessage") if str(c.chat_id) != COORDINATOR]
    per_chat = Counter(str(c.chat_id) for c in calls)
    assert max(per_chat.values()) == 1, "a recipient got the message twice"
    assert all(c.ok for c in calls)

    rows = dict(query(db, "SELECT address, status FROM outbox_message WHERE kind = 'broadcast'"))
    statuses = Counter(rows.values())
    assert set(statuses) <= {"sent", "unconfirmed"}, statuses
    assert statuses["sent"] + statuses["unconfirmed"] == RECIPIENTS  # nobody lost
    assert statuses["unconfirmed"] <= KILLS * SLOTS
    for address in addresses:
        if rows[address] == "sent":
            assert per_chat[address] == 1  # recorded as sent ⇒ delivered exactly once
        else:
            assert per_chat[address] <= 1  # in doubt ⇒ delivered at most once
    never = [a for a in addresses if per_chat[a] == 0]
    assert all(rows[a] == "unconfirmed" for a in never)  # no one silently skipped

    [summary] = [t for t in fake.sent_texts(COORDINATOR) if "selesai" in t]
    assert f"Terkirim: {statuses['sent']} dari 800" in summary
    assert f"Belum pasti terkirim: {statuses['unconfirmed']}" in summary
