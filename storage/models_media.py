"""Photos and documents KaderBot received, kept in the media store (storage/media.py), and the
documents a Posyandu keeps (SK pembentukan / struktur organisasi and others)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime, _utcnow

MEDIA_KINDS = ("report_photo", "ticket_photo", "posyandu_document", "broadcast_attachment")
# stored: the bytes are in the store; pending: the download failed and is retried;
# refused: too big or not an accepted type (the person was told); erased: removed on request.
MEDIA_STATUSES = ("stored", "pending", "refused")
DOC_TYPES = ("sk_struktur", "lainnya")


class MediaObject(Base):
    """One photo or document as it arrived on a channel. Identical bytes share one stored object
    (`storage_key` is derived from `sha256`), so several rows may point at the same key."""

    __tablename__ = "media_object"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(64))
    storage_key: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    # Personal media (a resident's ticket photos) is erased with /hapusdata; a Posyandu's report
    # photos and documents belong to the Posyandu and stay.
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str | None] = mapped_column(String(16))
    channel_file_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), default="stored", server_default="stored")
    error: Mapped[str | None] = mapped_column(String(32))  # too_big, wrong_type, download
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


class PosyanduDocument(Base):
    """A document of a Posyandu institution (the lembaga, never a pos pelayanan below it)."""

    __tablename__ = "posyandu_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    posyandu_id: Mapped[int] = mapped_column(ForeignKey("posyandu.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_object.id", ondelete="CASCADE"))
    doc_type: Mapped[str] = mapped_column(String(16))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


__all__ = ["DOC_TYPES", "MEDIA_KINDS", "MEDIA_STATUSES", "MediaObject", "PosyanduDocument"]
