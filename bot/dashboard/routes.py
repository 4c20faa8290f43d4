"""The dashboard's URLs, all under /dasbor:

    GET  /dasbor/masuk/{token}   the login page of a one-time link (using it needs the button:
                                 a chat app's link preview must not spend the link)
    POST /dasbor/masuk/{token}   spend the link, open the session, go to the overview
    GET  /dasbor                 the overview of the coordinator's region (a list when several)
    GET  /dasbor/wilayah/{code}  a region's month (?bulan=YYYY-MM): figures, child regions, chart
    GET  /dasbor/posyandu/{id}   one Posyandu's report of a month (?bulan=YYYY-MM)
    GET  /dasbor/tiket           the helpdesk inbox: open requests, urgent first (read-only)
    POST /dasbor/keluar          sign out

Every page checks the session, the role and the region with the chat's functions (handlers/access.py);
a region or Posyandu outside the scope answers 403, whatever the URL says."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import KaderBot
from bot.dashboard import csrf, inbox, overview, pages, session
from handlers.access import OutOfScope, require_posyandu, require_region
from handlers.forms.dates import shift_months
from handlers.i18n import Translator
from storage.models import Person, Region
from storage.repositories import audit, dashboard, regions, scopes

log = logging.getLogger("kaderbot.dashboard")

SIGNED_IN = "dashboard.sign_in"  # the audit log's action for a login link used
FIRST_MONTH = dt.date(2000, 1, 1)  # no Posyandu report is older; keeps ?bulan=0001-01 off the calendar's edge


def dashboard_router(kaderbot: KaderBot) -> APIRouter:
    router = APIRouter(prefix="/dasbor")
    catalogues = kaderbot.catalogues
    secure = kaderbot.settings.dashboard_url.startswith("https://")
    zone = kaderbot.settings.zone

    def now() -> dt.datetime:
        return kaderbot.core.clock()

    def default_t() -> Translator:
        return catalogues.translator(catalogues.default_language)

    @asynccontextmanager
    async def transaction() -> AsyncIterator[AsyncSession]:
        async with kaderbot.db.sessions() as db_session, db_session.begin():
            yield db_session

    def signed_out(t: Translator) -> Response:
        response = pages.render(
            t,
            "message.html",
            status=401,
            title=t("dashboard.signed_out.title"),
            text=t("dashboard.signed_out.text"),
            viewer=None,
        )
        session.clear_cookie(response, session.COOKIE, secure=secure)
        return response

    def refused(t: Translator, viewer: session.Viewer | None, key: str, *, status: int = 403) -> Response:
        return pages.render(
            t, "message.html", status=status, title=t("dashboard.refused.title"), text=t(key), viewer=viewer
        )

    async def month_for(db_session: AsyncSession, region_code: str, raw: str | None) -> dt.date | None:
        """?bulan=2026-11 → 1 Nov 2026; absent → the region's default month (as /rekap's);
        unreadable, ancient or future → None."""
        if not raw:
            return await overview.default_month(db_session, region_code, now=now(), zone=zone)
        try:
            month = dt.date.fromisoformat(f"{raw}-01")
        except ValueError:
            return None
        return month if FIRST_MONTH <= month <= overview.latest_month(now(), zone) else None

    async def roots_of(db_session: AsyncSession, viewer: session.Viewer) -> list[Region]:
        if viewer.scope.everything:
            return await scopes.top_regions(db_session)
        found = [await regions.get(db_session, code) for code in viewer.scope.roots]
        return [r for r in found if r is not None]

    @router.get("/masuk/{token}")
    async def login_page(token: str) -> Response:
        t = default_t()
        async with transaction() as db_session:
            usable = await dashboard.link_is_open(db_session, token, now=now())
        if not usable:
            return refused(t, None, "dashboard.link.invalid")
        form_token = csrf.new_token()
        response = pages.render(t, "login.html", viewer=None, csrf_token=form_token)
        session.set_cookie(
            response, csrf.LOGIN_COOKIE, form_token, secure=secure, path=f"/dasbor/masuk/{token}"
        )
        return response

    @router.post("/masuk/{token}")
    async def login(token: str, request: Request) -> Response:
        t = default_t()
        try:
            csrf.check(request.cookies.get(csrf.LOGIN_COOKIE), await csrf.form(request))
        except csrf.CsrfRefused:
            return refused(t, None, "dashboard.csrf")
        async with transaction() as db_session:
            person_id = await dashboard.redeem_link(db_session, token, now=now())
            person = await db_session.get(Person, person_id) if person_id is not None else None
            if person is None:
                return refused(t, None, "dashboard.link.invalid")
            if await session.may_use(db_session, person) is None:
                return refused(catalogues.translator(person.language), None, "dashboard.refused.role")
            opened = await dashboard.open_session(db_session, person.id, now=now())
            await audit.record(
                db_session, actor=person, action=SIGNED_IN, target=f"person {person.id}", now=now()
            )
        log.info("dashboard: person %s signed in", person.id)
        response = RedirectResponse("/dasbor", status_code=303, headers=pages.HEADERS)
        session.set_cookie(response, session.COOKIE, opened.session_id, secure=secure)
        session.clear_cookie(response, csrf.LOGIN_COOKIE, secure=secure, path=f"/dasbor/masuk/{token}")
        return response

    @router.post("/keluar")
    async def logout(request: Request) -> Response:
        t = default_t()
        async with transaction() as db_session:
            viewer = await session.viewer(db_session, request, now=now())
            if viewer is None:
                return signed_out(t)
            t = catalogues.translator(viewer.person.language)
            try:
                csrf.check(viewer.csrf_token, await csrf.form(request))
            except csrf.CsrfRefused:
                return refused(t, viewer, "dashboard.csrf")
            await dashboard.end_session(db_session, viewer.session_id, now=now())
        response = pages.render(
            t, "message.html", title=t("dashboard.logout.title"), text=t("dashboard.logout.text"), viewer=None
        )
        session.clear_cookie(response, session.COOKIE, secure=secure)
        return response

    @router.get("")
    async def home(request: Request) -> Response:
        async with transaction() as db_session:
            viewer = await session.viewer(db_session, request, now=now())
            if viewer is None:
                return signed_out(default_t())
            t = catalogues.translator(viewer.person.language)
            roots = await roots_of(db_session, viewer)
        if len(roots) == 1:
            return RedirectResponse(
                f"/dasbor/wilayah/{roots[0].code}", status_code=303, headers=pages.HEADERS
            )
        return pages.render(t, "regions.html", viewer=viewer, regions=roots)

    @router.get("/wilayah/{code}")
    async def region_page(code: str, request: Request, bulan: str | None = None) -> Response:
        async with transaction() as db_session:
            viewer = await session.viewer(db_session, request, now=now())
            if viewer is None:
                return signed_out(default_t())
            t = catalogues.translator(viewer.person.language)
            try:
                region = await require_region(db_session, viewer.scope, code)
            except OutOfScope:
                log.warning("dashboard: person %s refused region %s", viewer.person.id, code)
                return refused(t, viewer, "dashboard.refused.scope")
            month = await month_for(db_session, region.code, bulan)
            if month is None:
                return refused(t, viewer, "dashboard.bad_month", status=404)
            found = await overview.overview(db_session, viewer.scope, region, month, zone=zone)
        later = shift_months(month, 1)
        return pages.render(
            t,
            "overview.html",
            viewer=viewer,
            view=found,
            previous=shift_months(month, -1),
            next=later if later <= overview.latest_month(now(), zone) else None,
        )

    @router.get("/posyandu/{posyandu_id}")
    async def posyandu_page(posyandu_id: int, request: Request, bulan: str | None = None) -> Response:
        async with transaction() as db_session:
            viewer = await session.viewer(db_session, request, now=now())
            if viewer is None:
                return signed_out(default_t())
            t = catalogues.translator(viewer.person.language)
            try:
                posyandu = await require_posyandu(db_session, viewer.scope, posyandu_id)
            except OutOfScope:
                log.warning("dashboard: person %s refused posyandu %s", viewer.person.id, posyandu_id)
                return refused(t, viewer, "dashboard.refused.scope")
            month = await month_for(db_session, posyandu.region_code, bulan)
            if month is None:
                return refused(t, viewer, "dashboard.bad_month", status=404)
            found = await overview.posyandu_report(db_session, posyandu, month, zone=zone)
        return pages.render(t, "posyandu.html", viewer=viewer, view=found)

    @router.get("/tiket")
    async def inbox_page(request: Request) -> Response:
        async with transaction() as db_session:
            viewer = await session.viewer(db_session, request, now=now())
            if viewer is None:
                return signed_out(default_t())
            t = catalogues.translator(viewer.person.language)
            rows, more = await inbox.queue(db_session, viewer.scope, now=now())
        return pages.render(t, "inbox.html", viewer=viewer, rows=rows, more=more, shown=inbox.SHOWN)

    return router
