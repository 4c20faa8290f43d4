"""/pelatihan_baru for coordinators: title, certified or not, date and time (local zone), place,
quota and target region (within the coordinator's scope) → summary → create."""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers import trainings as seats
from handlers.access import require_region
from handlers.flows.coordinator_common import CoordinatorFlow
from handlers.flows.coordinator_fields import ScopeTreeField
from handlers.flows.training_fields import TrainingDateField, TrainingTimeField
from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import ChoiceField, IntField, TextField
from handlers.scheduling.rules import local_at
from handlers.turn import Input, Turn

TRAINING_FORM = FormSpec(
    name="training_create",
    title="training.create.title",
    fields=(
        TextField(
            name="title",
            prompt="training.create.ask.title",
            label="training.create.label.title",
            min_length=5,
            max_length=160,
            needs_letters=True,
        ),
        ChoiceField(
            name="certified",
            prompt="training.create.ask.certified",
            label="training.create.label.certified",
            choices_=(("yes", "training.create.certified.yes"), ("no", "training.create.certified.no")),
        ),
        TrainingDateField(name="date", prompt="training.create.ask.date", label="training.create.label.date"),
        TrainingTimeField(name="time", prompt="training.create.ask.time", label="training.create.label.time"),
        TextField(
            name="place",
            prompt="training.create.ask.place",
            label="training.create.label.place",
            min_length=3,
            max_length=240,
            needs_letters=True,
        ),
        IntField(
            name="quota",
            prompt="training.create.ask.quota",
            label="training.create.label.quota",
            minimum=1,
            maximum=1000,
        ),
        ScopeTreeField(
            name="region", prompt="training.create.ask.region", label="training.create.label.region"
        ),
    ),
)


class TrainingCreateFlow(CoordinatorFlow, FormFlow):
    name = "training_create"
    spec = TRAINING_FORM

    async def start(self, turn: Turn, **args: Any) -> None:
        await FormFlow.begin(self, turn, **args)

    async def step(self, turn: Turn, inp: Input) -> None:
        await FormFlow.handle(self, turn, inp)

    async def submit(self, turn: Turn, answers: dict[str, Any], context: dict[str, Any]) -> None:
        region = await require_region(turn.session, await self.scope(turn), answers["region"]["code"])
        hour, minute = (int(part) for part in answers["time"].split(":"))
        starts_at = local_at(dt.date.fromisoformat(answers["date"]), dt.time(hour, minute), turn.zone)
        if starts_at <= turn.now:
            turn.say("training.err.past")
            turn.state.data.update(mode="edit", current="time", local={})
            await FormFlow.resume(self, turn)
            return
        training = await seats.create(
            turn.session,
            actor=turn.person,
            title=answers["title"],
            certified=answers["certified"] == "yes",
            starts_at=starts_at,
            place=answers["place"],
            quota=int(answers["quota"]),
            region_code=region.code,
            now=turn.now,
        )
        turn.say("training.create.done", title=training.title, region=region.name)
        turn.state.data = {}
        await turn.goto("training_admin", training=training.id)
