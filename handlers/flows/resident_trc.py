"""Darurat sosial (TRC): what is happening, where (typed or a shared location), in which region,
is someone in danger now → an urgent ticket, the region's coordinators notified at once, and the
emergency numbers for that region (112 by default).

Coming from the safety net (handlers/safety), what the person typed arrives as `typed`: it answers
"what is happening" at once, so the form starts at "where"; going back offers it again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from handlers.flows.resident_ticket import ASKED, DescriptionField
from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import Accept, ChoiceField, Field, FieldContext, Invalid, OptionRow, TextField
from handlers.forms.region_field import RegionField
from handlers.i18n import Translator
from handlers.programs.emergency import EmergencyNumbers
from handlers.turn import Input, Turn
from storage.repositories import tickets

PLACE_CHARS = 240
WHAT_CHARS = 500


@dataclass(frozen=True, kw_only=True)
class LocationField(Field):
    """A location shared from the phone, or an address or landmark typed out."""

    numbered: ClassVar[bool] = True

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        for attachment in inp.attachments:
            if (
                attachment.kind == "location"
                and attachment.latitude is not None
                and attachment.longitude is not None
            ):
                return Accept(
                    {"lat": attachment.latitude, "lon": attachment.longitude, "text": attachment.ref or None}
                )
        text = " ".join((inp.text or "").split())
        if len(text) < 5:
            raise Invalid("resident.trc.err.location")
        return Accept({"lat": None, "lon": None, "text": tickets.mask_nik(text[:PLACE_CHARS])})

    def show(self, t: Translator, value: Any) -> str:
        if not value:
            return "-"
        return tickets.Location(value.get("lat"), value.get("lon"), value.get("text")).describe()


@dataclass(frozen=True, kw_only=True)
class WhatField(DescriptionField):
    """What is happening: typed, a ready-made answer, or the message the safety net caught."""

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        rows = await TextField.choices(self, fc)
        if fc.context.get("question"):
            rows.insert(0, (ASKED, fc.t("safety.trc.use_typed"), _snippet(fc.context["question"])))
        return rows

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "safety.trc.use_typed"]


def _snippet(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


TRC_FORM = FormSpec(
    name="resident_trc",
    title="resident.trc.title",
    fields=(
        WhatField(
            name="what",
            prompt="resident.trc.ask.what",
            label="resident.trc.label.what",
            min_length=5,
            max_length=500,
            suggestions=(
                ("neglected", "resident.trc.what.neglected"),
                ("violence", "resident.trc.what.violence"),
                ("odgj", "resident.trc.what.odgj"),
                ("elderly", "resident.trc.what.elderly"),
            ),
        ),
        LocationField(name="where", prompt="resident.trc.ask.where", label="resident.trc.label.where"),
        RegionField(
            name="region", prompt="resident.trc.ask.region", label="resident.trc.label.region", partial=True
        ),
        ChoiceField(
            name="danger",
            prompt="resident.trc.ask.danger",
            label="resident.trc.label.danger",
            choices_=(("yes", "common.yes"), ("no", "resident.common.no")),
        ),
    ),
)


class TrcFlow(FormFlow):
    name = "resident_trc"
    spec = TRC_FORM
    keeps_draft = False  # an urgent report half-filled days ago is not urgent any more

    def __init__(self, emergency: EmergencyNumbers) -> None:
        self.emergency = emergency  # read-only numbers per region

    async def begin(self, turn: Turn, *, typed: str | None = None, **args: Any) -> None:
        await super().begin(turn, typed=typed, **args)
        data = turn.state.data
        if typed and data.get("mode") == "fill" and data.get("current") == "what" and not data["answers"]:
            # What was typed answers the first question: drop that question and take the answer.
            turn.replies.pop()
            await self.handle(turn, Input(value=ASKED))

    async def context(self, turn: Turn, *, typed: str | None = None, **args: Any) -> dict[str, Any] | None:
        numbers = self.emergency.lines(None, turn.lang)
        if turn.person.consent_at is None:
            # Without consent we may not keep the report; the emergency numbers come first anyway.
            turn.say("resident.trc.need_consent", numbers=numbers)
            await turn.goto("welcome", step="consent")
            return None
        turn.say("resident.trc.intro", numbers=numbers)
        text = " ".join((typed or "").split())[:WHAT_CHARS]
        return {"question": text} if text else {}

    def park(self, turn: Turn) -> None:
        """Leaving an urgent report drops it instead of keeping a draft."""

    async def submit(self, turn: Turn, answers: dict[str, Any], context: dict[str, Any]) -> None:
        where = answers["where"]
        region = answers["region"]["code"]
        danger = answers["danger"] == "yes"
        opened = await tickets.open_ticket(
            turn.session,
            person_id=turn.person.id,
            new=tickets.NewTicket(
                category="darurat",
                region_code=region,
                description=answers["what"],
                urgent=True,
                location=tickets.Location(where.get("lat"), where.get("lon"), where.get("text")),
                danger_now=danger,
            ),
            now=turn.now,
        )
        # Said plainly when no coordinator covers the area yet: the numbers are then the way to help.
        turn.say(
            "resident.trc.done" if opened.notified else "resident.trc.done_nobody",
            number=opened.ticket.number,
        )
        key = "resident.trc.call_now" if danger else "resident.trc.numbers"
        turn.say(key, numbers=self.emergency.lines(region, turn.lang))
        turn.state.data = {}
        await turn.goto("menu")
