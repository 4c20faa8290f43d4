"""A crash in the middle of a report: SIGKILL the bot, start it again, and the report goes on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.flows import FULL_REPORT
from tests.telegram_support import (
    REPORT_STEPS,
    BotProcess,
    TelegramUser,
    finish_report,
    onboard_and_register,
    query,
    report_answers,
    start_report,
)

CHAT = 5_553_001
STEP = re.compile(rf"\((\d+)/{REPORT_STEPS}\)")


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


def test_sigkill_mid_report_then_restart_keeps_every_answer(
    fake: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    bot = BotProcess(fake, db_url, tmp_path).start()
    try:
        user = TelegramUser(fake, CHAT)
        onboard_and_register(user)
        start_report(user)
        user.say(FULL_REPORT["s"], expect="(5/17)")
        user.say(FULL_REPORT["k"], expect="(6/17)")
        user.say(FULL_REPORT["d"], expect="(7/17) N")  # the open question when the power goes
        bot.kill()

        bot.start()  # a new process, same database, same Telegram
        restarted = fake.mark()
        report_answers(user, start_at=3)  # N onwards: the person just answers the open question
        finish_report(user)
        assert bot.stop(), bot.log()
    finally:
        if bot.process is not None and bot.process.poll() is None:
            bot.kill()

    # Nothing before the open question was asked again after the restart, and the summary shows
    # the answers given before the crash.
    after = user.texts(after=restarted)
    asked_again = {int(n) for text in after for n in STEP.findall(text)}
    assert min(asked_again) == 8, sorted(asked_again)
    summary = next(text for text in after if "Periksa kembali" in text)
    for label, field in (
        ("S (balita di wilayah)", "s"),
        ("K (punya buku KIA/KMS)", "k"),
        ("D (ditimbang)", "d"),
    ):
        assert f"{label}: {FULL_REPORT[field]}" in summary

    rows = query(db_url, "SELECT s, k, d, n, referrals_gizi, vitamin_a FROM monthly_report")
    expected = tuple(int(FULL_REPORT[f]) for f in ("s", "k", "d", "n", "referrals_gizi", "vitamin_a"))
    assert rows == [expected]
