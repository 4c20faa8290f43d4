"""Broadcasts from the dashboard (issue #18, point 4), the chat's /siaran and /siaran_status on pages:

    GET  /dasbor/siaran                  compose (text, audience, region, now or a date and time) and
                                         the recent broadcasts of the coordinator's regions
    POST /dasbor/siaran/pratinjau        the same form with its preview: the reachable count
    POST /dasbor/siaran/kirim            queue it (now or at its time), then its page
    GET  /dasbor/siaran/{id}             one broadcast: sent / failed / total and percent; while it
                                         runs, /dasbor/static/siaran.js refreshes them in place
    GET  /dasbor/siaran/{id}/kemajuan    those figures as JSON (what the script polls)
    GET  /dasbor/static/{name}           the dashboard's own static files (the script)

The audience is resolved and queued by the chat's own code (handlers/broadcasts.py), the region
checked against the scope again when it is sent; the outbox sender does the sending."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dashboard import pages
from bot.dashboard.desk import Desk, Page, Refusal, answers
from handlers import broadcasts
from handlers.access import Scope
from handlers.broadcast_text import audience_label, number, percent
from handlers.flows.coordinator_fields import SCHEDULE_DAYS, scheduled_at, zone_name
from handlers.i18n import Translator
from handlers.scheduling.formats import date_time
from handlers.types import Identity
from storage.models import Region
from storage.models_outbox import CANCELLED, DONE, SENT, Broadcast
from storage.repositories import outbox
from storage.repositories.audience import Audience
from storage.repositories.scopes import within

STATIC = Path(__file__).resolve().parent / "static"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8"}
WHO = ("cadres", "verified", "residents", "both")  # a single Posyandu's cadres stay a chat audience
ORIGIN = "dashboard"  # a broadcast's origin channel: its progress is shown here, not pushed to a chat
RECENT = 20


@dataclass(frozen=True, slots=True)
class Draft:
    """The compose form as posted; `errors` says what must be fixed before a preview."""

    text: str = ""
    who: str = "cadres"
    region: str = ""
    when: str = "now"
    date: str = ""
    time: str = ""

    @classmethod
    def posted(cls, fields: dict[str, str]) -> Draft:
        return cls(
            text=fields.get("teks", "").strip(),
            who=fields.get("penerima", ""),
            region=fields.get("wilayah", ""),
            when=fields.get("kapan", "now"),
            date=fields.get("tanggal", ""),
            time=fields.get("jam", ""),
        )


@dataclass(frozen=True, slots=True)
class Progress:
    id: int
    status: str
    sent: int
    failed: int
    total: int
    percent: int

    @property
    def finished(self) -> bool:
        return self.status in (DONE, CANCELLED)

    def as_json(self, t: Translator) -> dict[str, object]:
        lang = t.lang
        return {
            "id": self.id,
            "status": self.status,
            "status_text": t(f"coordinator.status.state.{self.status}"),
            "sent": self.sent,
            "failed": self.failed,
            "total": self.total,
            "percent": self.percent,
            "finished": self.finished,
            "text": {
                "sent": number(self.sent, lang),
                "failed": number(self.failed, lang),
                "total": number(self.total, lang),
                "percent": f"{self.percent}%",
                "status": t(f"coordinator.status.state.{self.status}"),
            },
        }


def progress_of(broadcast: Broadcast, counts: outbox.Counts) -> Progress:
    """The chat's progress line in figures: handled (sent or given up) out of all recipients."""
    handled = counts.total - counts.open
    return Progress(
        broadcast.id,
        broadcast.status,
        counts[SENT],
        counts.failed,
        counts.total,
        percent(handled, counts.total),
    )


async def region_choices(session: AsyncSession, scope: Scope) -> list[Region]:
    """The coordinator's regions and the ones right below them (any region in scope is accepted)."""
    roots = scope.sql_roots
    found = (
        await session.execute(select(Region).where(within(Region.code, roots)).order_by(Region.code))
    ).scalars()
    top = min((len(r.split(".")) for r in roots), default=1) if roots else 1
    return [r for r in found if r.code.count(".") + 1 <= top + 1]


