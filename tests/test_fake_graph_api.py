"""Tests for the fake WhatsApp Cloud API and the webhook builders/fixtures.

They drive a real ``pywa_async.WhatsApp`` (pywa 4.5) over :func:`rewrite_to`, so they also
pin down the pywa behaviour the WhatsApp channel relies on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import fastapi
import httpx
import pytest
import pytest_asyncio
from pywa import utils as pywa_utils
from pywa_async import WhatsApp, errors, handlers, types
from pywa_async.types.templates import BodyText, TemplateLanguage

from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.graph_api import FakeGraphAPI, rewrite_to

TOKEN = "TEST_TOKEN"
USER = "6281234567890"
USER2 = "6285712345678"
USER3 = "6281398765432"
TS = 1767225600  # 2026-01-01T00:00:00Z

# Frozen fixtures in tests/fixtures/whatsapp/ and the builder calls that produce them.
FIXTURE_SPECS: dict[str, Callable[[], dict[str, Any]]] = {
    "text": lambda: wh.text_message(
        USER,
        "Halo, jadwal posyandu bulan ini kapan?",
        wamid="wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNBMDFGQzE0QTI5MjBCNkU4QzQ3AA==",
        timestamp=TS,
    ),
    "button_reply": lambda: wh.button_reply(
        USER,
        "menu:jadwal",
        "Jadwal",
        context_wamid="wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjVDNkFDRTk0QTc4QjEyMzQ1NgA=",
        wamid="wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNBNzc0QjBBRDFFRTkwM0Q1QjE2AA==",
        timestamp=TS + 60,
    ),
    "list_reply": lambda: wh.list_reply(
        USER,
        "desa:sukamaju",
        "Sukamaju",
        "Kec. Cibeunying Kidul",
        context_wamid="wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjlCMkQ0RjZBOEMwRTEyMzQ1NwA=",
        wamid="wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNBRkQ2OTE4N0E3QjJFMEQ4ODlBAA==",
        timestamp=TS + 120,
    ),
    "image": lambda: wh.image_message(
        USER,
        "1043289516782345",
        caption="Foto KMS anak",
        sha256="yT7ZgHVB1cPG8yNwQ4p6gqz2mB3o1cV6tP0fWnqQ3bE=",
        wamid="wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNBMjE5RDg3QzVCNjYwRkEzMTQ0AA==",
        timestamp=TS + 180,
    ),
    "document": lambda: wh.document_message(
        USER,
        "2187654309876543",
        "laporan_posyandu_januari.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        sha256="d2VlIGtsZWluZSBmYWtlIGhhc2ggZm9yIHRlc3RzIQ==",
        wamid="wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNBNkU1QjIwOTlDNDdEOEYxQTBDAA==",
        timestamp=TS + 240,
    ),
    "location": lambda: wh.location_message(
        USER,
        -6.914744,
        107.60981,
        "Posyandu Melati",
        "Jl. Merdeka No. 10, Bandung",
        wamid="wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNBOEIzQzQxRTVGNjcwODlBQkNEAA==",
        timestamp=TS + 300,
    ),
    "status_sent": lambda: wh.status(
        "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjVDNkFDRTk0QTc4QjEyMzQ1NgA=", USER, "sent", timestamp=TS + 1
    ),
    "status_delivered": lambda: wh.status(
        "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjVDNkFDRTk0QTc4QjEyMzQ1NgA=", USER, "delivered", timestamp=TS + 2
    ),
    "status_read": lambda: wh.status(
        "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjVDNkFDRTk0QTc4QjEyMzQ1NgA=", USER, "read", timestamp=TS + 30
    ),
    "status_failed": lambda: wh.status(
        "wamid.HBgNNjI4NTcxMjM0NTY3OBUCABEYEkFBMTI0QjU2N0M4OUQwRUYxMgA=",
        USER2,
        "failed",
        errors=[wh.status_error(131047)],
        timestamp=TS + 90,
    ),
    "multi_entry": lambda: _multi_entry(),
}


def _multi_entry() -> dict[str, Any]:
    """Two entries; the first has two changes, one carrying two messages from two users."""
    first = wh.text_message(
        USER,
        "Saya mau daftar",
        wamid="wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNBQjAxMDIwMzA0MDUwNjA3MDgwAA==",
        timestamp=TS + 400,
    )
    second = wh.text_message(
        USER2,
        "Berapa berat badan normal balita?",
        name="Budi",
        wamid="wamid.HBgNNjI4NTcxMjM0NTY3OBUCABIYFDNBQjExMTIxMzE0MTUxNjE3MTgxAA==",
        timestamp=TS + 401,
    )
    value = first["entry"][0]["changes"][0]["value"]
    other = second["entry"][0]["changes"][0]["value"]
    value["contacts"] += other["contacts"]
    value["messages"] += other["messages"]
    statuses = wh.status(
        "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjVDNkFDRTk0QTc4QjEyMzQ1NgA=", USER, "read", timestamp=TS + 402
    )
    first["entry"][0]["changes"] += statuses["entry"][0]["changes"]
    third = wh.list_reply(
        USER3,
        "desa:cibiru",
        "Cibiru",
        name="Wati",
        context_wamid="wamid.HBgNNjI4MTM5ODc2NTQzMhUCABEYEjAxMjM0NTY3ODlBQkNERUYwMQA=",
        wamid="wamid.HBgNNjI4MTM5ODc2NTQzMhUCABIYFDNBQjIxMjIyMzI0MjUyNjI3MjgyAA==",
        timestamp=TS + 403,
    )
    return wh.combine(first, third)


# ---------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeGraphAPI]:
    with FakeGraphAPI(token=TOKEN) as server:
        yield server


@pytest.fixture
def fake(_server: FakeGraphAPI) -> FakeGraphAPI:
    _server.reset()
    return _server


@pytest_asyncio.fixture
async def wa(fake: FakeGraphAPI) -> AsyncIterator[WhatsApp]:
    """A real pywa_async client whose HTTP goes to the fake; no webhook server, no Meta calls."""
    session = rewrite_to(fake.base_url)
    client = WhatsApp(
        phone_id=wh.PHONE_NUMBER_ID,
        token=TOKEN,
        session=session,
        server=None,
        app_secret=wh.APP_SECRET,
    )
    yield client
    await session.aclose()


# ---------------------------------------------------------------------- sending


@pytest.mark.asyncio
async def test_send_text_is_recorded_and_gets_unique_wamid(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    first = await wa.send_message(to=USER, text="Halo Sari")
    second = await wa.send_message(to=USER, text="Apa kabar?")

    assert first.id.startswith("wamid.") and second.id.startswith("wamid.")
    assert first.id != second.id
    assert first.to == USER
    assert fake.sent_messages(to=USER) == [
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "type": "text",
            "to": USER,
            "text": {"body": "Halo Sari", "preview_url": False},
        },
        {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "type": "text",
            "to": USER,
            "text": {"body": "Apa kabar?", "preview_url": False},
        },
    ]
    call = fake.calls()[0]
    assert call.method == "POST"
    assert call.path == f"/v{pywa_utils.Version.GRAPH_API.value}/{wh.PHONE_NUMBER_ID}/messages"
    assert call.endpoint == f"/{wh.PHONE_NUMBER_ID}/messages"
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.response["messages"][0]["id"] == first.id
    assert call.response["contacts"] == [{"input": USER, "wa_id": USER}]


@pytest.mark.asyncio
async def test_send_to_bsuid_uses_recipient_field(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    bsuid = wh.bsuid_for(USER)
    sent = await wa.send_message(to=bsuid, text="Halo")
    (body,) = fake.sent_messages(to=bsuid)
    assert "to" not in body
    assert body["recipient"] == bsuid
    assert fake.calls()[0].response["contacts"] == [{"input": bsuid, "user_id": bsuid}]
    assert sent.to == bsuid


@pytest.mark.asyncio
async def test_send_reply_buttons(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    await wa.send_message(
        to=USER,
        text="Mau lihat apa?",
        header="Menu",
        footer="KaderBot",
        buttons=[types.Button("Jadwal", "menu:jadwal"), types.Button("Bantuan", "menu:help")],
        reply_to_message_id="wamid.ctx",
    )
    body = fake.wait_for_message(USER)
    assert body["type"] == "interactive"
    assert body["context"] == {"message_id": "wamid.ctx"}
    interactive = body["interactive"]
    assert interactive["type"] == "button"
    assert interactive["header"] == {"type": "text", "text": "Menu"}
    assert interactive["body"] == {"text": "Mau lihat apa?"}
    assert interactive["footer"] == {"text": "KaderBot"}
    assert interactive["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "menu:jadwal", "title": "Jadwal"}},
        {"type": "reply", "reply": {"id": "menu:help", "title": "Bantuan"}},
    ]


@pytest.mark.asyncio
async def test_send_section_list(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    await wa.send_message(
        to=USER,
        text="Pilih desa",
        buttons=types.SectionList(
            button_title="Daftar desa",
            sections=[
                types.Section(
                    title="Cibeunying",
                    rows=[
                        types.SectionRow("Sukamaju", "desa:sukamaju", description="Kec. Cibeunying Kidul"),
                        types.SectionRow("Cikutra", "desa:cikutra"),
                    ],
                )
            ],
        ),
    )
    interactive = fake.sent_messages(to=USER)[0]["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"] == {
        "button": "Daftar desa",
        "sections": [
            {
                "title": "Cibeunying",
                "rows": [
                    {"id": "desa:sukamaju", "title": "Sukamaju", "description": "Kec. Cibeunying Kidul"},
                    {"id": "desa:cikutra", "title": "Cikutra"},
                ],
            }
        ],
    }


@pytest.mark.asyncio
async def test_send_template(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    sent = await wa.send_template(
        to=USER,
        name="pengingat_posyandu",
        language=TemplateLanguage.INDONESIAN,
        params=[BodyText.params("Sari", "12 Januari")],
    )
    body = fake.sent_messages(to=USER)[0]
    assert body["type"] == "template"
    template = body["template"]
    assert template["name"] == "pengingat_posyandu"
    assert template["language"] == {"code": "id"}
    (component,) = template["components"]
    assert component["type"].lower() == "body"  # pywa sends "BODY"; Meta accepts either case
    assert component["parameters"] == [
        {"type": "text", "text": "Sari"},
        {"type": "text", "text": "12 Januari"},
    ]
    assert sent.id == fake.calls()[0].response["messages"][0]["id"]
    assert fake.calls()[0].response["messages"][0]["message_status"] == "accepted"


@pytest.mark.asyncio
async def test_send_image_and_document_by_id_and_link(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    await wa.send_image(to=USER, image="1043289516782345", caption="KMS")
    await wa.send_image(to=USER, image="https://example.org/kms.jpg")
    await wa.send_document(to=USER, document="2187654309876543", filename="laporan.xlsx")

    image_by_id, image_by_link, document = fake.sent_messages(to=USER)
    assert image_by_id["type"] == "image"
    assert image_by_id["image"] == {"id": "1043289516782345", "caption": "KMS"}
    assert image_by_link["image"] == {"link": "https://example.org/kms.jpg"}
    assert document["type"] == "document"
    assert document["document"] == {"id": "2187654309876543", "filename": "laporan.xlsx"}


@pytest.mark.asyncio
async def test_mark_as_read_and_typing_are_not_sent_messages(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    assert await wa.mark_message_as_read("wamid.in1")
    assert await wa.indicate_typing("wamid.in2")

    assert fake.sent_messages() == []
    assert fake.marked_as_read() == ["wamid.in1", "wamid.in2"]
    typing = fake.calls()[1].json_body
    assert typing == {
        "messaging_product": "whatsapp",
        "status": "read",
        "message_id": "wamid.in2",
        "typing_indicator": {"type": "text"},
    }


# ---------------------------------------------------------------------- media


@pytest.mark.asyncio
async def test_media_url_and_download_round_trip(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    fake.add_media("1043289516782345", data, "image/png", filename="kms.png")

    media_url = await wa.get_media_url("1043289516782345")
    assert media_url.url.startswith("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=")
    assert media_url.mime_type == "image/png"
    assert media_url.file_size == len(data)
    assert media_url.sha256 == hashlib.sha256(data).hexdigest()

    assert await wa.get_media_bytes(media_url.url) == data
    download = fake.calls()[-1]
    assert download.path == "/whatsapp_business/attachments/"
    assert download.query["mid"] == "1043289516782345"
    assert download.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.asyncio
async def test_media_download_requires_authorization(fake: FakeGraphAPI) -> None:
    fake.add_media("555", b"secret", "text/plain")
    async with httpx.AsyncClient(base_url=fake.base_url) as plain:
        info = (await plain.get("/v26.0/555", headers={"Authorization": f"Bearer {TOKEN}"})).json()
        url = httpx.URL(info["url"])
        unauthenticated = await plain.get(url.raw_path.decode())
        authenticated = await plain.get(url.raw_path.decode(), headers={"Authorization": f"Bearer {TOKEN}"})
    assert unauthenticated.status_code == 401
    assert authenticated.content == b"secret"


@pytest.mark.asyncio
async def test_unknown_media_is_a_graph_error(wa: WhatsApp) -> None:
    with pytest.raises(errors.WhatsAppError) as excinfo:
        await wa.get_media_url("999999")
    assert excinfo.value.code == 100


@pytest.mark.asyncio
async def test_upload_media_stores_bytes(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    media = await wa.upload_media(b"kolom1,kolom2\n1,2\n", mime_type="text/csv", filename="data.csv")

    assert media.id.isdigit()
    stored = fake.media(media.id)
    assert stored is not None
    assert stored.data == b"kolom1,kolom2\n1,2\n"
    assert stored.mime_type == "text/csv"
    assert stored.filename == "data.csv"
    assert fake.uploads() == [stored]
    upload = fake.calls()[0]
    assert upload.endpoint == f"/{wh.PHONE_NUMBER_ID}/media"
    assert upload.form is not None
    assert upload.form["messaging_product"] == "whatsapp"
    assert upload.form["type"] == "text/csv"
    # The uploaded id can be downloaded again through the normal media flow.
    assert await wa.get_media_bytes((await wa.get_media_url(media.id)).url) == stored.data


# ---------------------------------------------------------------------- fault injection


@pytest.mark.asyncio
async def test_fail_next_131047_raises_reengagement_and_is_recorded(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    fake.fail_next(code=131047)

    with pytest.raises(errors.ReEngagementMessage) as excinfo:
        await wa.send_message(to=USER, text="Pengingat")
    error = excinfo.value
    assert isinstance(error, errors.SendMessageError)
    assert error.code == 131047
    assert error.status_code == 400
    assert error.type == "OAuthException"
    assert "24 hours" in (error.details or "")
    assert error.fbtrace_id

    # The rule is used up: the next send succeeds.
    await wa.send_message(to=USER, text="Pengingat lagi")
    assert [m["text"]["body"] for m in fake.sent_messages(to=USER)] == ["Pengingat lagi"]
    assert [m["text"]["body"] for m in fake.sent_messages(to=USER, include_failed=True)] == [
        "Pengingat",
        "Pengingat lagi",
    ]
    (failed,) = fake.failed_sends(to=USER)
    assert failed.status_code == 400
    assert failed.response["error"]["code"] == 131047


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("code", "exc_type", "base"),
    [
        (130429, errors.RateLimitHit, errors.ThrottlingError),
        (131056, errors.TooManyMessages, errors.ThrottlingError),
        (131026, errors.MessageUndeliverable, errors.SendMessageError),
        (131047, errors.ReEngagementMessage, errors.SendMessageError),
    ],
)
async def test_error_codes_map_to_pywa_exceptions(
    fake: FakeGraphAPI, wa: WhatsApp, code: int, exc_type: type[errors.WhatsAppError], base: type
) -> None:
    fake.fail_next(code=code, count=2)
    for _ in range(2):
        with pytest.raises(exc_type) as excinfo:
            await wa.send_message(to=USER, text="x")
        assert isinstance(excinfo.value, base)
        assert excinfo.value.code == code
    await wa.send_message(to=USER, text="ok")
    assert len(fake.failed_sends()) == 2


@pytest.mark.asyncio
async def test_fail_next_can_target_one_recipient(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    fake.fail_next(code=130429, to=USER2, http_status=429)

    await wa.send_message(to=USER, text="untuk Sari")
    with pytest.raises(errors.RateLimitHit) as excinfo:
        await wa.send_message(to=USER2, text="untuk Budi")
    assert excinfo.value.status_code == 429
    await wa.send_message(to=USER2, text="untuk Budi lagi")

    assert [m["text"]["body"] for m in fake.sent_messages()] == ["untuk Sari", "untuk Budi lagi"]


@pytest.mark.asyncio
async def test_strict_mode_rejects_what_meta_rejects(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    with pytest.raises(errors.InvalidParameter):
        await wa.send_message(
            to=USER, text="Pilih", buttons=[types.Button("Judul tombol yang terlalu panjang", "x")]
        )
    with pytest.raises(errors.InvalidParameter):
        await wa.send_message(to=USER, text="a" * 4097)
    assert fake.sent_messages() == []
    assert len(fake.failed_sends()) == 2


@pytest.mark.asyncio
async def test_wrong_token_is_rejected(fake: FakeGraphAPI) -> None:
    session = rewrite_to(fake.base_url)
    client = WhatsApp(phone_id=wh.PHONE_NUMBER_ID, token="WRONG", session=session, server=None)
    try:
        with pytest.raises(errors.ExpiredAccessToken) as excinfo:
            await client.send_message(to=USER, text="x")
        assert excinfo.value.code == 190
        assert excinfo.value.status_code == 401
    finally:
        await session.aclose()


# ---------------------------------------------------------------------- rewriting & waiting


@pytest.mark.asyncio
async def test_rewrite_to_keeps_version_path_and_query(fake: FakeGraphAPI) -> None:
    session = rewrite_to(fake.base_url)
    client = WhatsApp(
        phone_id=wh.PHONE_NUMBER_ID, token=TOKEN, session=session, server=None, api_version="22.0"
    )
    try:
        assert str(session.base_url) == "https://graph.facebook.com/v22.0/"
        fake.add_media("424242", b"x", "text/plain")
        await client.send_message(to=USER, text="versi lama")
        assert await client.delete_media("424242", phone_id=wh.PHONE_NUMBER_ID)
    finally:
        await session.aclose()
    send, delete = fake.calls()
    assert send.path == f"/v22.0/{wh.PHONE_NUMBER_ID}/messages"
    assert send.headers["host"] == httpx.URL(fake.base_url).netloc.decode()
    assert delete.method == "DELETE"
    assert delete.path == "/v22.0/424242"
    assert delete.query == {"phone_number_id": wh.PHONE_NUMBER_ID}
    assert fake.media("424242") is None


@pytest.mark.asyncio
async def test_wait_for_message_sync_and_async(fake: FakeGraphAPI, wa: WhatsApp) -> None:
    await wa.send_message(to=USER, text="satu")
    # Async wait keeps the loop running, so the send can happen while we wait.
    waiter = fake.wait_for_message_async(USER, lambda b: b["text"]["body"] == "dua", timeout=5)
    await wa.send_message(to=USER, text="dua")
    assert (await waiter)["text"]["body"] == "dua"

    # Blocking wait from another thread; `start` skips the two messages already sent.
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(fake.wait_for_message(USER, timeout=5, start=2)))
    thread.start()
    await wa.send_message(to=USER, text="tiga")
    thread.join(5)
    assert result["text"]["body"] == "tiga"

    with pytest.raises(TimeoutError):
        fake.wait_for(lambda c: c.method == "DELETE", timeout=0.2)
    # Predicates may use the fake's accessors (the lock is re-entrant).
    assert fake.wait_for(lambda c: len(fake.sent_messages(to=USER)) == 3, timeout=1).is_send


# ---------------------------------------------------------------------- webhooks


def _fixture_path(name: str) -> Any:
    return wh.FIXTURES_DIR / f"{name}.json"


@pytest.mark.parametrize("name", sorted(FIXTURE_SPECS))
def test_fixtures_are_frozen_builder_output(name: str) -> None:
    assert json.loads(_fixture_path(name).read_text(encoding="utf-8")) == FIXTURE_SPECS[name]()


def test_fixtures_have_meta_envelope() -> None:
    for name in FIXTURE_SPECS:
        body = wh.load_fixture(name)
        assert body["object"] == "whatsapp_business_account"
        for entry in body["entry"]:
            assert entry["id"] == wh.WABA_ID
            for change in entry["changes"]:
                assert change["field"] == "messages"
                value = change["value"]
                assert value["messaging_product"] == "whatsapp"
                assert value["metadata"] == {
                    "display_phone_number": wh.DISPLAY_PHONE_NUMBER,
                    "phone_number_id": wh.PHONE_NUMBER_ID,
                }
                assert ("messages" in value) != ("statuses" in value)
                for message in value.get("messages", []):
                    assert message["type"] in message
                    assert message["id"].startswith("wamid.")
                    assert isinstance(message["timestamp"], str)


class _Recorder:
    """Collects what pywa's handlers receive (one recorder per client: the first matching
    handler wins because ``continue_handling`` is False)."""

    def __init__(self, client: WhatsApp) -> None:
        self.updates: list[Any] = []
        self.raw: list[types.RawUpdate] = []

        async def on_update(_: WhatsApp, update: Any) -> None:
            self.updates.append(update)

        async def on_raw(_: WhatsApp, update: types.RawUpdate) -> None:
            self.raw.append(update)

        client.add_handlers(
            handlers.MessageHandler(on_update),
            handlers.CallbackButtonHandler(on_update),
            handlers.CallbackSelectionHandler(on_update),
            handlers.MessageStatusHandler(on_update),
            handlers.RawUpdateHandler(on_raw),
        )

    async def feed(self, client: WhatsApp, body: dict[str, Any]) -> list[Any]:
        """Pass ``body`` through pywa's webhook handler; return the typed updates it produced."""
        self.updates.clear()
        self.raw.clear()
        assert await client.webhook_update_handler(wh.encode(body)) == ("ok", 200)
        return list(self.updates)


