"""After a full getUpdates batch, the next getUpdates goes out before the batch is done (issue #19): its
offset confirms only the done prefix, the updates of the batch it brings again are dropped, and the
next batch begins once this one is done.

A "full batch" is BATCH_LIMIT updates (Telegram's 100); here 4, so that a handful of updates fill it.
As in tests/test_telegram_polling_batches.py, one person's turn is held at the door of the core, which
shows what the loop does meanwhile, without timing anything.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.app import KaderBot
from bot.channels import telegram_updates
from tests.test_telegram_polling_batches import (
    HELD,
    LANGUAGE,
    OTHERS,
    WAIT,
    Door,
    answered,
    confirmed_past,
    fake_bot_api,
    pending,
    polling,
    texts,
)

LATER = (5_558_011,)  # beyond the first batch


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(telegram_updates, "BATCH_LIMIT", 4)


def fetched_ahead(held: int) -> Any:
    """The early getUpdates, answered: its offset stops at the held update, not past it."""
    return lambda call: (
        call.method == "getUpdates" and call.params.get("offset") == held and call.result is not None
    )


async def others_answered_and_fetched_ahead(fake: Any, held: int) -> Any:
    """Once the turns beside the held one are answered: the early getUpdates, answered."""
    for chat in OTHERS:
        await answered(fake, chat, LANGUAGE)
    return await asyncio.to_thread(fake.wait_for, fetched_ahead(held), WAIT)


def full_batch_and_more(fake: Any) -> tuple[list[int], list[int]]:
    """A full batch (the held person second) and the updates after it: their update ids."""
    batch = [fake.push_text(chat, "/start") for chat in (OTHERS[0], HELD, OTHERS[1], OTHERS[2])]
    return batch, [fake.push_text(chat, "/start") for chat in LATER]


async def test_the_next_get_updates_goes_out_while_a_full_batch_is_still_being_handled(
    kaderbot: KaderBot,
) -> None:
    door = Door(kaderbot, HELD)
    with fake_bot_api() as fake:
        batch, later = full_batch_and_more(fake)
        async with polling(kaderbot, fake, door):
            ahead = await others_answered_and_fetched_ahead(fake, batch[1])
            # The held turn is still under way: the getUpdates went out before the batch was done.
            assert door.holding.is_set() and texts(fake, HELD) == []
            assert later[0] in [update["update_id"] for update in ahead.result]
            assert str(later[0]) not in door.entered  # the next batch waits for this one
            assert pending(fake) == [*batch[1:], *later]  # nothing past the held update confirmed
            door.open()
            await answered(fake, HELD, LANGUAGE)
            await answered(fake, LATER[0], LANGUAGE)
            await asyncio.to_thread(fake.wait_for, confirmed_past(later[-1]), WAIT)
        assert pending(fake) == []
        # The updates of the batch that came again with the early getUpdates reached the core once.
        assert sorted(door.entered) == sorted(str(update_id) for update_id in [*batch, *later])
        for chat in (HELD, *OTHERS, *LATER):
            assert [LANGUAGE in text for text in texts(fake, chat)] == [True]


async def test_a_stop_before_the_fetched_batch_begins_leaves_it_unconfirmed_for_the_restart(
    kaderbot: KaderBot,
) -> None:
    door = Door(kaderbot, HELD)
    with fake_bot_api() as fake:
        batch, later = full_batch_and_more(fake)
        async with polling(kaderbot, fake, door) as channel:
            await others_answered_and_fetched_ahead(fake, batch[1])
            stopping = asyncio.create_task(channel.stop())
            await asyncio.sleep(0)
            door.open()
            await stopping
        assert str(later[0]) not in door.entered  # fetched, never begun
        assert pending(fake) == later  # the whole batch confirmed by the stop, the fetched one not
        async with polling(kaderbot, fake, door):  # the restart
            await answered(fake, LATER[0], LANGUAGE)
            await asyncio.to_thread(fake.wait_for, confirmed_past(later[-1]), WAIT)
        assert sorted(door.entered) == sorted(str(update_id) for update_id in [*batch, *later])
        for chat in (HELD, *OTHERS, *LATER):
            assert [LANGUAGE in text for text in texts(fake, chat)] == [True]
