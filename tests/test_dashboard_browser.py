"""The dashboard in a real headless Chromium (Debian's, driven by Playwright; issue #18): a
coordinator types /dasbor, opens the link, signs in, sees the numbers the database holds, drills
down, opens the helpdesk inbox, and signs out. Screenshots of the overview and the inbox at 1280
and 360 px wide are left in tests/artifacts/ for people to look at.

Skipped, loudly, only where Debian's chromium could not be installed (`make test` installs it);
under CI a missing browser fails the test instead."""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn

from bot.app import KaderBot, build
from bot.settings import load_settings
from bot.web import create_web_app
from tests.chat import Clock
from tests.dashboard_support import (
    ARTIFACTS,
    CHROMIUM,
    KUKAR,
    MELAYU,
    TENGGARONG,
    backend,
    database_figures,
    file_reports,
    login_link,
    screenshots,
    signed_in,
)
from tests.outbox_support import file_ticket
from tests.postgres import free_port


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium; `make test` does it)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (the `test` extra)"
    return None


missing = _browser_missing()
if missing is not None:
    if os.environ.get("CI"):
        pytest.fail(f"BROWSER TESTS CANNOT RUN IN CI: {missing}", pytrace=False)
    warnings.warn(f"BROWSER TESTS SKIPPED: {missing}", stacklevel=1)
    pytest.skip(f"!!! BROWSER TESTS SKIPPED: {missing} !!!", allow_module_level=True)

from playwright.async_api import Page  # noqa: E402


@pytest.fixture
async def served(db_url: str, clock: Clock) -> AsyncIterator[KaderBot]:
    """KaderBot's web app on a free port of 127.0.0.1, its login links pointing there."""
    port = free_port()
    settings = load_settings(database_url=db_url, dashboard_base_url=f"http://127.0.0.1:{port}")
    kaderbot = build(settings, clock=clock, strict_messages=True)
    config = uvicorn.Config(
        create_web_app(kaderbot, []), host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started, "the web server did not start"
    try:
        yield kaderbot
    finally:
        server.should_exit = True
        await task
        await kaderbot.close()


async def figures_on(page: Page) -> dict[str, str]:
    found = {}
    for element in await page.query_selector_all("[data-figure]"):
        found[await element.get_attribute("data-figure") or ""] = (await element.inner_text()).strip()
    return found


async def test_a_coordinator_signs_in_from_chat_sees_the_databases_numbers_and_signs_out(
    served: KaderBot, tmp_path: Path
) -> None:
    kaderbot = served
    await file_reports(kaderbot)
    await file_ticket(kaderbot, "7001", MELAYU)
    urgent = await file_ticket(kaderbot, "7002", MELAYU, urgent=True)
    base, path = await login_link(kaderbot, "siti")
    async with signed_in(base, path, tmp_path / "chromium-profile") as page:
        assert await page.locator("h1").inner_text() == "Laporan Posyandu Oktober 2026 — Kutai Kartanegara"
        expected = await database_figures(kaderbot, KUKAR)
        assert expected["reported"] == "3"
        assert await figures_on(page) == expected
        # The session cookie is out of the page's reach (HttpOnly).
        assert "kb_dasbor" not in await page.evaluate("document.cookie")
        await screenshots(page, "dashboard-overview")

        await page.get_by_role("link", name="Tenggarong", exact=True).click()
        await page.wait_for_url(f"**/dasbor/wilayah/{TENGGARONG}?bulan=2026-10")
        assert await figures_on(page) == await database_figures(kaderbot, TENGGARONG)

        # The helpdesk inbox, urgent first, at both widths.
        await page.get_by_role("link", name="Tiket warga").click()
        await page.wait_for_url("**/dasbor/tiket")
        rows = page.locator("tr[data-ticket]")
        assert await rows.count() == 2
        assert await rows.first.get_attribute("data-ticket") == urgent
        await screenshots(page, "dashboard-inbox")

        await page.get_by_role("button", name="Keluar").click()
        await page.wait_for_selector("text=Sudah keluar")
        again = await page.goto(f"{base}/dasbor/wilayah/{KUKAR}")
        assert again is not None and again.status == 401
        assert "Belum masuk" in await page.locator("h1").inner_text()
        # The link was used up: opening it again signs nobody in.
        used = await page.goto(base + path)
        assert used is not None and used.status == 403
    assert (ARTIFACTS / f"dashboard-overview-360-{backend()}.png").stat().st_size > 5_000
