"""Form fields about a Posyandu 6 SPM: the SPM fields it serves (or a cadre serves), and the lembaga
a pos pelayanan belongs to. Buttons first; typing "kesehatan, sosial" or "1,2,6" works too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import select

from handlers.forms.fields import (
    Accept,
    Answers,
    ChoiceField,
    Field,
    FieldContext,
    IntField,
    Invalid,
    OptionRow,
    Stay,
)
from handlers.i18n import Translator
from handlers.posyandu.institution import LEMBAGA
from handlers.posyandu.spm import SPM_FIELDS, SpmFieldError, ordered, parse_spm_fields, short_labels
from handlers.turn import Input
from storage.models import Posyandu
from storage.repositories import regions

DONE = "done"
ALL = "all"
ITSELF = "itself"  # "this Posyandu is the lembaga itself"


@dataclass(frozen=True, kw_only=True)
class SpmFieldsField(Field):
    """Several SPM fields: tap each to tick or untick it, then "Selesai"; or type them.

    `offered` limits the choice (e.g. to the fields the cadre's Posyandu serves); None offers all six.
    `minimum` 1 refuses an empty answer ("Selesai" with nothing ticked)."""

    offered: Callable[[FieldContext], Awaitable[list[str]]] | None = None
    initial: Callable[[FieldContext], list[str]] | None = None  # ticked at first (e.g. when editing)
    minimum: int = 1

    def _ticked(self, fc: FieldContext) -> list[str]:
        if "ticked" not in fc.local:
            fc.local["ticked"] = ordered(self.initial(fc)) if self.initial else []
        ticked: list[str] = fc.local["ticked"]
        return ticked

    async def _offered(self, fc: FieldContext) -> list[str]:
        return list(SPM_FIELDS) if self.offered is None else ordered(await self.offered(fc))

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        ticked = set(self._ticked(fc))
        offered = await self._offered(fc)
        rows: list[OptionRow] = [
            (
                code,
                fc.t(
                    "posyandu.fields.ticked" if code in ticked else "posyandu.fields.unticked",
                    field=fc.t(f"spm.short.{code}"),
                ),
            )
            for code in offered
        ]
        if len(offered) > 1:
            rows.append((ALL, fc.t("posyandu.fields.all")))
        rows.append((DONE, fc.t("posyandu.fields.done", count=len(ticked))))
        return rows

    async def accept(self, fc: FieldContext, inp: Input) -> Accept | Stay:
        offered = await self._offered(fc)
        ticked = self._ticked(fc)
        if inp.value in offered:
            if inp.value in ticked:
                ticked.remove(inp.value)
            else:
                ticked.append(inp.value)
            return Stay()
        if inp.value == ALL:
            return Accept(list(offered))
        if inp.value == DONE:
            if len(ticked) < self.minimum:
                raise Invalid("posyandu.fields.err.none")
            return Accept(ordered(ticked))
        text = (inp.text or "").strip()
        if not text:
            raise Invalid("form.err.pick_option")
        try:
            chosen = parse_spm_fields(text)
        except SpmFieldError as error:
            raise Invalid("posyandu.fields.err.unknown", word=error.token) from None
        outside = [code for code in chosen if code not in offered]
        if outside:
            raise Invalid("posyandu.fields.err.not_served", fields=short_labels(fc.t, outside))
        if len(chosen) < max(self.minimum, 1):
            raise Invalid("posyandu.fields.err.none")
        return Accept(chosen)

    def show(self, t: Translator, value: Any) -> str:
        return short_labels(t, value or []) or "-"

    def message_keys(self) -> list[str]:
        return [
            *super().message_keys(),
            "posyandu.fields.ticked",
            "posyandu.fields.unticked",
            "posyandu.fields.all",
            "posyandu.fields.done",
            "posyandu.fields.err.none",
            "posyandu.fields.err.unknown",
            "posyandu.fields.err.not_served",
        ]


async def lembaga_in(fc: FieldContext, desa: str | None) -> list[regions.PosyanduInfo]:
    """Active lembaga Posyandu of a desa: what a new pos pelayanan may belong to."""
    if not desa:
        return []
    query = select(Posyandu.id).where(
        Posyandu.region_code == desa, Posyandu.status == regions.ACTIVE, Posyandu.kind == LEMBAGA
    )
    ids = set((await fc.turn.session.execute(query)).scalars())
    return [p for p in await regions.posyandu_in(fc.turn.session, desa) if p.id in ids]


@dataclass(frozen=True, kw_only=True)
class ParentField(Field):
    """Whether a proposed Posyandu is a pos pelayanan of a lembaga already listed in its desa.
    The answer is {"id", "name"} of that lembaga, or None when it is a lembaga itself."""

    desa: Callable[[FieldContext], str | None]
    numbered: ClassVar[bool] = True

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        rows: list[OptionRow] = [(ITSELF, fc.t("posyandu.parent.itself"))]
        rows.extend(
            (f"l{p.id}", fc.t("posyandu.parent.of", posyandu=p.name))
            for p in await lembaga_in(fc, self.desa(fc))
        )
        return rows

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        if inp.value == ITSELF:
            return Accept(None)
        if inp.value and inp.value.startswith("l") and inp.value[1:].isdigit():
            wanted = int(inp.value[1:])
            for p in await lembaga_in(fc, self.desa(fc)):
                if p.id == wanted:
                    return Accept({"id": p.id, "name": p.name})
        raise Invalid("form.err.pick_option")

    def show(self, t: Translator, value: Any) -> str:
        return (
            t("posyandu.parent.itself") if value is None else t("posyandu.parent.of", posyandu=value["name"])
        )

    def message_keys(self) -> list[str]:
        return [
            *super().message_keys(),
            "posyandu.parent.itself",
            "posyandu.parent.of",
        ]


WEEKS = tuple(range(1, 6))
WEEKDAYS = tuple(range(7))  # 0 = Monday


def usual_day_fields(prefix: str, schedule: Callable[[str], Callable[[Answers], bool]]) -> tuple[Field, ...]:
    """When a Posyandu is usually held, as registration and the profile edit both ask it: a day of the
    month, or a week of the month and a weekday. `schedule(kind)` says when each is asked."""
    return (
        IntField(
            name=f"{prefix}usual_day",
            prompt="posyandu.register.ask.day",
            label="registration.new.label.usual_day",
            minimum=1,
            maximum=31,
            when=schedule("date"),
        ),
        ChoiceField(
            name=f"{prefix}usual_week",
            prompt="posyandu.register.ask.week",
            label="posyandu.register.label.week",
            choices_=tuple((str(week), f"posyandu.week.{week}") for week in WEEKS),
            when=schedule("week"),
        ),
        ChoiceField(
            name=f"{prefix}usual_weekday",
            prompt="posyandu.register.ask.weekday",
            label="posyandu.register.label.weekday",
            choices_=tuple((str(day), f"posyandu.weekday.{day}") for day in WEEKDAYS),
            when=schedule("week"),
        ),
    )
