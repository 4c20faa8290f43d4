"""`kaderbot run` serving the WhatsApp webhook as a real process, for crash and lock tests: signed
bodies posted like Meta posts them, and a fake Graph API whose sends can be made to hang."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.graph_api import FakeGraphAPI, graph_error
from tests.postgres import free_port

TOKEN = "TEST_TOKEN"
VERIFY_TOKEN = "verify-me-please"
START_TIMEOUT = 30.0


class HangingGraphAPI(FakeGraphAPI):
    """The fake Graph API; after `hang()`, every send waits until `release()`, then fails unrecorded
    (a send the bot never saw through: nothing reached the person)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._released = threading.Event()
        self._released.set()

    def hang(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    async def _handle(self, request: Request) -> Response:
        if (
            not self._released.is_set()
            and request.method == "POST"
            and request.url.path.endswith("/messages")
        ):
            await asyncio.to_thread(self._released.wait)
            return JSONResponse(graph_error(131000, message="Something went wrong"), status_code=500)
        return await super()._handle(request)


@dataclass
class WhatsAppProcess:
    graph: FakeGraphAPI
    db_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"kaderbot-wa-{self.starts}.log"

    def start(self) -> WhatsAppProcess:
        self.starts += 1
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
        env.update(
            DATABASE_URL=self.db_url,
            WEB_HOST="127.0.0.1",
            WEB_PORT=str(self.port),
            WHATSAPP_PHONE_NUMBER_ID=wh.PHONE_NUMBER_ID,
            WHATSAPP_TOKEN=TOKEN,
            WHATSAPP_APP_SECRET=wh.APP_SECRET,
            WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
            WHATSAPP_API_BASE_URL=self.graph.base_url,
            LOG_LEVEL="INFO",
            PYTHONPATH=str(Path(__file__).resolve().parent.parent),
            **self.extra_env,
        )
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"], cwd=self.workdir, env=env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"kaderbot exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"kaderbot did not start serving\n{self.log()}")
            time.sleep(0.05)

    def post(self, body: Any, *, timeout: float = 30.0) -> int | None:
        """Meta posting a signed body; None when the bot died under the request."""
        raw = wh.encode(body)
        try:
            response = httpx.post(
                f"{self.base_url}/whatsapp/webhook",
                content=raw,
                headers={"X-Hub-Signature-256": wh.sign(raw), "Content-Type": "application/json"},
                timeout=timeout,
            )
        except httpx.HTTPError:
            return None
        return response.status_code

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> bool:
        """SIGTERM; True when it shut down cleanly (exit code; the log is the caller's to read)."""
        if self.process is None or self.process.poll() is not None:
            return False
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=15)
        return code in (0, -signal.SIGTERM)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
