"""Darurat sosial (TRC): what is happening, where (typed or a shared location), in which region,
is someone in danger now → an urgent ticket, the region's coordinators notified at once, and the
emergency numbers for that region (112 by default)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from handlers.flows.resident_ticket import DescriptionField
from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import Accept, ChoiceField, Field, FieldContext, Invalid
from handlers.forms.region_field import RegionField
from handlers.i18n import Translator
from handlers.programs.emergency import EmergencyNumbers
from handlers.turn import Input, Turn
from storage.repositories import tickets

PLACE_CHARS = 240


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


TRC_FORM = FormSpec(
    name="resident_trc",
    title="resident.trc.title",
    fields=(
        DescriptionField(
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

    async def context(self, turn: Turn, **args: Any) -> dict[str, Any] | None:
        numbers = self.emergency.lines(None, turn.lang)
        if turn.person.consent_at is None:
            # Without consent we may not keep the report; the emergency numbers come first anyway.
            turn.say("resident.trc.need_consent", numbers=numbers)
            await turn.goto("welcome", step="consent")
            return None
        turn.say("resident.trc.intro", numbers=numbers)
        return {}

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
