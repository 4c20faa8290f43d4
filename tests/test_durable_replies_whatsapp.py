"""WhatsApp replies survive a crash: kill -9 `kaderbot run` while stored turns' replies are being sent
or wait to be, start it again, Meta posts again every body it has not seen answered 200, and every
person gets their reply exactly once, or it is counted as unconfirmed (its send was under way)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.replies import IN_FLIGHT
from tests.fakes import whatsapp_webhooks as wh
from tests.telegram_support import query, wait_until
from tests.whatsapp_process import TOKEN, HangingGraphAPI, WhatsAppProcess

PEOPLE = IN_FLIGHT + 4  # more than can be in flight: some replies wait (pending) at the kill
SETTLED = 30.0


@pytest.fixture
def graph() -> Iterator[HangingGraphAPI]:
    with HangingGraphAPI(token=TOKEN) as fake:
        try:
            yield fake
        finally:
            fake.release()


def statuses(db_url: str) -> dict[str, str]:
    return dict(query(db_url, "SELECT message_id, status FROM turn_reply WHERE channel='whatsapp'"))


def handled(db_url: str) -> set[str]:
    return {
        row[0] for row in query(db_url, "SELECT message_id FROM inbound_message WHERE channel='whatsapp'")
    }


def test_replies_cut_off_by_a_kill_go_out_once_when_meta_posts_again(
    graph: HangingGraphAPI, db_url: str, tmp_path: Path
) -> None:
    bot = WhatsAppProcess(graph, db_url, tmp_path, extra_env={"OUTBOX_IN_DOUBT_AFTER": "1"})
    numbers = [f"62813000{n:05d}" for n in range(PEOPLE)]
    bodies = [wh.text_message(number, "Halo", wamid=f"wamid.durable-{n}") for n, number in enumerate(numbers)]
    wamids = [f"wamid.durable-{n}" for n in range(PEOPLE)]
    bot.start()
    try:
        graph.hang()  # every send hangs: replies in flight, and the rest waiting for a slot
        with ThreadPoolExecutor(PEOPLE) as pool:
            posts = [pool.submit(bot.post, body) for body in bodies]
            wait_until(lambda: handled(db_url) >= set(wamids), 20, "every turn stored")
            wait_until(
                lambda: list(statuses(db_url).values()).count("sending") == IN_FLIGHT, 20, "sends under way"
            )
            bot.kill()
            graph.release()
            assert [p.result() for p in posts] == [None] * PEOPLE  # nothing was answered 200
        assert graph.sent_messages() == []

        bot.start()
        assert [bot.post(body) for body in bodies] == [200] * PEOPLE  # Meta's redelivery: duplicates
        wait_until(
            lambda: not {"pending", "sending"} & set(statuses(db_url).values()), SETTLED, "replies settled"
        )
        assert bot.stop() and "Traceback" not in bot.log(), bot.log()
    finally:
        if bot.process is not None and bot.process.poll() is None:
            bot.kill()

    left = statuses(db_url)
    for number, wamid in zip(numbers, wamids, strict=True):
        got = len(graph.sent_messages(to=number))
        assert got <= 1, f"{number} answered {got} times"
        assert (got, left.get(wamid)) in ((1, None), (0, "unconfirmed")), (number, got, left.get(wamid))
    assert list(left.values()).count("unconfirmed") == IN_FLIGHT
    assert sum(len(graph.sent_messages(to=number)) for number in numbers) == PEOPLE - IN_FLIGHT