@pytest.fixture
def recorder(wa: WhatsApp) -> _Recorder:
    return _Recorder(wa)


@pytest.mark.asyncio
async def test_pywa_parses_text_fixture(wa: WhatsApp, recorder: _Recorder) -> None:
    await recorder.feed(wa, wh.load_fixture("text"))
    (msg,) = recorder.updates
    assert type(msg) is types.Message
    assert msg.type == types.MessageType.TEXT
    assert msg.text == "Halo, jadwal posyandu bulan ini kapan?"
    assert msg.from_user.wa_id == USER
    assert msg.from_user.name == "Sari"
    assert msg.from_user.bsuid == wh.bsuid_for(USER)
    assert msg.id == "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNBMDFGQzE0QTI5MjBCNkU4QzQ3AA=="
    assert msg.metadata.phone_number_id == wh.PHONE_NUMBER_ID
    assert int(msg.timestamp.timestamp()) == TS


@pytest.mark.asyncio
async def test_pywa_parses_button_reply_fixture(wa: WhatsApp, recorder: _Recorder) -> None:
    await recorder.feed(wa, wh.load_fixture("button_reply"))
    (btn,) = recorder.updates
    assert type(btn) is types.CallbackButton
    assert btn.data == "menu:jadwal"
    assert btn.title == "Jadwal"
    assert btn.reply_to_message is not None
    assert btn.reply_to_message.id == "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjVDNkFDRTk0QTc4QjEyMzQ1NgA="


