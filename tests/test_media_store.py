"""The media store (issue 16, point 4): every photo and document received is downloaded on arrival
and kept by content hash, in a folder or in an S3-compatible bucket (a real one: moto's server,
started here on 127.0.0.1); too big or wrong files are refused with a message; /dokumen keeps a
Posyandu's documents and coordinators of its region open them (and report and ticket photos);
/hapusdata erases a person's personal media, while report photos stay with the Posyandu."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import KaderBot, build
from bot.media_intake import MediaIntake
from bot.settings import load_settings
from handlers.types import Attachment, File, IncomingEvent
from storage.media import FolderBackend, MediaRefused, S3Backend
from storage.models import Cadre, MonthlyReport, Person
from storage.models_media import MediaObject, PosyanduDocument
from storage.models_tickets import Ticket
from tests.chat import Chat, Clock
from tests.fakes.bot_api import TINY_JPEG
from tests.flows import report_until_summary

# A minimal, valid one-page PDF.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- a real S3-compatible server ----------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_settings(endpoint: str) -> dict[str, Any]:
    """Settings for a fresh bucket on the server (made here with boto3, as an operator would)."""
    import boto3

    bucket = f"kaderbot-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    ).create_bucket(Bucket=bucket)
    return {
        "media_s3_url": f"s3://{bucket}/media",
        "media_s3_endpoint_url": endpoint,
        "media_s3_access_key_id": "test",
        "media_s3_secret_access_key": "test",
        "media_s3_region": "us-east-1",
    }


@pytest.fixture(params=["folder", "s3"])
def media_settings(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    if request.param == "folder":
        return {"media_dir": tmp_path / "media"}
    return s3_settings(request.getfixturevalue("s3_endpoint"))


@pytest.fixture
async def bot(db_url: str, clock: Clock, media_settings: dict[str, Any]) -> AsyncIterator[KaderBot]:
    settings = load_settings(database_url=db_url, media_max_bytes=64 * 1024, **media_settings)
    kaderbot = build(settings, clock=clock, strict_messages=True)
    yield kaderbot
    await kaderbot.close()


async def stored_bytes(kaderbot: KaderBot, key: str) -> bytes | None:
    """The bytes under `key`, read straight from the backend (the folder or the bucket)."""
    assert kaderbot.media is not None
    backend = kaderbot.media.backend
    if not await backend.exists(key):
        return None
    if isinstance(backend, FolderBackend):
        return (backend.root / key).read_bytes()
    assert isinstance(backend, S3Backend)
    answer = backend._client.get_object(Bucket=backend.bucket, Key=f"{backend.prefix}/{key}")
    return bytes(answer["Body"].read())


# -- a chat whose files go through the channel's intake -------------------------------------------

_refs = itertools.count(1)


@dataclass
class FileChat(Chat):
    """A chat that sends real bytes: the channel part (bot/media_intake.py) runs before the core,
    with `files` as the platform's download endpoint."""

    intake: MediaIntake | None = None
    files: dict[str, bytes] | None = None

    async def _download(self, ref: str) -> bytes:
        assert self.files is not None
        return self.files[ref]

    async def send_file(self, data: bytes, *, kind: str = "photo", mime: str = "image/jpeg") -> None:
        assert self.intake is not None and self.files is not None
        ref = f"file-{next(_refs)}"
        self.files[ref] = data
        attachment = Attachment(kind=kind, ref=ref, mime_type=mime)  # type: ignore[arg-type]
        event = IncomingEvent(self.identity, attachments=(attachment,), message_id=self._id())
        await self._send(await self.intake.receive(event, self._download))

    async def photo(self, ref: str = "photo-1") -> Any:  # report_until_summary's photo step
        await self.send_file(TINY_JPEG + ref.encode())


def chat_as(kaderbot: KaderBot, handle: str, files: dict[str, bytes]) -> FileChat:
    assert kaderbot.media is not None
    return FileChat(kaderbot.core, handle, intake=MediaIntake(kaderbot.db, kaderbot.media), files=files)


def sent_files(chat: Chat) -> list[File]:
    return [r for r in chat.replies if isinstance(r, File)]


