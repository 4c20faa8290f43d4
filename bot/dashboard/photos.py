"""The photos of a Posyandu's monthly reports, from the media store (storage/media.py), for the
report page: which belong to a report, and the bytes of one as the chat's /dokumen sends them back."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.media import MediaStore, filename_for
from storage.models import MonthlyReport
from storage.repositories import media as media_repo

log = logging.getLogger("kaderbot.dashboard")


@dataclass(frozen=True, slots=True)
class Photo:
    data: bytes
    content_type: str
    filename: str


def of_report(report: MonthlyReport | None) -> list[int]:
    """The media ids of a report's photos, in the order they were sent."""
    return media_repo.media_ids(report.photos) if report is not None else []


async def report_photo(
    session: AsyncSession, store: MediaStore | None, posyandu_id: int, media_id: int
) -> Photo | None:
    """A stored photo of one of this Posyandu's reports, with its bytes; one that is on none of its
    reports, not (yet) stored, or unreadable from the store → None."""
    rows = await session.execute(
        select(MonthlyReport.month, MonthlyReport.photos).where(MonthlyReport.posyandu_id == posyandu_id)
    )
    listed = ((month, media_repo.media_ids(photos)) for month, photos in rows.all())
    found = [(month, ids) for month, ids in listed if media_id in ids]
    if not found:
        return None
    month, ids = found[0]
    media = await media_repo.get(session, media_id)
    if store is None or media is None or media.status != "stored" or not media.content_type:
        return None
    try:
        data = await store.open(media)
    except Exception:  # the store is unreachable or the object is gone
        log.warning("media %s could not be read from the store", media_id, exc_info=True)
        return None
    stem = f"laporan-{month:%Y-%m}" + (f"-{ids.index(media_id) + 1}" if len(ids) > 1 else "")
    return Photo(data, media.content_type, filename_for(media, stem))
