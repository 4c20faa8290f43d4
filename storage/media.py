"""The media store: every photo and document KaderBot receives, kept by its content.

Bytes are stored once per SHA-256 (`<first two hex digits>/<sha256>`): no name a person gave and no
platform id appears in a path or key, and the same picture sent twice is stored once. Each arrival
still gets its own `media_object` row (kind, owner, channel handle); erasing a row removes the
bytes only when no other row refers to them.

Two backends: a folder (`MEDIA_DIR`, the default) and an S3-compatible bucket (`MEDIA_S3_URL` =
`s3://bucket/prefix`, with `MEDIA_S3_ENDPOINT_URL` for MinIO, Ceph, moto, …). The S3 backend uses
boto3's client, which is thread-safe once made, through `asyncio.to_thread`; boto3 is imported only
when S3 is configured, so an idle bot without it carries none of botocore's memory.

The type is decided by the bytes' magic numbers, never by what the sender claimed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlparse

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_media import MediaObject

if TYPE_CHECKING:
    from bot.settings import Settings

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# Excel's official type (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet) is 65
# characters, one more than media_object.content_type holds; this short form names the same thing.
XLSX = "application/x-xlsx"
CSV = "text/csv"
# Spreadsheets: the Posyandu master list a coordinator sends in chat (handlers/flows/posyandu_import.py).
ACCEPTED_TYPES = ("image/jpeg", "image/png", "image/webp", "application/pdf", XLSX, CSV)
# What may stand as a photo or a document of record (report and ticket photos, a Posyandu's SK): a
# spreadsheet is kept for the import that asked for it, never as a photo.
PICTURE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
    XLSX: "xlsx",
    CSV: "csv",
}


class MediaRefused(Exception):
    """The file is not kept: `reason` is 'too_big' or 'wrong_type' (what the person is told)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves show (JPEG, PNG, WebP or PDF), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"PK\x03\x04") and _is_xlsx(data):
        return XLSX
    if _is_csv(data):
        return CSV
    return None


def _is_xlsx(data: bytes) -> bool:
    """A ZIP holding an Excel workbook part (not any ZIP: a .docx or an archive is refused)."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _is_csv(data: bytes) -> bool:
    """UTF-8 text (a BOM allowed) of printable lines whose first line has a comma or semicolon."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    first = text.split("\n", 1)[0]
    printable = all(ch.isprintable() or ch in "\t\r\n" for ch in text[:65536])
    return bool(text.strip()) and printable and ("," in first or ";" in first)


