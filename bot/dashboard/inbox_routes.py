"""The helpdesk thread of one ticket (issue #18, point 3):

    GET  /dasbor/tiket/{number}            the request, its history, the thread; a canned reply
                                           picked with ?templat=<name> fills the reply box
    POST /dasbor/tiket/{number}/balas      write to the resident (in chat, with a "Balas" button)
    POST /dasbor/tiket/{number}/tugaskan   assign to a colleague whose regions cover the ticket
    POST /dasbor/tiket/{number}/tutup      close it (selesai or ditolak) with a note for the resident

Each checks the session, then (a POST) the form's CSRF token, then the ticket against the person's
regions with the chat's rule: another region's ticket, or none at all, answers 403. The rules and
the writing are handlers/helpdesk.py's; an action answers with a redirect back to the thread."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from bot.dashboard import inbox, pages
from bot.dashboard.desk import Desk, Page, answers
from handlers import helpdesk
from handlers.scheduling.formats import date_time
from storage.models_tickets import Ticket

# Canned replies: name → catalogue key of its label and its text.
CANNED = ("diterima", "data", "dtsen", "kunjungan", "selesai")
# What a redirect after an action tells the thread page (?ok=…) → the catalogue key it shows.
DONE = {
    "terkirim": "dashboard.thread.sent",
    "ditugaskan": "dashboard.thread.assigned",
    "ditutup": "dashboard.thread.closed_now",
}


def inbox_router(desk: Desk) -> APIRouter:
    router = APIRouter()

    async def ticket_of(page: Page, number: str) -> Ticket:
        checked = helpdesk.ticket_in_scope(page.db, page.viewer.scope, number)
        return await desk.in_scope(page, checked, f"ticket {number}")

    async def posted(page: Page, request: Request, number: str) -> tuple[FormData, Ticket]:
        """An action's form (its CSRF token checked first), then its ticket in the person's scope."""
        form = await desk.form(page, request)
        return form, await ticket_of(page, number)

    async def show(page: Page, ticket: Ticket, *, status: int = 200, **extra: Any) -> Response:
        now = desk.now()
        await helpdesk.opened(page.db, ticket, actor=page.viewer.person, now=now)
        found = await inbox.thread(page.db, ticket, now=now)
        lang = page.t.lang

        def when(value: Any) -> str:
            return date_time(value, lang, desk.zone)

        context: dict[str, Any] = {
            "draft": "",
            "error": None,
            "done": None,
            "close_note": "",
            "close_error": None,
        }
        context |= extra
        return pages.render(
            page.t,
            "thread.html",
            status=status,
            viewer=page.viewer,
            view=found,
            when=when,
            canned=CANNED,
            **context,
        )

    def back(number: str, done: str) -> Response:
        return RedirectResponse(f"/dasbor/tiket/{number}?ok={done}", status_code=303, headers=pages.HEADERS)

    @router.get("/tiket/{number}")
    @answers
    async def thread_page(
        number: str, request: Request, templat: str | None = None, ok: str | None = None
    ) -> Response:
        async with desk.page(request) as page:
            ticket = await ticket_of(page, number)
            draft = page.t(f"dashboard.canned.{templat}.text") if templat in CANNED else ""
            return await show(page, ticket, draft=draft, done=DONE.get(ok or ""))

    @router.post("/tiket/{number}/balas")
    @answers
    async def write(number: str, request: Request) -> Response:
        async with desk.page(request) as page:
            form, ticket = await posted(page, request, number)
            typed = form.get("text", "")
            try:
                text = helpdesk.clean_text(typed)
                await helpdesk.write(page.db, ticket, text=text, actor=page.viewer.person, now=desk.now())
            except helpdesk.HelpdeskError as refused:
                error = page.t(refused.key, **refused.params)
                return await show(page, ticket, status=400, draft=typed, error=error)
        return back(ticket.number, "terkirim")

    @router.post("/tiket/{number}/tugaskan")
    @answers
    async def assign(number: str, request: Request) -> Response:
        async with desk.page(request) as page:
            form, ticket = await posted(page, request, number)
            chosen = form.get("person", "")
            person_id = int(chosen) if chosen.isdigit() and len(chosen) < 10 else None
            if chosen and person_id is None:
                raise desk.refusal(page.t, page.viewer, "helpdesk.assign.not_colleague")
            try:
                await helpdesk.assign(
                    page.db, ticket, person_id=person_id, actor=page.viewer.person, now=desk.now()
                )
            except helpdesk.HelpdeskError as refused:
                raise desk.refusal(page.t, page.viewer, refused.key) from None
        return back(ticket.number, "ditugaskan")

    @router.post("/tiket/{number}/tutup")
    @answers
    async def close(number: str, request: Request) -> Response:
        async with desk.page(request) as page:
            form, ticket = await posted(page, request, number)
            note = form.get("note", "")
            try:
                cleaned = helpdesk.clean_text(note) if note.strip() else None
                await helpdesk.close(
                    page.db,
                    ticket,
                    status=form.get("status", ""),
                    note=cleaned,
                    actor=page.viewer.person,
                    now=desk.now(),
                )
            except helpdesk.HelpdeskError as refused:
                error = page.t(refused.key, **refused.params)
                return await show(page, ticket, status=400, close_note=note, close_error=error)
        return back(ticket.number, "ditutup")

    return router
