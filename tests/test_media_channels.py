"""A PDF and a photo sent over Telegram and WhatsApp end up in the media store with the right bytes,
for the folder and for a real S3-compatible server (moto, on 127.0.0.1): Telegram through
`kaderbot run` against the fake Bot API (getFile, then the file URL), WhatsApp through the webhook
with the fake Graph API (media URL, then the bytes with the token). Too big and wrong files are
refused with the message, on both."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.db import open_database
from storage.media import FolderBackend, MediaStore, S3Backend
from storage.models import ChannelIdentity, Person
from storage.models_media import MediaObject, PosyanduDocument
from tests.chat import Clock
from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.bot_api import TINY_JPEG, FakeBotAPI, running_fake_bot_api
from tests.fakes.graph_api import FakeGraphAPI
from tests.telegram_support import BotProcess, TelegramUser
from tests.test_media_store import GIF, PDF, s3_endpoint, s3_settings  # noqa: F401 (a fixture)
from tests.test_whatsapp_server import fake_fixture, graph_api_fixture, served  # noqa: F401 (fixtures)

MAX_BYTES = 64 * 1024
CHAT = 7_100_011
SARI_WA = "6281100000011"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(params=["folder", "s3"])
def media_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The media settings as environment variables (what an operator sets)."""
    env = {"MEDIA_MAX_BYTES": str(MAX_BYTES)}
    if request.param == "folder":
        env["MEDIA_DIR"] = str(tmp_path / "media")
    else:
        values = s3_settings(request.getfixturevalue("s3_endpoint"))
        env.update({name.upper(): str(value) for name, value in values.items()})
    return env


def store_for(env: dict[str, str]) -> MediaStore:
    """A store reading the same folder or bucket the bot writes to."""
    if "MEDIA_S3_URL" in env:
        return MediaStore(
            S3Backend(
                env["MEDIA_S3_URL"],
                endpoint_url=env["MEDIA_S3_ENDPOINT_URL"],
                access_key_id=env["MEDIA_S3_ACCESS_KEY_ID"],
                secret_access_key=env["MEDIA_S3_SECRET_ACCESS_KEY"],
                region=env["MEDIA_S3_REGION"],
            )
        )
    return MediaStore(FolderBackend(Path(env["MEDIA_DIR"])))


async def link(db_url: str, channel: str, address: str, name: str) -> None:
    """The demo person `name` also writes from `channel` (as after registering there)."""
    db = open_database(db_url)
    try:
        async with db.sessions() as session:
            person_id = await session.scalar(select(Person.id).where(Person.full_name == name))
            session.add(ChannelIdentity(channel=channel, address=address, person_id=person_id))
            await session.commit()
    finally:
        await db.dispose()


async def kept(db_url: str, store: MediaStore) -> list[tuple[MediaObject, bytes | None, str | None]]:
    """Every media row, the bytes the store holds for it, and the document type if it is one."""
    db = open_database(db_url)
    try:
        async with db.sessions() as session:
            rows = (await session.scalars(select(MediaObject).order_by(MediaObject.id))).all()
            types = dict(
                (await session.execute(select(PosyanduDocument.media_id, PosyanduDocument.doc_type))).all()
            )
            out = []
            for media in rows:
                data = await store.open(media) if media.storage_key else None
                out.append((media, data, types.get(media.id)))
            return out
    finally:
        await db.dispose()


def check_kept(found: list[tuple[MediaObject, bytes | None, str | None]], channel: str, photo: bytes) -> None:
    stored = [
        (m.channel, m.content_type, m.sha256, sha(data or b""), doc)
        for m, data, doc in found
        if m.status == "stored"
    ]
    assert stored == [
        (channel, "application/pdf", sha(PDF), sha(PDF), "sk_struktur"),
        (channel, "image/jpeg", sha(photo), sha(photo), "lainnya"),
    ]
    refused = sorted((m.error, m.storage_key) for m, _, _ in found if m.status == "refused")
    assert refused == [("too_big", None), ("wrong_type", None)]
    assert all(m.channel_file_id for m, _, _ in found)  # the platform's id, kept beside the media id


# -- Telegram ------------------------------------------------------------------------------------


@pytest.fixture
def fake_bot_api() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


