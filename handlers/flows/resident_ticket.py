"""Ajukan permohonan/pengaduan: category, desa/kelurahan, description, optional photos → a ticket
number (KB-2026-000123) the resident keeps; the region's coordinators are notified."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import Accept, ChoiceField, FieldContext, OptionRow, PhotosField, TextField
from handlers.forms.region_field import RegionField
from handlers.turn import Input, Turn
from storage.repositories import tickets

CATEGORIES = ("salah_sasaran", "data_dtsen", "bantuan", "lainnya")
ASKED = "asked"  # option: use the question the resident asked the bot


@dataclass(frozen=True, kw_only=True)
class DescriptionField(TextField):
    """Free text with any NIK masked; when the resident came from a question, offer that question."""

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        rows = await super().choices(fc)
        if fc.context.get("question"):
            rows.insert(0, (ASKED, fc.t("resident.ticket.use_question")))
        return rows

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        question = fc.context.get("question")
        if inp.value == ASKED and question:
            return Accept(tickets.mask_nik(question))
        accepted = await super().accept(fc, inp)
        # A NIK typed into the story is masked before it is kept anywhere, the conversation included.
        return Accept(tickets.mask_nik(accepted.value))

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "resident.ticket.use_question"]


TICKET_FORM = FormSpec(
    name="resident_ticket",
    title="resident.ticket.title",
    fields=(
        ChoiceField(
            name="category",
            prompt="resident.ticket.ask.category",
            label="resident.ticket.label.category",
            choices_=tuple((c, f"resident.category.{c}") for c in CATEGORIES),
        ),
        RegionField(name="region", prompt="resident.ticket.ask.region", label="resident.ticket.label.region"),
        DescriptionField(
            name="description",
            prompt="resident.ticket.ask.description",
            label="resident.ticket.label.description",
            min_length=10,
            max_length=1000,
            needs_letters=True,
        ),
        PhotosField(
            name="photos",
            prompt="resident.ticket.ask.photos",
            label="resident.ticket.label.photos",
            optional=True,
            max_photos=3,
            media_kind="ticket_photo",
        ),
    ),
)


class TicketFlow(FormFlow):
    name = "resident_ticket"
    spec = TICKET_FORM
    needs_consent = True

    async def context(self, turn: Turn, *, question: str | None = None, **args: Any) -> dict[str, Any] | None:
        turn.say("resident.ticket.intro")
        return {"question": question} if question else {}

    async def submit(self, turn: Turn, answers: dict[str, Any], context: dict[str, Any]) -> None:
        opened = await tickets.open_ticket(
            turn.session,
            person_id=turn.person.id,
            new=tickets.NewTicket(
                category=answers["category"],
                region_code=answers["region"]["code"],
                description=answers["description"],
                photos=answers.get("photos") or [],
            ),
            now=turn.now,
        )
        turn.say("resident.ticket.done", number=opened.ticket.number)
        turn.state.data = {}
        await turn.goto("menu")
