"""What every dashboard page shares: the clock, a transaction, who is signed in (with their own
catalogue), the region and Posyandu checks of the chat, the CSRF check of a form, and the refusals.

A page's handler is wrapped in `@answers` and opens `desk.page(request)`: a request without a live
session, a region outside the person's scope or a form without its token raises `Refusal`, whose
response (401, 403 or 404, a short page in the person's language) is what the browser gets. So each
route says only what it shows or does:

    @router.get("/wilayah/{code}")
    @answers
    async def region_page(code: str, request: Request) -> Response:
        async with desk.page(request) as page:
            region = await desk.region(page, code)
            ...
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from bot.app import KaderBot
from bot.dashboard import csrf, pages, session
from handlers.access import OutOfScope, require_posyandu, require_region
from handlers.i18n import Translator
from storage.models import Posyandu, Region
from storage.repositories import regions, scopes

log = logging.getLogger("kaderbot.dashboard")

P = ParamSpec("P")
T = TypeVar("T")


class Refusal(Exception):
    """A page that cannot be shown: `response` says why."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def answers(handler: Callable[P, Awaitable[Response]]) -> Callable[P, Awaitable[Response]]:
    """A route whose refusals are answers (FastAPI reads the wrapped signature)."""

    @functools.wraps(handler)
    async def route(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return await handler(*args, **kwargs)
        except Refusal as refusal:
            return refusal.response

    return route


@dataclass(frozen=True, slots=True)
class Page:
    """One request of a signed-in person: their transaction, who they are, their language."""

    db: AsyncSession
    viewer: session.Viewer
    t: Translator


class Desk:
    def __init__(self, kaderbot: KaderBot) -> None:
        self.kaderbot = kaderbot
        self.catalogues = kaderbot.catalogues
        self.secure = kaderbot.settings.dashboard_url.startswith("https://")
        self.zone = kaderbot.settings.zone

    def now(self) -> dt.datetime:
        return self.kaderbot.core.clock()

    def default_t(self) -> Translator:
        return self.catalogues.translator(self.catalogues.default_language)

    def translator(self, language: str | None) -> Translator:
        return self.catalogues.translator(language)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self.kaderbot.db.sessions() as db_session, db_session.begin():
            yield db_session

    @asynccontextmanager
    async def page(self, request: Request) -> AsyncIterator[Page]:
        """The signed-in person's request in one transaction; signed out → Refusal (401)."""
        async with self.transaction() as db_session:
            viewer = await session.viewer(db_session, request, now=self.now())
            if viewer is None:
                raise Refusal(self.signed_out(self.default_t()))
            yield Page(db_session, viewer, self.translator(viewer.person.language))

    async def form(self, page: Page, request: Request) -> FormData:
        """The posted form, after its CSRF token was checked against the session's."""
        posted = await csrf.form(request)
        try:
            csrf.check(page.viewer.csrf_token, posted)
        except csrf.CsrfRefused:
            raise self.refusal(page.t, page.viewer, "dashboard.csrf") from None
        return posted

    async def roots(self, page: Page) -> list[Region]:
        """The regions the person coordinates (every top region for a province-wide scope)."""
        if page.viewer.scope.everything:
            return list(await scopes.top_regions(page.db))
        found = [await regions.get(page.db, code) for code in page.viewer.scope.roots]
        return [r for r in found if r is not None]

    async def region(self, page: Page, code: str) -> Region:
        return await self.in_scope(page, require_region(page.db, page.viewer.scope, code), f"region {code}")

    async def posyandu(self, page: Page, posyandu_id: int) -> Posyandu:
        checked = require_posyandu(page.db, page.viewer.scope, posyandu_id)
        return await self.in_scope(page, checked, f"posyandu {posyandu_id}")

    async def in_scope(self, page: Page, checked: Awaitable[T], what: str) -> T:
        """What one of the chat's scope checks (`handlers.access.require_*`, `helpdesk.ticket_in_scope`,
        …) loads; outside the person's scope (OutOfScope) → Refusal (403), logged."""
        try:
            return await checked
        except OutOfScope:
            log.warning("dashboard: person %s refused %s", page.viewer.person.id, what)
            raise self.refusal(page.t, page.viewer, "dashboard.refused.scope") from None

    def signed_out(self, t: Translator) -> Response:
        response = pages.render(
            t,
            "message.html",
            status=401,
            title=t("dashboard.signed_out.title"),
            text=t("dashboard.signed_out.text"),
            viewer=None,
        )
        session.clear_cookie(response, session.COOKIE, secure=self.secure)
        return response

    def refused(
        self, t: Translator, viewer: session.Viewer | None, key: str, *, status: int = 403
    ) -> Response:
        return pages.render(
            t, "message.html", status=status, title=t("dashboard.refused.title"), text=t(key), viewer=viewer
        )

    def refusal(
        self, t: Translator, viewer: session.Viewer | None, key: str, *, status: int = 403
    ) -> Refusal:
        return Refusal(self.refused(t, viewer, key, status=status))
