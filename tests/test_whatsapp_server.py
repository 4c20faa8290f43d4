"""The WhatsApp webhook over real HTTP: KaderBot's web app served on 127.0.0.1, Meta's Graph API faked.

Also the harness the other WhatsApp tests use: `served()` runs the app the way `kaderbot run` builds
it (settings → build → configured_channels → create_web_app) inside the test's event loop, and
`WaUser` plays a person on WhatsApp: types, taps buttons and list rows, sends photos.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from bot.app import KaderBot, build
from bot.channels.whatsapp import WhatsAppChannel
from bot.runner import configured_channels
from bot.settings import Settings, load_settings
from bot.web import create_web_app
from storage.models import ChannelIdentity, InboundMessage
from storage.models_whatsapp import WhatsAppOutboundMessage
from storage.repositories import whatsapp as deliveries
from tests import pg_query
from tests.chat import Clock
from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.graph_api import FakeGraphAPI

TOKEN = "TEST_TOKEN"
VERIFY_TOKEN = "verify-me-please"
SARI = "6281234567890"
BUDI = "6285712345678"
WATI = "6281398765432"


# ---------------------------------------------------------------------- harness


def recent(name: str, now: dt.datetime) -> dict[str, Any]:
    """A captured body (tests/fixtures/whatsapp) with its messages sent at `now`: as captured they
    are older than the inbound-id retention, and such messages are not handled."""
    body = wh.load_fixture(name)
    for entry in body.get("entry", []):
        for change in entry.get("changes", []):
            for message in change.get("value", {}).get("messages", []):
                message["timestamp"] = str(int(now.timestamp()))
    return body


def whatsapp_settings(db_url: str, fake: FakeGraphAPI) -> Settings:
    return load_settings(
        database_url=db_url,
        whatsapp_phone_number_id=wh.PHONE_NUMBER_ID,
        whatsapp_token=TOKEN,
        whatsapp_app_secret=wh.APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_api_base_url=fake.base_url,
    )


class _Server(uvicorn.Server):
    def capture_signals(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # the test runner owns the signals


@dataclass
class Served:
    kaderbot: KaderBot
    channel: WhatsAppChannel
    fake: FakeGraphAPI
    clock: Clock
    http: httpx.AsyncClient  # talks to KaderBot's web app

    async def post(self, body: dict[str, Any], *, signature: str | None = "valid") -> httpx.Response:
        raw = wh.encode(body)
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers["X-Hub-Signature-256"] = wh.sign(raw)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return await self.http.post("/whatsapp/webhook", content=raw, headers=headers)

    async def count(self, model: type, *where: Any) -> int:
        async with self.kaderbot.db.sessions() as session:
            return int(
                (await session.execute(select(func.count()).select_from(model).where(*where))).scalar()
            )

    async def outbound(self, address: str) -> list[WhatsAppOutboundMessage]:
        async with self.kaderbot.db.sessions() as session:
            return await deliveries.by_address(session, address)

    def user(self, wa_id: str, name: str = "Sari") -> WaUser:
        return WaUser(self, wa_id, name)


@contextlib.asynccontextmanager
async def served(
    db_url: str, fake: FakeGraphAPI, clock: Clock, **channel_options: Any
) -> AsyncIterator[Served]:
    """KaderBot's web app with the WhatsApp channel, on a free port of 127.0.0.1, in this event loop.

    Without options the channel is the one `kaderbot run` would build; options (e.g. `sleep`) make
    one directly.
    """
    settings = whatsapp_settings(db_url, fake)
    kaderbot = build(settings, clock=clock, strict_messages=True)
    if channel_options:
        channel = WhatsAppChannel(kaderbot, settings, **channel_options)
    else:
        (built,) = configured_channels(kaderbot, settings)
        assert isinstance(built, WhatsAppChannel)
        channel = built
    app = create_web_app(kaderbot, [channel])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, log_level="warning", access_log=False, log_config=None))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as http:
            yield Served(kaderbot, channel, fake, clock, http)
    finally:
        server.should_exit = True
        await task
        sock.close()
        await kaderbot.close()


@dataclass
class WaUser:
    """A person on WhatsApp. After each action, `messages` holds what KaderBot sent back."""

    served: Served
    wa_id: str
    name: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    async def _post(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.served.fake.sent_messages(to=self.wa_id))
        response = await self.served.post(body)
        assert response.status_code == 200, response.text
        # The webhook answers after processing, so every reply has been sent by now.
        self.messages = self.served.fake.sent_messages(to=self.wa_id)[before:]
        return self.messages

    async def say(self, text: str, *, wamid: str | None = None) -> list[dict[str, Any]]:
        return await self._post(wh.text_message(self.wa_id, text, name=self.name, wamid=wamid))

    async def photo(self, media_id: str, data: bytes) -> list[dict[str, Any]]:
        self.served.fake.add_media(media_id, data, "image/jpeg")
        return await self._post(wh.image_message(self.wa_id, media_id, name=self.name))

    async def tap(self, title: str) -> list[dict[str, Any]]:
        """Tap the reply button or list row whose title contains `title` in the last question."""
        interactive = self.interactive
        if interactive["type"] == "button":
            for button in interactive["action"]["buttons"]:
                if title.casefold() in button["reply"]["title"].casefold():
                    reply = button["reply"]
                    return await self._post(wh.button_reply(self.wa_id, reply["id"], reply["title"]))
        else:
            for row in self.rows:
                if title.casefold() in row["title"].casefold():
                    body = wh.list_reply(self.wa_id, row["id"], row["title"], row.get("description"))
                    return await self._post(body)
        raise AssertionError(f"nothing like {title!r} in {self.titles}")

    @property
    def interactive(self) -> dict[str, Any]:
        found = [m["interactive"] for m in self.messages if m["type"] == "interactive"]
        assert found, f"no buttons or list in {self.texts}"
        return found[-1]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [row for section in self.interactive["action"]["sections"] for row in section["rows"]]

    @property
    def titles(self) -> list[str]:
        interactive = self.interactive
        if interactive["type"] == "button":
            return [b["reply"]["title"] for b in interactive["action"]["buttons"]]
        return [row["title"] for row in self.rows]

    @property
    def texts(self) -> list[str]:
        out = []
        for message in self.messages:
            if message["type"] == "text":
                out.append(message["text"]["body"])
            elif message["type"] == "interactive":
                out.append(message["interactive"]["body"]["text"])
        return out

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


# ---------------------------------------------------------------------- fixtures
# Named with name=, so the other WhatsApp test modules can import them without shadowing warnings.


@pytest.fixture(scope="module", name="graph_api")
def graph_api_fixture() -> Iterator[FakeGraphAPI]:
    with FakeGraphAPI(token=TOKEN) as fake:
        yield fake


@pytest.fixture(name="fake")
def fake_fixture(graph_api: FakeGraphAPI) -> FakeGraphAPI:
    graph_api.reset()
    return graph_api


@pytest.fixture(name="app")
async def app_fixture(db_url: str, fake: FakeGraphAPI, clock: Clock) -> AsyncIterator[Served]:
    async with served(db_url, fake, clock) as running:
        yield running


# ---------------------------------------------------------------------- handshake and signatures


async def test_handshake_returns_the_challenge_only_for_our_verify_token(app: Served) -> None:
    ok = await app.http.get(
        "/whatsapp/webhook",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    wrong = await app.http.get(
        "/whatsapp/webhook",
        params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"},
    )
    missing = await app.http.get("/whatsapp/webhook", params={"hub.challenge": "1158201444"})
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert ok.headers["content-type"].startswith("text/plain")
    assert wrong.status_code == 403 and "1158201444" not in wrong.text
    assert missing.status_code == 403


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "sha256=" + "0" * 64,
        wh.sign(wh.encode(wh.load_fixture("text")), "another-apps-secret"),
        "sha1=abc",
        "",
    ],
    ids=["missing", "zeros", "other-secret", "wrong-scheme", "empty"],
)
async def test_unsigned_or_forged_body_is_refused_and_nothing_is_stored(
    app: Served, signature: str | None
) -> None:
    body = wh.load_fixture("text")
    response = await app.post(body, signature=signature)
    assert response.status_code == 401
    assert await app.count(InboundMessage) == 0
    assert await app.count(ChannelIdentity, ChannelIdentity.channel == "whatsapp") == 0
    assert app.fake.calls() == []


async def test_signature_must_cover_the_exact_bytes(app: Served) -> None:
    raw = wh.encode(wh.load_fixture("text"))
    tampered = raw.replace(b"kapan", b"KAPAN")
    response = await app.http.post(
        "/whatsapp/webhook", content=tampered, headers={"X-Hub-Signature-256": wh.sign(raw)}
    )
    assert response.status_code == 401
    assert await app.count(InboundMessage) == 0


# ---------------------------------------------------------------------- messages


async def test_text_message_gets_the_welcome_with_buttons(app: Served) -> None:
    sari = app.user(SARI)
    await sari.say("Halo")
    assert sari.interactive["type"] == "button"
    assert sari.titles == ["Bahasa Indonesia", "English"]
    assert "KaderBot" in sari.text
    async with app.kaderbot.db.sessions() as session:
        identity = (
            await session.execute(select(ChannelIdentity).where(ChannelIdentity.address == SARI))
        ).scalar_one()
    assert identity.channel == "whatsapp"
    assert identity.last_inbound_at == app.clock.now


async def test_same_wamid_twice_gets_one_reply(app: Served) -> None:
    body = recent("text", app.clock.now)
    first = await app.post(body)
    sent_after_first = len(app.fake.sent_messages(to=SARI))
    second = await app.post(body)
    assert (first.status_code, second.status_code) == (200, 200)
    assert sent_after_first >= 1
    assert len(app.fake.sent_messages(to=SARI)) == sent_after_first
    assert await app.count(InboundMessage, InboundMessage.channel == "whatsapp") == 1


async def test_redelivery_is_recognised_after_a_restart(
    db_url: str, fake: FakeGraphAPI, clock: Clock
) -> None:
    body = recent("text", clock.now)
    async with served(db_url, fake, clock) as first_run:
        assert (await first_run.post(body)).status_code == 200
    replies = len(fake.sent_messages(to=SARI))
    async with served(db_url, fake, clock) as second_run:
        assert (await second_run.post(body)).status_code == 200
    assert replies >= 1
    assert len(fake.sent_messages(to=SARI)) == replies


async def test_button_reply_with_a_forged_payload_gets_the_current_question_again(app: Served) -> None:
    sari = app.user(SARI)
    await sari.say("Halo")
    await sari._post(recent("button_reply", app.clock.now))  # id "menu:jadwal" is not one of our payloads
    assert "tidak berlaku" in sari.text
    assert sari.titles == ["Bahasa Indonesia", "English"]


async def test_multi_entry_body_handles_every_message_and_status(app: Served) -> None:
    response = await app.post(recent("multi_entry", app.clock.now))
    assert response.status_code == 200
    for wa_id in (SARI, BUDI, WATI):
        assert app.fake.sent_messages(to=wa_id), f"no reply to {wa_id}"
    # Wati tapped a row of a list we never sent (a forged payload): the core's stale-button note.
    (wati,) = app.fake.sent_messages(to=WATI)
    assert "tidak berlaku" in wati["text"]["body"]
    assert await app.count(InboundMessage, InboundMessage.channel == "whatsapp") == 3
    assert await app.count(ChannelIdentity, ChannelIdentity.channel == "whatsapp") == 3


async def test_voice_note_gets_a_polite_note_and_the_question_again(app: Served) -> None:
    sari = app.user(SARI)
    await sari.say("Halo")
    voice = wh.text_message(SARI, "")
    message = voice["entry"][0]["changes"][0]["value"]["messages"][0]
    message["type"] = "audio"
    message["audio"] = message.pop("text") | {
        "id": "778899",
        "mime_type": "audio/ogg; codecs=opus",
        "voice": True,
    }
    await sari._post(voice)
    assert "pesan suara" in sari.text
    assert sari.titles == ["Bahasa Indonesia", "English"]


async def test_reaction_is_ignored(app: Served) -> None:
    reaction = wh.text_message(SARI, "")
    message = reaction["entry"][0]["changes"][0]["value"]["messages"][0]
    message["type"] = "reaction"
    message["reaction"] = {"message_id": "wamid.x", "emoji": "👍"}
    message.pop("text")
    assert (await app.post(reaction)).status_code == 200
    assert app.fake.calls() == []


async def test_messages_for_another_phone_number_are_not_answered(app: Served) -> None:
    response = await app.post(wh.text_message(SARI, "Halo", phone_number_id="999000999"))
    assert response.status_code == 200
    assert app.fake.calls() == []
    assert await app.count(InboundMessage) == 0


async def test_a_crash_answers_500_so_meta_delivers_again(
    app: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = recent("text", app.clock.now)
    working = app.kaderbot.core.handle

    async def database_gone(event: object) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(app.kaderbot.core, "handle", database_gone)
    assert (await app.post(body)).status_code == 500
    monkeypatch.setattr(app.kaderbot.core, "handle", working)
    assert (await app.post(body)).status_code == 200  # Meta's redelivery is handled, once
    assert app.fake.sent_messages(to=SARI)
    assert await app.count(InboundMessage) == 1


async def test_a_message_the_database_could_not_store_answers_500_so_meta_delivers_again(
    app: Served, db_url: str
) -> None:
    """The real core this time: it cannot even store its apology, so nothing is sent and Meta's next
    delivery of the same body is handled normally."""
    body = recent("text", app.clock.now)
    async with pg_query.table_missing_meanwhile(db_url, "inbound_message"):
        assert (await app.post(body)).status_code == 500
        assert app.fake.sent_messages(to=SARI) == []
    assert (await app.post(body)).status_code == 200
    assert len(app.fake.sent_messages(to=SARI)) == 1
    assert await app.count(InboundMessage) == 1


async def test_not_json_is_a_bad_request(app: Served) -> None:
    raw = b"not json"
    response = await app.http.post(
        "/whatsapp/webhook", content=raw, headers={"X-Hub-Signature-256": wh.sign(raw)}
    )
    assert response.status_code == 400


# ---------------------------------------------------------------------- statuses


async def test_statuses_are_recorded_against_the_sent_message(app: Served) -> None:
    sari = app.user(SARI)
    await sari.say("Halo")
    (row,) = await app.outbound(SARI)
    assert (row.kind, row.message_type, row.status) == ("reply", "interactive", "accepted")
    sent_id = app.fake.calls()[-1].response["messages"][0]["id"]
    assert row.wamid == sent_id

    base = 1_795_000_000
    for status, offset in (("sent", 1), ("read", 30), ("delivered", 2)):  # 'delivered' arrives late
        assert (await app.post(wh.status(sent_id, SARI, status, timestamp=base + offset))).status_code == 200

    (row,) = await app.outbound(SARI)
    assert row.status == "read"  # a late 'delivered' does not move it back
    assert row.sent_at == dt.datetime.fromtimestamp(base + 1, dt.UTC)
    assert row.delivered_at == dt.datetime.fromtimestamp(base + 2, dt.UTC)
    assert row.read_at == dt.datetime.fromtimestamp(base + 30, dt.UTC)


async def test_failed_status_records_the_error_and_undeliverable_marks_unreachable(app: Served) -> None:
    sari = app.user(SARI)
    await sari.say("Halo")
    (row,) = await app.outbound(SARI)
    failed = wh.status(row.wamid, SARI, "failed", errors=[wh.status_error(131026)])
    assert "contacts" not in failed["entry"][0]["changes"][0]["value"]  # Meta's shape for failures
    assert (await app.post(failed)).status_code == 200

    (row,) = await app.outbound(SARI)
    assert (row.status, row.error_code, row.error_title) == ("failed", 131026, "Message undeliverable")
    assert row.failed_at is not None
    async with app.kaderbot.db.sessions() as session:
        identity = (
            await session.execute(select(ChannelIdentity).where(ChannelIdentity.address == SARI))
        ).scalar_one()
    assert identity.unreachable_at == app.clock.now


async def test_status_fixture_for_a_message_we_did_not_send_is_harmless(app: Served) -> None:
    for name in ("status_sent", "status_delivered", "status_read", "status_failed"):
        assert (await app.post(wh.load_fixture(name))).status_code == 200
    assert await app.count(WhatsAppOutboundMessage) == 0
    assert await app.count(ChannelIdentity, ChannelIdentity.unreachable_at.is_not(None)) == 0
    assert app.fake.calls() == []
