"""Cloud API webhook bodies (the fixtures in Meta's shape) as KaderBot events, and the signature rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from bot.channels.whatsapp_webhook import InboundMessage, StatusUpdate, parse_body, signature_valid
from handlers.types import Attachment, Identity
from tests.fakes import whatsapp_webhooks as wh

SARI = Identity("whatsapp", "6281234567890")


def parse(name: str) -> list[InboundMessage | StatusUpdate]:
    return parse_body(wh.load_fixture(name), phone_number_id=wh.PHONE_NUMBER_ID)


def test_text() -> None:
    (message,) = parse("text")
    assert isinstance(message, InboundMessage) and message.supported
    event = message.event
    assert event.identity == SARI
    assert event.text == "Halo, jadwal posyandu bulan ini kapan?"
    assert event.payload is None and event.attachments == ()
    assert event.message_id == "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFDNBMDFGQzE0QTI5MjBCNkU4QzQ3AA=="
    assert event.received_at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_button_and_list_replies_carry_the_id_as_payload() -> None:
    (button,) = parse("button_reply")
    (row,) = parse("list_reply")
    assert isinstance(button, InboundMessage) and isinstance(row, InboundMessage)
    assert (button.event.payload, button.event.text) == ("menu:jadwal", None)
    assert (row.event.payload, row.event.text) == ("desa:sukamaju", None)


def test_image_and_document_keep_the_media_id_as_ref() -> None:
    (image,) = parse("image")
    (document,) = parse("document")
    assert isinstance(image, InboundMessage) and isinstance(document, InboundMessage)
    assert image.event.attachments == (
        Attachment(kind="photo", ref="1043289516782345", mime_type="image/jpeg"),
    )
    assert document.event.attachments == (
        Attachment(
            kind="document",
            ref="2187654309876543",
            mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename="laporan_posyandu_januari.xlsx",
        ),
    )


def test_location() -> None:
    (location,) = parse("location")
    assert isinstance(location, InboundMessage)
    assert location.event.attachments == (
        Attachment(kind="location", latitude=-6.914744, longitude=107.60981),
    )


def test_statuses() -> None:
    for name in ("status_sent", "status_delivered", "status_read"):
        (status,) = parse(name)
        assert isinstance(status, StatusUpdate)
        assert status.status == name.removeprefix("status_")
        assert status.wamid == "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjVDNkFDRTk0QTc4QjEyMzQ1NgA="
        assert status.recipient == "6281234567890"
        assert status.error_code is None
    (failed,) = parse("status_failed")  # Meta sends no contacts with failures
    assert isinstance(failed, StatusUpdate)
    assert (failed.status, failed.error_code, failed.error_title) == (
        "failed",
        131047,
        "Re-engagement message",
    )
    assert failed.recipient == "6285712345678"
    assert failed.at == dt.datetime.fromtimestamp(1767225690, dt.UTC)


def test_multi_entry_yields_every_message_and_status_in_order() -> None:
    updates = parse("multi_entry")
    assert [type(u).__name__ for u in updates] == [
        "InboundMessage",
        "InboundMessage",
        "StatusUpdate",
        "InboundMessage",
    ]
    first, second, status, third = updates
    assert isinstance(first, InboundMessage) and first.event.text == "Saya mau daftar"
    assert isinstance(second, InboundMessage) and second.event.identity.address == "6285712345678"
    assert isinstance(status, StatusUpdate) and status.status == "read"
    assert isinstance(third, InboundMessage) and third.event.payload == "desa:cibiru"
    assert third.event.identity.address == "6281398765432"


def test_bodies_without_bsuids_are_parsed_too() -> None:
    body = wh.text_message("6281234567890", "lama")
    del body["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"]
    del body["entry"][0]["changes"][0]["value"]["messages"][0]["from_user_id"]
    (message,) = parse_body(body, phone_number_id=wh.PHONE_NUMBER_ID)
    assert isinstance(message, InboundMessage) and message.event.text == "lama"


def test_other_numbers_objects_and_malformed_items_are_skipped() -> None:
    other = wh.text_message("6281234567890", "x", phone_number_id="999")
    assert parse_body(other, phone_number_id=wh.PHONE_NUMBER_ID) == []
    assert parse_body({"object": "page", "entry": []}, phone_number_id=wh.PHONE_NUMBER_ID) == []
    assert parse_body(["not", "a", "body"], phone_number_id=wh.PHONE_NUMBER_ID) == []
    broken = wh.combine(wh.text_message("6281234567890", "rusak"), wh.text_message("6285712345678", "baik"))
    del broken["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    (good,) = parse_body(broken, phone_number_id=wh.PHONE_NUMBER_ID)
    assert isinstance(good, InboundMessage) and good.event.text == "baik"


def test_unsupported_types_are_still_messages_and_reactions_are_not() -> None:
    body = wh.text_message("6281234567890", "")
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message.pop("text")
    message["type"] = "sticker"
    message["sticker"] = {"id": "555", "mime_type": "image/webp", "animated": False}
    (sticker,) = parse_body(body, phone_number_id=wh.PHONE_NUMBER_ID)
    assert isinstance(sticker, InboundMessage) and not sticker.supported
    assert sticker.event.message_id == message["id"]
    message["type"] = "reaction"
    assert parse_body(body, phone_number_id=wh.PHONE_NUMBER_ID) == []


def test_signature_is_hmac_sha256_of_the_raw_body_with_the_app_secret() -> None:
    raw = wh.encode(wh.load_fixture("text"))
    good = "sha256=" + hmac.new(wh.APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert signature_valid(wh.APP_SECRET, raw, good)
    assert signature_valid(wh.APP_SECRET, raw, good.upper().replace("SHA256=", "sha256="))
    assert not signature_valid(wh.APP_SECRET, raw + b" ", good)
    assert not signature_valid("other", raw, good)
    assert not signature_valid(wh.APP_SECRET, raw, None)
    assert not signature_valid(wh.APP_SECRET, raw, good.removeprefix("sha256="))
    assert not signature_valid("", raw, "sha256=" + hmac.new(b"", raw, hashlib.sha256).hexdigest())