@pytest.mark.asyncio
async def test_pywa_parses_list_reply_fixture(wa: WhatsApp, recorder: _Recorder) -> None:
    await recorder.feed(wa, wh.load_fixture("list_reply"))
    (sel,) = recorder.updates
    assert type(sel) is types.CallbackSelection
    assert sel.data == "desa:sukamaju"
    assert sel.title == "Sukamaju"
    assert sel.description == "Kec. Cibeunying Kidul"


@pytest.mark.asyncio
async def test_pywa_parses_media_and_location_fixtures(
    fake: FakeGraphAPI, wa: WhatsApp, recorder: _Recorder
) -> None:
    (image_msg,) = await recorder.feed(wa, wh.load_fixture("image"))
    assert image_msg.type == types.MessageType.IMAGE
    assert image_msg.image.id == "1043289516782345"
    assert image_msg.image.mime_type == "image/jpeg"
    assert image_msg.caption == "Foto KMS anak"
    # The incoming media id downloads through the fake.
    fake.add_media("1043289516782345", b"jpeg-bytes", "image/jpeg")
    assert await image_msg.image.get_bytes() == b"jpeg-bytes"

    (doc_msg,) = await recorder.feed(wa, wh.load_fixture("document"))
    assert doc_msg.type == types.MessageType.DOCUMENT
    assert doc_msg.document.filename == "laporan_posyandu_januari.xlsx"

    (loc_msg,) = await recorder.feed(wa, wh.load_fixture("location"))
    assert loc_msg.type == types.MessageType.LOCATION
    assert (loc_msg.location.latitude, loc_msg.location.longitude) == (-6.914744, 107.60981)
    assert loc_msg.location.name == "Posyandu Melati"


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["status_sent", "status_delivered", "status_read"])
async def test_pywa_parses_status_fixtures(wa: WhatsApp, recorder: _Recorder, name: str) -> None:
    (st,) = await recorder.feed(wa, wh.load_fixture(name))
    assert type(st) is types.MessageStatus
    assert st.id == "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjVDNkFDRTk0QTc4QjEyMzQ1NgA="
    assert st.status.value == name.removeprefix("status_")
    assert st.from_user.wa_id == USER
    assert st.error is None


