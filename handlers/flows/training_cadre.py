"""/pelatihan for cadres: upcoming trainings for their region; sign up (a place, or the waitlist when
full) or cancel. Coordinators typing /pelatihan get their own screen (training_admin)."""

from __future__ import annotations

from typing import Any

from handlers import trainings as seats
from handlers.access import COORDINATOR_ROLES
from handlers.flows.base import Flow
from handlers.scheduling.formats import clock_time, weekday
from handlers.turn import Input, Turn
from storage.models_training import Training
from storage.repositories import cadre_directory, trainings
from storage.repositories.cadre_directory import CadreRow

MENU = "menu"
BACK = "back"


def when_text(turn: Turn, training: Training) -> str:
    start = training.starts_at
    return f"{weekday(start.astimezone(turn.zone).date(), turn.lang)}, {clock_time(start, turn.zone)}"


class TrainingFlow(Flow):
    name = "training"
    needs_consent = True
    roles = frozenset({"cadre", *COORDINATOR_ROLES})

    async def begin(self, turn: Turn, **args: Any) -> None:
        if turn.person.role in COORDINATOR_ROLES and not args.get("as_cadre"):  # a coordinator-cadre's menu
            await turn.goto("training_admin")
            return
        cadre = await self._cadre(turn)
        if cadre is not None:
            await self._list(turn, cadre)

    async def handle(self, turn: Turn, inp: Input) -> None:
        cadre = await self._cadre(turn)
        if cadre is None:
            return
        if inp.value == MENU:
            await turn.goto(MENU)
        elif turn.state.data.get("step") == "detail":
            await self._on_detail(turn, cadre, inp)
        else:
            await self._on_list(turn, cadre, inp)

    async def _cadre(self, turn: Turn) -> CadreRow | None:
        cadre = await cadre_directory.of_person(turn.session, turn.person.id)
        if cadre is None or cadre.verification == "rejected":
            turn.say("report.not_cadre")
            await turn.goto(MENU)
            return None
        return cadre

    async def _offered(self, turn: Turn, cadre: CadreRow) -> dict[int, Training]:
        return {t.id: t for t in await trainings.upcoming_for(turn.session, cadre.region_code, now=turn.now)}

    # -- the list ---------------------------------------------------------------------------

    async def _list(self, turn: Turn, cadre: CadreRow) -> None:
        offered = await self._offered(turn, cadre)
        if not offered:
            turn.say("training.none")
            await turn.goto(MENU)
            return
        mine = await trainings.seats_of_cadre(turn.session, cadre.cadre_id, offered)
        rows: list[tuple[str, str, str | None]] = []
        for training in offered.values():
            seat = mine.get(training.id)
            marker = turn.t(f"training.marker.{seat.status}") if seat and seat.status in seats.ACTIVE else ""
            rows.append((f"t{training.id}", f"{marker}{training.title}", when_text(turn, training)))
        rows.append((MENU, turn.t("training.nav.menu"), None))
        turn.state.data = {"step": "list"}
        turn.ask(turn.t("training.list", count=len(offered)), rows)

    async def _on_list(self, turn: Turn, cadre: CadreRow, inp: Input) -> None:
        value = inp.value or ""
        training = (await self._offered(turn, cadre)).get(int(value[1:])) if value[1:].isdigit() else None
        if training is None:
            turn.say("form.err.pick_option")
            await self._list(turn, cadre)
            return
        await self._show(turn, cadre, training)

    # -- one training -----------------------------------------------------------------------

    async def _show(self, turn: Turn, cadre: CadreRow, training: Training) -> None:
        counts = (await trainings.counts(turn.session, [training.id]))[training.id]
        seat = await trainings.seat(turn.session, training.id, cadre.cadre_id)
        lines = [
            turn.t(
                "training.detail",
                title=training.title,
                when=when_text(turn, training),
                place=training.place,
                free=max(0, training.quota - counts.taken),
                quota=training.quota,
                waiting=counts.waitlisted,
            ),
            turn.t("training.certified" if training.certified else "training.not_certified"),
        ]
        active = seat is not None and seat.status in seats.ACTIVE
        if seat is not None and seat.status == "registered":
            lines.append(turn.t("training.you.registered"))
        elif seat is not None and seat.status == "waitlisted":
            lines.append(
                turn.t("training.you.waitlisted", rank=await trainings.waitlist_rank(turn.session, seat))
            )
        rows = [
            ("cancel", turn.t("training.do.cancel"))
            if active
            else ("register", turn.t("training.do.register"))
        ]
        rows.append((BACK, turn.t("training.nav.list")))
        turn.state.data = {"step": "detail", "training": training.id}
        turn.ask("\n".join(lines), rows)

    async def _on_detail(self, turn: Turn, cadre: CadreRow, inp: Input) -> None:
        training = (await self._offered(turn, cadre)).get(int(turn.state.data.get("training", 0)))
        if training is None:
            turn.say("training.gone")
            await self._list(turn, cadre)
            return
        if inp.value == BACK:
            await self._list(turn, cadre)
        elif inp.value == "register":
            result = await seats.register(turn.session, training.id, cadre, now=turn.now)
            if result.status == "waitlisted":
                turn.say("training.done.waitlisted", rank=result.rank)
            else:
                turn.say(f"training.done.{result.status}")
            await self._show(turn, cadre, training)
        elif inp.value == "cancel":
            cancelled = await seats.cancel(turn.session, training.id, cadre, now=turn.now, zone=turn.zone)
            turn.say("training.done.cancelled" if cancelled.done else "training.done.not_registered")
            await self._list(turn, cadre)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()
