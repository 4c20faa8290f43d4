"""The coordinator's desk work on the dashboard (issue #18, point 4), each the chat's own action:

    GET  /dasbor/ekspor                     pick a region in scope and a month
    POST /dasbor/ekspor                     download its workbook: the bytes /ekspor sends, audited
    GET  /dasbor/insentif                   a month's incentive status per cadre (?wilayah=&bulan=)
    POST /dasbor/insentif                   mark that month `diproses` or `dibayar`, as /insentif does
    GET  /dasbor/pelatihan                  the trainings in scope
    GET  /dasbor/pelatihan/baru             the form of a new training
    POST /dasbor/pelatihan/baru             create it (the chat form's own field rules)
    GET  /dasbor/pelatihan/{id}             one training: its participants (audited)
    POST /dasbor/pelatihan/{id}/kehadiran   record attendance

The export is a POST (with the session's CSRF token) because it is an audited hand-over of personal
data: another site must not be able to make a signed-in browser ask for one. Every region, training
and seat named in a URL or a form is checked against the person's scope with the chat's functions;
outside it the answer is 403."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from bot.dashboard import pages
from bot.dashboard.desk import Desk, Page, Refusal, answers
from bot.dashboard.overview import FIRST_MONTH, default_month, latest_month, read_month, shown_month
from handlers import incentives
from handlers import trainings as seats
from handlers.compliance import export
from handlers.flows.privacy_audit import LISTED
from handlers.flows.training_admin import RECENT
from handlers.flows.training_create import TRAINING_FORM
from handlers.forms.dates import month_name, shift_months
from handlers.forms.fields import FieldContext, Invalid
from handlers.i18n import Translator
from handlers.scheduling.deadlines import terms_for
from handlers.scheduling.formats import clock_time, day, rupiah, weekday
from handlers.scheduling.rules import local_at
from handlers.turn import Input
from storage.models import Region
from storage.models_incentives import ELIGIBLE, NOT_ELIGIBLE, PAID, PROCESSING
from storage.models_training import Training
from storage.repositories import audit, regions
from storage.repositories import incentives as incentive_rules
from storage.repositories import trainings as training_rows

EXPORT_MONTHS = 24  # offered on the export form, newest first (any later one can still be posted)
ATTENDED = "hadir_"  # a ticked box: hadir_<seat id>
SHOWN_SEAT = "kursi_"  # a seat that was on the form: kursi_<seat id>
FORM_FIELDS = ("title", "certified", "date", "time", "place", "quota", "region")


@dataclass(frozen=True, slots=True)
class Moment:
    """What the chat form's fields read from a turn (now, zone, today, the language), for a page."""

    t: Translator
    now: dt.datetime
    zone: ZoneInfo

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.zone).date()

    @property
    def lang(self) -> str:
        return self.t.lang


