"""Helpers for the Telegram tests: `kaderbot run` as a real process, and a person in a Telegram chat.

The person talks to the bot only through tests/fakes/bot_api.py, like a phone talks to Telegram:
write text, press an inline button found in the bot's last message, send a photo. Every step waits
(with a timeout) for the bot's answer containing an expected phrase, so a test reads as the
conversation it checks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from handlers.forms.dates import month_name, month_start
from tests import pg_query
from tests.fakes.bot_api import TINY_JPEG, Call, FakeBotAPI
from tests.flows import FULL_REPORT
from tests.postgres import free_port

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))
STEP_TIMEOUT = 10.0
START_TIMEOUT = 30.0


def query(db_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows from the bot's database, SQLite or PostgreSQL alike (`?` placeholders)."""
    return pg_query.query(db_url, sql, *params)


def wait_until(predicate: Callable[[], bool], timeout: float = STEP_TIMEOUT, what: str = "condition") -> None:
    """Poll `predicate` until it holds (for state the fake cannot signal, like a database row)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not happen within {timeout}s")
        time.sleep(0.02)


@dataclass
class BotProcess:
    """`kaderbot run` against the fake Bot API, with a fresh web port; its log goes to a file."""

    fake: FakeBotAPI
    db_url: str
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"kaderbot-{self.starts}.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
        env.update(
            DATABASE_URL=self.db_url,
            TELEGRAM_BOT_TOKEN=self.fake.token,
            TELEGRAM_API_BASE_URL=self.fake.base_url,
            WEB_HOST="127.0.0.1",
            WEB_PORT=str(self.port),
            LOG_LEVEL="INFO",
            **self.extra_env,
        )
        return env

    def start(self) -> BotProcess:
        """Start and wait until it listens for updates (polling) or serves its webhook."""
        self.starts += 1
        mark = self.fake.mark()
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [KADERBOT, "run"], env=self.env(), cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        try:
            if "TELEGRAM_WEBHOOK_URL" in self.extra_env:
                self.fake.wait_for_call("setWebhook", timeout=START_TIMEOUT, after=mark)
                wait_until(self._serving, START_TIMEOUT, "web server start")
            else:
                self.fake.wait_for_call("getUpdates", timeout=START_TIMEOUT, after=mark)
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}\n--- kaderbot log ---\n{self.log()}") from None
        return self

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
        uvicorn finishes its shutdown, then re-raises the signal, so -SIGTERM is a clean exit."""
        if self.process is None or self.process.poll() is not None:
            return False
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise
        return code in (0, -signal.SIGTERM) and "Traceback" not in self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextlib.contextmanager
def running_bot(
    fake: FakeBotAPI, db_url: str, workdir: Path, *, webhook_secret: str | None = None
) -> Iterator[BotProcess]:
    """`kaderbot run` polling the fake, or (with a secret) serving the webhook on its own port."""
    bot = BotProcess(fake, db_url, workdir)
    if webhook_secret is not None:
        bot.extra_env.update(
            TELEGRAM_WEBHOOK_URL=f"{bot.base_url}/telegram/webhook", TELEGRAM_WEBHOOK_SECRET=webhook_secret
        )
    bot.start()
    try:
        yield bot
    finally:
        bot.stop()


