"""Photos and documents are downloaded the moment they arrive and kept in the media store.

A channel calls `MediaIntake.receive(event, download)` before it hands the event to the core: every
photo and document attachment is fetched with the channel's own `download(ref)` (Telegram getFile +
file URL, WhatsApp media URL + bytes, the console's local file), checked and stored
(storage/media.py), and recorded as a `media_object` row beside its platform id. The attachment the
core sees then carries `media_id`, or `refused` ('too_big', 'wrong_type') for a file not kept, which
the core tells the person about.

A failed download never costs the message: the row is kept as `pending` with the platform id, the
attachment still carries its `media_id`, and `retry_pending` fetches it again when the channel
starts next. The same platform file arriving again (a redelivered update) reuses its row.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.types import Attachment, IncomingEvent
from storage.db import Database
from storage.media import Checked, MediaRefused, MediaStore
from storage.models import ChannelIdentity
from storage.models_media import MediaObject

log = logging.getLogger("kaderbot.media")

Download = Callable[[str], Awaitable[bytes]]
RETRY_LIMIT = 5  # downloads tried in all before a pending file is left as it is
RECEIVED_KIND = "received"  # not yet taken up by a flow (a report, a ticket, a document)


class MediaIntake:
    def __init__(self, db: Database, store: MediaStore) -> None:
        self.db = db
        self.store = store

    async def receive(self, event: IncomingEvent, download: Download) -> IncomingEvent:
        """The event with its photos and documents stored (or marked pending / refused). No
        database transaction stays open while a file downloads."""
        files = [a for a in event.attachments if a.kind in ("photo", "document") and a.media_id is None]
        if not files:
            return event
        channel = event.identity.channel
        async with self.db.sessions() as session:
            owner = await session.scalar(
                select(ChannelIdentity.person_id).where(
                    ChannelIdentity.channel == channel, ChannelIdentity.address == event.identity.address
                )
            )
            known = {a.ref: await self._known(session, channel, a.ref) for a in files}
        fetched: dict[str, Fetched] = {}
        for attachment in files:
            row = known[attachment.ref]
            if (row is None or row[1] == "pending") and attachment.ref not in fetched:
                fetched[attachment.ref] = await self._fetch(attachment.ref, attachment.size, download)
        kept: dict[int, Attachment] = {}
        async with self.db.sessions() as session:
            for attachment in files:
                media = (
                    await session.get(MediaObject, known[attachment.ref][0])
                    if known[attachment.ref]
                    else None
                )
                if media is None:
                    # Personal until a flow takes it up: a file sent anywhere else is erased with the
                    # person's data (/hapusdata).
                    media = MediaObject(
                        kind=RECEIVED_KIND,
                        personal=True,
                        owner_person_id=owner,
                        channel=channel,
                        channel_file_id=attachment.ref,
                        status="pending",
                        attempts=0,
                    )
                    session.add(media)
                    known[attachment.ref] = (-1, "pending")  # a second copy in one message: same row
                result = fetched.pop(attachment.ref, None)
                if result is not None:
                    result.apply(media)
                await session.flush()
                known[attachment.ref] = (media.id, media.status)
                refused = media.error if media.status == "refused" else None
                # The type read from the bytes replaces the one the sender's app claimed.
                kept[id(attachment)] = dataclasses.replace(
                    attachment,
                    media_id=media.id,
                    refused=refused,
                    mime_type=media.content_type or attachment.mime_type,
                )
            await session.commit()
        return dataclasses.replace(event, attachments=tuple(kept.get(id(a), a) for a in event.attachments))

    @staticmethod
    async def _known(session: AsyncSession, channel: str, ref: str) -> tuple[int, str] | None:
        """The row this platform file already has (a redelivered message), with its status."""
        row = (
            await session.execute(
                select(MediaObject.id, MediaObject.status)
                .where(MediaObject.channel == channel, MediaObject.channel_file_id == ref)
                .order_by(MediaObject.id)
                .limit(1)
            )
        ).first()
        return (row.id, row.status) if row is not None else None

    async def _fetch(self, ref: str, size: int | None, download: Download) -> Fetched:
        """Download, check and store the bytes (the store, not the database)."""
        if size is not None and size > self.store.max_bytes:
            return Fetched("refused", "too_big", tried=False)  # not even fetched
        try:
            data = await download(ref)
        except MediaRefused as exc:  # the platform said how big it is: not fetched
            return Fetched("refused", exc.reason, tried=False)
        except Exception as exc:  # the platform, the network: try again later
            log.warning("media download failed: %s", exc)
            return Fetched("pending", "download")
        try:
            checked = self.store.check(data, size_hint=size)
        except MediaRefused as exc:
            log.info("media refused: %s", exc.reason)
            return Fetched("refused", exc.reason)
        try:
            key = await self.store.keep(checked)
        except Exception as exc:  # the store is down: the bytes are fetched again later
            log.warning("media store write failed: %s", exc)
            return Fetched("pending", "store")
        return Fetched("stored", None, checked=checked, key=key)

    async def retry_pending(self, channel: str, download: Download, *, limit: int = 50) -> int:
        """Fetch again what could not be downloaded on arrival; how many are now stored."""
        async with self.db.sessions() as session:
            pending = (
                await session.execute(
                    select(MediaObject.id, MediaObject.channel_file_id)
                    .where(
                        MediaObject.channel == channel,
                        MediaObject.status == "pending",
                        MediaObject.attempts < RETRY_LIMIT,
                    )
                    .order_by(MediaObject.id)
                    .limit(limit)
                )
            ).all()
        results = [(row.id, await self._fetch(row.channel_file_id or "", None, download)) for row in pending]
        async with self.db.sessions() as session:
            for media_id, result in results:
                media = await session.get(MediaObject, media_id)
                if media is not None and media.status == "pending":
                    result.apply(media)
            await session.commit()
        return sum(1 for _, result in results if result.status == "stored")


@dataclass(frozen=True, slots=True)
class Fetched:
    """What one download attempt came to, applied to the media row afterwards."""

    status: str  # stored, pending, refused
    error: str | None
    checked: Checked | None = None
    key: str | None = None
    tried: bool = True

    def apply(self, media: MediaObject) -> None:
        media.status, media.error = self.status, self.error
        if self.tried:
            media.attempts = (media.attempts or 0) + 1
        if self.checked is not None:
            media.sha256, media.size = self.checked.sha256, len(self.checked.data)
            media.content_type, media.storage_key = self.checked.content_type, self.key


__all__ = ["RECEIVED_KIND", "Download", "MediaIntake"]
