"""Login links and browser sessions of the coordinators' web dashboard (storage/models_dashboard.py).

A link token and a session id are random strings handed out once; only their SHA-256 is stored and
looked up. Redeeming a link is one conditional UPDATE, so two browsers racing with the same link
cannot both get in."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person
from storage.models_dashboard import DashboardLoginLink, DashboardSession

SESSION_IDLE = dt.timedelta(minutes=30)  # no click for this long: signed out
SESSION_LIFETIME = dt.timedelta(hours=12)  # a working day at most, however busy


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_link(session: AsyncSession, person_id: int, *, now: dt.datetime, valid: dt.timedelta) -> str:
    """A new one-time login token for the person; the caller puts it in the link."""
    token = secrets.token_urlsafe(32)
    session.add(
        DashboardLoginLink(
            token_hash=digest(token), person_id=person_id, created_at=now, expires_at=now + valid
        )
    )
    await session.flush()
    return token


async def link_is_open(session: AsyncSession, token: str, *, now: dt.datetime) -> bool:
    """Whether the token may still be redeemed (unused, unexpired), without using it."""
    link = (
        await session.execute(
            select(DashboardLoginLink).where(DashboardLoginLink.token_hash == digest(token))
        )
    ).scalar_one_or_none()
    return link is not None and link.used_at is None and link.expires_at > now


async def redeem_link(session: AsyncSession, token: str, *, now: dt.datetime) -> int | None:
    """Use the token up and return its person's id; None when unknown, used or expired."""
    hashed = digest(token)
    used = await session.execute(
        update(DashboardLoginLink)
        .where(
            DashboardLoginLink.token_hash == hashed,
            DashboardLoginLink.used_at.is_(None),
            DashboardLoginLink.expires_at > now,
        )
        .values(used_at=now)
    )
    if not used.rowcount:  # type: ignore[attr-defined]
        return None
    return (
        await session.execute(
            select(DashboardLoginLink.person_id).where(DashboardLoginLink.token_hash == hashed)
        )
    ).scalar_one()


@dataclass(frozen=True, slots=True)
class Opened:
    session_id: str  # goes into the cookie, never stored
    csrf_token: str


async def open_session(session: AsyncSession, person_id: int, *, now: dt.datetime) -> Opened:
    opened = Opened(secrets.token_urlsafe(32), secrets.token_urlsafe(32))
    session.add(
        DashboardSession(
            session_hash=digest(opened.session_id),
            person_id=person_id,
            csrf_token=opened.csrf_token,
            created_at=now,
            last_seen_at=now,
        )
    )
    await session.flush()
    return opened


async def active_session(
    session: AsyncSession, session_id: str, *, now: dt.datetime, idle: dt.timedelta, lifetime: dt.timedelta
) -> tuple[DashboardSession, Person] | None:
    """The live session with that id and its person, its idle clock restarted; None when unknown,
    ended, idle longer than `idle` or older than `lifetime` (then it is ended for good)."""
    row = (
        await session.execute(
            select(DashboardSession, Person)
            .join(Person, Person.id == DashboardSession.person_id)
            .where(DashboardSession.session_hash == digest(session_id))
        )
    ).one_or_none()
    if row is None:
        return None
    found, person = row
    if found.ended_at is not None:
        return None
    if now - found.last_seen_at > idle or now - found.created_at > lifetime:
        found.ended_at = now
        await session.flush()
        return None
    found.last_seen_at = now
    await session.flush()
    return found, person


async def end_session(session: AsyncSession, session_id: str, *, now: dt.datetime) -> None:
    await session.execute(
        update(DashboardSession)
        .where(DashboardSession.session_hash == digest(session_id), DashboardSession.ended_at.is_(None))
        .values(ended_at=now)
    )


@dataclass(frozen=True, slots=True)
class Purged:
    links: int
    sessions: int


async def purge(session: AsyncSession, *, now: dt.datetime) -> Purged:
    """Delete the login links that can no longer be used (used or expired) and the sessions that
    can no longer be (ended, idle past SESSION_IDLE or older than SESSION_LIFETIME): the retention job."""
    links = await session.execute(
        delete(DashboardLoginLink).where(
            or_(DashboardLoginLink.used_at.is_not(None), DashboardLoginLink.expires_at <= now)
        )
    )
    sessions = await session.execute(
        delete(DashboardSession).where(
            or_(
                DashboardSession.ended_at.is_not(None),
                DashboardSession.last_seen_at < now - SESSION_IDLE,
                DashboardSession.created_at < now - SESSION_LIFETIME,
            )
        )
    )
    return Purged(int(links.rowcount or 0), int(sessions.rowcount or 0))  # type: ignore[attr-defined]
