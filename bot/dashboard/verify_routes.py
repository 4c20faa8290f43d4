"""The cadre verification queue (issue #18, point 4), the chat's /verifikasi on a page:

    GET  /dasbor/kader               cadres waiting in the coordinator's regions (?wilayah=CODE: one of them)
    POST /dasbor/kader/{cadre_id}    approve (keputusan=setujui) or reject (keputusan=tolak, with a
                                     suggested reason `alasan`, or alasan=lain and a typed `alasan_lain`)

The decision is the chat's own (handlers/cadre_verification.py): the same audit entry, the same
notice to the cadre through the outbox. The list shows names and phone numbers, so seeing it is
audited as the chat's list is."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import Response

from bot.dashboard import pages
from bot.dashboard.desk import Desk, Page, answers
from handlers import cadre_verification
from handlers.access import require_cadre
from handlers.cadre_verification import REASON_MAX, REASON_MIN, REASONS
from handlers.flows.privacy_audit import LISTED
from storage.models import Cadre, Person
from storage.repositories import audit, verification

APPROVE, REJECT = "setujui", "tolak"


def verify_router(desk: Desk) -> APIRouter:
    router = APIRouter()

    async def show(
        page: Page, *, region: str | None = None, notes: list[str] | None = None, error: str | None = None
    ) -> Response:
        roots = ((await desk.region(page, region)).code,) if region else page.viewer.scope.sql_roots
        waiting = await verification.pending(page.db, roots=roots)
        rows = []
        for c in waiting:  # at most verification.pending's limit, as in the chat
            cadre = await page.db.get(Cadre, c.cadre_id)
            assert cadre is not None
            found = await cadre_verification.notes(page.db, page.t, cadre, c.name)
            rows.append((c, _day(c.registered_at, desk, page.t.lang), found))
        if waiting:
            await audit.record(
                page.db,
                actor=page.viewer.person,
                action=LISTED,
                target="verify",
                details={"what": "verify", "count": len(waiting), "via": "dashboard"},
                now=desk.now(),
            )
        return pages.render(
            page.t,
            "cadres.html",
            status=400 if error else 200,
            viewer=page.viewer,
            waiting=rows,
            reasons=REASONS,
            region=region,
            notes=notes or [],
            error=error,
        )

    @router.get("/kader")
    @answers
    async def cadres_page(request: Request, wilayah: str | None = None) -> Response:
        async with desk.page(request) as page:
            return await show(page, region=wilayah)

    @router.post("/kader/{cadre_id}")
    @answers
    async def decide(cadre_id: int, request: Request) -> Response:
        async with desk.page(request) as page:
            posted = await desk.form(page, request)
            t = page.t
            checked = require_cadre(page.db, page.viewer.scope, cadre_id)
            cadre = await desk.in_scope(page, checked, f"cadre {cadre_id}")
            region = posted.get("wilayah") or None
            if region:
                await desk.region(page, region)  # the list to go back to: in scope too, before anything
            choice = posted.get("keputusan")
            if choice not in (APPROVE, REJECT):
                return await show(page, region=region, error=t("form.err.pick_option"))
            if cadre.verification != cadre_verification.PENDING:
                return await show(page, region=region, notes=[t("coordinator.verify.already")])
            reason = None
            if choice == REJECT:
                preset, typed = posted.get("alasan", ""), posted.get("alasan_lain", "").strip()
                if preset in REASONS and not typed:
                    reason = t(f"coordinator.verify.reason.{preset}")
                else:  # a typed reason wins over the suggestion left selected
                    reason = cadre_verification.typed_reason(typed)
                    if reason is None:
                        error = t("coordinator.verify.reason_length", min=REASON_MIN, max=REASON_MAX)
                        return await show(page, region=region, error=error)
            person = await page.db.get(Person, cadre.person_id)
            name = (person.full_name if person else None) or "-"
            told = await cadre_verification.decide(
                page.db,
                cadre,
                actor=page.viewer.person,
                approve=choice == APPROVE,
                reason=reason,
                now=desk.now(),
            )
            notes = [
                t(
                    "coordinator.verify.approved" if choice == APPROVE else "coordinator.verify.rejected",
                    name=name,
                ),
                t("coordinator.verify.told" if told else "coordinator.verify.not_told", name=name),
            ]
            return await show(page, region=region, notes=notes)

    return router


def _day(moment: dt.datetime, desk: Desk, lang: str) -> str:
    return format_date(moment.astimezone(desk.zone).date(), "d MMM yyyy", locale=lang)