def storage_key(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


class Backend(Protocol):
    async def write(self, key: str, data: bytes, content_type: str) -> None: ...

    async def read(self, key: str) -> bytes: ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None: ...


class FolderBackend:
    """Files under one folder, written to a temporary name first and renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("media key outside the media folder")
        return path

    async def write(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise

    async def read(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(self._path(key).unlink)


class S3Backend:
    """Objects in an S3-compatible bucket under an optional prefix."""

    def __init__(
        self,
        url: str,
        *,
        endpoint_url: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str | None = None,
    ) -> None:
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError("MEDIA_S3_URL must look like s3://bucket or s3://bucket/prefix")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        import boto3  # lazily: only a bot that keeps media in S3 pays for boto3
        from botocore.config import Config

        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=region or "us-east-1",
            # Path-style addressing works on every S3-compatible server (MinIO, Ceph, moto).
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"}),
        )
        from botocore.exceptions import ClientError

        self._client_error = ClientError

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    async def write(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(
            self._client.put_object,
            Bucket=self.bucket,
            Key=self._key(key),
            Body=data,
            ContentType=content_type,
        )

    async def read(self, key: str) -> bytes:
        def _get() -> bytes:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            return bytes(answer["Body"].read())

        return await asyncio.to_thread(_get)

    async def exists(self, key: str) -> bool:
        try:
            await asyncio.to_thread(self._client.head_object, Bucket=self.bucket, Key=self._key(key))
        except self._client_error as exc:
            if str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._client.delete_object, Bucket=self.bucket, Key=self._key(key))


@dataclass(frozen=True, slots=True)
class Checked:
    """Bytes that passed the limits, with their sniffed type and hash."""

    data: bytes
    content_type: str
    sha256: str


class MediaStore:
    """put/open/erase media_object rows and their bytes. The caller owns the session's commit."""

    def __init__(self, backend: Backend, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.backend = backend
        self.max_bytes = max_bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaStore:
        backend: Backend
        if settings.media_s3_url:
            backend = S3Backend(
                settings.media_s3_url,
                endpoint_url=settings.media_s3_endpoint_url,
                access_key_id=settings.media_s3_access_key_id,
                secret_access_key=settings.media_s3_secret_access_key,
                region=settings.media_s3_region,
            )
        else:
            backend = FolderBackend(Path(settings.media_dir))
        return cls(backend, max_bytes=settings.media_max_bytes)

    def check(self, data: bytes, *, size_hint: int | None = None) -> Checked:
        """Refuse what is too big (by the platform's announced size or the bytes) or not a JPEG,
        PNG, WebP or PDF by its magic numbers."""
        if (size_hint is not None and size_hint > self.max_bytes) or len(data) > self.max_bytes:
            raise MediaRefused("too_big")
        content_type = sniff(data)
        if content_type is None:
            raise MediaRefused("wrong_type")
        return Checked(data, content_type, hashlib.sha256(data).hexdigest())

    async def keep(self, checked: Checked) -> str:
        """Write the bytes unless the same content is already stored; the storage key."""
        key = storage_key(checked.sha256)
        if not await self.backend.exists(key):
            await self.backend.write(key, checked.data, checked.content_type)
        return key

    async def put(
        self,
        session: AsyncSession,
        data: bytes,
        content_type: str | None = None,
        *,
        kind: str,
        personal: bool = False,
        owner_person_id: int | None = None,
        channel: str | None = None,
        channel_file_id: str | None = None,
    ) -> MediaObject:
        """Check and store the bytes and add their row. `content_type` is what the sender claimed;
        it is not trusted (the sniffed type is recorded). Raises MediaRefused."""
        checked = self.check(data)
        key = await self.keep(checked)
        media = MediaObject(
            sha256=checked.sha256,
            size=len(data),
            content_type=checked.content_type,
            storage_key=key,
            kind=kind,
            personal=personal,
            owner_person_id=owner_person_id,
            channel=channel,
            channel_file_id=channel_file_id,
            status="stored",
        )
        session.add(media)
        await session.flush()
        return media

    async def fill(self, media: MediaObject, data: bytes, *, size_hint: int | None = None) -> None:
        """Store the bytes of a row that arrived without them (a download retried). Raises MediaRefused
        after marking the row refused."""
        try:
            checked = self.check(data, size_hint=size_hint)
        except MediaRefused as exc:
            media.status, media.error = "refused", exc.reason
            raise
        media.storage_key = await self.keep(checked)
        media.sha256, media.size, media.content_type = checked.sha256, len(data), checked.content_type
        media.status, media.error = "stored", None

    async def open(self, media: MediaObject) -> bytes:
        if media.storage_key is None:
            raise FileNotFoundError(f"media {media.id} has no stored bytes ({media.status})")
        return await self.backend.read(media.storage_key)

    async def erase(self, session: AsyncSession, media: MediaObject) -> None:
        """Delete the row, and the bytes when no other row keeps the same content."""
        key = media.storage_key
        await session.delete(media)
        await session.flush()
        if key is None:
            return
        others = await session.scalar(
            select(func.count()).select_from(MediaObject).where(MediaObject.storage_key == key)
        )
        if not others:
            await self.backend.delete(key)


def filename_for(media: MediaObject, stem: str) -> str:
    """A file name to send the media back under (never the name the sender gave)."""
    return f"{stem}.{EXTENSIONS.get(media.content_type or '', 'bin')}"


__all__ = [
    "ACCEPTED_TYPES",
    "Backend",
    "Checked",
    "FolderBackend",
    "MediaRefused",
    "MediaStore",
    "S3Backend",
    "filename_for",
    "sniff",
    "storage_key",
]
