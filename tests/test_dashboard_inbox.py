"""The helpdesk inbox of the dashboard over HTTP (issue #18, point 3): a ticket's thread page, a
message to the resident that the outbox delivers through the Telegram channel to the fake Bot API
with a "Balas" button, the resident's answer in chat shown in the thread, canned replies, assigning
a colleague, closing with a note that tells the resident; another region's coordinator refused
every new URL and action; a form without its CSRF token refused."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select
from telegram.ext import AIORateLimiter

from bot.app import KaderBot
from bot.channels.telegram import TelegramChannel
from bot.outbox import OutboxConfig, OutboxSender
from bot.rate_limit import RateLimit
from bot.settings import load_settings
from storage.models import Person
from storage.models_outbox import AuditLog, OutboxMessage
from storage.models_thread import TicketAssignment, TicketMessage
from storage.models_tickets import Ticket
from tests.chat import Chat, Clock
from tests.dashboard_support import KUKAR, MELAYU
from tests.fakes.bot_api import Call, FakeBotAPI, running_fake_bot_api
from tests.outbox_support import file_ticket, make_coordinator
from tests.test_dashboard import BALIKPAPAN_DESA, CSRF, client, sign_in

RESIDENT = "7001"  # the Telegram chat of the resident who filed the ticket (tests/outbox_support.py)


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


async def deliver(kaderbot: KaderBot, fake: FakeBotAPI, clock: Clock) -> list[Call]:
    """Run the outbox sender through the real Telegram channel until nothing is due; the messages
    the fake Bot API took meanwhile."""
    mark = len(fake.calls("sendMessage"))
    settings = load_settings(
        database_url=kaderbot.settings.database_url,
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        telegram_rate_limit=0,
    )
    channel = TelegramChannel(
        kaderbot, settings, rate_limiter=AIORateLimiter(overall_max_rate=0, max_retries=0)
    )
    config = OutboxConfig(idle_poll=0.02, limits={"telegram": RateLimit()})
    sender = OutboxSender(kaderbot.db, kaderbot.catalogues, [channel], config, clock=clock)
    try:
        await asyncio.wait_for(sender.run(asyncio.Event(), until_idle=True), 60)
    finally:
        await channel.stop()
    return fake.calls("sendMessage")[mark:]


def buttons(call: Call) -> dict[str, str]:
    """A sent message's inline buttons: label → callback_data."""
    markup = call.params.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def form_token(http: httpx.AsyncClient, url: str) -> str:
    page = await http.get(url)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text)[1]


async def thread_count(kaderbot: KaderBot) -> int:
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(func.count()).select_from(TicketMessage))).scalar_one()


async def person_named(kaderbot: KaderBot, name: str) -> int:
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(Person.id).where(Person.full_name == name))).scalar_one()


