"""`kaderbot run` as a real process for the channel tests: a fresh web port, settings for one
channel's fake platform, a log file per start, a wait until it is ready, a polite or a hard stop.

`tests/telegram_support.py` (`BotProcess`) and `tests/whatsapp_process.py` (`WhatsAppProcess`)
say only what differs: the channel's settings and what "ready" means.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Generic, Self, TypeVar

import httpx

from tests.postgres import free_port

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))
STEP_TIMEOUT = 10.0
START_TIMEOUT = 30.0

Fake = TypeVar("Fake")


def wait_until(predicate: Callable[[], bool], timeout: float = STEP_TIMEOUT, what: str = "condition") -> None:
    """Poll `predicate` until it holds (for state the fake cannot signal, like a database row)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout}s")
        time.sleep(0.02)


@dataclass
class KaderbotProcess(Generic[Fake]):
    """`kaderbot run` against a channel's fake platform (`fake`); its log goes to a file."""

    fake: Fake
    db_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    log_stem: ClassVar[str] = "kaderbot"
    # Whether a traceback in the log makes a stop unclean (see `stop`).
    traceback_is_unclean: ClassVar[bool] = True

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.log_stem}-{self.starts}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def channel_env(self) -> dict[str, str]:
        """The settings that enable the channel against its fake."""
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
        env.update(
            DATABASE_URL=self.db_url,
            WEB_HOST="127.0.0.1",
            WEB_PORT=str(self.port),
            LOG_LEVEL="INFO",
            **self.channel_env(),
        )
        env.update(self.extra_env)
        return env

    def start(self) -> Self:
        """Start and wait until it is ready (`wait_ready`); a start that fails shows the log."""
        self.starts += 1
        mark = self.before_start()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [KADERBOT, "run"], env=self.env(), cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self.wait_ready(mark)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n--- kaderbot log ---\n{self.log()}") from None
        return self

    def before_start(self) -> int:
        """A mark taken just before the process starts, handed to `wait_ready`."""
        return 0

    def wait_ready(self, mark: int) -> None:
        """By default: until /healthz answers."""
        wait_until(self._serving, START_TIMEOUT, "web server start")

    def _serving(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"kaderbot exited with {self.process.returncode}:\n{self.log()}")
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a power cut or the OOM killer."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> bool:
        """A polite stop (SIGTERM, as systemd or Docker would). True when it shut down cleanly:
        uvicorn finishes its shutdown, then re-raises the signal, so -SIGTERM is a clean exit; and,
        unless `traceback_is_unclean` is off, no traceback was logged."""
        if self.process is None or self.process.poll() is not None:
            return False
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        clean = code in (0, -signal.SIGTERM)
        return clean and not (self.traceback_is_unclean and "Traceback" in self.log())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
