"""Secrets never reach the log, and nothing sent to the bot can forge a log line (issue 14, point 7).

`kaderbot run` at LOG_LEVEL=DEBUG, with the libraries' loggers asked for DEBUG too (the worst case),
serves the Telegram webhook (the fake Bot API) and WhatsApp (the fake Graph API); people write on
both, Meta's handshake and a metrics scrape come in. The whole log is then scanned for every
configured secret. A token Telegram rejects at start is masked as well.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from bot.logging_setup import configure_logging
from bot.settings import load_settings
from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.fakes.graph_api import FakeGraphAPI
from tests.telegram_support import KADERBOT, BotProcess, wait_until

BOT_TOKEN = "7012345678:AAHk3tR9-secretpart_ZYXWVUTSRQPONMLKJIH"
WEBHOOK_SECRET = "hook-s3cret-not-for-logs"
WA_TOKEN = "EAAG-whatsapp-token-not-for-logs"
VERIFY_TOKEN = "verify-token-not-for-logs"
METRICS_TOKEN = "metrics-token-not-for-logs"
SECRETS = (
    BOT_TOKEN,
    BOT_TOKEN.split(":")[1],
    WEBHOOK_SECRET,
    WA_TOKEN,
    wh.APP_SECRET,
    VERIFY_TOKEN,
    METRICS_TOKEN,
)
CHAT = 5_559_101
FORGED = "INFO kaderbot.web: forged"


@dataclass
class LoudBot(BotProcess):
    """`kaderbot run` with LOG_LEVEL and other settings BotProcess fixes, set as given."""

    overrides: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {**super().env(), **self.overrides}


@pytest.fixture
def bot_api() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api(token=BOT_TOKEN) as server:
        yield server


@pytest.fixture
def graph_api() -> Iterator[FakeGraphAPI]:
    with FakeGraphAPI(token=WA_TOKEN) as fake:
        yield fake


def assert_no_secret(log: str) -> None:
    for secret in SECRETS:
        assert secret not in log, f"{secret!r} is in the log"


def test_debug_logs_never_show_a_secret_nor_a_forged_line(
    bot_api: FakeBotAPI, graph_api: FakeGraphAPI, db_url: str, tmp_path: Path
) -> None:
    bot = LoudBot(bot_api, db_url, tmp_path, overrides={"LOG_LEVEL": "DEBUG", "LOG_LEVEL_LIBRARIES": "DEBUG"})
    bot.extra_env.update(
        TELEGRAM_WEBHOOK_URL=f"{bot.base_url}/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        WHATSAPP_PHONE_NUMBER_ID=wh.PHONE_NUMBER_ID,
        WHATSAPP_TOKEN=WA_TOKEN,
        WHATSAPP_APP_SECRET=wh.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
        WHATSAPP_API_BASE_URL=graph_api.base_url,
        METRICS_TOKEN=METRICS_TOKEN,
    )
    bot.start()
    try:
        # Telegram: a person writes, the bot answers through the Bot API (token in every URL).
        mark = bot_api.mark()
        assert bot_api.post_to_webhook(bot_api.push_text(CHAT, "/start")) == 200
        bot_api.wait_for_text(CHAT, "Silakan pilih bahasa", after=mark)
        # WhatsApp: Meta's handshake (the verify token in the query), a message answered through
        # the Graph API (the token in a header), and a signed body whose ids carry newlines.
        handshake = httpx.get(
            f"{bot.base_url}/whatsapp/webhook",
            params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
            timeout=10,
        )
        assert handshake.text == "42"
        for body in (
            wh.text_message("6281234567890", "halo"),
            wh.text_message("6281234567890", "halo", phone_number_id=f"1\n{FORGED} by phone id"),
            wh.text_message("6281234567890", "halo", wamid=f"wamid.1\r\n{FORGED} by message id\x1b[2J"),
        ):
            raw = wh.encode(body)
            answer = httpx.post(
                f"{bot.base_url}/whatsapp/webhook",
                content=raw,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": wh.sign(raw)},
                timeout=10,
            )
            assert answer.status_code == 200
        wait_until(lambda: bool(graph_api.sent_messages()), what="a WhatsApp reply")
        scraped = httpx.get(
            f"{bot.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10
        )
        assert scraped.status_code == 200
    finally:
        assert bot.stop()
    log = bot.log()
    assert " DEBUG " in f" {log}" or "\nDEBUG " in log  # the test is only worth it at DEBUG
    assert "DEBUG telegram" in log  # python-telegram-bot spoke at DEBUG, as asked
    assert "***" in log  # and what it said was masked
    assert_no_secret(log)
    lines = log.splitlines()
    assert not [line for line in lines if line.startswith(FORGED)]
    assert any(f"\\n{FORGED} by phone id" in line for line in lines)
    assert "\x1b" not in log


def test_libraries_stay_at_warning_unless_asked(bot_api: FakeBotAPI, db_url: str, tmp_path: Path) -> None:
    bot = LoudBot(bot_api, db_url, tmp_path, overrides={"LOG_LEVEL": "DEBUG"})
    bot.start()
    try:
        mark = bot_api.mark()
        bot_api.push_text(CHAT, "/start")
        bot_api.wait_for_text(CHAT, "Silakan pilih bahasa", after=mark)
    finally:
        assert bot.stop()
    log = bot.log()
    assert "DEBUG kaderbot" in log or "DEBUG " in log
    assert not [line for line in log.splitlines() if line.startswith(("DEBUG telegram", "DEBUG httpx"))]
    assert_no_secret(log)


def test_a_rejected_token_is_masked_at_start(db_url: str, tmp_path: Path) -> None:
    with running_fake_bot_api(token="1111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") as fake:
        bot = BotProcess(fake, db_url, tmp_path)
        env = bot.env()
        env.update(TELEGRAM_BOT_TOKEN=BOT_TOKEN, LOG_LEVEL="DEBUG")
        done = subprocess.run(
            [KADERBOT, "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=90, check=False
        )
    output = done.stdout + done.stderr
    assert fake.calls("getMe"), output  # Telegram was asked, and refused
    assert "rejected" in output or "Unauthorized" in output, output
    assert_no_secret(output)


def test_every_configured_secret_is_masked_in_any_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "WHATSAPP_", "METRICS_")):
            monkeypatch.delenv(name)
    settings = load_settings(
        log_format="json",
        telegram_bot_token=BOT_TOKEN,
        telegram_webhook_secret=WEBHOOK_SECRET,
        whatsapp_phone_number_id=wh.PHONE_NUMBER_ID,
        whatsapp_token=WA_TOKEN,
        whatsapp_app_secret="app/secret with spaces",
        whatsapp_verify_token=VERIFY_TOKEN,
        metrics_token=METRICS_TOKEN,
    )
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out = io.StringIO()
    configure_logging(settings, stream=out)
    try:
        logging.getLogger("anything.at.all").warning(
            "url %s/bot%s/setWebhook secret_token=%s %s %s %s %s",
            "https://api.telegram.org",
            BOT_TOKEN,
            WEBHOOK_SECRET,
            WA_TOKEN,
            "app%2Fsecret%20with%20spaces",
            VERIFY_TOKEN,
            METRICS_TOKEN,
        )
        logging.getLogger("kaderbot.x").error("another bot's token 123456789:%s", "B" * 35)
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    text = out.getvalue()
    assert_no_secret(text)
    assert "app/secret" not in text and "app%2Fsecret" not in text and "B" * 35 not in text
    assert text.count("***") >= 7
