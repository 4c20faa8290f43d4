"""/hapusdata: erase everything KaderBot holds about the person, after they said so twice (a button,
then a typed word: it cannot be undone). What goes and what stays anonymised is decided in
storage/repositories/erasure.py; here the training places are given back first, so the waitlist
moves up as with any cancellation."""

from __future__ import annotations

import secrets
from typing import Any

from handlers import trainings
from handlers.flows.base import Flow
from handlers.turn import Input, Turn
from handlers.types import ClearOptions
from storage.repositories import cadre_directory, erasure, mother_links

CONFIRM, CANCEL = "confirm", "cancel"
CHILDREN_TOO, ONLY_ME = "children_too", "only_me"
# The word to type, per language; either is accepted whatever the language.
WORDS = {"id": "HAPUS", "en": "DELETE"}


def new_reference() -> str:
    """Opaque, random: nothing about the person can be read or guessed from it."""
    return "E-" + secrets.token_hex(4).upper()


async def erase(turn: Turn, *, children_too: bool = False) -> erasure.Erased:
    session, person = turn.session, turn.person
    cadre = await cadre_directory.of_person(session, person.id)
    if cadre is not None:
        for training_id in await erasure.active_seat_trainings(session, cadre.cadre_id):
            await trainings.cancel(session, training_id, cadre, now=turn.now, zone=turn.zone)
    erased = await erasure.erase_person(
        session, person.id, now=turn.now, reference=new_reference(), children_too=children_too
    )
    if turn.media is not None:  # their photos' bytes, where no one else's row keeps the same content
        for key in erased.media_keys:
            await turn.media.backend.delete(key)
    return erased


class EraseFlow(Flow):
    name = "privacy_erase"

    async def begin(self, turn: Turn, **args: Any) -> None:
        turn.state.data = {"step": "explain"}
        lines = [turn.t("privacy.erase.explain")]
        if turn.person.role == "cadre":
            lines.append(turn.t("privacy.erase.explain_cadre"))
        elif turn.person.role in ("coordinator", "admin"):
            lines.append(turn.t("privacy.erase.explain_staff"))
        if await mother_links.has_links(turn.session, turn.person.id):  # a mother (issue #17)
            lines.append(turn.t("mothers.erase.explain"))
        lines.append(turn.t("privacy.erase.ask"))
        turn.ask(
            "\n\n".join(lines),
            [(CONFIRM, turn.t("privacy.erase.yes")), (CANCEL, turn.t("privacy.erase.no"))],
        )

    async def handle(self, turn: Turn, inp: Input) -> None:
        step = turn.state.data.get("step")
        if inp.value == CANCEL or inp.is_back:
            await self.cancel(turn)
        elif step == "explain" and inp.value == CONFIRM and await self._is_mother(turn):
            turn.state.data = {"step": "children"}  # her children's data too? (issue #17)
            turn.ask(
                turn.t("mothers.erase.ask_child"),
                [
                    (CHILDREN_TOO, turn.t("mothers.erase.child_too")),
                    (ONLY_ME, turn.t("mothers.erase.only_me")),
                    (CANCEL, turn.t("privacy.erase.no")),
                ],
            )
        elif (step == "explain" and inp.value == CONFIRM) or (
            step == "children" and inp.value in (CHILDREN_TOO, ONLY_ME)
        ):
            turn.state.data = {"step": "word", "children_too": inp.value == CHILDREN_TOO}
            turn.ask(
                turn.t("privacy.erase.type_word", word=WORDS.get(turn.lang, WORDS["id"])),
                [(CANCEL, turn.t("privacy.erase.no"))],
            )
        elif step == "word" and (inp.text or "").strip().upper() in WORDS.values():
            erased = await erase(turn, children_too=bool(turn.state.data.get("children_too")))
            # The person, identity and conversation rows are gone; the core's save finds nothing
            # to update, and the next message starts as a new, unknown person.
            turn.state.data, turn.state.prompt, turn.state.flow = {}, None, "welcome"
            turn.replies.append(ClearOptions())
            turn.say("privacy.erase.done", reference=erased.reference)
        elif step == "word":
            turn.say("privacy.erase.wrong_word", word=WORDS.get(turn.lang, WORDS["id"]))
            turn.show_prompt()
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    @staticmethod
    async def _is_mother(turn: Turn) -> bool:
        return await mother_links.has_links(turn.session, turn.person.id)

    async def cancel(self, turn: Turn) -> None:
        turn.say("privacy.erase.kept")
        await turn.goto("menu")
