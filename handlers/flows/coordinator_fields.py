"""Form fields for coordinators: walking the region tree inside one's scope, an attachment, and a
send time in the local zone. Every region or Posyandu chosen is checked against the scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from babel.dates import format_date

from handlers.access import OutOfScope, covers, require_posyandu, require_region, scope_of
from handlers.flows.coordinator_common import scope_roots
from handlers.forms.dates import month_start, parse_day, read_time, shift_months
from handlers.forms.fields import Accept, ChoiceField, Field, FieldContext, Invalid, OptionRow, Stay
from handlers.i18n import Translator
from handlers.scheduling.formats import clock
from handlers.turn import Input
from storage.repositories import compliance, regions
from storage.repositories import media as media_repo

HERE = "here"
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
SCHEDULE_DAYS = 90  # how far ahead a broadcast may be scheduled
TIMES = ("07:00", "08:00", "10:00", "13:00", "16:00")


def zone_name(zone: ZoneInfo) -> str:
    return ZONE_NAMES.get(zone.key, zone.key)


@dataclass(frozen=True, kw_only=True)
class ScopeTreeField(Field):
    """A region (`target` 'region': any level, 'the whole of it' or deeper) or one Posyandu
    (`target` 'posyandu'), walked down from the coordinator's own regions. Answer:
    {"code", "label"} or {"id", "label", "region"}."""

    target: str = "region"

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        t, session = fc.t, fc.turn.session
        here = await self._here(fc)
        if here is None:
            roots = await scope_roots(fc.turn, await scope_of(session, fc.turn.person))
            return t("coordinator.tree.pick_root"), [(r.code, r.name) for r in roots], True
        region = await regions.get(session, here)
        assert region is not None
        children = await regions.children(session, here)
        if self.target == "region":
            rows: list[OptionRow] = [(HERE, t("coordinator.tree.whole", region=region.name))]
            rows += [(c.code, c.name) for c in children]
            return t("coordinator.tree.ask_region", region=region.name), rows, True
        with_posyandu = await compliance.posyandu_regions(session, here)
        rows = [(f"p{p.id}", p.name) for p in await regions.posyandu_in(session, here)]
        rows += [(c.code, c.name) for c in children if any(covers(c.code, code) for code in with_posyandu)]
        key = "coordinator.tree.ask_posyandu" if rows else "coordinator.tree.no_posyandu"
        return t(key, region=region.name), rows, True

    async def _here(self, fc: FieldContext) -> str | None:
        """Where the walk stands. A coordinator with one region starts inside it."""
        path: list[str] = fc.local.setdefault("path", [])
        if not path:
            roots = await scope_roots(fc.turn, await scope_of(fc.turn.session, fc.turn.person))
            if len(roots) != 1:
                return None
            path.append(roots[0].code)
            fc.local["floor"] = 1  # 'back' does not climb above the coordinator's own region
        return path[-1]

    async def accept(self, fc: FieldContext, inp: Input) -> Accept | Stay:
        session = fc.turn.session
        scope = await scope_of(session, fc.turn.person)
        value = inp.value
        if value is None:
            raise Invalid("form.err.pick_option")
        path: list[str] = fc.local.setdefault("path", [])
        try:
            if value == HERE and path and self.target == "region":
                region = await require_region(session, scope, path[-1])
                return Accept({"code": region.code, "label": region.name})
            if value.startswith("p") and value[1:].isdigit() and self.target == "posyandu":
                posyandu = await require_posyandu(session, scope, int(value[1:]))
                return Accept({"id": posyandu.id, "label": posyandu.name, "region": posyandu.region_code})
            region = await require_region(session, scope, value)
        except OutOfScope:
            raise Invalid("coordinator.denied.scope") from None
        if self.target == "region" and not await regions.children(session, region.code):
            return Accept({"code": region.code, "label": region.name})
        path.append(region.code)
        return Stay()

    def back(self, fc: FieldContext) -> bool:
        path: list[str] = fc.local.get("path", [])
        if len(path) > fc.local.get("floor", 0):
            path.pop()
            return True
        return False

    def show(self, t: Translator, value: Any) -> str:
        return str(value["label"]) if value else "-"

    def message_keys(self) -> list[str]:
        return [
            *super().message_keys(),
            "coordinator.tree.pick_root",
            "coordinator.tree.whole",
            "coordinator.tree.ask_region",
            "coordinator.tree.ask_posyandu",
            "coordinator.tree.no_posyandu",
            "coordinator.denied.scope",
        ]


@dataclass(frozen=True, kw_only=True)
class AttachmentField(Field):
    """A photo or a document sent to the bot. Answer: {"kind", "ref", "filename", "mime_type"}."""

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        found = [a for a in inp.attachments if a.kind in ("photo", "document")]
        if not found:
            raise Invalid("coordinator.broadcast.err.attachment")
        a = found[0]
        answer = {"kind": a.kind, "ref": a.ref, "filename": a.filename, "mime_type": a.mime_type}
        if a.media_id is not None:  # kept in the media store on arrival (bot/media_intake.py)
            await media_repo.claim(fc.turn.session, [a.media_id], kind="broadcast_attachment")
            answer["media_id"] = a.media_id
        return Accept(answer)

    def show(self, t: Translator, value: Any) -> str:
        if not value:
            return t("coordinator.broadcast.attachment.none")
        return t(f"coordinator.broadcast.attachment.{value['kind']}", name=value.get("filename") or "")

    def message_keys(self) -> list[str]:
        return [
            *super().message_keys(),
            "coordinator.broadcast.err.attachment",
            "coordinator.broadcast.attachment.none",
            "coordinator.broadcast.attachment.photo",
            "coordinator.broadcast.attachment.document",
        ]


@dataclass(frozen=True, kw_only=True)
class ScheduleDateField(Field):
    """Today, tomorrow, the day after, or a typed date up to SCHEDULE_DAYS ahead. Answer: ISO date."""

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        today = fc.turn.today
        keys = ("coordinator.date.today", "coordinator.date.tomorrow", "coordinator.date.day_after")
        return [
            (
                (today + dt.timedelta(days=i)).isoformat(),
                fc.t(key, date=_day(today + dt.timedelta(days=i), fc.t.lang)),
            )
            for i, key in enumerate(keys)
        ]

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        today = fc.turn.today
        if inp.value is not None:
            try:
                day = dt.date.fromisoformat(inp.value)
            except ValueError:
                raise Invalid("form.err.pick_option") from None
        else:
            typed = (inp.text or "").strip()
            day_or_none = parse_day(typed, month_start(today), today=today, lang=fc.t.lang)
            if day_or_none is not None and day_or_none < today and typed.isdigit():
                day_or_none = parse_day(
                    typed, shift_months(month_start(today), 1)
                )  # '2' on the 24th: next month
            if day_or_none is None:
                raise Invalid("form.err.date")
            day = day_or_none
        if day < today:
            raise Invalid("coordinator.broadcast.err.past")
        if day > today + dt.timedelta(days=SCHEDULE_DAYS):
            raise Invalid("coordinator.broadcast.err.too_far", days=SCHEDULE_DAYS)
        return Accept(day.isoformat())

    def show(self, t: Translator, value: Any) -> str:
        return _day(dt.date.fromisoformat(value), t.lang) if value else "-"

    def message_keys(self) -> list[str]:
        return [
            *super().message_keys(),
            "coordinator.date.today",
            "coordinator.date.tomorrow",
            "coordinator.date.day_after",
            "coordinator.broadcast.err.past",
            "coordinator.broadcast.err.too_far",
        ]


@dataclass(frozen=True, kw_only=True)
class ScheduleTimeField(Field):
    """A time of day (local zone) on the date in `date_field`, in the future. Answer: 'HH:MM'."""

    date_field: str = "date"

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        """The offered times still ahead on the chosen date; none left today: say so, typing stays."""
        zone = zone_name(fc.turn.zone)
        day = fc.answers.get(self.date_field)
        ahead = [value for value in TIMES if day is None or self._ahead(fc, day, value)]
        if not ahead:
            return fc.t("review.broadcast.no_time_left", zone=zone, example=clock("21:00")), [], True
        return fc.t(self.prompt, zone=zone), [(value, clock(value)) for value in ahead], True

    @staticmethod
    def _ahead(fc: FieldContext, day: str, value: str) -> bool:
        return scheduled_at(day, value, fc.turn.zone) > fc.turn.now + dt.timedelta(minutes=1)

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        raw = inp.value if inp.value is not None else (inp.text or "").strip()
        read = read_time(raw, fc.t.lang)  # '08.00', 'jam 8 pagi', '8 malam'
        if read is None:
            raise Invalid("coordinator.broadcast.err.time")
        value = f"{read[0]:02d}:{read[1]:02d}"
        if not self._ahead(fc, fc.answers[self.date_field], value):
            raise Invalid("coordinator.broadcast.err.past")
        return Accept(value)

    def show(self, t: Translator, value: Any) -> str:
        return clock(value) if value else "-"

    def message_keys(self) -> list[str]:
        return [
            *super().message_keys(),
            "coordinator.broadcast.err.time",
            "coordinator.broadcast.err.past",
            "review.broadcast.no_time_left",
        ]


def scheduled_at(day: str, time: str, zone: ZoneInfo) -> dt.datetime:
    """A local date and time → an aware UTC moment."""
    hour, minute = (int(part) for part in time.split(":"))
    local = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=zone)
    return local.astimezone(dt.UTC)


def _day(day: dt.date, lang: str) -> str:
    return format_date(day, "EEEE, d MMMM yyyy", locale=lang)


@dataclass(frozen=True, kw_only=True)
class PreviewChoiceField(ChoiceField):
    """A choice whose question starts with a computed preview (the exact recipient count)."""

    # The preview's text, and whether to go on (False: nobody to send to).
    preview: Callable[[FieldContext], Awaitable[tuple[str, bool]]] | None = None
    numbered: ClassVar[bool] = True

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        assert self.preview is not None
        text, _ = await self.preview(fc)
        return f"{text}\n\n{fc.t(self.prompt)}", await self.choices(fc), True

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        accepted = await super().accept(fc, inp)
        assert self.preview is not None
        _, go_on = await self.preview(fc)
        if not go_on:
            raise Invalid("coordinator.broadcast.err.nobody")
        return accepted

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "coordinator.broadcast.err.nobody"]
