"""Webhooks that hold against what a stranger can send (issue 14, points 2 and 8), over real HTTP
to `kaderbot run` (Telegram webhook and WhatsApp on one web server):

- a body larger than WEB_MAX_BODY_BYTES is refused with 413 while it arrives, chunked or not, and
  the server's memory does not grow with it;
- a body nested deeper than the JSON parser goes is a 400, not a 500 with a traceback;
- a Telegram `text` that is not a string is no text (the question again, no apology).
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.telegram_support import BotProcess

SECRET = "trust-webhook-s3cret"
CHAT = 5_559_001
MB = 1_000_000
TELEGRAM_HEADERS = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


@pytest.fixture
def bot(fake: FakeBotAPI, db_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    process = BotProcess(fake, db_url, tmp_path)
    process.extra_env.update(
        TELEGRAM_WEBHOOK_URL=f"{process.base_url}/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        WHATSAPP_PHONE_NUMBER_ID=wh.PHONE_NUMBER_ID,
        WHATSAPP_TOKEN="TEST_TOKEN",
        WHATSAPP_APP_SECRET=wh.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN="verify-me-please",
        WHATSAPP_API_BASE_URL="http://127.0.0.1:9",  # never called: nothing here is answered
        WEB_MAX_BODY_BYTES=str(MB),
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def post_chunked(port: int, path: str, headers: dict[str, str], total: int) -> tuple[int, int]:
    """POST `total` bytes with Transfer-Encoding: chunked (no Content-Length), as a raw client would;
    stop sending as soon as the server answers. Returns (status, bytes sent)."""
    chunk = b"x" * 65536
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        sent = 0
        while sent < total:
            if select.select([sock], [], [], 0)[0]:
                break  # the server answered before the end
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        else:
            sock.sendall(b"0\r\n\r\n")
        answer = b""
        try:
            while b"\r\n" not in answer:
                piece = sock.recv(4096)
                if not piece:
                    break
                answer += piece
        except ConnectionResetError:
            pass
    status_line = answer.split(b"\r\n", 1)[0].decode()
    assert status_line.startswith("HTTP/1.1 "), f"no answer, only {answer!r} after {sent} bytes"
    return int(status_line.split()[1]), sent


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/whatsapp/webhook", {"Content-Type": "application/json"}),
        ("/telegram/webhook", TELEGRAM_HEADERS),
    ],
)
def test_a_50_mb_chunked_body_is_refused_while_it_arrives(
    bot: BotProcess, path: str, headers: dict[str, str]
) -> None:
    assert bot.process is not None
    # Warm up the route (a small body), so what follows measures the big body alone.
    small = httpx.post(f"{bot.base_url}{path}", content=b"{}", headers=headers, timeout=10)
    assert small.status_code in (400, 401)
    before = rss_bytes(bot.process.pid)
    status, sent = post_chunked(bot.port, path, headers, 50 * MB)
    grown = rss_bytes(bot.process.pid) - before
    assert status == 413
    assert sent < 50 * MB  # the server did not wait for the rest
    assert grown < 10 * MB, f"the server grew by {grown / MB:.1f} MB"
    # Still serving, and a body within the limit is still read (and refused for its signature).
    assert httpx.get(f"{bot.base_url}/healthz", timeout=10).status_code == 200
    assert "Traceback" not in bot.log()


def test_a_declared_length_above_the_limit_is_refused_unread(bot: BotProcess) -> None:
    with socket.create_connection(("127.0.0.1", bot.port), timeout=30) as sock:
        sock.sendall(
            b"POST /whatsapp/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 300000000\r\n\r\n" + b"{" * 1000
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()


def nested(depth: int) -> bytes:
    return b'{"object": "whatsapp_business_account", "entry": ' + b"[" * depth + b"]" * depth + b"}"


def test_a_body_nested_10k_deep_is_a_bad_request(bot: BotProcess) -> None:
    raw = nested(10_000)
    signed = {"Content-Type": "application/json", "X-Hub-Signature-256": wh.sign(raw)}
    answer = httpx.post(f"{bot.base_url}/whatsapp/webhook", content=raw, headers=signed, timeout=10)
    assert answer.status_code == 400
    telegram = TELEGRAM_HEADERS
    deep = b'{"update_id": 1, "message": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
    answer = httpx.post(f"{bot.base_url}/telegram/webhook", content=deep, headers=telegram, timeout=10)
    assert answer.status_code == 400
    assert httpx.get(f"{bot.base_url}/healthz", timeout=10).status_code == 200
    assert "Traceback" not in bot.log() and "RecursionError" not in bot.log()


def test_a_telegram_text_that_is_not_a_string_is_no_text(fake: FakeBotAPI, bot: BotProcess) -> None:
    for offset, text in enumerate([5, ["/start"], {"a": 1}]):
        chat = CHAT + offset
        update_id = fake.push_text(chat, "/start")
        update = json.loads(json.dumps(fake.update(update_id)))
        update["update_id"] = update_id + 1_000_000
        update["message"]["text"] = text
        mark = fake.mark()
        assert fake.post_to_webhook(update) == 200
        fake.wait_for_text(chat, "Silakan pilih bahasa", after=mark)  # as for any first message
        sent = [c.text or "" for c in fake.calls("sendMessage", chat) if c.index >= mark]
        assert not any("Maaf" in s for s in sent), sent  # no apology
    assert "AttributeError" not in bot.log() and "Traceback" not in bot.log()
