"""The coordinators' web dashboard (issue #18): one-time login links given in chat, and the browser
sessions they open. Only hashes of the link tokens and session ids are kept: a copy of the
database opens nobody's dashboard."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, UtcDateTime, _utcnow


class DashboardLoginLink(Base):
    """A link `/dasbor` gave a coordinator: valid until `expires_at`, once (`used_at`)."""

    __tablename__ = "dashboard_login_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class DashboardSession(Base):
    """A signed-in browser: ends at logout, after an idle spell, or at its absolute end."""

    __tablename__ = "dashboard_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # The token every form of this session carries (session-bound CSRF protection).
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=_utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
