"""Coordinator commands appear in the '/' menu of coordinators' chats only (setMyCommands with a
chat scope); everyone else gets the ordinary menu."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.app import KaderBot
from storage.models import ChannelIdentity, Person
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.telegram_support import started_channel

SITI_CHAT = 5_557_101  # the demo coordinator of Kutai Kartanegara, on Telegram


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


async def give_siti_telegram(kaderbot: KaderBot) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        siti = (
            await session.execute(select(Person).where(Person.full_name == "Siti Rahmawati"))
        ).scalar_one()
        session.add(ChannelIdentity(channel="telegram", address=str(SITI_CHAT), person_id=siti.id))


async def test_coordinator_chat_gets_coordinator_commands_and_others_do_not(
    kaderbot: KaderBot, fake: FakeBotAPI
) -> None:
    await give_siti_telegram(kaderbot)
    channel = await started_channel(kaderbot, fake)
    try:
        everyone = {c["command"] for c in fake.commands(None, "id")}
        assert {"lapor", "bantuan"} <= everyone
        assert "verifikasi" not in everyone and "siaran" not in everyone
        siti = fake.commands({"type": "chat", "chat_id": SITI_CHAT})
        words = [c["command"] for c in siti]
        assert {"verifikasi", "siaran", "siaran_status", "rekap", "ekspor", "tiket"} <= set(words)
        assert "lapor" in words  # the ordinary commands stay in her menu too
        assert all(c["description"] for c in siti)
    finally:
        await channel.stop()