async def media_rows(kaderbot: KaderBot) -> list[MediaObject]:
    async with kaderbot.db.sessions() as session:
        return list((await session.scalars(select(MediaObject).order_by(MediaObject.id))).all())


# -- the store itself --------------------------------------------------------------------------


async def test_store_keeps_by_content_hash_once_and_erases_only_the_last_copy(bot: KaderBot) -> None:
    store = bot.media
    assert store is not None
    async with bot.db.sessions() as session:
        # The sender claims a PDF; the bytes are a JPEG, and that is what is recorded.
        first = await store.put(session, TINY_JPEG, "application/pdf", kind="report_photo")
        again = await store.put(session, TINY_JPEG, "image/jpeg", kind="ticket_photo", personal=True)
        pdf = await store.put(session, PDF, "application/pdf", kind="posyandu_document")
        await session.commit()
        assert (first.content_type, pdf.content_type) == ("image/jpeg", "application/pdf")
        assert first.sha256 == again.sha256 == sha(TINY_JPEG) and first.id != again.id
        assert first.storage_key == again.storage_key == f"{sha(TINY_JPEG)[:2]}/{sha(TINY_JPEG)}"
        assert await stored_bytes(bot, first.storage_key) == TINY_JPEG
        assert await store.open(pdf) == PDF

        await store.erase(session, first)  # the other row still keeps the same bytes
        assert await stored_bytes(bot, again.storage_key or "") == TINY_JPEG
        await store.erase(session, again)
        await session.commit()
        assert await stored_bytes(bot, again.storage_key or "") is None
        assert await store.open(pdf) == PDF

        for data, reason in ((GIF, "wrong_type"), (b"MZ\x90\x00 an .exe renamed .jpg", "wrong_type")):
            with pytest.raises(MediaRefused) as refused:
                await store.put(session, data, "image/jpeg", kind="report_photo")
            assert refused.value.reason == reason
        with pytest.raises(MediaRefused) as refused:
            await store.put(session, TINY_JPEG + b"\0" * (64 * 1024), "image/jpeg", kind="report_photo")
        assert refused.value.reason == "too_big"
        assert store.check(PNG).content_type == "image/png"


# -- /dokumen ------------------------------------------------------------------------------------


async def test_a_ketua_keeps_the_sk_and_only_coordinators_of_the_region_open_it(bot: KaderBot) -> None:
    files: dict[str, bytes] = {}
    sari = chat_as(bot, "sari", files)  # ketua of Posyandu Melati 1 (Kutai Kartanegara)
    await sari.say("/dokumen")
    await sari.press("Unggah dokumen")
    await sari.press("SK / Struktur")
    await sari.send_file(PDF, kind="document", mime="application/pdf")
    assert "SK / Struktur tersimpan" in sari.text

    # A wrong file is refused with the reason, and the question stays.
    await sari.press("Unggah dokumen")
    await sari.press("Dokumen lain")
    await sari.send_file(GIF, kind="document", mime="application/pdf")
    assert "jenis berkas itu tidak dapat kami simpan" in sari.text
    assert "Silakan kirim dokumennya" in sari.question
    await sari.send_file(TINY_JPEG + b"\0" * (64 * 1024))
    assert "terlalu besar (paling besar 0 MB)" not in sari.text and "terlalu besar" in sari.text

    async with bot.db.sessions() as session:
        (doc,) = (await session.scalars(select(PosyanduDocument))).all()
        media = await session.get(MediaObject, doc.media_id)
        posyandu_id = await session.scalar(
            select(Cadre.posyandu_id)
            .join(Person, Person.id == Cadre.person_id)
            .where(Person.full_name == "Sari Wulandari")
        )
    assert media is not None and (doc.doc_type, doc.posyandu_id) == ("sk_struktur", posyandu_id)
    assert (media.kind, media.personal, media.sha256) == ("posyandu_document", False, sha(PDF))
    assert await stored_bytes(bot, media.storage_key or "") == PDF
    refused = [m for m in await media_rows(bot) if m.status == "refused"]
    assert sorted(m.error or "" for m in refused) == ["too_big", "wrong_type"]
    assert all(m.storage_key is None for m in refused)

    # Her own list opens it too.
    await sari.say("/dokumen")
    await sari.press("Lihat dokumen")
    await sari.press("SK / Struktur")
    assert [f.data for f in sent_files(sari)] == [PDF]

    siti = chat_as(bot, "siti", files)  # coordinator of Kutai Kartanegara
    await siti.say("/dokumen")
    await siti.press("Melati 1")
    await siti.press("SK / Struktur")
    (sent,) = sent_files(siti)
    assert (sent.data, sent.kind, sent.filename) == (PDF, "document", "sk-struktur.pdf")

    yohana = chat_as(bot, "yohana", files)  # coordinator of Balikpapan: another region
    await yohana.say("/dokumen")
    assert "Belum ada dokumen atau foto laporan Posyandu di wilayah" in yohana.text
    assert sent_files(yohana) == []
    # A button from someone else's screen is not hers to press.
    await yohana.press_payload(f"{siti.choice.turn}.d{doc.id}")
    assert sent_files(yohana) == []

    joko = chat_as(bot, "joko", files)  # a resident
    await joko.say("/dokumen")
    assert "hanya untuk kader" in joko.text and sent_files(joko) == []


