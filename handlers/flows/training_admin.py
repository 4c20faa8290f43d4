"""Trainings for coordinators (/pelatihan): the trainings in their regions, each with its sign-ups and
waitlist; a new one; and attendance, recorded from the training's day on. Attended certified
trainings appear in the cadre's /sertifikat."""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers import trainings as seats
from handlers.access import require_region
from handlers.flows.coordinator_common import MENU, CoordinatorFlow
from handlers.flows.privacy_audit import LISTED, personal_data_seen
from handlers.flows.training_cadre import when_text
from handlers.turn import Input, Turn
from storage.models_training import Training
from storage.repositories import trainings

NEW = "new"
BACK = "back"
ATTENDANCE = "attendance"
DONE = "done"
RECENT = dt.timedelta(days=60)  # past trainings stay listed this long, for attendance
NAMES_SHOWN = 30


class TrainingAdminFlow(CoordinatorFlow):
    name = "training_admin"

    async def start(self, turn: Turn, *, training: int | None = None, **args: Any) -> None:
        if training is not None:
            await self._show(turn, await self._training(turn, training))
            return
        await self._list(turn)

    async def step(self, turn: Turn, inp: Input) -> None:
        step = turn.state.data.get("step")
        if inp.value == MENU:
            await turn.goto(MENU)
        elif step == "detail":
            await self._on_detail(turn, inp)
        elif step == "attendance":
            await self._on_attendance(turn, inp)
        else:
            await self._on_list(turn, inp)

    async def _training(self, turn: Turn, training_id: int) -> Training:
        """The training, if it is for a region within the scope (else OutOfScope ends the flow)."""
        training = await trainings.get(turn.session, training_id)
        await require_region(turn.session, await self.scope(turn), training.region_code if training else None)
        assert training is not None
        return training

    # -- the list ---------------------------------------------------------------------------

    async def _list(self, turn: Turn) -> None:
        scope = await self.scope(turn)
        found = await trainings.in_scope(turn.session, scope.sql_roots, since=turn.now - RECENT)
        counts = await trainings.counts(turn.session, (t.id for t in found))
        rows: list[tuple[str, str, str | None]] = [
            (
                f"t{t.id}",
                t.title,
                turn.t(
                    "training.admin.row", when=when_text(turn, t), taken=counts[t.id].taken, quota=t.quota
                ),
            )
            for t in found
        ]
        rows.append((NEW, turn.t("training.admin.new"), None))
        rows.append((MENU, turn.t("training.nav.menu"), None))
        turn.state.data = {"step": "list"}
        key = "training.admin.list" if found else "training.admin.empty"
        turn.ask(turn.t(key, count=len(found)), rows)

    async def _on_list(self, turn: Turn, inp: Input) -> None:
        value = inp.value or ""
        if value == NEW:
            await turn.goto("training_create")
        elif value.startswith("t") and value[1:].isdigit():
            await self._show(turn, await self._training(turn, int(value[1:])))
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    # -- one training -----------------------------------------------------------------------

    async def _show(self, turn: Turn, training: Training) -> None:
        counts = (await trainings.counts(turn.session, [training.id]))[training.id]
        region = await require_region(turn.session, await self.scope(turn), training.region_code)
        people = await trainings.participants(
            turn.session, training.id, ("registered", "attended", "waitlisted")
        )
        lines = [
            turn.t(
                "training.admin.detail",
                title=training.title,
                when=when_text(turn, training),
                place=training.place,
                region=region.name,
                registered=counts.taken,
                quota=training.quota,
                waiting=counts.waitlisted,
                attended=counts.attended,
            ),
            turn.t("training.certified" if training.certified else "training.not_certified"),
        ]
        if people:
            await personal_data_seen(
                turn, LISTED, f"training {training.id}", what="training", training_id=training.id
            )
            lines.append("")
            lines += [turn.t(f"training.admin.person.{p.status}", name=p.name) for p in people[:NAMES_SHOWN]]
            if len(people) > NAMES_SHOWN:
                lines.append(turn.t("training.admin.more", count=len(people) - NAMES_SHOWN))
        rows = []
        if self._begun(turn, training) and counts.taken:
            rows.append((ATTENDANCE, turn.t("training.admin.attendance")))
        rows.append((BACK, turn.t("training.nav.list")))
        rows.append((MENU, turn.t("training.nav.menu")))
        turn.state.data = {"step": "detail", "training": training.id}
        turn.ask("\n".join(lines), rows)

    @staticmethod
    def _begun(turn: Turn, training: Training) -> bool:
        """Attendance can be recorded from the training's (local) day on."""
        return turn.today >= training.starts_at.astimezone(turn.zone).date()

    async def _on_detail(self, turn: Turn, inp: Input) -> None:
        training = await self._training(turn, int(turn.state.data["training"]))
        if inp.value == BACK:
            await self._list(turn)
        elif inp.value == ATTENDANCE and self._begun(turn, training):
            await self._attendance(turn, training)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    # -- attendance -------------------------------------------------------------------------

    async def _attendance(self, turn: Turn, training: Training) -> None:
        people = await trainings.participants(turn.session, training.id)
        await personal_data_seen(
            turn, LISTED, f"training {training.id}", what="attendance", training_id=training.id
        )
        rows = [(f"s{p.seat_id}", turn.t(f"training.admin.tick.{p.status}", name=p.name)) for p in people]
        rows.append((DONE, turn.t("training.admin.attendance_done")))
        turn.state.data = {"step": "attendance", "training": training.id}
        turn.ask(turn.t("training.admin.attendance_ask", title=training.title), rows)

    async def _on_attendance(self, turn: Turn, inp: Input) -> None:
        training = await self._training(turn, int(turn.state.data["training"]))
        value = inp.value or ""
        if value == DONE:
            counts = (await trainings.counts(turn.session, [training.id]))[training.id]
            turn.say("training.admin.attendance_saved", attended=counts.attended)
            await self._show(turn, training)
            return
        people = {p.seat_id: p for p in await trainings.participants(turn.session, training.id)}
        seat_id = int(value[1:]) if value.startswith("s") and value[1:].isdigit() else None
        if seat_id not in people or not self._begun(turn, training):
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        attended = people[seat_id].status != "attended"
        await seats.set_attended(turn.session, training, seat_id, attended=attended, now=turn.now)
        await self._attendance(turn, training)