def test_telegram_pdf_and_photo_are_downloaded_into_the_store(
    fake_bot_api: FakeBotAPI, db_url: str, tmp_path: Path, media_env: dict[str, str]
) -> None:
    asyncio.run(link(db_url, "telegram", str(CHAT), "Sari Wulandari"))
    bot = BotProcess(fake_bot_api, db_url, tmp_path)
    bot.extra_env.update(media_env)
    bot.start()
    try:
        sari = TelegramUser(fake_bot_api, CHAT)
        sari.say("/dokumen", expect="Dokumen Posyandu")
        sari.press("Unggah dokumen", expect="Dokumen apa")
        sari.press("SK / Struktur", expect="Silakan kirim dokumennya")
        mark = fake_bot_api.mark()
        fake_bot_api.push_document(CHAT, PDF, "SK Posyandu Melati.pdf", "application/pdf")
        fake_bot_api.wait_for_text(CHAT, "SK / Struktur tersimpan", 30, after=mark)

        sari.press("Unggah dokumen", expect="Dokumen apa")
        sari.press("Dokumen lain", expect="Silakan kirim dokumennya")
        mark = fake_bot_api.mark()
        fake_bot_api.push_document(CHAT, GIF, "struktur.pdf", "application/pdf")  # claims PDF; is not
        fake_bot_api.wait_for_text(CHAT, "jenis berkas itu tidak dapat kami simpan", 30, after=mark)
        mark = fake_bot_api.mark()
        fake_bot_api.push_document(CHAT, PDF + b"\0" * MAX_BYTES, "besar.pdf", "application/pdf")
        fake_bot_api.wait_for_text(CHAT, "terlalu besar", 30, after=mark)
        photo = TINY_JPEG + b"struktur-di-papan"
        sari.photo(expect="Dokumen lain tersimpan", data=photo)
    finally:
        bot.stop()
    found = asyncio.run(kept(db_url, store_for(media_env)))
    check_kept(found, "telegram", photo)
    calls = [c.method for c in fake_bot_api.calls() if c.method in ("getFile", "downloadFile")]
    assert calls.count("getFile") >= 3 and "downloadFile" in calls


# -- WhatsApp ------------------------------------------------------------------------------------


async def test_whatsapp_pdf_and_photo_are_downloaded_into_the_store(
    db_url: str, fake: FakeGraphAPI, clock: Clock, media_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in media_env.items():
        monkeypatch.setenv(name, value)
    await link(db_url, "whatsapp", SARI_WA, "Sari Wulandari")
    async with served(db_url, fake, clock) as app:
        sari = app.user(SARI_WA, "Sari")
        await sari.say("/dokumen")
        await sari.tap("Unggah dokumen")
        await sari.tap("SK / Struktur")
        assert "Silakan kirim dokumennya" in sari.text
        fake.add_media("1234567890", PDF, "application/pdf", filename="SK.pdf")
        await sari._post(wh.document_message(SARI_WA, "1234567890", "SK.pdf", "application/pdf"))
        assert "SK / Struktur tersimpan" in sari.text

        await sari.tap("Unggah dokumen")
        await sari.tap("Dokumen lain")
        fake.add_media("1234567891", GIF, "application/pdf")
        await sari._post(wh.document_message(SARI_WA, "1234567891", "x.pdf", "application/pdf"))
        assert "jenis berkas itu tidak dapat kami simpan" in sari.text
        fake.add_media("1234567892", PDF + b"\0" * MAX_BYTES, "application/pdf")
        await sari._post(wh.document_message(SARI_WA, "1234567892", "besar.pdf", "application/pdf"))
        assert "terlalu besar" in sari.text
        # The media URL says how big it is: the bytes themselves are never fetched.
        fetched = [c.query.get("mid") for c in fake.calls() if c.method == "GET" and "attachments" in c.path]
        assert "1234567891" in fetched and "1234567892" not in fetched
        photo = TINY_JPEG + b"papan-struktur"
        await sari.photo("1234567893", photo)
        assert "Dokumen lain tersimpan" in sari.text

        # The same message delivered again is handled once: no second download, no second row.
        before = len([c for c in fake.calls() if c.method == "GET"])
        await sari._post(
            wh.document_message(SARI_WA, "1234567890", "SK.pdf", "application/pdf", wamid="dup-1")
        )
        await sari._post(
            wh.document_message(SARI_WA, "1234567890", "SK.pdf", "application/pdf", wamid="dup-1")
        )
        assert len([c for c in fake.calls() if c.method == "GET"]) == before
    found = await kept(db_url, store_for(media_env))
    check_kept(found, "whatsapp", photo)
