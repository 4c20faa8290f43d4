"""The dashboard's URLs, all under /dasbor:

    GET  /dasbor/masuk/{token}   the login page of a one-time link (using it needs the button:
                                 a chat app's link preview must not spend the link)
    POST /dasbor/masuk/{token}   spend the link, open the session, go to the overview
    GET  /dasbor                 the overview of the coordinator's region (a list when several)
    GET  /dasbor/wilayah/{code}  a region's month (?bulan=YYYY-MM): figures, child regions, chart
    GET  /dasbor/posyandu/{id}   one Posyandu's report of a month (?bulan=YYYY-MM), with its photos
    GET  /dasbor/posyandu/{id}/foto/{media id}   one photo of that Posyandu's reports, from the
                                 media store (not cached; report photos are the office's records,
                                 not personal data: the chat does not audit opening them either)
    GET  /dasbor/tiket           the helpdesk inbox: open requests, urgent first (read-only)
    POST /dasbor/keluar          sign out

Every page checks the session, the role and the region with the chat's functions (handlers/access.py);
a region or Posyandu outside the scope answers 403, whatever the URL says."""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bot.app import KaderBot
from bot.dashboard import csrf, inbox, overview, pages, photos, session
from bot.dashboard.broadcast_routes import broadcast_router
from bot.dashboard.desk import Desk, Page, answers
from bot.dashboard.inbox_routes import inbox_router
from bot.dashboard.verify_routes import verify_router
from bot.dashboard.work_routes import work_router
from handlers.forms.dates import shift_months
from storage.models import Person
from storage.repositories import audit, dashboard

log = logging.getLogger("kaderbot.dashboard")

SIGNED_IN = "dashboard.sign_in"  # the audit log's action for a login link used


def dashboard_router(kaderbot: KaderBot) -> APIRouter:
    router = APIRouter(prefix="/dasbor")
    desk = Desk(kaderbot)
    secure = desk.secure

    async def month_for(page: Page, region_code: str, raw: str | None) -> dt.date:
        """?bulan=2026-11 → 1 Nov 2026; absent → the region's default month (as /rekap's);
        unreadable, ancient or future → refused (404)."""
        if not raw:
            return await overview.default_month(page.db, region_code, now=desk.now(), zone=desk.zone)
        month = overview.shown_month(raw, desk.now(), desk.zone)
        if month is None:
            raise desk.refusal(page.t, page.viewer, "dashboard.bad_month", status=404)
        return month

    @router.get("/masuk/{token}")
    async def login_page(token: str) -> Response:
        t = desk.default_t()
        async with desk.transaction() as db_session:
            usable = await dashboard.link_is_open(db_session, token, now=desk.now())
        if not usable:
            return desk.refused(t, None, "dashboard.link.invalid")
        form_token = csrf.new_token()
        response = pages.render(t, "login.html", viewer=None, csrf_token=form_token)
        session.set_cookie(
            response, csrf.LOGIN_COOKIE, form_token, secure=secure, path=f"/dasbor/masuk/{token}"
        )
        return response

    @router.post("/masuk/{token}")
    async def login(token: str, request: Request) -> Response:
        t = desk.default_t()
        try:
            csrf.check(request.cookies.get(csrf.LOGIN_COOKIE), await csrf.form(request))
        except csrf.CsrfRefused:
            return desk.refused(t, None, "dashboard.csrf")
        now = desk.now()
        async with desk.transaction() as db_session:
            person_id = await dashboard.redeem_link(db_session, token, now=now)
            person = await db_session.get(Person, person_id) if person_id is not None else None
            if person is None:
                return desk.refused(t, None, "dashboard.link.invalid")
            if await session.may_use(db_session, person) is None:
                return desk.refused(desk.translator(person.language), None, "dashboard.refused.role")
            opened = await dashboard.open_session(db_session, person.id, now=now)
            await audit.record(
                db_session, actor=person, action=SIGNED_IN, target=f"person {person.id}", now=now
            )
        log.info("dashboard: person %s signed in", person.id)
        response = RedirectResponse("/dasbor", status_code=303, headers=pages.HEADERS)
        session.set_cookie(response, session.COOKIE, opened.session_id, secure=secure)
        session.clear_cookie(response, csrf.LOGIN_COOKIE, secure=secure, path=f"/dasbor/masuk/{token}")
        return response

    @router.post("/keluar")
    @answers
    async def logout(request: Request) -> Response:
        async with desk.page(request) as page:
            await desk.form(page, request)
            await dashboard.end_session(page.db, page.viewer.session_id, now=desk.now())
        t = page.t
        response = pages.render(
            t, "message.html", title=t("dashboard.logout.title"), text=t("dashboard.logout.text"), viewer=None
        )
        session.clear_cookie(response, session.COOKIE, secure=secure)
        return response

    @router.get("")
    @answers
    async def home(request: Request) -> Response:
        async with desk.page(request) as page:
            roots = await desk.roots(page)
        if len(roots) == 1:
            return RedirectResponse(
                f"/dasbor/wilayah/{roots[0].code}", status_code=303, headers=pages.HEADERS
            )
        return pages.render(page.t, "regions.html", viewer=page.viewer, regions=roots)

    @router.get("/wilayah/{code}")
    @answers
    async def region_page(code: str, request: Request, bulan: str | None = None) -> Response:
        async with desk.page(request) as page:
            region = await desk.region(page, code)
            month = await month_for(page, region.code, bulan)
            found = await overview.overview(page.db, page.viewer.scope, region, month, zone=desk.zone)
        later = shift_months(month, 1)
        return pages.render(
            page.t,
            "overview.html",
            viewer=page.viewer,
            view=found,
            previous=shift_months(month, -1),
            next=later if later <= overview.latest_month(desk.now(), desk.zone) else None,
        )

    @router.get("/posyandu/{posyandu_id}")
    @answers
    async def posyandu_page(posyandu_id: int, request: Request, bulan: str | None = None) -> Response:
        async with desk.page(request) as page:
            posyandu = await desk.posyandu(page, posyandu_id)
            month = await month_for(page, posyandu.region_code, bulan)
            found = await overview.posyandu_report(page.db, posyandu, month, zone=desk.zone)
        return pages.render(
            page.t, "posyandu.html", viewer=page.viewer, view=found, photos=photos.of_report(found.report)
        )

    @router.get("/posyandu/{posyandu_id}/foto/{media_id}")
    @answers
    async def report_photo(posyandu_id: int, media_id: int, request: Request) -> Response:
        async with desk.page(request) as page:
            posyandu = await desk.posyandu(page, posyandu_id)
            found = await photos.report_photo(page.db, kaderbot.media, posyandu.id, media_id)
            if found is None:
                raise desk.refusal(page.t, page.viewer, "media.not_available", status=404)
        headers = {**pages.HEADERS, "Content-Disposition": f'inline; filename="{found.filename}"'}
        return Response(found.data, media_type=found.content_type, headers=headers)

    @router.get("/tiket")
    @answers
    async def inbox_page(request: Request) -> Response:
        async with desk.page(request) as page:
            rows, more = await inbox.queue(page.db, page.viewer.scope, now=desk.now())
        return pages.render(page.t, "inbox.html", viewer=page.viewer, rows=rows, more=more, shown=inbox.SHOWN)

    router.include_router(work_router(desk))  # exports, incentives, trainings
    router.include_router(verify_router(desk))  # the cadre verification queue
    router.include_router(broadcast_router(desk))  # broadcasts, their live progress
    router.include_router(inbox_router(desk))  # the helpdesk thread: reply, assign, close
    return router