# -- report and ticket photos; erasure ------------------------------------------------------------


async def test_photos_of_reports_and_tickets_open_for_the_coordinator_and_erasure_takes_personal_ones(
    bot: KaderBot,
) -> None:
    files: dict[str, bytes] = {}
    sari = chat_as(bot, "sari", files)
    await report_until_summary(sari)
    await sari.press("Kirim")
    if "Kirim" in " ".join(sari.labels) and "tersimpan" not in sari.text:
        await sari.press("Kirim")  # a soft check asked to confirm
    async with bot.db.sessions() as session:
        (report,) = (await session.scalars(select(MonthlyReport))).all()
    (photo,) = report.photos
    report_media = photo["media_id"]

    joko = chat_as(bot, "joko", files)
    await joko.say("/pengaduan")
    await joko.press("Bansos tidak tepat sasaran")
    await joko.press("Kutai Kartanegara")
    await joko.press("Tenggarong")
    await joko.press("Melayu")
    await joko.say("Tetangga kami lansia belum pernah dapat bantuan sembako.")
    house = TINY_JPEG + b"rumah-pak-joko"
    await joko.send_file(house)
    await joko.press("Selesai")
    await joko.press("Kirim")
    async with bot.db.sessions() as session:
        (ticket,) = (await session.scalars(select(Ticket))).all()
    (ticket_photo,) = ticket.photos
    rows = {m.id: m for m in await media_rows(bot)}
    assert (rows[report_media].kind, rows[report_media].personal) == ("report_photo", False)
    ticket_row = rows[ticket_photo["media_id"]]
    assert (ticket_row.kind, ticket_row.personal, ticket_row.sha256) == ("ticket_photo", True, sha(house))

    siti = chat_as(bot, "siti", files)
    await siti.say("/dokumen")
    await siti.press("Melati 1")
    await siti.press("Foto laporan November 2026")
    assert [f.data for f in sent_files(siti)] == [TINY_JPEG + b"photo-1"]
    await siti.say("/tiket")
    await siti.press(ticket.number)
    await siti.press("Lihat foto")
    assert [(f.kind, f.data) for f in sent_files(siti)] == [("photo", house)]

    # /privasi tells him his photo is held; /hapusdata erases it from the database and the store.
    await joko.say("/privasi")
    await joko.press("Permohonan/pengaduan")
    assert "Foto/berkas yang Bapak/Ibu kirim (misalnya foto pengaduan): 1" in joko.text
    await joko.say("/hapusdata")
    await joko.press("Ya, hapus")
    await joko.say("hapus")
    assert "sudah dihapus" in joko.text
    rows = {m.id: m for m in await media_rows(bot)}
    assert ticket_row.id not in rows
    assert await stored_bytes(bot, ticket_row.storage_key or "") is None

    # Sari erases hers: the report photo is the Posyandu's record and stays, without her.
    await sari.say("/hapusdata")
    await sari.press("Ya, hapus")
    await sari.say("hapus")
    assert "sudah dihapus" in sari.text
    rows = {m.id: m for m in await media_rows(bot)}
    assert rows[report_media].owner_person_id is None
    assert await stored_bytes(bot, rows[report_media].storage_key or "") == TINY_JPEG + b"photo-1"


