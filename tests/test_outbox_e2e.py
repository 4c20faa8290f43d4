"""End to end through `kaderbot run`: a coordinator writes a broadcast in her Telegram chat, the
outbox inside the same process sends it to every cadre once, one message in her chat shows the
progress (edited in place), and the summary follows."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import KaderBot
from storage.models_outbox import OutboxMessage
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.outbox_support import add_cadres, make_coordinator
from tests.telegram_support import BotProcess, TelegramUser

COORDINATOR = 777_100
CADRES = 40
FIRST_CHAT = 620_000


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


def broadcast_through_the_bot(fake: FakeBotAPI, db_url: str, workdir: Path) -> None:
    bot = BotProcess(
        fake, db_url, workdir, extra_env={"OUTBOX_IDLE_POLL": "0.1", "OUTBOX_PROGRESS_EVERY": "0.2"}
    )
    bot.start()
    try:
        siti = TelegramUser(fake, COORDINATOR)
        siti.say("/siaran", expect="(1) Tulis isi siaran")
        siti.say(
            "Pertemuan kader Jumat pukul 09.00 di aula kecamatan.", expect="Lampirkan foto atau dokumen?"
        )
        siti.press("Lewati", expect="Siaran ini untuk siapa?")
        siti.press("Kader terverifikasi", expect="seluruh wilayah ini, atau pilih bagiannya")
        siti.press(
            "Seluruh Kutai Kartanegara", expect=f"Kader terverifikasi di Kutai Kartanegara — {CADRES} orang."
        )
        siti.press("Kirim sekarang", expect="Pratinjau siaran")
        siti.press("Kirim", expect=f"Siaran #1 sedang dikirim ke {CADRES} penerima.")
        summary = fake.wait_for_text(COORDINATOR, "Siaran #1 selesai.", timeout=30)
        assert f"Terkirim: {CADRES} dari {CADRES}" in (summary.text or "")
    finally:
        assert bot.stop(), bot.log()


async def test_a_broadcast_written_on_telegram_reaches_every_cadre_once(
    fake: FakeBotAPI, kaderbot: KaderBot, db_url: str, tmp_path: Path
) -> None:
    addresses = await add_cadres(
        kaderbot.db, count=CADRES, posyandu_code="PY-6402-0003", first_address=FIRST_CHAT
    )
    await make_coordinator(kaderbot.db, "telegram", str(COORDINATOR), "64.02", name="Siti di Telegram")
    await asyncio.to_thread(broadcast_through_the_bot, fake, db_url, tmp_path)

    delivered = Counter(str(c.chat_id) for c in fake.calls("sendMessage") if c.ok)
    assert {a: delivered[a] for a in addresses} == dict.fromkeys(addresses, 1)
    [text] = {c.text for c in fake.calls("sendMessage") if str(c.chat_id) == addresses[0]}
    assert text == "Pertemuan kader Jumat pukul 09.00 di aula kecamatan."

    # Progress: one message, sent once and then edited; the last edit shows the whole broadcast.
    progress = [c for c in fake.calls("sendMessage", COORDINATOR) if (c.text or "").startswith("Siaran #1 —")]
    assert len(progress) == 1
    handle = progress[0].result["message_id"]
    edits = [
        c
        for c in fake.calls("editMessageText", COORDINATOR)
        if c.ok and c.text and c.text.startswith("Siaran")
    ]
    assert edits and {c.params["message_id"] for c in edits} == {handle}
    final = fake.message(COORDINATOR, handle)
    assert (
        final is not None
        and final["text"] == f"Siaran #1 — terkirim {CADRES}/{CADRES} ▓▓▓▓▓▓▓▓▓▓ 100% · gagal 0"
    )

    # The platform's message id is kept with each row.
    sent_ids = {str(c.chat_id): str(c.result["message_id"]) for c in fake.calls("sendMessage") if c.ok}
    async with kaderbot.db.sessions() as session:
        rows = (
            await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "broadcast"))
        ).scalars()
        assert {r.address: r.platform_message_id for r in rows} == {a: sent_ids[a] for a in addresses}
