"""/sertifikat: the certified trainings a cadre attended (attendance recorded by the coordinator)."""

from __future__ import annotations

from typing import Any

from handlers.flows.base import Flow
from handlers.scheduling.formats import day
from handlers.turn import Input, Turn
from storage.repositories import cadre_directory, trainings


class CertificatesFlow(Flow):
    name = "certificates"
    needs_consent = True
    roles = frozenset({"cadre"})

    async def begin(self, turn: Turn, **args: Any) -> None:
        cadre = await cadre_directory.of_person(turn.session, turn.person.id)
        if cadre is None:
            turn.say("report.not_cadre")
            await turn.goto("menu")
            return
        attended = await trainings.attended_certified(turn.session, cadre.cadre_id)
        if not attended:
            turn.say("certificates.none")
        else:
            lines = [turn.t("certificates.title", count=len(attended))]
            lines += [
                turn.t(
                    "certificates.line",
                    title=t.title,
                    date=day(t.starts_at.astimezone(turn.zone).date(), turn.lang),
                    place=t.place,
                )
                for t in attended
            ]
            turn.say_text("\n".join(lines))
        await turn.goto("menu")

    async def handle(self, turn: Turn, inp: Input) -> None:
        await turn.goto("menu")