def work_router(desk: Desk) -> APIRouter:
    router = APIRouter()

    async def region_choices(page: Page) -> list[Region]:
        """The person's own regions and, below each, its child regions: what a form offers."""
        shown: list[Region] = []
        for root in await desk.roots(page):
            shown.append(root)
            shown += await regions.children(page.db, root.code)
        return shown

    async def chosen_region(page: Page, code: str | None) -> tuple[Region, list[Region]]:
        """The region asked for (checked against the scope: 403 outside it), or the first offered."""
        offered = await region_choices(page)
        if code:
            return await desk.region(page, code), offered
        if not offered:
            raise desk.refusal(page.t, page.viewer, "dashboard.refused.scope")
        return await desk.region(page, offered[0].code), offered

    async def listed(page: Page, target: str, **details: object) -> None:
        """A list with names was shown: recorded as the chat records it (handlers/flows/privacy_audit.py)."""
        await audit.record(
            page.db, actor=page.viewer.person, action=LISTED, target=target, details=details, now=desk.now()
        )

    def not_found(page: Page, key: str = "dashboard.bad_month") -> Refusal:
        return desk.refusal(page.t, page.viewer, key, status=404)

    def message(page: Page, text: str, *, status: int = 200) -> Response:
        return pages.render(
            page.t,
            "message.html",
            status=status,
            title=page.t("dashboard.name"),
            text=text,
            viewer=page.viewer,
        )

    # -- exports ------------------------------------------------------------------------------

    @router.get("/ekspor")
    @answers
    async def export_page(request: Request, wilayah: str | None = None, bulan: str | None = None) -> Response:
        latest = latest_month(desk.now(), desk.zone)
        async with desk.page(request) as page:
            region, offered = await chosen_region(page, wilayah)
            month = read_month(bulan) or await default_month(
                page.db, region.code, now=desk.now(), zone=desk.zone
            )
        return pages.render(
            page.t,
            "work_export.html",
            viewer=page.viewer,
            regions=offered,
            region=region,
            month=month,
            months=[shift_months(latest, -back) for back in range(EXPORT_MONTHS)],
        )

    @router.post("/ekspor")
    @answers
    async def export_download(request: Request) -> Response:
        async with desk.page(request) as page:
            posted = await desk.form(page, request)
            region = await desk.region(page, posted.get("wilayah", ""))
            month = shown_month(posted.get("bulan"), desk.now(), desk.zone)
            if month is None:
                raise not_found(page)
            exported = await export.monthly_workbook(
                page.db,
                page.t,
                region,
                month,
                actor=page.viewer.person,
                zone=desk.zone,
                now=desk.now(),
                deadline=desk.kaderbot.settings.posyandu_verification_deadline,
            )
        if exported is None:
            return message(page, page.t("coordinator.recap.no_posyandu", region=region.name), status=404)
        headers = {**pages.HEADERS, "Content-Disposition": f'attachment; filename="{exported.filename}"'}
        return Response(exported.data, media_type=export.MIME, headers=headers)

    # -- incentives ---------------------------------------------------------------------------

    async def incentive_view(
        page: Page, region: Region, raw_month: str | None
    ) -> tuple[list[dt.date], dt.date, incentives.RegionMonth | None, int | None]:
        """The payable months of the region, the one shown, its cadres judged and the amount; no
        rule for the region → ([], …, None, None)."""
        terms = terms_for(await incentive_rules.rules(page.db), region.code)
        if terms.amount is None:
            return [], FIRST_MONTH, None, None
        months = incentives.payable_months([terms], now=desk.now(), zone=desk.zone)
        month = read_month(raw_month) if raw_month else months[0]
        if month not in months:
            raise not_found(page, "dashboard.work.incentive.bad_month")
        found = await incentives.region_month(page.db, region.code, month, now=desk.now(), zone=desk.zone)
        return months, month, found, terms.amount

    async def incentive_page(
        page: Page, region: Region, raw_month: str | None, *, done: str | None = None
    ) -> Response:
        offered = await region_choices(page)
        months, month, found, amount = await incentive_view(page, region, raw_month)
        if found is None or amount is None:
            return message(page, page.t("incentive.admin.no_rule", region=region.name))
        if found.cadres:  # names, with their status: a list of personal data, audited as in chat
            await listed(page, f"{region.code} {month:%Y-%m}", what="incentive", cadres=len(found.cadres))
        lang = page.t.lang
        return pages.render(
            page.t,
            "work_incentives.html",
            viewer=page.viewer,
            regions=offered,
            region=region,
            months=months,
            month=month,
            found=found,
            amount=rupiah(amount, lang),
            eligible_total=rupiah(found.total(ELIGIBLE), lang),
            counts={s: found.count(s) for s in (ELIGIBLE, PROCESSING, PAID, NOT_ELIGIBLE)},
            statuses=(ELIGIBLE, PROCESSING, PAID, NOT_ELIGIBLE),
            rupiah=lambda value: rupiah(value, lang) if value else "-",
            today=day(desk.now().astimezone(desk.zone).date(), lang),
            paid_day=lambda value: day(value, lang) if value else "",
            done=done,
            PROCESSING=PROCESSING,
            PAID=PAID,
            NOT_ELIGIBLE=NOT_ELIGIBLE,
        )

    @router.get("/insentif")
    @answers
    async def incentives_page(
        request: Request, wilayah: str | None = None, bulan: str | None = None
    ) -> Response:
        async with desk.page(request) as page:
            region, _ = await chosen_region(page, wilayah)
            return await incentive_page(page, region, bulan)

    @router.post("/insentif")
    @answers
    async def incentives_mark(request: Request) -> Response:
        async with desk.page(request) as page:
            posted = await desk.form(page, request)
            region = await desk.region(page, posted.get("wilayah", ""))
            status = posted.get("status", "")
            _, month, found, _ = await incentive_view(page, region, posted.get("bulan") or "-")
            if found is None or status not in (PROCESSING, PAID):
                raise not_found(page, "form.err.pick_option")
            changed = await incentives.mark_region(
                page.db,
                region.code,
                month,
                status=status,
                actor=page.viewer.person,
                now=desk.now(),
                zone=desk.zone,
            )
            done = page.t(
                f"incentive.admin.done.{status}",
                count=changed,
                month=month_name(month, page.t.lang),
                region=region.name,
            )
            return await incentive_page(page, region, f"{month:%Y-%m}", done=done)

    # -- trainings ----------------------------------------------------------------------------

    def when(page: Page, training: Training) -> str:
        start = training.starts_at
        return f"{weekday(start.astimezone(desk.zone).date(), page.t.lang)}, {clock_time(start, desk.zone)}"

    def begun(training: Training) -> bool:
        """Attendance can be recorded from the training's (local) day on, as in chat."""
        today = desk.now().astimezone(desk.zone).date()
        return today >= training.starts_at.astimezone(desk.zone).date()

    @router.get("/pelatihan")
    @answers
    async def trainings_page(request: Request) -> Response:
        async with desk.page(request) as page:
            found = await training_rows.in_scope(
                page.db, page.viewer.scope.sql_roots, since=desk.now() - RECENT
            )
            counts = await training_rows.counts(page.db, (t.id for t in found))
            names = {r.code: r.name for r in await region_choices(page)}
        rows = [(t, when(page, t), counts[t.id], names.get(t.region_code, t.region_code)) for t in found]
        return pages.render(page.t, "work_trainings.html", viewer=page.viewer, rows=rows)

    def training_form(
        page: Page,
        offered: list[Region],
        values: Mapping[str, str],
        errors: Mapping[str, str],
        *,
        status: int = 200,
    ) -> Response:
        fields = {f.name: f for f in TRAINING_FORM.fields}
        return pages.render(
            page.t,
            "work_training_new.html",
            status=status,
            viewer=page.viewer,
            regions=offered,
            values=values,
            errors=errors,
            labels={name: page.t(fields[name].label) for name in FORM_FIELDS},
            certified=fields["certified"].choices_,  # type: ignore[attr-defined]
            today=desk.now().astimezone(desk.zone).date(),
        )

    @router.get("/pelatihan/baru")
    @answers
    async def training_new(request: Request) -> Response:
        async with desk.page(request) as page:
            offered = await region_choices(page)
        return training_form(page, offered, {"certified": "yes", "time": "09:00"}, {})

    @router.post("/pelatihan/baru")
    @answers
    async def training_create(request: Request) -> Response:
        async with desk.page(request) as page:
            posted = await desk.form(page, request)
            values = {name: posted.get(name, "").strip() for name in FORM_FIELDS}
            answers_, errors = await read_training(page, values)
            region = await desk.region(page, values["region"]) if values["region"] else None
            if region is None:
                errors["region"] = page.t("form.err.pick_option")
            if errors or region is None:
                offered = await region_choices(page)
                return training_form(page, offered, values, errors, status=422)
            hour, minute = (int(part) for part in answers_["time"].split(":"))
            starts_at = local_at(dt.date.fromisoformat(answers_["date"]), dt.time(hour, minute), desk.zone)
            training = await seats.create(
                page.db,
                actor=page.viewer.person,
                title=answers_["title"],
                certified=answers_["certified"] == "yes",
                starts_at=starts_at,
                place=answers_["place"],
                quota=int(answers_["quota"]),
                region_code=region.code,
                now=desk.now(),
            )
        return RedirectResponse(f"/dasbor/pelatihan/{training.id}", status_code=303, headers=pages.HEADERS)

    async def read_training(page: Page, values: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
        """Each answer read by the chat form's own field (handlers/flows/training_create.py), so the
        same rules and the same localized reasons apply; the region is checked by the caller."""
        moment = Moment(page.t, desk.now(), desk.zone)
        found: dict[str, str] = {}
        errors: dict[str, str] = {}
        for field in TRAINING_FORM.fields:
            if field.name == "region":
                continue
            if field.name == "time" and "date" not in found:
                continue  # a time is judged on its date: the date's reason is shown first
            raw = values.get(field.name, "")
            inp = Input(value=raw or None) if field.name == "certified" else Input(text=raw)
            fc = FieldContext(moment, found, {}, {})  # type: ignore[arg-type]
            try:
                accepted = await field.accept(fc, inp)
            except Invalid as invalid:
                errors[field.name] = page.t(invalid.key, **invalid.params)
                continue
            found[field.name] = accepted.value  # type: ignore[union-attr]
        return found, errors

    async def training_in_scope(page: Page, training_id: int) -> Training:
        training = await training_rows.get(page.db, training_id)
        if training is None:
            raise not_found(page, "dashboard.work.training.gone")
        await desk.region(page, training.region_code)
        return training

    async def training_page(page: Page, training: Training, *, done: str | None = None) -> Response:
        counts = (await training_rows.counts(page.db, [training.id]))[training.id]
        people = await training_rows.participants(
            page.db, training.id, ("registered", "attended", "waitlisted")
        )
        region = await regions.get(page.db, training.region_code)
        if people:  # names: audited as the chat's screen of one training
            await listed(page, f"training {training.id}", what="training", training_id=training.id)
        return pages.render(
            page.t,
            "work_training.html",
            viewer=page.viewer,
            training=training,
            when=when(page, training),
            region=region.name if region else training.region_code,
            counts=counts,
            people=people,
            begun=begun(training),
            done=done,
        )

    @router.get("/pelatihan/{training_id}")
    @answers
    async def training_detail(training_id: int, request: Request) -> Response:
        async with desk.page(request) as page:
            return await training_page(page, await training_in_scope(page, training_id))

    @router.post("/pelatihan/{training_id}/kehadiran")
    @answers
    async def training_attendance(training_id: int, request: Request) -> Response:
        async with desk.page(request) as page:
            posted = await desk.form(page, request)
            training = await training_in_scope(page, training_id)
            if not begun(training):
                raise desk.refusal(page.t, page.viewer, "dashboard.work.training.not_begun", status=409)
            people = {p.seat_id: p for p in await training_rows.participants(page.db, training.id)}
            shown = {
                int(k[len(SHOWN_SEAT) :])
                for k in posted
                if k.startswith(SHOWN_SEAT) and k[len(SHOWN_SEAT) :].isdigit()
            }
            for seat_id in shown:
                person = people.get(seat_id)
                if person is None:  # not a seat of this training (a tampered form): ignored
                    continue
                attended = f"{ATTENDED}{seat_id}" in posted
                if attended != (person.status == "attended"):
                    await seats.set_attended(page.db, training, seat_id, attended=attended, now=desk.now())
            counts = (await training_rows.counts(page.db, [training.id]))[training.id]
            done = page.t("training.admin.attendance_saved", attended=counts.attended)
            return await training_page(page, training, done=done)

    return router