async def test_a_reply_reaches_the_resident_on_telegram_and_their_answer_shows_in_the_thread(
    kaderbot: KaderBot, fake: FakeBotAPI, clock: Clock
) -> None:
    number = await file_ticket(kaderbot, RESIDENT, MELAYU)
    async with client(kaderbot) as siti:
        await sign_in(kaderbot, siti, "siti")
        inbox = await siti.get("/dasbor/tiket")
        assert f'href="/dasbor/tiket/{number}"' in inbox.text  # the queue's row opens the thread
        url = f"/dasbor/tiket/{number}"
        page = await siti.get(url)
        assert page.status_code == 200
        assert "Nenek di rumah sebelah tinggal sendiri" in page.text and "****************" in page.text
        sent = await siti.post(
            f"{url}/balas",
            data={
                "csrf_token": CSRF.search(page.text)[1],
                "text": "Bapak/Ibu, petugas kami datang besok pagi.",
            },
        )
        assert sent.status_code == 303 and sent.headers["location"] == f"{url}?ok=terkirim"
        waiting = await siti.get(sent.headers["location"])
        assert "Pesan disimpan" in waiting.text and 'data-delivery="pending"' in waiting.text

        calls = await deliver(kaderbot, fake, clock)
        to_resident = [c for c in calls if str(c.chat_id) == RESIDENT]
        assert len(to_resident) == 1, fake.dump()
        message = to_resident[0]
        assert "petugas kami datang besok pagi" in (message.text or "") and number in (message.text or "")
        assert buttons(message) == {"✍️ Balas": f"/balas {number}"}
        assert 'data-delivery="sent"' in (await siti.get(url)).text

        # The resident presses "Balas" under that very message and answers.
        resident = Chat(kaderbot.core, RESIDENT, channel="telegram")
        await resident.press_payload(buttons(message)["✍️ Balas"])
        assert f"tulis jawaban Bapak/Ibu untuk petugas tentang permohonan {number}" in resident.text
        await resident.say("Baik pak, saya tunggu di rumah. <b>Terima kasih</b>")
        assert "sudah kami terima dan diteruskan ke petugas" in resident.text

        thread = await siti.get(url)
    lines = re.findall(r'data-line="(\w+)"', thread.text)
    assert lines == ["to_resident", "from_resident"]
    assert "Baik pak, saya tunggu di rumah. &lt;b&gt;Terima kasih&lt;/b&gt;" in thread.text
    assert "<b>Terima kasih</b>" not in thread.text
    async with kaderbot.db.sessions() as session:
        entries = (
            await session.execute(
                select(AuditLog.action, AuditLog.target, AuditLog.details).order_by(AuditLog.id)
            )
        ).all()
    # Opening the thread is audited as the chat's ticket screen audits it; the message as the chat's.
    viewed = [e for e in entries if e.action == "personal.view" and e.target == number]
    assert viewed and viewed[0].details["what"] == "ticket"
    assert [e.details["note"] for e in entries if e.action == "ticket.message"] == [
        "Bapak/Ibu, petugas kami datang besok pagi."
    ]


async def test_the_residents_words_are_shown_as_text_never_markup(kaderbot: KaderBot) -> None:
    number = await file_ticket(kaderbot, RESIDENT, MELAYU)
    async with kaderbot.db.sessions() as session, session.begin():
        ticket = (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        ticket.description = 'Tolong <script>alert("x")</script> <img src=x onerror=alert(1)>'
    async with client(kaderbot) as siti:
        await sign_in(kaderbot, siti, "siti")
        page = await siti.get(f"/dasbor/tiket/{number}")
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert (
        "Tolong &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;"
        in page.text
    )


async def test_a_canned_reply_fills_the_box_and_goes_as_edited(kaderbot: KaderBot) -> None:
    number = await file_ticket(kaderbot, RESIDENT, MELAYU)
    url = f"/dasbor/tiket/{number}"
    async with client(kaderbot) as siti:
        await sign_in(kaderbot, siti, "siti")
        page = await siti.get(url)
        assert len(re.findall(r"data-canned=", page.text)) >= 4
        picked = await siti.get(f"{url}?templat=dtsen")
        box = re.search(r'<textarea id="text" name="text"[^>]*>([^<]*)</textarea>', picked.text)
        assert box is not None and "operator desa/kelurahan" in box[1] and "DTSEN" in box[1]
        edited = box[1].replace("Bapak/Ibu datang", "Bapak/Ibu datang hari Senin")
        token = CSRF.search(picked.text)[1]
        assert (
            await siti.post(f"{url}/balas", data={"csrf_token": token, "text": edited})
        ).status_code == 303
        # Too short a message is refused with the reason, and nothing is sent.
        short = await siti.post(f"{url}/balas", data={"csrf_token": token, "text": " ok "})
        assert short.status_code == 400 and "terlalu pendek" in short.text
    async with kaderbot.db.sessions() as session:
        rows = (
            await session.execute(select(OutboxMessage).where(OutboxMessage.address == RESIDENT))
        ).scalars()
        notices = [r for r in rows if r.message_key == "helpdesk.notify_reply"]
        kept = (await session.execute(select(TicketMessage.text))).scalars().all()
    assert [n.params["message"] for n in notices] == [edited] and kept == [edited]
    assert "hari Senin" in edited


async def test_assigning_a_colleague_shows_in_the_queue_and_the_thread(kaderbot: KaderBot) -> None:
    number = await file_ticket(kaderbot, RESIDENT, MELAYU)
    await make_coordinator(kaderbot.db, "console", "dewi", KUKAR, name="Dewi Anggraini")
    dewi = await person_named(kaderbot, "Dewi Anggraini")
    yohana = await person_named(kaderbot, "Yohana Pasulu")  # Balikpapan's: not a colleague for Kukar
    url = f"/dasbor/tiket/{number}"
    async with client(kaderbot) as siti:
        await sign_in(kaderbot, siti, "siti")
        page = await siti.get(url)
        assert f'<option value="{dewi}">Dewi Anggraini</option>' in page.text
        assert f'value="{yohana}"' not in page.text
        token = CSRF.search(page.text)[1]
        refused = await siti.post(f"{url}/tugaskan", data={"csrf_token": token, "person": str(yohana)})
        assert refused.status_code == 403
        done = await siti.post(f"{url}/tugaskan", data={"csrf_token": token, "person": str(dewi)})
        assert done.status_code == 303
        queue = await siti.get("/dasbor/tiket")
        assert re.search(rf'data-ticket="{number}".*?data-col="assignee">Dewi Anggraini<', queue.text, re.S)
        thread = await siti.get(url)
        assert 'data-col="assignee">Dewi Anggraini<' in thread.text
        # Unassigned again.
        assert (
            await siti.post(f"{url}/tugaskan", data={"csrf_token": token, "person": ""})
        ).status_code == 303
        assert 'data-col="assignee">Belum ditugaskan<' in (await siti.get("/dasbor/tiket")).text
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(TicketAssignment))).scalar_one() == 0
        actions = (
            await session.execute(select(AuditLog.action).where(AuditLog.action == "ticket.assign"))
        ).all()
    assert len(actions) == 2