async def test_a_failed_download_keeps_the_message_and_is_fetched_again(bot: KaderBot) -> None:
    assert bot.media is not None
    intake = MediaIntake(bot.db, bot.media)
    attempts: list[str] = []

    async def unreachable(ref: str) -> bytes:
        attempts.append(ref)
        raise ConnectionError("platform down")

    event = IncomingEvent(
        Chat(bot.core, "sari").identity,
        attachments=(Attachment(kind="photo", ref="wa-media-77", mime_type="image/jpeg"),),
        message_id="m-fail-1",
    )
    received = await intake.receive(event, unreachable)
    (attachment,) = received.attachments
    assert attachment.media_id is not None and attachment.refused is None
    (row,) = await media_rows(bot)
    assert (row.status, row.error, row.channel_file_id, row.storage_key) == (
        "pending",
        "download",
        "wa-media-77",
        None,
    )

    async def back_again(ref: str) -> bytes:
        return TINY_JPEG

    assert await intake.retry_pending("console", back_again) == 1
    (row,) = await media_rows(bot)
    assert (row.status, row.sha256) == ("stored", sha(TINY_JPEG))
    assert await stored_bytes(bot, row.storage_key or "") == TINY_JPEG
    assert attempts == ["wa-media-77"]


async def test_a_broadcast_attachment_is_sent_from_the_store_when_the_platform_no_longer_has_it(
    bot: KaderBot, clock: Clock
) -> None:
    from bot.outbox import OutboxSender
    from tests.outbox_support import EditingChannel, add_cadres, make_coordinator
    from tests.test_outbox_sender import RunningClock, config, run_until, settled

    addresses = await add_cadres(bot.db, count=3, posyandu_code="PY-6402-0001", first_address=28_000)
    await make_coordinator(bot.db, "telegram", "7100099", "64.02", name="Siti Telegram")
    files: dict[str, bytes] = {}
    siti = chat_as(bot, "7100099", files)
    siti.channel = "telegram"
    poster = TINY_JPEG + b"poster-imunisasi"
    await siti.say("/siaran")
    await siti.say("Poster kampanye imunisasi")
    await siti.send_file(poster)
    await siti.press("Kader")
    await siti.press("Seluruh Kutai Kartanegara")
    await siti.press("Kirim sekarang")
    await siti.press("Kirim")
    (row,) = await media_rows(bot)
    assert (row.kind, row.personal, row.sha256) == ("broadcast_attachment", False, sha(poster))

    channel = EditingChannel(media={})  # the platform's file id no longer downloads
    sender = OutboxSender(
        bot.db, bot.catalogues, [channel], config(), clock=RunningClock(clock), media=bot.media
    )
    await run_until(sender, lambda: settled(bot))
    for address in addresses:
        [sent] = [s for s in channel.sent if s.address == address]
        [reply] = sent.replies
        assert isinstance(reply, File) and reply.data == poster


async def test_a_spreadsheet_is_never_taken_as_a_photo(bot: KaderBot) -> None:
    """The store keeps spreadsheets (for the Posyandu import), but a photo question takes only pictures
    and PDFs, judged by the bytes, not by the type the sender's app claims."""
    joko = chat_as(bot, "joko", {})
    await joko.say("/pengaduan")
    await joko.press("Bansos tidak tepat sasaran")
    await joko.press("Kutai Kartanegara")
    await joko.press("Tenggarong")
    await joko.press("Melayu")
    await joko.say("Tetangga kami lansia belum pernah dapat bantuan sembako.")
    question = joko.question
    await joko.send_file(b"nama;umur\nBudi;70\n", kind="document", mime="application/pdf")
    assert joko.question == question and "Selesai" not in " ".join(joko.labels)
    await joko.send_file(PDF, kind="document", mime="application/pdf")
    await joko.press("Selesai")
    await joko.press("Kirim")
    async with bot.db.sessions() as session:
        (ticket,) = (await session.scalars(select(Ticket))).all()
    assert [p["mime_type"] for p in ticket.photos] == ["application/pdf"]
