"""Several workers (issue #8): two `kaderbot run` processes in webhook mode over one PostgreSQL
database serve the same bot.

1. 1,000 updates from 200 people, posted to either worker at random with many in flight (one
   person's updates race each other, first contact included), 200 of them to both workers at once
   and 100 again afterwards: each update is handled exactly once and every conversation is whole.
   The updates are chosen so that every order is valid: each is a turn of the welcome flow that asks
   exactly one question, so a person's conversation must end at turn 5 with five questions sent,
   numbered 1…5 in their buttons, whatever order the workers handled them in. A lost turn (a stale
   read) or a doubled one shows as a missing or repeated number.
2. A broadcast to 2,000 recipients drained by both workers' outbox senders at once: each recipient
   gets it exactly once, and the coordinator one summary.
3. One worker holds the scheduler lease; SIGKILL it and the other takes the lease over once it has
   expired (a short SCHEDULER_LEASE_TTL here), never before.
4. A renewal interval that would let the lease lapse is refused at start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import random
import subprocess
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert

from handlers.types import Identity
from storage.db import open_database
from storage.models import ChannelIdentity, Person
from storage.repositories import outbox
from storage.repositories.audience import Audience, Recipient
from tests.fakes.bot_api import Call, FakeBotAPI, running_fake_bot_api
from tests.pg_query import query, scalar
from tests.telegram_support import KADERBOT
from tests.workers_support import (
    LEASE_TTL,
    SECRET,
    SECRET_HEADER,
    Workers,
    button_data,
    holder_pid,
    lease_holder,
    migrated_database,
    postgres_server,
    running_workers,
    sent_by_chat,
)

PEOPLE = 200
# Every one of these asks exactly one question in the welcome flow, in any order and any state
# before consent: /start and /mulai begin it again, a language name chooses one (or, at the consent
# question, is a wrong answer), 'halo' is a wrong answer.
WORDS = ("/start", "halo", "Bahasa Indonesia", "/mulai", "English")
FIRST_CHAT = 7_100_000
GROUP = 8  # people whose updates are shuffled together, so each person's updates are in flight at once
TWINS = 200  # updates posted to both workers at the same moment
LATE = 100  # updates posted again once everything was handled
IN_FLIGHT = 24

RECIPIENTS = 2_000
FIRST_RECIPIENT = 7_300_000
COORDINATOR = 7_299_999
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as server_url, migrated_database(server_url) as url:
        yield url


@pytest.fixture(scope="module")
def all_workers(fake: FakeBotAPI, pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workers]:
    with running_workers(fake, pg_url, tmp_path_factory.mktemp("workers")) as running:
        yield running


@pytest.fixture
def workers(all_workers: Workers) -> Workers:
    all_workers.revive()  # after a test that killed one
    return all_workers


async def deliver(
    fake: FakeBotAPI, workers: Workers, jobs: Sequence[Sequence[tuple[int, int]]]
) -> Counter[int]:
    """POST each job's updates (update_id, worker index) as Telegram would, the posts of one job at
    the same moment, IN_FLIGHT jobs at a time; the HTTP statuses answered."""
    slots = asyncio.Semaphore(IN_FLIGHT)
    statuses: Counter[int] = Counter()
    async with httpx.AsyncClient(trust_env=False, timeout=120) as client:

        async def post(update_id: int, index: int) -> None:
            response = await client.post(
                workers.url(index), json=fake.update(update_id), headers={SECRET_HEADER: SECRET}
            )
            statuses[response.status_code] += 1

        async def job(posts: Sequence[tuple[int, int]]) -> None:
            async with slots:
                await asyncio.gather(*(post(update_id, index) for update_id, index in posts))

        await asyncio.gather(*(job(posts) for posts in jobs))
    return statuses


def racing_order(updates: dict[int, list[int]], rng: random.Random) -> list[int]:
    """All update ids; the people in groups of GROUP, each group's updates shuffled together."""
    people = list(updates)
    rng.shuffle(people)
    order: list[int] = []
    for start in range(0, len(people), GROUP):
        group = [u for chat in people[start : start + GROUP] for u in updates[chat]]
        rng.shuffle(group)
        order.extend(group)
    return order


def question_number(call: Call) -> str:
    """The turn stamped on a question's buttons ('3.id' → '3'); '-' for a message without buttons."""
    data = button_data(call)
    return data[0].partition(".")[0] if data else "-"