@pytest.mark.asyncio
async def test_failed_status_without_contacts_only_reaches_raw_handlers(
    wa: WhatsApp, recorder: _Recorder
) -> None:
    """Meta omits ``contacts`` on failed statuses; pywa 4.5 then cannot build a MessageStatus."""
    body = wh.load_fixture("status_failed")
    assert "contacts" not in body["entry"][0]["changes"][0]["value"]
    await recorder.feed(wa, body)
    assert recorder.updates == []
    (raw,) = recorder.raw
    (st,) = raw.value["statuses"]
    assert st["status"] == "failed"
    assert st["errors"][0]["code"] == 131047

    # With a contacts array (include_contacts=True) pywa does build it, error included.
    with_contacts = wh.status(st["id"], USER2, "failed", errors=st["errors"], include_contacts=True)
    (parsed,) = await recorder.feed(wa, with_contacts)
    assert type(parsed) is types.MessageStatus
    assert parsed.status == types.MessageStatusType.FAILED
    assert isinstance(parsed.error, errors.ReEngagementMessage)


@pytest.mark.asyncio
async def test_multi_entry_pywa_sees_only_first_update_split_feeds_all(
    wa: WhatsApp, recorder: _Recorder
) -> None:
    body = wh.load_fixture("multi_entry")
    assert len(body["entry"]) == 2
    assert len(body["entry"][0]["changes"]) == 2
    assert len(body["entry"][0]["changes"][0]["value"]["messages"]) == 2

    (only,) = await recorder.feed(wa, body)  # pywa 4.5 reads entry[0].changes[0].messages[0] only
    assert only.text == "Saya mau daftar"

    parts = wh.split(body)
    assert len(parts) == 4
    received: list[Any] = []
    for part in parts:
        received += await recorder.feed(wa, part)
    assert [type(u).__name__ for u in received] == [
        "Message",
        "Message",
        "MessageStatus",
        "CallbackSelection",
    ]
    assert received[1].text == "Berapa berat badan normal balita?"
    assert received[1].from_user.name == "Budi"
    assert received[1].from_user.wa_id == USER2
    assert received[3].from_user.wa_id == USER3


