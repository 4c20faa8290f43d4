"""Helpers for the Telegram tests: `kaderbot run` as a real process, and a person in a Telegram chat.

The person talks to the bot only through tests/fakes/bot_api.py, like a phone talks to Telegram:
write text, press an inline button found in the bot's last message, send a photo. Every step waits
(with a timeout) for the bot's answer containing an expected phrase, so a test reads as the
conversation it checks.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from handlers.forms.dates import month_name, month_start
from tests import pg_query
from tests.fakes.bot_api import TINY_JPEG, Call, FakeBotAPI
from tests.flows import FULL_REPORT
from tests.kaderbot_process import KADERBOT as KADERBOT  # re-exported for the tests that import it here
from tests.kaderbot_process import START_TIMEOUT, STEP_TIMEOUT, KaderbotProcess
from tests.kaderbot_process import wait_until as wait_until

if TYPE_CHECKING:
    from bot.app import KaderBot
    from bot.channels.telegram import TelegramChannel


def query(db_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows from the bot's database, SQLite or PostgreSQL alike (`?` placeholders)."""
    return pg_query.query(db_url, sql, *params)


@dataclass
class BotProcess(KaderbotProcess[FakeBotAPI]):
    """`kaderbot run` against the fake Bot API: ready once it polls for updates or, in webhook mode,
    once it has set its webhook and serves it."""

    def channel_env(self) -> dict[str, str]:
        return {"TELEGRAM_BOT_TOKEN": self.fake.token, "TELEGRAM_API_BASE_URL": self.fake.base_url}

    def before_start(self) -> int:
        return self.fake.mark()

    def wait_ready(self, mark: int) -> None:
        if "TELEGRAM_WEBHOOK_URL" in self.extra_env:
            self.fake.wait_for_call("setWebhook", timeout=START_TIMEOUT, after=mark)
            super().wait_ready(mark)
        else:
            self.fake.wait_for_call("getUpdates", timeout=START_TIMEOUT, after=mark)


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


async def started_channel(kaderbot: KaderBot, fake: FakeBotAPI) -> TelegramChannel:
    """The Telegram channel of `kaderbot` on the fake Bot API, started (the caller stops it)."""
    from bot.channels.telegram import TelegramChannel
    from bot.settings import load_settings

    settings = load_settings(
        database_url=kaderbot.settings.database_url,
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
    )
    channel = TelegramChannel(kaderbot, settings)
    await channel.start()
    return channel