def as_utc(value: object) -> dt.datetime:
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def as_json(value: object) -> dict[str, object]:
    return json.loads(value) if isinstance(value, str) else value  # type: ignore[return-value]


async def test_updates_posted_to_both_workers_at_random_are_each_handled_exactly_once(
    fake: FakeBotAPI, workers: Workers, pg_url: str
) -> None:
    rng = random.Random(20261202)
    chats = [FIRST_CHAT + i for i in range(PEOPLE)]
    updates = {chat: [fake.push_text(chat, word) for word in WORDS] for chat in chats}
    every = [u for ids in updates.values() for u in ids]
    assert len(every) == 1_000
    twins = set(rng.sample(every, TWINS))
    jobs = [[(u, 0), (u, 1)] if u in twins else [(u, rng.randrange(2))] for u in racing_order(updates, rng)]

    statuses = await deliver(fake, workers, jobs)
    assert statuses == Counter({200: 1_000 + TWINS}), workers.logs()

    # Telegram retrying deliveries it believes failed: nothing happens again.
    mark = fake.mark()
    statuses = await deliver(fake, workers, [[(u, rng.randrange(2))] for u in rng.sample(every, LATE)])
    assert statuses == Counter({200: LATE})
    assert [c for c in fake.calls("sendMessage") if c.index >= mark] == []

    # Stored once each: the inbound ids, one identity and one person per chat, nobody left over from
    # two workers racing to create the same person.
    inbound = query(pg_url, "SELECT message_id FROM inbound_message WHERE channel = 'telegram'")
    assert {int(row[0]) for row in inbound} & set(every) == set(every)
    addresses = [str(chat) for chat in chats]
    identities = "SELECT count(*) FROM channel_identity WHERE channel = 'telegram' AND address = ANY(?)"
    assert scalar(pg_url, identities, addresses) == PEOPLE
    orphans = (
        "SELECT count(*) FROM person p"
        " WHERE NOT EXISTS (SELECT 1 FROM channel_identity i WHERE i.person_id = p.id)"
    )
    assert scalar(pg_url, orphans) == 0

    # Each update answered by exactly one question; each chat's five questions numbered 1…5.
    sent = sent_by_chat(fake, set(chats))
    numbers = {chat: sorted(question_number(c) for c in calls) for chat, calls in sent.items()}
    broken = {chat: found for chat, found in numbers.items() if found != ["1", "2", "3", "4", "5"]}
    assert not broken, f"{len(broken)} conversations lost or repeated a turn: {list(broken.items())[:8]}"

    # Every conversation is whole: turn 5, in the welcome flow, and the question it stored is the
    # one on the person's screen (the buttons of the message numbered 5).
    states = dict(
        query(
            pg_url,
            "SELECT ci.address, c.state FROM conversation c JOIN channel_identity ci ON ci.id = c.identity_id"
            " WHERE ci.channel = 'telegram' AND ci.address = ANY(?)",
            addresses,
        )
    )
    assert len(states) == PEOPLE
    for chat in chats:
        state = as_json(states[str(chat)])
        assert state["flow"] == "welcome" and state["turn"] == 5, state
        assert state["data"] in ({"step": "language"}, {"step": "consent"}), state  # type: ignore[comparison-overlap]
        [last] = [c for c in sent[chat] if button_data(c)[0].startswith("5.")]
        prompt = state["prompt"]
        assert isinstance(prompt, dict)
        assert button_data(last) == [f"5.{option[0]}" for option in prompt["options"]]
    assert "flow error" not in workers.logs() and "Traceback" not in workers.logs()


