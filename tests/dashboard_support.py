"""What the dashboard tests share: a month of reports in Kutai Kartanegara, the figures the database
holds for a region (counted here in plain SQL, not by the code under test), and the login link a
coordinator gets by typing /dasbor; for the browser tests, a signed-in Chromium and its screenshots."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from bot.app import KaderBot
from storage.models import Person, Posyandu
from storage.repositories import reports
from tests.chat import Chat
from tests.postgres import ENV_URL

if TYPE_CHECKING:
    from playwright.async_api import Page

OCTOBER = dt.date(2026, 10, 1)  # the month the overview opens on with the tests' clock (20 Nov 2026)
KUKAR = "64.02"
TENGGARONG = "64.02.06"
MELAYU = "64.02.06.1005"
# October's reports are due on 5 November 2026, 23:59 WITA (the default terms).
LATE_FROM = dt.datetime(2026, 11, 5, 16, 0, tzinfo=dt.UTC)
ON_TIME = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 11, 9, 3, 0, tzinfo=dt.UTC)
LINK = re.compile(r"(https?://\S+)(/dasbor/masuk/[A-Za-z0-9_-]+)")

# Posyandu code → (held, S, D, N, sent at)
OCTOBER_REPORTS = {
    "PY-6402-0001": ("usual_place", 40, 30, 20, ON_TIME),
    "PY-6402-0002": ("usual_place", 25, 20, 17, LATE),
    "PY-6402-0003": ("not_held", None, None, None, ON_TIME),
}


async def file_reports(kaderbot: KaderBot, month: dt.date = OCTOBER, filed: dict | None = None) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        submitter = (
            await session.execute(select(Person.id).where(Person.full_name == "Sari Wulandari"))
        ).scalar_one()
        for code, (held, s, d, n, sent) in (filed or OCTOBER_REPORTS).items():
            posyandu_id = (
                await session.execute(select(Posyandu.id).where(Posyandu.code == code))
            ).scalar_one()
            values = {"held": held, "held_on": dt.date(2026, 10, 12) if held != "not_held" else None}
            if held != "not_held":
                values |= {"s": s, "k": s, "d": d, "n": n}
            else:
                values["not_held_reason"] = "Banjir"
            await reports.submit(
                session, posyandu_id=posyandu_id, month=month, values=values, person_id=submitter, now=sent
            )


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


async def database_figures(kaderbot: KaderBot, region: str, month: dt.date = OCTOBER) -> dict[str, str]:
    """The overview's figures for a region, as the page should print them, counted in plain SQL."""
    async with kaderbot.db.sessions() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT r.held, r.s, r.d, r.n, r.first_submitted_at, r.id FROM posyandu p "
                    "LEFT JOIN monthly_report r ON r.posyandu_id = p.id AND r.month = :month "
                    "WHERE (p.region_code = :code OR p.region_code LIKE :below) "
                    "AND p.status IN ('active', 'proposed')"
                ),
                {"month": month, "code": region, "below": f"{region}.%"},
            )
        ).all()
    reported = [r for r in rows if r.id is not None]
    held = [r for r in reported if r.held != "not_held"]

    def late(sent: dt.datetime | str) -> bool:
        moment = dt.datetime.fromisoformat(sent) if isinstance(sent, str) else sent
        moment = moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment
        return moment >= LATE_FROM

    late_count = sum(1 for r in reported if late(r.first_submitted_at))
    s, d, n = (sum(getattr(r, letter) or 0 for r in held) for letter in "sdn")
    return {
        "total": str(len(rows)),
        "reported": str(len(reported)),
        "late": str(late_count),
        "on_time": str(len(reported) - late_count),
        "missing": str(len(rows) - len(reported)),
        "not_held": str(len(reported) - len(held)),
        "ds": _percent(d, s),
        "nd": _percent(n, d),
    }


async def attach_photos(
    kaderbot: KaderBot, code: str, pictures: list[bytes], month: dt.date = OCTOBER
) -> int:
    """Keep the pictures in the media store and on the month's report of the Posyandu with this code,
    as the report form does (a photo's `media_id`, kind 'report_photo'); the Posyandu's id."""
    assert kaderbot.media is not None
    async with kaderbot.db.sessions() as session, session.begin():
        posyandu_id = (await session.execute(select(Posyandu.id).where(Posyandu.code == code))).scalar_one()
        report = await reports.for_month(session, posyandu_id, month)
        assert report is not None
        kept = [await kaderbot.media.put(session, data, kind="report_photo") for data in pictures]
        report.photos = [
            {"ref": f"photo-{m.id}", "mime_type": m.content_type, "media_id": m.id} for m in kept
        ]
    return posyandu_id


async def login_link(kaderbot: KaderBot, address: str) -> tuple[str, str]:
    """(base URL, path) of the link the coordinator with this console address gets from /dasbor."""
    chat = Chat(kaderbot.core, address)
    await chat.say("/dasbor")
    found = LINK.search(chat.text)
    assert found, chat.text
    return found.group(1), found.group(2)


# The browser tests' Chromium (Debian's, driven by Playwright) and where their screenshots go.
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 360, "height": 740}


def backend() -> str:
    """The database the run uses, in the screenshots' names."""
    return "postgresql" if os.environ.get(ENV_URL) else "sqlite"


@asynccontextmanager
async def signed_in(base: str, path: str, profile: Path) -> AsyncIterator[Page]:
    """A fresh headless Chromium (an empty profile) that opened the login link `base + path`,
    pressed "Masuk" and landed on the overview of Kutai Kartanegara; closed afterwards."""
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, viewport=WIDE
        )
        try:
            page = browser.pages[0] if browser.pages else await browser.new_page()
            await page.goto(base + path)
            await page.get_by_role("button", name="Masuk").click()
            await page.wait_for_url(f"**/dasbor/wilayah/{KUKAR}")
            yield page
        finally:
            await browser.close()


async def screenshots(page: Page, name: str) -> None:
    """The page at 1280 and at 360 px wide into tests/artifacts/ (at 360 px nothing is wider than the
    screen: no sideways scrolling); the page is left at 1280 px."""
    await page.set_viewport_size(WIDE)
    await page.screenshot(path=str(ARTIFACTS / f"{name}-1280-{backend()}.png"), full_page=True)
    await page.set_viewport_size(NARROW)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360, name
    await page.screenshot(path=str(ARTIFACTS / f"{name}-360-{backend()}.png"), full_page=True)
    await page.set_viewport_size(WIDE)
