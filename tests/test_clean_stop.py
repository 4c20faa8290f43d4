"""A clean stop: SIGTERM (systemd, Docker) → `kaderbot run` stops its channels and background loops in
order → the process exits with status 0, not killed by the signal it was sent (issue #19, point 4)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.kaderbot_process import KADERBOT, KaderbotProcess
from tests.postgres import free_port
from tests.telegram_support import BotProcess
from tests.whatsapp_process import TOKEN, HangingGraphAPI, WhatsAppProcess

STOPPED = "kaderbot stopped in order"


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


def sigterm(bot: KaderbotProcess[object]) -> int:
    assert bot.process is not None
    bot.process.send_signal(signal.SIGTERM)
    try:
        return bot.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        bot.process.kill()
        bot.process.wait()
        raise


def assert_stopped_in_order(code: int, log: str, channel: str) -> None:
    assert code == 0, f"exit status {code}\n{log}"
    assert "Traceback" not in log, log
    lines = log.splitlines()

    def first(text: str) -> int:
        found = [n for n, line in enumerate(lines) if text in line]
        assert found, f"no {text!r} in the log:\n{log}"
        return found[0]

    # The background loops first (the scheduler lets its lease go), then the channel, then the last word.
    assert first("scheduler lease released") < first(f"channel {channel} stopped") < first(STOPPED), log


def test_sigterm_stops_telegram_polling_in_order_with_status_0(
    fake: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(fake, db_url, tmp_path).start()
    assert_stopped_in_order(sigterm(bot), bot.log(), "telegram")


def test_sigterm_stops_telegram_webhook_in_order_with_status_0(
    fake: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(fake, db_url, tmp_path)
    bot.extra_env.update(
        TELEGRAM_WEBHOOK_URL=f"{bot.base_url}/telegram/webhook", TELEGRAM_WEBHOOK_SECRET="s3cret-token"
    )
    bot.start()
    assert_stopped_in_order(sigterm(bot), bot.log(), "telegram")


def test_sigterm_stops_whatsapp_in_order_with_status_0(db_url: str, tmp_path: Path) -> None:
    with HangingGraphAPI(token=TOKEN) as graph:
        bot = WhatsAppProcess(graph, db_url, tmp_path).start()
        assert_stopped_in_order(sigterm(bot), bot.log(), "whatsapp")


def test_a_start_that_fails_exits_non_zero(db_url: str, tmp_path: Path) -> None:
    """A Bot API that cannot be reached at start (getMe fails): uvicorn gives up, and the process says
    so with its status (3), not 0, so systemd or Docker see a failed start."""
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    env.update(
        DATABASE_URL=db_url,
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(free_port()),
        TELEGRAM_BOT_TOKEN="123456:fake",
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{closed}/bot",
    )
    done = subprocess.run(
        [KADERBOT, "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    log = done.stdout + done.stderr
    assert done.returncode == 3, log
    assert "did not start" in log and STOPPED not in log, log
