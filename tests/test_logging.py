"""Logs: one JSON object per line with LOG_FORMAT=json (the CLI and the outbox sender as
subprocesses), and phone numbers and NIKs masked wherever a record carries them."""

from __future__ import annotations

import io
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import KaderBot
from bot.logging_setup import configure_logging, mask
from bot.settings import load_settings
from handlers.core import Core
from handlers.flows.base import Flow
from handlers.flows.registry import build_flows
from handlers.turn import Input, Turn
from tests.chat import Chat, Clock

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))
PHONE, PHONE_MASKED = "081234567890", "0812****7890"
INTL, INTL_MASKED = "+6281234567890", "+6281*****7890"
NIK, NIK_MASKED = "6402011234560001", "6402**********01"


def json_lines(stderr: str) -> list[dict[str, Any]]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    parsed = []
    for line in lines:
        entry = json.loads(line)  # fails on any line that is not one JSON object
        assert {"time", "level", "logger", "message"} <= set(entry), line
        parsed.append(entry)
    return parsed


def test_cli_logs_one_json_object_per_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'kaderbot.sqlite3'}",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    result = subprocess.run(
        [KADERBOT, "db", "upgrade"], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout  # what the person asked for stays plain text
    entries = json_lines(result.stderr)
    assert any(e["logger"].startswith("alembic") and e["level"] == "INFO" for e in entries)


def test_outbox_sender_logs_json_and_stops_on_sigterm(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kaderbot.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"}
    upgrade = subprocess.run([KADERBOT, "db", "upgrade"], env=env, capture_output=True, timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.outbox"], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stderr is not None
        first = process.stderr.readline()  # "outbox sender started for no channel"
        process.send_signal(signal.SIGTERM)
        rest = process.communicate(timeout=30)[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, first + rest
    entries = json_lines(first + rest)
    assert entries[0]["logger"] == "kaderbot.outbox"
    assert "started" in entries[0]["message"]


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """configure_logging with LOG_FORMAT=json into a buffer; the root logger restored afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out = io.StringIO()
    configure_logging(load_settings(log_format="json", log_level="INFO"), stream=out)
    try:
        yield out
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def records(out: io.StringIO) -> list[dict[str, Any]]:
    return json_lines(out.getvalue())


def test_numbers_are_masked_in_message_arguments_and_exception(captured: io.StringIO) -> None:
    log = logging.getLogger("kaderbot.test")
    try:
        raise ValueError(f"cannot parse {INTL} / {NIK}")
    except ValueError:
        log.exception("from %s typed: NIK %s, call me at " + PHONE, INTL, NIK)
    [entry] = records(captured)
    text = json.dumps(entry)
    for clear in (PHONE, INTL, NIK, "6281234567890"):
        assert clear not in text
    assert entry["message"] == f"from {INTL_MASKED} typed: NIK {NIK_MASKED}, call me at {PHONE_MASKED}"
    assert entry["level"] == "ERROR" and entry["logger"] == "kaderbot.test"
    assert entry["exception"].startswith("Traceback")
    assert f"cannot parse {INTL_MASKED} / {NIK_MASKED}" in entry["exception"]
    assert "\n" not in captured.getvalue().rstrip("\n")  # the traceback stays inside one line


def test_extra_fields_are_kept_and_masked(captured: io.StringIO) -> None:
    logging.getLogger("kaderbot.telegram").warning(
        "send failed", extra={"update_id": 812345, "channel": "whatsapp", "address": "6281234567890"}
    )
    [entry] = records(captured)
    assert entry["update_id"] == 812345 and entry["channel"] == "whatsapp"
    assert entry["address"] == "6281*****7890"


def test_text_format_is_masked_too() -> None:
    root = logging.getLogger()
    handlers = list(root.handlers)
    out = io.StringIO()
    configure_logging(load_settings(log_format="text", log_level="INFO"), stream=out)
    configure_logging(load_settings(log_format="text", log_level="INFO"), stream=out)  # no doubled lines
    try:
        logging.getLogger("kaderbot.test").info("nomor %s", "0812-3456-7890")
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                root.removeHandler(handler)
    assert out.getvalue() == "INFO kaderbot.test: nomor 0812-****-7890\n"


@pytest.mark.parametrize(
    ("clear", "masked"),
    [
        ("081234567890", "0812****7890"),
        ("+62 812-3456-7890", "+62 81*-****-7890"),
        ("6281234567890", "6281*****7890"),
        ("NIK: 6402011234560001.", "NIK: 6402**********01."),
        # Not personal numbers: a Telegram id, an amount, a region code, a 20-digit reference.
        ("chat 628123456", "chat 628123456"),
        ("Rp250.000 / 250000", "Rp250.000 / 250000"),
        ("64.02.01.2001", "64.02.01.2001"),
        ("ref 62812345678901234567", "ref 62812345678901234567"),
    ],
)
def test_what_is_masked(clear: str, masked: str) -> None:
    assert mask(clear) == masked


class TypedNumberFails(Flow):
    """A flow that breaks on what the person typed, quoting it in the error (as parsers do)."""

    name = "menu"

    async def begin(self, turn: Turn, **args: Any) -> None:
        turn.ask("menu", [("x", "X")])

    async def handle(self, turn: Turn, inp: Input) -> None:
        raise ValueError(f"unexpected input {inp.text!r}")


async def test_a_crashed_turn_logs_the_typed_number_masked(
    kaderbot: KaderBot, clock: Clock, captured: io.StringIO
) -> None:
    flows = {**build_flows(), "menu": TypedNumberFails()}
    chat = Chat(Core(kaderbot.db, kaderbot.catalogues, flows, kaderbot.core.zone, clock), "budi")
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Setuju")
    await chat.press("warga")
    await chat.say(f"NIK saya {NIK}, hp {PHONE}")
    assert "Maaf, terjadi gangguan" in chat.text
    errors = [e for e in records(captured) if e["level"] == "ERROR"]
    assert errors and errors[0]["logger"] == "kaderbot.core"
    assert f"NIK saya {NIK_MASKED}, hp {PHONE_MASKED}" in errors[0]["exception"]
    assert NIK not in captured.getvalue() and PHONE not in captured.getvalue()