async def test_closing_with_a_note_tells_the_resident_as_the_chat_does(
    kaderbot: KaderBot, fake: FakeBotAPI, clock: Clock
) -> None:
    number = await file_ticket(kaderbot, RESIDENT, MELAYU)
    url = f"/dasbor/tiket/{number}"
    async with client(kaderbot) as siti:
        await sign_in(kaderbot, siti, "siti")
        token = await form_token(siti, url)
        closed = await siti.post(
            f"{url}/tutup",
            data={"csrf_token": token, "status": "selesai", "note": "Bantuan sudah diantar ke rumah."},
        )
        assert closed.status_code == 303
        page = await siti.get(url)
        assert "Tiket ini sudah ditutup" in page.text and 'action="/dasbor/tiket/' not in page.text
        assert number not in (await siti.get("/dasbor/tiket")).text  # off the open queue
        # A closed ticket takes no more messages, even from a form still open in another tab.
        again = await siti.post(f"{url}/balas", data={"csrf_token": token, "text": "Satu hal lagi, Bu."})
        assert again.status_code == 400
    calls = [c for c in await deliver(kaderbot, fake, clock) if str(c.chat_id) == RESIDENT]
    assert len(calls) == 1
    assert "Kabar permohonan" in (calls[0].text or "") and "Selesai" in (calls[0].text or "")
    assert "Bantuan sudah diantar ke rumah." in (calls[0].text or "")
    # "Balas" on a closed ticket is refused kindly.
    resident = Chat(kaderbot.core, RESIDENT, channel="telegram")
    await resident.say(f"/balas {number}")
    assert "sudah ditutup" in resident.text
    async with kaderbot.db.sessions() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        status_entries = (
            await session.execute(select(AuditLog.details).where(AuditLog.action == "ticket.status"))
        ).scalars()
        assert ticket.status == "selesai"
        assert [d["status"] for d in status_entries] == ["selesai"]


