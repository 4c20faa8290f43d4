"""Who is signed in: the session cookie, looked up and checked on every request with the chat's
own rules (handlers/access.py) — a coordinator or admin, with consent given and at least one region.
A role or a region taken away in chat closes the dashboard at the next click."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import COORDINATOR_ROLES, Scope, scope_of
from storage.models import Person
from storage.repositories import dashboard

COOKIE = "kb_dasbor"
PATH = "/dasbor"
IDLE = dashboard.SESSION_IDLE  # no click for this long: signed out (and purged by the retention job)
LIFETIME = dashboard.SESSION_LIFETIME  # a working day at most, however busy


@dataclass(frozen=True)
class Viewer:
    person: Person
    scope: Scope
    csrf_token: str
    session_id: str


async def may_use(session: AsyncSession, person: Person) -> Scope | None:
    """The person's scope when they may use the dashboard now; None otherwise."""
    if person.role not in COORDINATOR_ROLES or person.consent_at is None:
        return None
    scope = await scope_of(session, person)
    return None if scope.empty else scope


async def viewer(session: AsyncSession, request: Request, *, now: dt.datetime) -> Viewer | None:
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        return None
    found = await dashboard.active_session(session, session_id, now=now, idle=IDLE, lifetime=LIFETIME)
    if found is None:
        return None
    row, person = found
    scope = await may_use(session, person)
    if scope is None:
        return None
    return Viewer(person, scope, row.csrf_token, session_id)


def set_cookie(response: Response, name: str, value: str, *, secure: bool, path: str = PATH) -> None:
    # No max-age: a browser session cookie; the server ends the session after IDLE anyway.
    response.set_cookie(name, value, path=path, httponly=True, samesite="lax", secure=secure)


def clear_cookie(response: Response, name: str, *, secure: bool, path: str = PATH) -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite="lax", secure=secure)
