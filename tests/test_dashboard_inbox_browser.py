"""The helpdesk inbox in a real headless Chromium (Debian's, driven by Playwright; issue #18, point
3): a coordinator opens a resident's request from the queue, picks a canned reply, edits and sends
it; the outbox delivers it through the Telegram channel to the fake Bot API with a "Balas" button;
the resident presses it and answers, and the answer is on the thread after a reload; the ticket is
assigned to a colleague (the queue shows it) and closed with a note the resident is told in chat.
Screenshots of the inbox and of a thread at 1280 and 360 px wide go to tests/artifacts/.

Skipped, like tests/test_dashboard_browser.py, only where Debian's chromium is missing."""

from __future__ import annotations

from pathlib import Path

from bot.app import KaderBot
from tests.chat import Chat, Clock
from tests.dashboard_support import KUKAR, MELAYU, login_link, screenshots, signed_in
from tests.fakes.bot_api import FakeBotAPI
from tests.outbox_support import file_ticket, make_coordinator
from tests.test_dashboard_browser import served
from tests.test_dashboard_inbox import RESIDENT, buttons, deliver, fake

__all__ = ["fake", "served"]  # the fixtures this module borrows


async def test_a_coordinator_answers_a_request_and_the_resident_answers_back(
    served: KaderBot, fake: FakeBotAPI, clock: Clock, tmp_path: Path
) -> None:
    kaderbot = served
    number = await file_ticket(kaderbot, RESIDENT, MELAYU)
    urgent = await file_ticket(kaderbot, "7002", MELAYU, urgent=True)
    await make_coordinator(kaderbot.db, "console", "dewi", KUKAR, name="Dewi Anggraini")
    base, path = await login_link(kaderbot, "siti")
    async with signed_in(base, path, tmp_path / "chromium-profile") as page:
        await page.get_by_role("link", name="Tiket warga").click()
        await page.wait_for_url("**/dasbor/tiket")
        rows = page.locator("tr[data-ticket]")
        assert await rows.first.get_attribute("data-ticket") == urgent

        # Open the request from the queue; pick a canned reply, edit it, send it.
        await page.get_by_role("link", name=number, exact=True).click()
        await page.wait_for_url(f"**/dasbor/tiket/{number}")
        assert "Nenek di rumah sebelah" in await page.locator("[data-col=description]").inner_text()
        await page.get_by_role("link", name="Akan dikunjungi").click()
        box = page.locator("textarea#text")
        canned = await box.input_value()
        assert canned.startswith("Petugas kami akan menghubungi atau mengunjungi Bapak/Ibu")
        await box.fill(canned + " Kami datang hari Senin.")
        await page.get_by_role("button", name="Kirim pesan").click()
        await page.wait_for_selector("text=Pesan disimpan")

        calls = [c for c in await deliver(kaderbot, fake, clock) if str(c.chat_id) == RESIDENT]
        assert len(calls) == 1 and "Kami datang hari Senin." in (calls[0].text or "")
        resident = Chat(kaderbot.core, RESIDENT, channel="telegram")
        await resident.press_payload(buttons(calls[0])["✍️ Balas"])
        await resident.say("Terima kasih, saya tunggu hari Senin.")
        assert "diteruskan ke petugas" in resident.text

        await page.reload()
        answers = page.locator("li[data-line=from_resident]")
        assert "Terima kasih, saya tunggu hari Senin." in await answers.inner_text()
        assert await page.locator("[data-delivery=sent]").count() == 1

        # Assign to a colleague: shown on the thread and in the queue.
        await page.select_option("select#person", label="Dewi Anggraini")
        await page.get_by_role("button", name="Simpan").click()
        await page.wait_for_selector("text=Petugas tiket sudah diperbarui")
        assert await page.locator("dd[data-col=assignee]").inner_text() == "Dewi Anggraini"
        await screenshots(page, "helpdesk-thread")
        await page.get_by_role("link", name="Semua tiket").click()
        await page.wait_for_url("**/dasbor/tiket")
        row = page.locator(f'tr[data-ticket="{number}"] td[data-col=assignee]')
        assert await row.inner_text() == "Dewi Anggraini"
        await screenshots(page, "helpdesk-inbox")

        # Close it with a note: the resident is told in chat.
        await page.get_by_role("link", name=number, exact=True).click()
        await page.select_option("select#status", value="selesai")
        await page.fill("textarea#note", "Kunjungan sudah dilakukan, bantuan diantar.")
        await page.get_by_role("button", name="Tutup tiket").click()
        await page.wait_for_selector("text=Tiket ditutup")
        told = [c for c in await deliver(kaderbot, fake, clock) if str(c.chat_id) == RESIDENT]
        assert len(told) == 1 and "Kunjungan sudah dilakukan, bantuan diantar." in (told[0].text or "")