@dataclass
class TelegramUser:
    """A person in a private chat with the bot. `deliver` hands a pushed update to the bot: nothing
    for long polling (the bot fetches it), a POST for the webhook."""

    fake: FakeBotAPI
    chat_id: int
    deliver: Callable[[int], None] = lambda update_id: None
    timeout: float = STEP_TIMEOUT

    def say(self, text: str, *, expect: str) -> Call:
        mark = self.fake.mark()
        self.deliver(self.fake.push_text(self.chat_id, text))
        return self.fake.wait_for_text(self.chat_id, expect, self.timeout, after=mark)

    def photo(self, *, expect: str, data: bytes = TINY_JPEG) -> Call:
        mark = self.fake.mark()
        self.deliver(self.fake.push_photo(self.chat_id, data))
        return self.fake.wait_for_text(self.chat_id, expect, self.timeout, after=mark)

    def press(self, label: str, *, expect: str) -> Call:
        """Press the button whose text contains `label` on the bot's newest message."""
        mark = self.fake.mark()
        self.deliver(self.fake.push_callback(self.chat_id, self.button(label)))
        return self.fake.wait_for_text(self.chat_id, expect, self.timeout, after=mark)

    def page(self, label: str) -> Call:
        """Press a page control: the same message is edited to show the other page."""
        mark = self.fake.mark()
        self.deliver(self.fake.push_callback(self.chat_id, self.button(label)))
        return self.fake.wait_for_call("editMessageReplyMarkup", self.chat_id, self.timeout, after=mark)

    def button(self, label: str) -> str:
        buttons = self.buttons()
        found = [data for text, data in buttons if label.casefold() in text.casefold()]
        assert found, f"no button like {label!r} on the last message; buttons: {[t for t, _ in buttons]}"
        return found[0]

    def buttons(self) -> list[tuple[str, str]]:
        message = self.fake.last_bot_message(self.chat_id) or {}
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def texts(self, after: int = 0) -> list[str]:
        """Texts the bot sent to this chat (sendMessage) since call index `after`."""
        return [
            str(c.params["text"])
            for c in self.fake.calls("sendMessage", self.chat_id)
            if c.ok and c.index >= after
        ]


WITA = ZoneInfo("Asia/Makassar")


def this_month() -> str:
    """The label of the current month as the bot (running on the real clock) shows it."""
    return month_name(month_start(dt.datetime.now(WITA).date()), "id")


def onboard_and_register(user: TelegramUser) -> None:
    """/start → language → consent → cadre → registration, walking the region tree with buttons."""
    user.say("/start", expect="Silakan pilih bahasa")
    user.press("Bahasa Indonesia", expect="Persetujuan data pribadi")
    user.press("Setuju", expect="Bapak/Ibu menggunakan KaderBot sebagai apa?")
    user.press("Saya kader Posyandu", expect="Siapa nama lengkap Bapak/Ibu?")
    user.say("Sari Wulandari", expect="Berapa nomor HP Bapak/Ibu?")
    user.say("0812 3456 7890", expect="Pilih kabupaten/kota")
    user.press("Kutai Kartanegara", expect="Kutai Kartanegara: pilih kecamatan")
    # 20 kecamatan: 8 to a page; Tenggarong is on the third.
    user.page("Berikutnya")
    user.page("Berikutnya")
    user.press("Tenggarong", expect="Kecamatan Tenggarong: pilih desa/kelurahan")
    user.page("Berikutnya")
    user.press("Melayu", expect="Melayu: pilih Posyandu")
    user.press("Melati 1", expect="Apa jabatan Bapak/Ibu di Posyandu?")
    user.press("Anggota", expect="Periksa kembali. Kirim sekarang?")
    user.press("Kirim", expect="menunggu verifikasi koordinator")


REPORT_STEPS = (
    17  # month, held, date, S K D N, 5 visit groups, referrals, immunisation, vitamin A, notes, photos
)


def report_answers(user: TelegramUser, *, start_at: int = 0) -> None:
    """Type the report's numbers from FULL_REPORT[start_at:], each answered by the next question."""
    values = list(FULL_REPORT.values())
    first_number_step = 4  # (4/17) is S
    for index in range(start_at, len(values)):
        user.say(values[index], expect=f"({first_number_step + index + 1}/{REPORT_STEPS})")


def start_report(user: TelegramUser) -> None:
    # "(1)", "(2)": the number of questions waits for "held, or not?" (issue 15)
    user.say("/lapor", expect="(1) Laporan untuk bulan apa?")
    user.press(this_month(), expect="(2) Apakah Posyandu dilaksanakan")
    user.press("tempat biasa", expect=f"(3/{REPORT_STEPS})")
    user.press("Hari ini", expect=f"(4/{REPORT_STEPS})")


def finish_report(user: TelegramUser) -> Call:
    """From the notes question to the stored report; returns the bot's thank-you."""
    user.say("Penimbangan lancar", expect=f"({REPORT_STEPS}/{REPORT_STEPS}) Kirim foto kegiatan")
    user.photo(expect="Foto diterima (1/5)")
    user.press("Selesai", expect="Periksa kembali. Kirim sekarang?")
    return user.press("Kirim", expect="sudah tersimpan")
