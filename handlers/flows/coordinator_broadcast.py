"""/siaran: compose a notice (text, optional photo or document) → audience within one's scope →
preview with the exact recipient count → now or at a date and time (local zone) → confirm.

On confirm the audience is checked against the scope and resolved again, and the broadcast is
written with one outbox row per recipient in the same transaction, with its audit entry. The
outbox sender (bot/outbox.py) does the sending.
"""

from __future__ import annotations

from typing import Any

from handlers import broadcasts
from handlers.broadcast_text import audience_label, number
from handlers.flows.coordinator_common import MENU, CoordinatorFlow
from handlers.flows.coordinator_fields import (
    AttachmentField,
    PreviewChoiceField,
    ScheduleDateField,
    ScheduleTimeField,
    ScopeTreeField,
    scheduled_at,
    zone_name,
)
from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import Answers, ChoiceField, FieldContext, TextField
from handlers.scheduling.formats import date_time
from handlers.turn import Input, Turn
from handlers.types import Identity
from storage.repositories import outbox
from storage.repositories.audience import Audience, Resolved

TEXT_MAX = broadcasts.TEXT_MAX
WHO = ("cadres", "verified", "residents", "both", "posyandu")


def _audience(answers: Answers) -> tuple[Audience, str] | None:
    """The audience the answers describe, and its place in words; None while incomplete."""
    who = answers.get("audience")
    if who == "posyandu":
        chosen = answers.get("posyandu")
        return (Audience("posyandu", posyandu_id=int(chosen["id"])), chosen["label"]) if chosen else None
    chosen = answers.get("region")
    if who in WHO and chosen:
        return Audience(who, region=chosen["code"]), chosen["label"]
    return None


async def _resolved(turn: Turn, answers: Answers) -> tuple[Resolved, str] | None:
    found = _audience(answers)
    if found is None:
        return None
    audience, place = found
    return await broadcasts.reach(turn.session, audience), audience_label(turn.t, audience.who, place)


def _preview_text(turn: Turn, resolved: Resolved, label: str) -> str:
    lines = [
        turn.t(
            "coordinator.broadcast.preview",
            audience=label,
            count=number(len(resolved.recipients), turn.lang),
        )
    ]
    if resolved.unreachable:
        lines.append(
            turn.t("coordinator.broadcast.unreachable", count=number(resolved.unreachable, turn.lang))
        )
    return "\n".join(lines)


async def _preview(fc: FieldContext) -> tuple[str, bool]:
    found = await _resolved(fc.turn, fc.answers)
    if found is None:
        return "", False
    resolved, label = found
    return _preview_text(fc.turn, resolved, label), bool(resolved.recipients)


def _is(field: str, *values: str) -> Any:
    return lambda answers: answers.get(field) in values


BROADCAST_FORM = FormSpec(
    name="coordinator_broadcast",
    title="coordinator.broadcast.title",
    fields=(
        TextField(
            name="text",
            prompt="coordinator.broadcast.ask.text",
            label="coordinator.broadcast.label.text",
            min_length=broadcasts.TEXT_MIN,
            max_length=TEXT_MAX,
        ),
        AttachmentField(
            name="attachment",
            prompt="coordinator.broadcast.ask.attachment",
            label="coordinator.broadcast.label.attachment",
            optional=True,
        ),
        ChoiceField(
            name="audience",
            prompt="coordinator.broadcast.ask.audience",
            label="coordinator.broadcast.label.audience",
            choices_=tuple((who, f"coordinator.audience.{who}") for who in WHO),
        ),
        ScopeTreeField(
            name="region",
            prompt="coordinator.broadcast.ask.region",
            label="coordinator.broadcast.label.region",
            target="region",
            when=lambda answers: answers.get("audience") != "posyandu",
        ),
        ScopeTreeField(
            name="posyandu",
            prompt="coordinator.broadcast.ask.posyandu",
            label="coordinator.broadcast.label.posyandu",
            target="posyandu",
            when=_is("audience", "posyandu"),
        ),
        PreviewChoiceField(
            name="when",
            prompt="coordinator.broadcast.ask.when",
            label="coordinator.broadcast.label.when",
            choices_=(
                ("now", "coordinator.broadcast.when.now"),
                ("schedule", "coordinator.broadcast.when.schedule"),
            ),
            preview=_preview,
        ),
        ScheduleDateField(
            name="date",
            prompt="coordinator.broadcast.ask.date",
            label="coordinator.broadcast.label.date",
            when=_is("when", "schedule"),
        ),
        ScheduleTimeField(
            name="time",
            prompt="coordinator.broadcast.ask.time",
            label="coordinator.broadcast.label.time",
            when=_is("when", "schedule"),
        ),
    ),
    typical={"audience": "cadres", "when": "now"},
)


