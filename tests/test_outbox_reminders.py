"""Reminders go through the same outbox as broadcasts: the scheduler's dispatcher writes one
`reminder` row per cadre, and the outbox sender (`python -m bot.outbox`, a real process) delivers
them to Telegram through the fake Bot API, exactly once across a SIGKILL in the middle.

The kill is placed deterministically: the fake holds one cadre's sendMessage for a few seconds, and
the sender is killed while that send is under way. That message does reach the chat (the fake
answers it after the sender died), so its row must end `unconfirmed` and never be sent again; every
other cadre gets the reminder once, and every row recorded `sent` was delivered exactly once.
"""

from __future__ import annotations

import datetime as dt
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import KaderBot
from handlers.scheduling.dispatch import Dispatcher
from tests.chat import Clock
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.outbox_support import add_cadres
from tests.pg_query import query
from tests.test_outbox_crash import Sender, sends_since, wait_until

CADRES = 60
FIRST_CHAT = 640_000
HELD = 4  # the fifth cadre's reminder is the one in flight when the sender dies
HOLD_SECONDS = 4.0
WITA = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


def open_rows(db: str) -> int:
    sql = (
        "SELECT count(*) FROM outbox_message WHERE channel = 'telegram' AND status IN ('pending', 'sending')"
    )
    return int(query(db, sql)[0][0])


async def test_a_reminder_reaches_each_cadre_on_telegram_exactly_once_across_a_sender_crash(
    fake: FakeBotAPI, kaderbot: KaderBot, db_url: str, clock: Clock, tmp_path: Path
) -> None:
    addresses = await add_cadres(
        kaderbot.db, count=CADRES, posyandu_code="PY-6402-0008", first_address=FIRST_CHAT
    )
    # January 2026's report is due 5 February; the D-3 reminder fires 2 February 09:00 WITA (in the
    # past of any real clock, so the sender process, on real time, finds the rows due).
    dispatcher = Dispatcher(kaderbot.db, kaderbot.settings.zone, clock=clock)
    clock.now = dt.datetime(2026, 1, 30, 10, 0, tzinfo=WITA).astimezone(dt.UTC)
    await dispatcher.plan()
    clock.now = dt.datetime(2026, 2, 2, 9, 0, tzinfo=WITA).astimezone(dt.UTC)
    assert (await dispatcher.dispatch()).sent >= CADRES
    db = db_url
    rows = query(db, "SELECT address, kind, status FROM outbox_message WHERE channel = 'telegram'")
    assert sorted(a for a, _, _ in rows) == addresses
    assert {(kind, status) for _, kind, status in rows} == {("reminder", "pending")}
    linked = query(
        db,
        "SELECT count(*) FROM reminder r JOIN outbox_message o ON o.id = r.notification_id "
        "WHERE o.channel = 'telegram' AND r.status = 'sent'",
    )
    assert linked[0][0] == CADRES  # each reminder knows the outbox row it became

    held = addresses[HELD]
    fake.delay_next("sendMessage", HOLD_SECONDS, chat_id=int(held))
    sender = Sender(fake, db_url, tmp_path)
    mark = fake.mark()
    sender.start()
    wait_until(lambda: sends_since(fake, mark) >= 20, "the first reminders going out", sender)
    sender.kill()  # the held send is still under way: the fake answers it only after HOLD_SECONDS
    assert open_rows(db) > 0
    assert fake.wait_for_call("sendMessage", chat_id=int(held), timeout=HOLD_SECONDS + 30).ok

    sender.start()
    wait_until(lambda: open_rows(db) == 0, "the rest of the reminders", sender)
    assert sender.stop() in (0, -signal.SIGTERM), sender.logs()

    calls = fake.calls("sendMessage")
    per_chat = Counter(str(c.chat_id) for c in calls)
    assert max(per_chat.values()) == 1, f"sent twice: {[a for a, n in per_chat.items() if n > 1]}"
    assert all(c.ok and "⏰ Pengingat: laporan" in c.params["text"] for c in calls)
    assert all("Januari 2026" in c.params["text"] and "/lapor" in c.params["text"] for c in calls)

    status = dict(query(db, "SELECT address, status FROM outbox_message WHERE channel = 'telegram'"))
    assert status[held] == "unconfirmed"  # in flight at the crash: delivered, never resent
    outcome = Counter(status.values())
    assert set(outcome) <= {"sent", "unconfirmed"} and outcome["unconfirmed"] <= 4  # one per slot
    assert outcome["sent"] + outcome["unconfirmed"] == CADRES
    # Every row recorded sent reached its cadre; a cadre who got nothing was in flight at the crash
    # (claimed, its request not yet out): unconfirmed, never blindly resent.
    assert {a for a, s in status.items() if s == "sent"} <= set(per_chat)
    assert all(status[a] == "unconfirmed" for a in set(addresses) - set(per_chat))