@pytest.mark.asyncio
async def test_body_without_bsuid_is_dropped_by_pywa(wa: WhatsApp, recorder: _Recorder) -> None:
    """Legacy payloads (no contacts[].user_id) are logged and ignored by pywa 4.5."""
    body = wh.text_message(USER, "lama")
    del body["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"]
    await recorder.feed(wa, body)
    assert recorder.updates == []
    assert len(recorder.raw) == 1


@pytest.mark.asyncio
async def test_pywa_filters_other_phone_number_ids(wa: WhatsApp, recorder: _Recorder) -> None:
    await recorder.feed(wa, wh.text_message(USER, "nomor lain", phone_number_id="999"))
    assert recorder.updates == []


# ---------------------------------------------------------------------- signatures


def test_sign_matches_independent_hmac() -> None:
    raw = wh.encode(wh.load_fixture("text"))
    expected = hmac.new(b"s3cr3t", raw, hashlib.sha256).hexdigest()
    assert wh.sign(raw, "s3cr3t") == f"sha256={expected}"
    # Known-answer check, independent of the payload.
    assert wh.sign(b"", "key") == "sha256=5d5d139563c95b5967b9bd9a8c9b233a9dedb45072794cd232dc1b74832607d0"
    assert pywa_utils.webhook_updates_validator("s3cr3t", raw, wh.sign(raw, "s3cr3t"))
    assert not pywa_utils.webhook_updates_validator("other", raw, wh.sign(raw, "s3cr3t"))