class BroadcastFlow(CoordinatorFlow, FormFlow):
    name = "coordinator_broadcast"
    spec = BROADCAST_FORM

    async def start(self, turn: Turn, **args: Any) -> None:
        await FormFlow.begin(self, turn, **args)

    async def step(self, turn: Turn, inp: Input) -> None:
        await FormFlow.handle(self, turn, inp)

    async def summary_header(self, turn: Turn, context: dict[str, Any]) -> str:
        answers = turn.state.data.get("answers", {})
        lines = [turn.t("coordinator.broadcast.summary_title")]
        found = await _resolved(turn, answers)
        if found is not None:
            lines.append(_preview_text(turn, *found))
        return "\n".join(lines)

    def confirm_labels(self, turn: Turn, answers: Answers) -> tuple[str, str]:
        if answers.get("when") == "schedule":  # not "Kirim sekarang?": it goes out later
            return turn.t("review.broadcast.confirm_schedule"), turn.t("review.broadcast.schedule")
        return super().confirm_labels(turn, answers)

    async def submit(self, turn: Turn, answers: dict[str, Any], context: dict[str, Any]) -> None:
        found = _audience(answers)
        assert found is not None
        audience, place = found
        when = None
        if answers.get("when") == "schedule":
            when = scheduled_at(answers["date"], answers["time"], turn.zone)
            if when <= turn.now:
                turn.say("coordinator.broadcast.err.past")
                turn.state.data.update(mode="edit", current="time", local={})
                await FormFlow.resume(self, turn)
                return
        attachment = answers.get("attachment")
        queued = await broadcasts.queue(
            turn.session,
            await self.scope(turn),
            actor=turn.person,
            origin=Identity(turn.identity.channel, turn.identity.address),
            audience=audience,
            label=audience_label(turn.t, audience.who, place),
            text=answers["text"],
            attachment=_outbox_attachment(attachment) if attachment else None,
            scheduled_at=when,
            now=turn.now,
        )
        if queued is None:
            turn.say("coordinator.broadcast.err.nobody")
            turn.state.data = {}
            await turn.goto(MENU)
            return
        broadcast = queued.broadcast
        count = number(queued.recipients, turn.lang)
        if when is None:
            turn.say("coordinator.broadcast.queued", number=broadcast.id, count=count)
        else:
            local = date_time(when, turn.lang, turn.zone, date_format="EEEE, d MMMM yyyy")
            turn.say(
                "coordinator.broadcast.scheduled",
                number=broadcast.id,
                count=count,
                when=f"{local} {zone_name(turn.zone)}",
            )
        turn.state.data = {}
        await turn.goto(MENU)


def _outbox_attachment(answer: dict[str, Any]) -> outbox.Attachment:
    """The attachment answer as the outbox keeps it (the media store's id stays with the media row)."""
    return outbox.Attachment(
        kind=answer["kind"],
        ref=answer["ref"],
        filename=answer.get("filename"),
        mime_type=answer.get("mime_type"),
    )