async def test_another_regions_coordinator_is_refused_every_url_and_action(kaderbot: KaderBot) -> None:
    number = await file_ticket(kaderbot, RESIDENT, MELAYU)
    hers = await file_ticket(kaderbot, "7003", BALIKPAPAN_DESA)
    siti_id = await person_named(kaderbot, "Siti Rahmawati")
    url = f"/dasbor/tiket/{number}"
    async with client(kaderbot) as yohana:
        await sign_in(kaderbot, yohana, "yohana")
        token = await form_token(yohana, f"/dasbor/tiket/{hers}")  # her own ticket opens
        for target in (url, f"{url}?templat=dtsen", "/dasbor/tiket/KB-2026-999999"):
            refused = await yohana.get(target)
            assert refused.status_code == 403 and "di luar wilayah tugas" in refused.text, target
            assert "Nenek" not in refused.text
        for action, data in (
            ("balas", {"text": "Pesan dari wilayah lain."}),
            ("tugaskan", {"person": str(siti_id)}),
            ("tutup", {"status": "ditolak", "note": "Ditolak dari luar."}),
        ):
            refused = await yohana.post(f"{url}/{action}", data={"csrf_token": token, **data})
            assert refused.status_code == 403, action
    assert await thread_count(kaderbot) == 0
    async with kaderbot.db.sessions() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        assigned = (await session.execute(select(func.count()).select_from(TicketAssignment))).scalar_one()
        viewed = (
            await session.execute(
                select(func.count()).where(AuditLog.action == "personal.view", AuditLog.target == number)
            )
        ).scalar_one()
    assert (ticket.status, assigned, viewed) == ("diterima", 0, 0)


async def test_a_form_without_its_csrf_token_is_refused(kaderbot: KaderBot) -> None:
    number = await file_ticket(kaderbot, RESIDENT, MELAYU)
    url = f"/dasbor/tiket/{number}"
    siti_id = await person_named(kaderbot, "Siti Rahmawati")
    async with client(kaderbot) as siti:
        await sign_in(kaderbot, siti, "siti")
        for action, data in (
            ("balas", {"text": "Pesan tanpa token."}),
            ("tugaskan", {"person": str(siti_id)}),
            ("tutup", {"status": "selesai", "note": "Tanpa token."}),
        ):
            for token in ({}, {"csrf_token": "forged"}):
                refused = await siti.post(f"{url}/{action}", data={**token, **data})
                assert refused.status_code == 403 and "tidak sah" in refused.text, action
    assert await thread_count(kaderbot) == 0
    async with kaderbot.db.sessions() as session:
        ticket = (await session.execute(select(Ticket).where(Ticket.number == number))).scalar_one()
        assigned = (await session.execute(select(func.count()).select_from(TicketAssignment))).scalar_one()
    assert (ticket.status, assigned) == ("diterima", 0)


async def test_balas_for_someone_elses_ticket_finds_nothing(kaderbot: KaderBot) -> None:
    number = await file_ticket(kaderbot, RESIDENT, MELAYU)
    await file_ticket(kaderbot, "7002", MELAYU)
    other = Chat(kaderbot.core, "7002", channel="telegram")
    await other.press_payload(f"/balas {number}")  # a forged button: what typing it would do
    assert f"permohonan {number} tidak ditemukan" in other.text
    assert await thread_count(kaderbot) == 0


async def test_the_residents_erasure_takes_the_thread_with_it(kaderbot: KaderBot) -> None:
    number = await file_ticket(kaderbot, RESIDENT, MELAYU)
    async with client(kaderbot) as siti:
        await sign_in(kaderbot, siti, "siti")
        url = f"/dasbor/tiket/{number}"
        token = await form_token(siti, url)
        await siti.post(f"{url}/balas", data={"csrf_token": token, "text": "Mohon kirim alamat lengkap Ibu."})
        resident = Chat(kaderbot.core, RESIDENT, channel="telegram")
        await resident.say(f"/balas {number}")
        await resident.say("Jalan Mawar 12, RT 07, Melayu")
        assert await thread_count(kaderbot) == 2
        await resident.say("/hapusdata")
        await resident.press("Ya, hapus")
        await resident.say("hapus")
        assert "sudah dihapus" in resident.text
        assert await thread_count(kaderbot) == 0
        page = await siti.get(url)  # the ticket stays, anonymised, and takes no more messages
    assert page.status_code == 200 and "Jalan Mawar" not in page.text and "alamat lengkap" not in page.text
    assert "sudah menghapus datanya" in page.text