@pytest.mark.asyncio
async def test_pywa_manual_validator(wa: WhatsApp) -> None:
    raw = wh.encode(wh.load_fixture("text"))
    assert await wa.webhook_update_validator(raw, wh.sign(raw)) is None
    assert await wa.webhook_update_validator(raw + b" ", wh.sign(raw)) == ("Forbidden", 403)
    assert await wa.webhook_update_validator(raw, None) == ("Unauthorized", 401)


@pytest.mark.asyncio
async def test_pywa_fastapi_routes_validate_signature(fake: FakeGraphAPI) -> None:
    app = fastapi.FastAPI()
    session = rewrite_to(fake.base_url)
    client = WhatsApp(
        phone_id=wh.PHONE_NUMBER_ID,
        token=TOKEN,
        session=session,
        server=app,
        verify_token="verify-me",
        app_secret=wh.APP_SECRET,
    )
    texts: list[str | None] = []

    @client.on_message
    async def on_message(_: WhatsApp, msg: types.Message) -> None:
        texts.append(msg.text)

    raw = wh.encode(wh.load_fixture("text"))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as http:
            challenge = await http.get(
                "/", params={"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"}
            )
            good = await http.post("/", content=raw, headers={"X-Hub-Signature-256": wh.sign(raw)})
            bad = await http.post("/", content=raw, headers={"X-Hub-Signature-256": wh.sign(raw, "wrong")})
            missing = await http.post("/", content=raw)
    finally:
        await session.aclose()
    assert (challenge.status_code, challenge.text) == (200, "42")
    assert (good.status_code, good.text) == (200, "OK")
    assert (bad.status_code, bad.text) == (403, "Forbidden")
    assert missing.status_code == 422  # FastAPI: the header is a required parameter
    assert texts == ["Halo, jadwal posyandu bulan ini kapan?"]  # handled once (background task)
    assert fake.calls() == []  # constructing/handling never called the Graph API
