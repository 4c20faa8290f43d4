"""The embedded SQLite's kept connection (storage/turns.py InlineSqliteTurns) is held by one turn or
short write at a time; a short write (the reply ledger's claims and records, `Turns.write`) waiting
beside turns goes before them, so that replies keep up with the turns of a busy bot (issue #19).
Turns among themselves keep their order."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import KaderBot
from storage.turns import InlineSqliteTurns


def kept_connection(kaderbot: KaderBot) -> InlineSqliteTurns:
    turns = kaderbot.db.turns
    if not isinstance(turns, InlineSqliteTurns):
        pytest.skip("PostgreSQL: each turn has a pooled connection of its own")
    return turns


async def enter(turns: InlineSqliteTurns, order: list[str], name: str) -> None:
    """A turn that only notes that it held the connection."""
    async with turns.begin():
        order.append(name)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_short_write_waiting_beside_turns_goes_before_them(kaderbot: KaderBot) -> None:
    turns = kept_connection(kaderbot)
    order: list[str] = []
    release = asyncio.Event()

    async def first_turn() -> None:
        async with turns.begin():
            order.append("turn 1")
            await release.wait()

    async def write() -> str:
        return await turns.write(lambda run: order.append("write") or "written")

    first = asyncio.create_task(first_turn())
    await settle()
    waiting = [asyncio.create_task(enter(turns, order, name)) for name in ("turn 2", "turn 3")]
    await settle()
    written = asyncio.create_task(write())
    await settle()
    assert order == ["turn 1"]  # all three wait for the first turn
    release.set()
    await asyncio.gather(first, *waiting)
    assert await written == "written"
    assert order == ["turn 1", "write", "turn 2", "turn 3"]


async def test_a_waiter_cancelled_in_the_queue_holds_nobody_up(kaderbot: KaderBot) -> None:
    turns = kept_connection(kaderbot)
    order: list[str] = []
    release = asyncio.Event()

    async def first_turn() -> None:
        async with turns.begin():
            await release.wait()

    first = asyncio.create_task(first_turn())
    await settle()
    cancelled = asyncio.create_task(turns.write(lambda run: order.append("cancelled write")))
    later = asyncio.create_task(enter(turns, order, "turn 2"))
    await settle()
    cancelled.cancel()
    await settle()
    release.set()
    await asyncio.wait_for(asyncio.gather(first, later), 10)
    assert cancelled.cancelled()
    assert order == ["turn 2"]
    # And the connection is free again afterwards.
    await asyncio.wait_for(enter(turns, order, "turn 3"), 10)
    assert order == ["turn 2", "turn 3"]
