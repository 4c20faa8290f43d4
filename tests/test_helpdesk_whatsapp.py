"""A coordinator's message from the dashboard's helpdesk to a resident on WhatsApp (issue #18,
point 3): inside the 24-hour window it arrives as text with a "Balas" reply button, which the
resident taps to answer; outside the window it goes as the approved template the outbox already
uses for the chat's ticket news, with the words and the /balas hint in it."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select

from bot.outbox import OutboxConfig, OutboxSender
from bot.rate_limit import RateLimit
from storage.models import ChannelIdentity, Person
from storage.models_thread import TicketMessage
from storage.repositories import tickets
from tests.dashboard_support import MELAYU
from tests.test_dashboard import CSRF, sign_in
from tests.test_whatsapp_delivery import SARI, template_of
from tests.test_whatsapp_server import (  # noqa: F401 - shared fixtures
    Served,
    app_fixture,
    fake_fixture,
    graph_api_fixture,
)


async def a_ticket_from(app: Served) -> str:
    """Sari writes on WhatsApp (opening the window), has consented, and has filed a request."""
    await app.user(SARI).say("Halo")
    async with app.kaderbot.db.sessions() as session, session.begin():
        person = (
            await session.execute(
                select(Person)
                .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
                .where(ChannelIdentity.address == SARI)
            )
        ).scalar_one()
        person.consent_at, person.full_name = app.clock(), "Sari Warga"
        new = tickets.NewTicket(
            category="bantuan", region_code=MELAYU, description="Belum dapat BPNT tiga bulan"
        )
        opened = await tickets.open_ticket(session, person_id=person.id, new=new, now=app.clock())
        return opened.ticket.number


async def write(app: Served, number: str, text: str) -> None:
    """Siti writes from the thread page, and the outbox sends what is due on WhatsApp."""
    page = await app.http.get(f"/dasbor/tiket/{number}")
    assert page.status_code == 200, page.text
    sent = await app.http.post(
        f"/dasbor/tiket/{number}/balas", data={"csrf_token": CSRF.search(page.text)[1], "text": text}
    )
    assert sent.status_code == 303, sent.text
    app.fake.reset()
    config = OutboxConfig(idle_poll=0.02, limits={"whatsapp": RateLimit()})
    sender = OutboxSender(app.kaderbot.db, app.kaderbot.catalogues, [app.channel], config, clock=app.clock)
    await asyncio.wait_for(sender.run(asyncio.Event(), until_idle=True), 60)


async def test_inside_the_window_the_message_has_a_balas_button_the_resident_taps(app: Served) -> None:
    number = await a_ticket_from(app)
    await sign_in(app.kaderbot, app.http, "siti")
    await write(app, number, "Bapak/Ibu, data BPNT sedang kami periksa.")
    (body,) = app.fake.sent_messages(to=SARI)
    assert body["type"] == "interactive" and body["interactive"]["type"] == "button"
    assert "data BPNT sedang kami periksa" in body["interactive"]["body"]["text"]
    (button,) = body["interactive"]["action"]["buttons"]
    assert button["reply"] == {"id": f"/balas {number}", "title": "✍️ Balas"}

    sari = app.user(SARI)
    sari.messages = [body]
    await sari.tap("Balas")
    assert f"permohonan {number}" in sari.text
    await sari.say("Terima kasih, saya tunggu kabarnya.")
    assert "diteruskan ke petugas" in sari.text
    async with app.kaderbot.db.sessions() as session:
        kept = (await session.execute(select(TicketMessage.direction, TicketMessage.text))).all()
    assert [tuple(k) for k in kept] == [
        ("to_resident", "Bapak/Ibu, data BPNT sedang kami periksa."),
        ("from_resident", "Terima kasih, saya tunggu kabarnya."),
    ]


async def test_outside_the_window_the_message_goes_as_the_template(
    app: Served, caplog: pytest.LogCaptureFixture
) -> None:
    number = await a_ticket_from(app)
    app.clock.advance(hours=25)  # Sari wrote 25 hours ago
    await sign_in(app.kaderbot, app.http, "siti")
    with caplog.at_level(logging.WARNING, logger="kaderbot.whatsapp"):
        await write(app, number, "Bapak/Ibu, mohon datang ke kantor desa hari Senin.")
    (body,) = app.fake.sent_messages(to=SARI)
    name, language, parameters = template_of(body)
    # The ticket template (kind ticket_status, as the chat's ticket news), not the general one.
    assert (name, language) == ("kaderbot_tiket", "id")
    assert "no WhatsApp template" not in caplog.text
    assert parameters[0] == "Sari"
    assert "mohon datang ke kantor desa hari Senin." in parameters[1] and f"/balas {number}" in parameters[1]
