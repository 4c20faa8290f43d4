"""SQLAlchemy 2 models. Portable across SQLite and PostgreSQL: no dialect-specific types or SQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Deterministic constraint names keep Alembic migrations identical on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC timestamps on both databases (SQLite hands back naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Region(Base):
    """A node of the region tree, keyed by the official Kemendagri kode wilayah (e.g. 64.02.01.1001)."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    level: Mapped[str] = mapped_column(String(12))  # provinsi, kabupaten, kota, kecamatan, kelurahan, desa
    name: Mapped[str] = mapped_column(String(120))


class Posyandu(Base):
    """A Posyandu; `status`: active, proposed (by a registering cadre), rejected or withdrawn."""

    __tablename__ = "posyandu"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(240))
    has_fixed_place: Mapped[bool] = mapped_column(Boolean, default=True)
    usual_day: Mapped[int | None] = mapped_column(Integer)  # day of month it is usually held
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)
    # A cadre may propose a Posyandu that is not listed; it waits, with that cadre, for a coordinator.
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    # Posyandu 6 SPM (Permendagri 13/2024): a 'lembaga' at desa/kelurahan level, or a 'pos'
    # pelayanan it runs below it (`parent_id` = that lembaga).
    kind: Mapped[str] = mapped_column(String(8), default="lembaga", server_default="lembaga")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("posyandu.id"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    usual_week: Mapped[int | None] = mapped_column(Integer)  # week of the month, 1..5
    usual_weekday: Mapped[int | None] = mapped_column(Integer)  # 0 = Monday .. 6 = Sunday
    # SPM field codes served, in handlers.posyandu.spm.SPM_FIELDS order.
    spm_fields: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["kesehatan"], server_default='["kesehatan"]'
    )

    region: Mapped[Region] = relationship(lazy="raise")


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    full_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    language: Mapped[str] = mapped_column(String(5), default="id")
    role: Mapped[str] = mapped_column(String(16), default="resident")
    consent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    consent_declined_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


class ChannelIdentity(Base):
    """How a person is reached on one channel: a console handle, a Telegram user id, a WhatsApp number."""

    __tablename__ = "channel_identity"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_channel_identity_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    last_inbound_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    unreachable_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


class CoordinatorScope(Base):
    __tablename__ = "coordinator_scope"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)


class Cadre(Base):
    __tablename__ = "cadre"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    posyandu_id: Mapped[int] = mapped_column(ForeignKey("posyandu.id"), index=True)
    position: Mapped[str] = mapped_column(String(16))  # ketua, sekretaris, bendahara, anggota
    verification: Mapped[str] = mapped_column(String(12), default="pending")  # pending, verified, rejected
    verified_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    rejection_reason: Mapped[str | None] = mapped_column(String(240))
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


class Conversation(Base):
    """Where one identity stands in its conversation; saved after every turn."""

    __tablename__ = "conversation"

    identity_id: Mapped[int] = mapped_column(
        ForeignKey("channel_identity.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


class MonthlyReport(Base):
    """The current version of a Posyandu's report for one month; older versions live in revisions."""

    __tablename__ = "monthly_report"
    __table_args__ = (UniqueConstraint("posyandu_id", "month", name="uq_monthly_report_posyandu_month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    posyandu_id: Mapped[int] = mapped_column(ForeignKey("posyandu.id"))
    month: Mapped[dt.date] = mapped_column(Date, index=True)  # first day of the month
    revision: Mapped[int] = mapped_column(Integer, default=1)
    held: Mapped[str] = mapped_column(String(12))  # usual_place, other_place, not_held
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    place_note: Mapped[str | None] = mapped_column(String(240))
    not_held_reason: Mapped[str | None] = mapped_column(String(240))
    s: Mapped[int | None] = mapped_column(Integer)
    k: Mapped[int | None] = mapped_column(Integer)
    d: Mapped[int | None] = mapped_column(Integer)
    n: Mapped[int | None] = mapped_column(Integer)
    visits: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    referrals_gizi: Mapped[int | None] = mapped_column(Integer)
    immunizations: Mapped[int | None] = mapped_column(Integer)
    vitamin_a: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    photos: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # Answers per SPM field other than kesehatan: {field code: {question key: value}} (issue 16).
    field_answers: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON, default=dict, server_default="{}")
    # Where S, K, D, N came from: 'register' (counted from the child register, issue 17) or 'typed'.
    skdn_source: Mapped[str | None] = mapped_column(String(8))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)
    first_submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


class ReportRevision(Base):
    """Every submitted version of a monthly report, including the current one."""

    __tablename__ = "report_revision"
    __table_args__ = (UniqueConstraint("report_id", "revision", name="uq_report_revision_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("monthly_report.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)


class InboundMessage(Base):
    """Platform message ids already handled, so a redelivered message is handled once."""

    __tablename__ = "inbound_message"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow, index=True)


__all__ = [
    "Base",
    "Cadre",
    "ChannelIdentity",
    "Conversation",
    "CoordinatorScope",
    "InboundMessage",
    "MonthlyReport",
    "Person",
    "Posyandu",
    "Region",
    "ReportRevision",
]
