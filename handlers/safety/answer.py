"""The safety net's answer: before any flow reads a typed message, the core asks `SafetyFlow.intercept`;
on danger the person gets, in one message, the numbers for that kind of danger (112, the national
lines, the region's own contacts where KaderBot knows the region) and buttons: report it to the TRC
now (the urgent ticket, pre-filled with what was typed), go back to what they were doing (a form
keeps every answer), or the main menu.

Which typed text is checked how (see `context_of`):

* Everything typed is checked, in every flow and state — the welcome, before consent, a menu, a
  form's question, a ticket's description — except inside the urgent TRC report itself (the person
  is already reporting the danger and has just been shown the numbers).
* Free text that records the past or announces something is read in the stricter ``record``
  context: the monthly report's notes (``notes``), the reason a Posyandu day was not held
  (``not_held_reason``) and where it was held (``place_note``); and everything coordinators type in
  their own flows (notices, training titles, ticket notes, verification, incentives). There
  "bumil pendarahan sudah dirujuk ke puskesmas" is a record, not an alarm, while "saya mau bunuh
  diri" or "tolong, ibu hamil pendarahan sekarang" still gets the emergency answer.
* Button presses and commands are not checked (they are not free text).
* After "back to where I was", the very words that raised the alarm, typed again at that same
  question, are taken as the answer (a ticket about a flood, a coordinator's flood notice): the
  person has seen the numbers, and must not be caught in a loop. Other words are checked as ever.
* On the emergency screen, typed text that is none of its buttons has been checked for danger like
  any other (danger: the emergency answer again). Otherwise the person leaves the safety screen and
  the text is an ordinary message where they were: the flow in progress is back, with its answers,
  and receives it as an answer to its question; with nothing in progress the menu takes it (free
  text there is a programme question). A person caught by a false alarm goes on by typing.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from handlers.flows.base import Flow
from handlers.forms.answers import say_pick_number
from handlers.programs.emergency import EmergencyNumbers
from handlers.report_fields import record_field_names
from handlers.safety.detector import DangerDetector
from handlers.state import Prompt
from handlers.turn import Input, Turn
from storage.repositories import cadre_directory, scopes, tickets

NAME = "safety"
TRC_FLOW = "resident_trc"
TYPED_CHARS = 500  # what is kept of the typed message, to pre-fill the urgent report
SEEN = "safety_seen"  # in a flow's data after going back: the question and text already answered

# Flows whose typed text is not checked at all: the urgent report is the answer to danger already.
UNCHECKED_FLOWS = frozenset({TRC_FLOW})
# Free text about the past, or written for others, read in the stricter "record" context.
# The report's SPM sections add their own (locales/report_fields.yaml, `context: record`).
RECORD_FIELDS: dict[str, frozenset[str]] = {
    "report": frozenset({"notes", "not_held_reason", "place_note"}) | record_field_names()
}
RECORD_FLOWS = frozenset(
    {
        "coordinator_broadcast",
        "coordinator_tickets",
        "coordinator_verify",
        "training_create",
        "training_admin",
        "incentive_admin",
    }
)


def context_of(flow: str, data: dict[str, Any]) -> str | None:
    """How to read free text typed in this state: "chat", "record", or None (not checked)."""
    if flow in UNCHECKED_FLOWS:
        return None
    if flow in RECORD_FLOWS or data.get("current") in RECORD_FIELDS.get(flow, ()):
        return "record"
    return "chat"


class SafetyFlow(Flow):
    """The emergency answer, and the choices after it. Its data: the kinds of danger, the typed text
    (NIK masked) and where the person was (flow, data, question on screen), to go back to."""

    name = NAME

    def __init__(self, detector: DangerDetector, numbers: EmergencyNumbers) -> None:
        self.detector = detector  # read-only, shared by every conversation
        self.numbers = numbers

    async def intercept(self, turn: Turn, text: str | None) -> bool:
        """Check one typed message; on danger, answer it here and return True."""
        if not text or not text.strip():
            return False
        context = context_of(turn.state.flow, turn.state.data)
        if context is None or _retyped(turn, text):
            return False
        kinds = self.detector.assess(text, context=context)
        if not kinds:
            return False
        await self._interrupt(turn, kinds, text)
        return True

    async def _interrupt(self, turn: Turn, kinds: Sequence[str], text: str) -> None:
        state = turn.state
        typed = tickets.mask_nik(" ".join(text.split()))[:TYPED_CHARS]
        if state.flow == NAME:
            back = state.data.get("back")  # a second message in a row: keep the first way back
        else:
            flow = turn.flows.get(state.flow)
            park = getattr(flow, "park", None)
            if park is not None:
                park(turn)  # a form's answers become a draft at once: nothing is lost, whatever comes next
            back = {
                "flow": state.flow,
                "data": copy.deepcopy(state.data),
                "prompt": None if state.prompt is None else state.prompt.to_json(),
            }
        region = await self._region(turn, back)
        state.flow = NAME
        state.data = {"kinds": list(kinds), "text": typed, "back": back if _worth_returning(back) else None}
        self._ask(turn, kinds, region)

    async def begin(self, turn: Turn, **args: Any) -> None:
        """Reached by a command or a stale state: nothing to answer, so the menu."""
        await turn.goto("menu")

    async def resume(self, turn: Turn) -> None:
        if turn.state.prompt is not None:
            turn.show_prompt()
        else:
            await turn.goto("menu")

    async def handle(self, turn: Turn, inp: Input) -> None:
        data = turn.state.data
        if inp.value == "trc":
            await turn.goto(TRC_FLOW, typed=data.get("text"))
        elif inp.value == "back" and data.get("back"):
            await self._go_back(turn, data["back"])
        elif inp.value == "menu":
            await turn.goto("menu")
        elif not data.get("back") and say_pick_number(turn, inp):
            return  # '7' on a screen of 3 buttons, nothing in progress: "pick 1–3" (in a form: an answer)
        elif inp.value is None and inp.text and inp.text.strip():
            await self._carry_on(turn, data.get("back"), inp)
        else:
            turn.say("safety.pick")
            turn.show_prompt()

    # -- steps ---------------------------------------------------------------------------------
    def _ask(self, turn: Turn, kinds: Sequence[str], region: str | None) -> None:
        t = turn.t
        numbers = self.numbers.for_danger(kinds, region)
        text = t(
            "safety.answer",
            headline=t(f"safety.answer.{kinds[0]}"),
            numbers="\n".join(n.line(turn.lang) for n in numbers),
            trc=t("safety.answer.trc"),
        )
        rows = [("trc", t("safety.button.trc"))]
        if turn.state.data.get("back"):
            rows.append(("back", t("safety.button.back")))
        rows.append(("menu", t("safety.button.menu")))
        turn.ask(text, rows)

    async def _go_back(self, turn: Turn, back: dict[str, Any]) -> None:
        """Return to the flow and question the person left, answers intact."""
        state = turn.state
        typed = _plain(state.data.get("text") or "")
        _restore(turn, back)
        await turn.resume()
        # The same words typed again at this question are an answer the person chose to give (a
        # coordinator's flood notice, a ticket about a flood), not a second alarm: no loop.
        state.data[SEEN] = {"turn": state.turn, "text": typed}

    async def _carry_on(self, turn: Turn, back: dict[str, Any] | None, inp: Input) -> None:
        """Typed text that raised no alarm, on the emergency screen: an ordinary message where the
        person was — the flow in progress receives it (as if typed at its question), or the menu."""
        from handlers.core import typed_input  # the core imports the flows: read it when needed

        state = turn.state
        if back:
            _restore(turn, back)
        else:
            state.flow, state.data, state.prompt = "menu", {}, None
        await turn.flows[state.flow].handle(turn, typed_input(turn, inp.text, inp.attachments))

    async def _region(self, turn: Turn, back: dict[str, Any] | None) -> str | None:
        """The region KaderBot knows for this person: the one just chosen in a form, their Posyandu's,
        the area they coordinate, or that of their latest ticket."""
        answers = ((back or {}).get("data") or {}).get("answers") or {}
        chosen = answers.get("region")
        if isinstance(chosen, dict) and chosen.get("code"):
            return str(chosen["code"])
        person = turn.person
        if person.role == "cadre":
            cadre = await cadre_directory.of_person(turn.session, person.id)
            if cadre is not None:
                return cadre.region_code
        if person.role in ("coordinator", "admin"):
            codes = await scopes.codes_of(turn.session, person.id)
            if codes:
                return codes[0]
        if person.id is not None:
            latest = await tickets.of_person(turn.session, person.id, limit=1)
            if latest:
                return latest[0].region_code
        return None


def _restore(turn: Turn, back: dict[str, Any]) -> None:
    """The flow, data and question the person left, as they were."""
    state = turn.state
    state.drafts.pop(back["flow"], None)  # parked when the danger came; it is live again
    state.flow, state.data = back["flow"], back["data"]
    state.prompt = Prompt(**back["prompt"]) if back.get("prompt") else None


def _retyped(turn: Turn, text: str) -> bool:
    seen = turn.state.data.get(SEEN)
    return isinstance(seen, dict) and seen.get("turn") == turn.state.turn and seen.get("text") == _plain(text)


def _plain(text: str) -> str:
    return " ".join(tickets.mask_nik(text).casefold().split())[:TYPED_CHARS]


def _worth_returning(back: dict[str, Any] | None) -> bool:
    """A way back is offered from anything but the main menu (which is a button of its own)."""
    return back is not None and back["flow"] not in ("menu", NAME)