def broadcast_router(desk: Desk) -> APIRouter:
    router = APIRouter()

    def schedule_of(draft: Draft, t: Translator) -> tuple[dt.datetime | None, str | None]:
        """(the moment, None) or (None, an error in words); (None, None) for 'now'."""
        if draft.when != "schedule":
            return None, None
        try:
            moment = scheduled_at(draft.date, draft.time, desk.zone)  # the chat's own reading
        except ValueError:
            return None, t("dashboard.broadcast.err.when")
        now = desk.now()
        if moment <= now:
            return None, t("coordinator.broadcast.err.past")
        last_day = now.astimezone(desk.zone).date() + dt.timedelta(days=SCHEDULE_DAYS)
        if moment.astimezone(desk.zone).date() > last_day:
            return None, t("coordinator.broadcast.err.too_far", days=SCHEDULE_DAYS)
        return moment, None

    def check(draft: Draft, t: Translator) -> list[str]:
        errors = []
        if not broadcasts.TEXT_MIN <= len(draft.text) <= broadcasts.TEXT_MAX:
            errors.append(
                t(
                    "dashboard.broadcast.err.text",
                    min=broadcasts.TEXT_MIN,
                    max=number(broadcasts.TEXT_MAX, t.lang),
                )
            )
        if not draft.region:
            errors.append(t("dashboard.broadcast.err.region"))
        if draft.who not in WHO:
            errors.append(t("dashboard.broadcast.err.audience"))
        if draft.when not in ("now", "schedule"):
            errors.append(t("dashboard.broadcast.err.when"))
        else:
            error = schedule_of(draft, t)[1]
            if error:
                errors.append(error)
        return errors

    async def compose(
        page: Page,
        draft: Draft,
        *,
        errors: list[str] | None = None,
        preview: dict[str, object] | None = None,
    ) -> Response:
        scope = page.viewer.scope
        recent = await outbox.recent(page.db, roots=scope.sql_roots, limit=RECENT)
        counts = await outbox.counts(page.db, [b.id for b in recent])
        rows = [(b, progress_of(b, counts[b.id]), when_of(b, page.t)) for b in recent]
        return pages.render(
            page.t,
            "broadcasts.html",
            status=400 if errors else 200,
            viewer=page.viewer,
            draft=draft,
            who=WHO,
            regions=await region_choices(page.db, scope),
            errors=errors or [],
            preview=preview,
            recent=rows,
            zone=zone_name(desk.zone),
            today=desk.now().astimezone(desk.zone).date().isoformat(),
        )

    def local(moment: dt.datetime, t: Translator, date_format: str = "d MMM yyyy") -> str:
        return f"{date_time(moment, t.lang, desk.zone, date_format=date_format)} {zone_name(desk.zone)}"

    def when_of(b: Broadcast, t: Translator) -> str:
        return local(b.scheduled_at or b.created_at, t)

    async def audience_of(page: Page, draft: Draft) -> tuple[Audience, str]:
        """The audience and its words; a region outside the scope (or unknown) → Refusal (403)."""
        region = await desk.region(page, draft.region)
        return Audience(draft.who, region=region.code), audience_label(page.t, draft.who, region.name)

    @router.get("/siaran")
    @answers
    async def broadcasts_page(request: Request) -> Response:
        async with desk.page(request) as page:
            return await compose(page, Draft())

    async def posted(page: Page, request: Request) -> tuple[Draft, Audience, str]:
        """The compose form (its CSRF token checked first), valid, with its audience and their words.
        A region outside the scope → 403 first; a form with mistakes → Refusal whose answer is the
        form again with what to fix (400)."""
        draft = Draft.posted(await desk.form(page, request))
        errors = check(draft, page.t)
        if errors:
            if draft.region:
                await desk.region(page, draft.region)
            raise Refusal(await compose(page, draft, errors=errors))
        audience, label = await audience_of(page, draft)
        return draft, audience, label

    @router.post("/siaran/pratinjau")
    @answers
    async def preview(request: Request) -> Response:
        async with desk.page(request) as page:
            draft, audience, label = await posted(page, request)
            t = page.t
            reached = await broadcasts.reach(page.db, audience)
            when = schedule_of(draft, t)[0]
            found = {
                "count": len(reached.recipients),
                "text": t(
                    "coordinator.broadcast.preview",
                    audience=label,
                    count=number(len(reached.recipients), t.lang),
                ),
                "unreachable": (
                    t("coordinator.broadcast.unreachable", count=number(reached.unreachable, t.lang))
                    if reached.unreachable
                    else None
                ),
                "when": local(when, t, "EEEE, d MMMM yyyy") if when else None,
            }
            return await compose(page, draft, preview=found)

    @router.post("/siaran/kirim")
    @answers
    async def send(request: Request) -> Response:
        async with desk.page(request) as page:
            draft, audience, label = await posted(page, request)
            t = page.t
            person = page.viewer.person
            queued = await desk.in_scope(
                page,
                broadcasts.queue(
                    page.db,
                    page.viewer.scope,
                    actor=person,
                    origin=Identity(ORIGIN, str(person.id)),
                    audience=audience,
                    label=label,
                    text=draft.text,
                    scheduled_at=schedule_of(draft, t)[0],
                    now=desk.now(),
                ),
                f"broadcast to {audience.region}",
            )
            if queued is None:
                return await compose(page, draft, errors=[t("dashboard.broadcast.nobody")])
        return RedirectResponse(
            f"/dasbor/siaran/{queued.broadcast.id}?baru=1", status_code=303, headers=pages.HEADERS
        )

    async def broadcast_of(page: Page, broadcast_id: int) -> Broadcast:
        checked = broadcasts.require_broadcast(page.db, page.viewer.scope, broadcast_id)
        return await desk.in_scope(page, checked, f"broadcast {broadcast_id}")

    @router.get("/siaran/{broadcast_id}")
    @answers
    async def broadcast_page(broadcast_id: int, request: Request, baru: str | None = None) -> Response:
        async with desk.page(request) as page:
            b = await broadcast_of(page, broadcast_id)
            counts = (await outbox.counts(page.db, [b.id]))[b.id]
        return pages.render(
            page.t,
            "broadcast.html",
            viewer=page.viewer,
            b=b,
            progress=progress_of(b, counts),
            when=when_of(b, page.t),
            new=bool(baru),
        )

    @router.get("/siaran/{broadcast_id}/kemajuan")
    @answers
    async def broadcast_progress(broadcast_id: int, request: Request) -> Response:
        async with desk.page(request) as page:
            b = await broadcast_of(page, broadcast_id)
            counts = (await outbox.counts(page.db, [b.id]))[b.id]
        return JSONResponse(progress_of(b, counts).as_json(page.t), headers=pages.HEADERS)

    @router.get("/static/{name}")
    async def static(name: str) -> Response:
        path = STATIC / name
        kind = STATIC_TYPES.get(path.suffix)
        if kind is None or path.parent != STATIC or not path.is_file():
            return Response(status_code=404)
        headers = {k: v for k, v in pages.HEADERS.items() if k != "Cache-Control"}
        return FileResponse(path, media_type=kind, headers={**headers, "Cache-Control": "no-cache"})

    return router
