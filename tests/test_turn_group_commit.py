"""On the embedded SQLite, turns that run side by side share one commit (storage/turns.py
`_CommitGroup`, issue #19): what each turn stored is in the database, read by another connection, by
the time the turn returns; a turn that fails in a group undoes only its own work; closing stores a
group still waiting for its commit. PostgreSQL commits each turn on its own (nothing to check)."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.app import KaderBot
from handlers.core import Core
from handlers.flows.base import Flow
from handlers.flows.registry import build_flows
from handlers.turn import Input, Turn
from handlers.types import IncomingEvent
from storage.models import Region
from storage.turns import InlineSqliteTurns
from tests.chat import Chat, Clock
from tests.flows import onboard


def _turns(kaderbot: KaderBot) -> InlineSqliteTurns:
    turns = kaderbot.db.turns
    if not isinstance(turns, InlineSqliteTurns):
        pytest.skip("PostgreSQL commits every turn on its own")
    return turns


def _stored_messages(kaderbot: KaderBot) -> set[str]:
    """The message ids another connection sees as handled: what is committed, nothing else."""
    path = make_url(str(kaderbot.db.engine.url)).database
    assert path is not None
    with sqlite3.connect(path) as other:
        return {row[0] for row in other.execute("SELECT message_id FROM inbound_message")}


async def _everyone_onboarded(core: Core, names: list[str]) -> list[Chat]:
    chats = [Chat(core, name) for name in names]
    for chat in chats:
        await onboard(chat, role="warga")
    return chats


async def test_turns_side_by_side_share_a_commit_and_each_is_stored_when_it_returns(
    kaderbot: KaderBot,
) -> None:
    turns = _turns(kaderbot)
    chats = await _everyone_onboarded(kaderbot.core, [f"warga{n}" for n in range(6)])
    before = turns.group.commits
    ids = [f"batch-{n}" for n in range(6)]
    stored_when_returned: list[bool] = []

    async def ask(chat: Chat, message_id: str) -> None:
        outcome = await kaderbot.core.handle(
            IncomingEvent(chat.identity, text="/bantuan", message_id=message_id)
        )
        chat.replies = outcome.replies
        stored_when_returned.append(message_id in _stored_messages(kaderbot))

    await asyncio.gather(*(ask(chat, message_id) for chat, message_id in zip(chats, ids, strict=True)))
    assert stored_when_returned == [True] * 6  # no turn returned (and replied) before its commit
    assert all(chat.replies for chat in chats)
    assert 1 <= turns.group.commits - before < 6  # fewer commits than turns


class FailsAfterWriting(Flow):
    """Writes through the ORM and flushes, then fails: nothing of it may reach the database."""

    name = "menu"

    async def begin(self, turn: Turn, **args: Any) -> None:
        turn.ask("menu", [("x", "X")])

    async def handle(self, turn: Turn, inp: Input) -> None:
        if turn.identity.address == "gagal":
            turn.session.add(Region(code="64.97", parent_code="64", level="kabupaten", name="Tidak Jadi"))
            await turn.session.flush()
            raise RuntimeError("boom")
        turn.say("core.help")
        turn.ask("menu", [("x", "X")])


async def test_a_turn_failing_in_a_group_undoes_only_its_own_work(kaderbot: KaderBot, clock: Clock) -> None:
    turns = _turns(kaderbot)
    core = Core(
        kaderbot.db,
        kaderbot.catalogues,
        {**build_flows(), "menu": FailsAfterWriting()},
        kaderbot.core.zone,
        clock,
    )
    chats = await _everyone_onboarded(core, ["ani", "gagal", "citra"])
    before, handled = turns.group.commits, len(_stored_messages(kaderbot))
    await asyncio.gather(*(chat.press("X") for chat in chats))
    assert "Maaf, terjadi gangguan" in chats[1].text  # the failed turn apologised
    assert all("Maaf, terjadi gangguan" not in chat.text and chat.replies for chat in (chats[0], chats[2]))
    # The two turns beside it are stored, and the apology recorded the failed one's message.
    assert len(_stored_messages(kaderbot)) == handled + 3
    path = make_url(str(kaderbot.db.engine.url)).database
    assert path is not None
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM region WHERE code = '64.97'").fetchone() == (0,)
    assert turns.group.commits > before


async def test_closing_stores_a_group_still_waiting_for_its_commit(kaderbot: KaderBot) -> None:
    turns = _turns(kaderbot)
    (chat,) = await _everyone_onboarded(kaderbot.core, ["warga-akhir"])
    turn = asyncio.ensure_future(
        kaderbot.core.handle(IncomingEvent(chat.identity, text="/bantuan", message_id="last"))
    )
    for _ in range(50):  # until the turn has done its work and waits for the group's commit
        await asyncio.sleep(0)
        if turns.group._waiting:
            break
    assert turns.group._waiting and "last" not in _stored_messages(kaderbot)
    await turns.close()
    await turn
    assert "last" in _stored_messages(kaderbot)