async def test_a_broadcast_drained_by_both_workers_reaches_each_recipient_once(
    fake: FakeBotAPI, workers: Workers, pg_url: str
) -> None:
    db = open_database(pg_url)
    try:
        async with db.sessions() as session, session.begin():
            coordinator = Person(
                full_name="Koordinator Uji", language="id", role="coordinator", consent_at=NOW, created_at=NOW
            )
            session.add(coordinator)
            await session.flush()
            session.add(
                ChannelIdentity(
                    channel="telegram", address=str(COORDINATOR), person_id=coordinator.id, created_at=NOW
                )
            )
            people = [
                {"full_name": f"Warga {i}", "language": "id", "role": "resident"}
                | {"consent_at": NOW, "created_at": NOW}
                for i in range(RECIPIENTS)
            ]
            returning = insert(Person).returning(Person.id, sort_by_parameter_order=True)
            ids = list((await session.execute(returning, people)).scalars())
            addresses = [str(FIRST_RECIPIENT + i) for i in range(RECIPIENTS)]
            await session.execute(
                insert(ChannelIdentity),
                [
                    {"channel": "telegram", "address": address, "person_id": pid, "created_at": NOW}
                    for pid, address in zip(ids, addresses, strict=True)
                ],
            )
            mark = fake.mark()
            await outbox.create_broadcast(
                session,
                created_by=coordinator.id,
                origin=Identity("telegram", str(COORDINATOR)),
                text="Posyandu bulan ini pindah ke balai desa.",
                attachment=None,
                audience={**Audience("residents", "64").to_json(), "label": "Warga"},
                region_code="64",
                recipients=[Recipient(pid, "telegram", a) for pid, a in zip(ids, addresses, strict=True)],
                scheduled_at=None,
                now=dt.datetime.now(dt.UTC),
            )
    finally:
        await db.dispose()

    deadline = time.monotonic() + 120
    while scalar(pg_url, "SELECT status FROM broadcast") != "done" or not [
        t for t in fake.sent_texts(COORDINATOR) if "selesai" in t
    ]:
        assert time.monotonic() < deadline, f"the broadcast did not finish\n{workers.logs()}"
        await asyncio.sleep(0.2)

    per_chat = Counter(
        int(c.chat_id) for c in fake.calls("sendMessage") if c.index >= mark and int(c.chat_id) != COORDINATOR
    )
    assert set(per_chat) == {int(a) for a in addresses}, "a recipient got nothing"
    assert max(per_chat.values()) == 1, f"sent twice: {[chat for chat, n in per_chat.items() if n > 1][:10]}"
    by_status = "SELECT status, count(*) FROM outbox_message WHERE kind = 'broadcast' GROUP BY status"
    statuses = dict(query(pg_url, by_status))
    assert statuses == {"sent": RECIPIENTS}
    summaries = [t for t in fake.sent_texts(COORDINATOR) if "selesai" in t]
    assert len(summaries) == 1 and "Terkirim: 2.000 dari 2.000" in summaries[0], summaries
    # One live progress message, shown by one of the two senders: its counts never go backwards.
    progress = [
        c
        for c in fake.calls()
        if c.method in ("sendMessage", "editMessageText") and c.ok and c.index >= mark
        and int(c.chat_id) == COORDINATOR and "terkirim" in (c.text or "") and "selesai" not in (c.text or "")
    ]  # fmt: skip
    assert len([c for c in progress if c.method == "sendMessage"]) == 1, [c.text for c in progress]
    shown = [int((c.text or "").split("terkirim ")[1].split("/")[0].replace(".", "")) for c in progress]
    assert shown == sorted(shown), shown


async def test_when_the_scheduler_process_dies_the_other_worker_takes_the_lease_over(
    workers: Workers, pg_url: str
) -> None:
    first = lease_holder(pg_url)
    assert first is not None, "no worker took the scheduler lease"
    holder = first[0]
    # The workers' SCHEDULER_LEASE_TTL is in force (the default lease would run 40 s from its renewal).
    assert as_utc(first[2]) <= dt.datetime.now(dt.UTC) + dt.timedelta(seconds=LEASE_TTL)
    leader = workers.by_pid(holder_pid(holder))
    assert leader is not None, f"the lease holder {holder} is none of the workers"
    [standby] = [p for p in workers.processes if p is not leader]
    assert "scheduler lease taken" in leader.log() and "scheduler lease taken" not in standby.log()

    leader.kill()
    expired_at = lease_holder(pg_url)[2]  # type: ignore[index]
    deadline = time.monotonic() + 60  # the bound: taken over within a minute
    while (now := lease_holder(pg_url)) is None or now[0] == holder:
        assert time.monotonic() < deadline, f"nobody took the lease over\n{workers.logs()}"
        await asyncio.sleep(0.1)
    assert standby.process is not None and holder_pid(now[0]) == standby.process.pid
    assert now[1] >= expired_at, "taken while the dead leader's lease was still valid"  # type: ignore[operator]
    assert "scheduler lease taken" in standby.log()


def test_a_renewal_interval_as_long_as_the_lease_is_refused(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SCHEDULER_"))}
    env.update(
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'never-opened.sqlite3'}",
        SCHEDULER_LEASE_TTL="30",
        SCHEDULER_RENEW_EVERY="30",
    )
    result = subprocess.run(
        [KADERBOT, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("kaderbot: SCHEDULER_RENEW_EVERY: must be shorter than")
