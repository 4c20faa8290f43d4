"""Rows of the media store: taken up by a flow, found, and listed for a person or a Posyandu."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_media import MediaObject, PosyanduDocument

# Whose media is personal: a resident's ticket photos and anything a person sent that no flow took
# up. A Posyandu's report photos, its documents and broadcast attachments are the office's records.
PERSONAL_KINDS = frozenset({"ticket_photo", "received"})


async def claim(session: AsyncSession, media_ids: Iterable[int | None], *, kind: str) -> None:
    """Mark media as taken up by a flow: what it is, and whether it is personal (PERSONAL_KINDS)."""
    ids = [i for i in media_ids if i is not None]
    if ids:
        await session.execute(
            update(MediaObject)
            .where(MediaObject.id.in_(ids))
            .values(kind=kind, personal=kind in PERSONAL_KINDS)
        )


async def get(session: AsyncSession, media_id: int) -> MediaObject | None:
    return await session.get(MediaObject, media_id)


async def stored_for(session: AsyncSession, channel: str, channel_file_id: str) -> MediaObject | None:
    """The stored media that arrived on `channel` under the platform's id, if it was kept."""
    return await session.scalar(
        select(MediaObject)
        .where(
            MediaObject.channel == channel,
            MediaObject.channel_file_id == channel_file_id,
            MediaObject.status == "stored",
        )
        .order_by(MediaObject.id)
        .limit(1)
    )


def media_ids(photos: Iterable[dict[str, object]] | None) -> list[int]:
    """The media ids in a report's or ticket's `photos` list (older entries have none)."""
    found = []
    for photo in photos or []:
        value = photo.get("media_id") if isinstance(photo, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            found.append(value)
    return found


async def personal_of(session: AsyncSession, person_id: int) -> list[MediaObject]:
    return list(
        (
            await session.scalars(
                select(MediaObject).where(
                    MediaObject.owner_person_id == person_id, MediaObject.personal.is_(True)
                )
            )
        ).all()
    )


async def documents(session: AsyncSession, posyandu_id: int) -> list[tuple[PosyanduDocument, MediaObject]]:
    rows = await session.execute(
        select(PosyanduDocument, MediaObject)
        .join(MediaObject, MediaObject.id == PosyanduDocument.media_id)
        .where(PosyanduDocument.posyandu_id == posyandu_id)
        .order_by(PosyanduDocument.uploaded_at.desc(), PosyanduDocument.id.desc())
    )
    return [(doc, media) for doc, media in rows.all()]


__all__ = ["PERSONAL_KINDS", "claim", "documents", "get", "media_ids", "personal_of", "stored_for"]
