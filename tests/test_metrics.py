"""GET /metrics: people's updates, failed turns, redeliveries, the outbox and the scheduler, read
back over HTTP in Prometheus' text format after driving the bot through its entry points."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from bot.app import KaderBot
from bot.channels.base import PlatformChannel
from bot.metrics import Metrics
from bot.outbox import run_outbox
from bot.scheduler import JOB_LEASE, JOB_PLAN, SchedulerConfig, start_scheduler
from bot.web import create_web_app
from handlers.core import Core
from handlers.flows.registry import build_flows
from handlers.types import IncomingEvent
from storage.models_outbox import OutboxMessage
from tests.chat import Chat, Clock
from tests.fakes.bot_api import running_fake_bot_api
from tests.outbox_support import MemoryChannel, Unreachable, add_cadres, compose_broadcast, make_coordinator
from tests.telegram_support import BotProcess, wait_until
from tests.test_core import ExplodingFlow
from tests.test_whatsapp_server import (  # noqa: F401 - shared fixtures
    SARI,
    Served,
    app_fixture,
    fake_fixture,
    graph_api_fixture,
    recent,
)

CHAT = 5_557_201
Samples = Mapping[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape; the parser fails on anything that is not valid exposition text."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, got), v in samples.items() if n == name and wanted <= got)


async def scrape(kaderbot: KaderBot, channels: Sequence[PlatformChannel] = ()) -> Samples:
    app = create_web_app(kaderbot, channels)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kaderbot") as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return parse(response.text)


async def test_updates_are_counted_by_channel_and_flow_and_redeliveries_apart(
    kaderbot: KaderBot,
) -> None:
    before = await scrape(kaderbot)
    assert total(before, "kaderbot_updates_total") == 0
    chat = Chat(kaderbot.core, "budi")
    await chat.say("/start")  # a new person: the welcome flow answers
    await chat.press("Indonesia")
    event = IncomingEvent(chat.identity, text="halo", message_id="redelivered-1")
    await kaderbot.core.handle(event)
    assert (await kaderbot.core.handle(event)).duplicate  # the platform sent it again

    after = await scrape(kaderbot)
    assert total(after, "kaderbot_updates_total", channel="console") == 3
    assert value(after, "kaderbot_updates_total", channel="console", flow="welcome") >= 1
    assert value(after, "kaderbot_duplicates_total", channel="console") == 1
    assert value(after, "kaderbot_update_errors_total", channel="console") == 0
    assert value(after, "kaderbot_update_duration_seconds_count", channel="console") == 3
    assert value(after, "kaderbot_update_duration_seconds_bucket", channel="console", le="+Inf") == 3


async def test_a_failed_turn_counts_as_an_error_of_its_channel(kaderbot: KaderBot, clock: Clock) -> None:
    flows = {**build_flows(), "menu": ExplodingFlow()}
    core = Core(
        kaderbot.db,
        kaderbot.catalogues,
        flows,
        kaderbot.core.zone,
        clock,
        observer=kaderbot.metrics.observe_update,
    )
    chat = Chat(core, "budi", channel="telegram")
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Setuju")
    await chat.press("warga")
    await chat.press("X")  # the menu flow raises
    assert "Maaf, terjadi gangguan" in chat.text

    samples = await scrape(kaderbot)
    assert value(samples, "kaderbot_update_errors_total", channel="telegram") == 1
    assert total(samples, "kaderbot_updates_total", channel="telegram") == 5


async def test_whatsapp_webhook_updates_and_redeliveries_over_http(app: Served) -> None:
    body = recent("text", app.clock.now)
    assert (await app.post(body)).status_code == 200
    assert (await app.post(body)).status_code == 200  # Meta delivers the same wamid again

    response = await app.http.get("/metrics")
    assert response.status_code == 200
    samples = parse(response.text)
    assert total(samples, "kaderbot_updates_total", channel="whatsapp") == 1
    assert value(samples, "kaderbot_duplicates_total", channel="whatsapp") == 1
    # The served channel always has depth series, zero while nothing waits.
    assert value(samples, "kaderbot_outbox_depth", state="pending", platform="whatsapp") == 0
    assert value(samples, "kaderbot_outbox_depth", state="sending", platform="whatsapp") == 0
    assert total(samples, "process_resident_memory_bytes") > 0


async def open_rows(kaderbot: KaderBot, channel: str) -> int:
    async with kaderbot.db.sessions() as session:
        query = select(func.count()).where(
            OutboxMessage.channel == channel, OutboxMessage.status.in_(("pending", "sending"))
        )
        return int((await session.execute(query)).scalar_one())


async def rows_with(kaderbot: KaderBot, channel: str, status: str) -> int:
    async with kaderbot.db.sessions() as session:
        query = select(func.count()).where(OutboxMessage.channel == channel, OutboxMessage.status == status)
        return int((await session.execute(query)).scalar_one())


async def test_outbox_depth_and_sends_follow_a_broadcast(kaderbot: KaderBot) -> None:
    addresses = await add_cadres(kaderbot.db, count=6, posyandu_code="PY-6402-0001", first_address=50_000)
    await make_coordinator(kaderbot.db, "telegram", "9001", "64.02", name="Siti Telegram")
    coordinator = Chat(kaderbot.core, "9001", channel="telegram")
    await compose_broadcast(coordinator, "Posyandu libur Senin", whole="Kutai Kartanegara")
    await coordinator.press("Kirim sekarang")
    await coordinator.press("Kirim")
    channel = MemoryChannel()
    channel.fail(addresses[0], Unreachable("blocked"))

    waiting = await open_rows(kaderbot, "telegram")
    assert waiting >= 6
    samples = await scrape(kaderbot, [channel])
    assert value(samples, "kaderbot_outbox_depth", state="pending", platform="telegram") == waiting
    assert value(samples, "kaderbot_outbox_sent_total", platform="telegram") == 0

    stop = asyncio.Event()
    # The sender as `kaderbot run` starts it, with quicker housekeeping than the defaults.
    quick = kaderbot.settings.model_copy(update={"outbox_progress_every": 0.05, "outbox_idle_poll": 0.05})
    running = dataclasses.replace(kaderbot, settings=quick)
    sender = asyncio.create_task(run_outbox(running, [channel], stop_event=stop))
    try:
        deadline = time.monotonic() + 20
        # Done when every row is settled, the coordinator's summary included.
        while await open_rows(kaderbot, "telegram") or not await rows_with(kaderbot, "telegram", "sent"):
            assert time.monotonic() < deadline, "the outbox did not drain"
            assert not sender.done(), sender
            await asyncio.sleep(0.05)
        while not channel.texts("9001"):  # the summary to the coordinator comes last
            assert time.monotonic() < deadline, "no summary"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(sender, 10)

    samples = await scrape(kaderbot, [channel])
    assert value(samples, "kaderbot_outbox_depth", state="pending", platform="telegram") == 0
    sent = await rows_with(kaderbot, "telegram", "sent")
    assert sent == len(channel.sent)
    assert value(samples, "kaderbot_outbox_sent_total", platform="telegram") == sent
    failures = "kaderbot_outbox_send_failures_total"
    assert value(samples, failures, platform="telegram", result="unreachable") == 1


async def test_scheduler_lag_and_leadership(kaderbot: KaderBot, clock: Clock) -> None:
    config = SchedulerConfig(lease_ttl=dt.timedelta(seconds=90), renew_every=0.05)
    handle = await start_scheduler(kaderbot, clock=clock, config=config, holder="metrics-test")
    try:
        deadline = time.monotonic() + 10
        while True:
            samples = await scrape(kaderbot)
            lags = [labels for (name, labels) in samples if name == "kaderbot_scheduler_lag_seconds"]
            jobs = {dict(labels)["job"] for labels in lags}
            if {JOB_LEASE, JOB_PLAN} <= jobs:
                break
            assert time.monotonic() < deadline, f"no scheduler lag reported, only {jobs}"
            await asyncio.sleep(0.05)
        assert value(samples, "kaderbot_scheduler_leader") == 1
        assert value(samples, "kaderbot_scheduler_lag_seconds", job=JOB_LEASE) >= 0
    finally:
        await handle.stop()
    assert value(await scrape(kaderbot), "kaderbot_scheduler_leader") == 0


def test_each_app_has_its_own_registry() -> None:
    first, second = Metrics(), Metrics()
    first.observe_update("telegram", "menu", "ok", 0.01)
    counted = parse(first.render().decode())
    assert value(counted, "kaderbot_updates_total", channel="telegram", flow="menu") == 1
    assert total(parse(second.render().decode()), "kaderbot_updates_total") == 0


def test_kaderbot_run_serves_metrics_and_logs_json_lines(db_url: str, tmp_path: Path) -> None:
    """The real process: `kaderbot run` polling the fake Bot API, with LOG_FORMAT=json."""
    with running_fake_bot_api() as fake:
        bot = BotProcess(fake, db_url, tmp_path, extra_env={"LOG_FORMAT": "json"}).start()
        try:
            wait_until(bot._serving, 30, "web server start")
            mark = fake.mark()
            fake.push_text(CHAT, "/start")
            fake.wait_for_text(CHAT, "Silakan pilih bahasa", after=mark)
            wait_until(
                lambda: "kaderbot_scheduler_leader 1.0" in httpx.get(f"{bot.base_url}/metrics").text,
                30,
                "the scheduler lease",
            )
            samples = parse(httpx.get(f"{bot.base_url}/metrics").text)
        finally:
            assert bot.stop(), bot.log()
    assert value(samples, "kaderbot_updates_total", channel="telegram", flow="welcome") == 1
    assert value(samples, "kaderbot_outbox_depth", state="pending", platform="telegram") == 0
    lines = [line for line in bot.log().splitlines() if line.strip()]
    assert lines
    for line in lines:
        entry = json.loads(line)  # uvicorn's, PTB's and our own lines alike
        assert {"time", "level", "logger", "message"} <= set(entry)
    assert any(json.loads(line)["logger"] == "kaderbot.telegram" for line in lines)
