"""The dashboard's cadre queue and broadcasts in a real headless Chromium (Debian's, driven by
Playwright; issue #18, point 4): a coordinator verifies a cadre and the cadre's notice reaches her
Telegram chat through the fake Bot API; she composes a broadcast, sees the reachable count, sends it,
and watches its progress on the page climb to 100% without the page being reloaded while the outbox
sends through the fake Bot API. Screenshots of both pages at 1280 and 360 px go to tests/artifacts/.

Skipped (or failed under CI) exactly as tests/test_dashboard_browser.py is when the browser is missing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.ext import AIORateLimiter

from bot.app import KaderBot
from bot.channels.telegram import TelegramChannel
from bot.outbox import OutboxConfig, OutboxSender
from bot.rate_limit import RateLimit
from bot.settings import load_settings
from storage.models_outbox import OutboxMessage
from tests.chat import Clock
from tests.dashboard_support import KUKAR, login_link, screenshots, signed_in
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.outbox_support import add_cadres, add_identity
from tests.test_coordinator_verify import cadre_of, wrote_from
from tests.test_dashboard_browser import served  # noqa: F401
from tests.test_outbox_sender import RunningClock

RINA_CHAT = "880013"
RECIPIENTS = 40
FIRST_CHAT = 610_000


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


async def test_verify_a_cadre_and_watch_a_broadcast_reach_100_percent(
    served: KaderBot,  # noqa: F811
    fake: FakeBotAPI,
    clock: Clock,
    tmp_path: Path,
) -> None:
    from playwright.async_api import expect

    kaderbot = served
    await add_identity(kaderbot.db, "rina", "telegram", RINA_CHAT)
    await wrote_from(kaderbot, "telegram", RINA_CHAT, clock)
    addresses = await add_cadres(
        kaderbot.db, count=RECIPIENTS, posyandu_code="PY-6402-0001", first_address=FIRST_CHAT
    )
    rina = await cadre_of(kaderbot, "Rina Kusumawati")
    base, path = await login_link(kaderbot, "siti")

    # The outbox sender of `kaderbot run`, on the real Telegram channel against the fake Bot API,
    # slowed to 10 messages a second so that a broadcast takes a few seconds.
    settings = load_settings(
        database_url=kaderbot.settings.database_url,
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        telegram_rate_limit=0,
    )
    channel = TelegramChannel(
        kaderbot, settings, rate_limiter=AIORateLimiter(overall_max_rate=0, max_retries=0)
    )
    config = OutboxConfig(slots=2, idle_poll=0.05, progress_every=0.2, limits={"telegram": RateLimit(10)})

    def sender() -> OutboxSender:
        return OutboxSender(kaderbot.db, kaderbot.catalogues, [channel], config, clock=RunningClock(clock))

    stop = asyncio.Event()
    sending: asyncio.Task[None] | None = None

    try:
        async with signed_in(base, path, tmp_path / "chromium-profile") as page:
            # The verification queue: Rina is waiting; approve her.
            await page.get_by_role("link", name="Verifikasi kader").click()
            await page.wait_for_url("**/dasbor/kader")
            row = page.locator(f'tr[data-cadre="{rina.id}"]')
            assert "Rina Kusumawati" in await row.inner_text()
            await screenshots(page, "dashboard-cadres")
            await row.get_by_role("button", name="Setujui").click()
            await page.wait_for_selector("text=Rina Kusumawati sudah diverifikasi")
            assert (await cadre_of(kaderbot, "Rina Kusumawati")).verification == "verified"

            # A sender runs: Rina's notice reaches her Telegram chat. Then it stops for a while.
            sending = asyncio.create_task(sender().run(stop))
            notice = await asyncio.to_thread(
                fake.wait_for_text, RINA_CHAT, "sudah diverifikasi koordinator", 20
            )
            assert "Posyandu Teratai" in (notice.text or "")
            stop.set()
            await asyncio.wait_for(sending, 20)
            stop, sending = asyncio.Event(), None

            # A broadcast to Kutai Kartanegara's cadres: its preview counts them, then it is sent.
            await page.get_by_role("link", name="Siaran").first.click()
            await page.wait_for_url("**/dasbor/siaran")
            await page.locator("#teks").fill("Rapat kader se-Kutai Kartanegara, Senin 09.00.")
            await page.locator("#penerima").select_option("cadres")
            await page.locator("#wilayah").select_option(KUKAR)
            await page.get_by_role("button", name="Lihat jumlah penerima").click()
            preview = page.locator("[data-preview]")
            await preview.wait_for()
            reachable = RECIPIENTS + 1  # the cadres added here and Rina, all on Telegram
            assert await preview.get_attribute("data-count") == str(reachable)
            assert f"{reachable} orang" in await preview.inner_text()
            await preview.get_by_role("button", name="Kirim sekarang").click()
            await page.wait_for_url("**/dasbor/siaran/*?baru=1")
            # Nothing is sending yet: the page shows 0%. From here on it is the same document (a
            # reload would lose this mark), while a sender starts and the page's script follows it.
            percent = page.locator('[data-progress="percent"]')
            assert await percent.inner_text() == "0%"
            await page.evaluate("window.kaderbotMark = 'not reloaded'")
            sending = asyncio.create_task(sender().run(stop))
            await expect(percent).to_have_text("100%", timeout=60_000)  # the page's own script, polling
            assert await percent.inner_text() == "100%"
            assert await page.evaluate("window.kaderbotMark") == "not reloaded"
            assert await page.locator('[data-progress="sent"]').inner_text() == str(reachable)
            assert await page.locator('[data-progress="total"]').inner_text() == str(reachable)
            assert await page.locator('[data-progress="failed"]').inner_text() == "0"
            await expect(page.locator('[data-progress="status"]')).to_have_text("selesai")
            await screenshots(page, "dashboard-broadcast")
    finally:
        stop.set()
        if sending is not None:
            await asyncio.wait_for(sending, 20)
        await channel.stop()

    # Each cadre's Telegram chat got the broadcast exactly once, through the fake Bot API.
    delivered = [
        str(c.chat_id) for c in fake.calls("sendMessage") if c.ok and "Rapat kader" in (c.text or "")
    ]
    assert sorted(delivered) == sorted([*addresses, RINA_CHAT])
    async with kaderbot.db.sessions() as session:
        statuses = {
            m.address: m.status
            for m in (
                await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "broadcast"))
            ).scalars()
        }
    assert set(statuses.values()) == {"sent"} and len(statuses) == reachable
