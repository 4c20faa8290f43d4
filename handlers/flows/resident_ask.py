"""Tanya program: a question in everyday Indonesian → one screen with the gist and the next step, or,
when the matcher is not sure, the closest topics and a way to ask a person. Below the answer:
"Selengkapnya" (the rest), "Sumber" (sources and check date), the topic's own action, ask again,
ask a person, main menu."""

from __future__ import annotations

from typing import Any

from handlers.flows.base import Flow
from handlers.programs import Programs
from handlers.programs.render import first_screen, more_text, source_text
from handlers.safety.floor import BUTTON as FLOOR_BUTTON
from handlers.safety.floor import TRC_FLOW, floor_option, with_floor
from handlers.turn import Input, Turn
from storage.repositories import tickets

TOPIC = "t:"  # option value prefix: "t:pkh" shows the PKH answer
QUESTION_CHARS = 500  # the question kept, to hand to a person if asked

# The concrete step a topic leads to in this chat, beyond the "next step" text of its answer.
NEXT_ACTIONS: dict[str, tuple[str, str]] = {
    "sekolah_rakyat": ("resident_sr_check", "resident.menu.sr_check"),
    "dtsen": ("resident_ticket", "resident.ask.action.update_data"),
    "dtsen_usulan": ("resident_ticket", "resident.ask.action.update_data"),
    "bansos_pencairan": ("resident_ticket", "resident.menu.ticket"),
    "kekerasan_ppa": ("resident_trc", "resident.menu.trc"),
    "pengaduan": ("resident_ticket", "resident.menu.ticket"),
    "trc": ("resident_trc", "resident.menu.trc"),
    "bencana": ("resident_trc", "resident.menu.trc"),
}


class ResidentAskFlow(Flow):
    name = "resident_ask"

    def __init__(self, programs: Programs) -> None:
        self.programs = programs  # read-only knowledge base and matcher, shared by every conversation

    async def begin(
        self, turn: Turn, *, question: str | None = None, topic: str | None = None, **args: Any
    ) -> None:
        turn.state.data = {}
        if topic in self.programs.base(turn.lang):
            self._show(turn, str(topic))
        elif question and question.strip():
            await self._answer(turn, question)
        else:
            self._prompt(turn)

    async def resume(self, turn: Turn) -> None:
        if turn.state.prompt is not None:
            turn.show_prompt()
        else:
            self._prompt(turn)

    async def handle(self, turn: Turn, inp: Input) -> None:
        value = inp.value
        if value == "menu":
            await turn.goto("menu")
        elif value == "again":
            self._prompt(turn)
        elif value == "topics":
            self._topics(turn)
        elif (
            value is not None
            and value.startswith(TOPIC)
            and value[len(TOPIC) :] in self.programs.base(turn.lang)
        ):
            self._show(turn, value[len(TOPIC) :])
        elif value == "person":
            await self._to_person(turn)
        elif value == FLOOR_BUTTON:  # the safety floor under a refusal: the urgent report, pre-filled
            await turn.goto(TRC_FLOW, typed=turn.state.data.get("question"))
        elif value in ("more", "source") and turn.state.data.get("topic") in self.programs.base(turn.lang):
            self._detail(turn, value)
        elif value == "next" and turn.state.data.get("topic") in NEXT_ACTIONS:
            await turn.goto(NEXT_ACTIONS[turn.state.data["topic"]][0])
        elif value is None and inp.text and inp.text.strip():
            await self._answer(turn, inp.text)
        else:
            turn.say("form.err.pick_option")
            await self.resume(turn)

    # -- steps ---------------------------------------------------------------------------------
    def _prompt(self, turn: Turn) -> None:
        turn.state.data = {}
        turn.ask(
            turn.t("resident.ask.prompt"),
            [("topics", turn.t("resident.ask.all_topics")), ("menu", turn.t("resident.ask.menu"))],
        )

    def _topics(self, turn: Turn) -> None:
        rows = [(f"{TOPIC}{topic.id}", topic.title) for topic in self.programs.base(turn.lang)]
        rows.append(("menu", turn.t("resident.ask.menu")))
        turn.ask(turn.t("resident.ask.pick_topic"), rows)

    async def _answer(self, turn: Turn, question: str) -> None:
        number = tickets.parse_number(question)
        if number is not None:  # a ticket number typed as a question: show its status
            await turn.goto("resident_status", number=number)
            return
        match = self.programs.match(question)
        turn.state.data = {"question": question.strip()[:QUESTION_CHARS]}
        if match.topic is not None:
            self._show(turn, match.topic)
            return
        base = self.programs.base(turn.lang)
        rows = [(f"{TOPIC}{topic_id}", base[topic_id].title) for topic_id in match.suggestions]
        rows += [
            ("person", turn.t("resident.ask.person")),
            ("topics", turn.t("resident.ask.all_topics")),
            ("menu", turn.t("resident.ask.menu")),
            floor_option(turn.t),
        ]
        # The apology is said once: /bantuan shows the choices again without it.
        key = "review.ask.did_you_mean" if match.suggestions else "review.ask.out_of_scope"
        question = with_floor(turn.t, turn.t(key), button=True)
        turn.ask(question, rows, lead=turn.t(f"{key}.sorry"))

    def _show(self, turn: Turn, topic_id: str) -> None:
        """The first screen: gist and next step in one message, the rest one tap away."""
        turn.state.data["topic"] = topic_id
        turn.state.data.pop("shown", None)
        topic = self.programs.topic(turn.lang, topic_id)
        turn.ask(first_screen(turn.t, topic), self._options(turn, topic_id, shown=()))

    def _detail(self, turn: Turn, what: str) -> None:
        """'more' shows the rest of the answer, 'source' the sources and the day they were checked."""
        topic_id = str(turn.state.data["topic"])
        topic = self.programs.topic(turn.lang, topic_id)
        turn.say_text(more_text(turn.t, topic) if what == "more" else source_text(turn.t, topic))
        shown = tuple(sorted({*turn.state.data.get("shown", ()), what}))
        turn.state.data["shown"] = list(shown)
        turn.ask(turn.t("resident.ask.anything_else"), self._options(turn, topic_id, shown=shown))

    def _options(self, turn: Turn, topic_id: str, *, shown: tuple[str, ...]) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        if "more" not in shown:
            rows.append(("more", turn.t("resident.ask.more")))
        if "source" not in shown:
            rows.append(("source", turn.t("resident.ask.source")))
        action = NEXT_ACTIONS.get(topic_id)
        if action is not None and turn.person.consent_at is not None:
            rows.append(("next", turn.t(action[1])))
        rows += [
            ("again", turn.t("resident.ask.again")),
            ("person", turn.t("resident.ask.person")),
            ("menu", turn.t("resident.ask.menu")),
        ]
        return rows

    async def _to_person(self, turn: Turn) -> None:
        """A person answers through a ticket; without consent we cannot keep one, so ask for it first."""
        if turn.person.consent_at is None:
            turn.say("resident.ask.person_needs_consent")
            await turn.goto("welcome", step="consent")
            return
        await turn.goto("resident_ticket", question=turn.state.data.get("question"))
