"""The programme matcher as `kaderbot ask` uses it: a question in, an answer (text or JSON) out.

Every question is first checked for danger, as the chat does (handlers/safety): the JSON says which
kind (`"emergency"`: violence, suicide, medical, mental, neglect, trafficking, disaster) or null,
beside what the matcher read (`"topic"`, `"score"`) and the `"answer"` a person would read — on
danger, the chat's emergency answer (what to do and the numbers for that kind) instead of any
programme answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from handlers.i18n import Catalogues, Translator
from handlers.programs import Match, Programs
from handlers.programs.emergency import EmergencyNumbers
from handlers.programs.render import reply_text
from handlers.safety import DangerDetector


@dataclass(frozen=True)
class Asker:
    programs: Programs
    t: Translator
    detector: DangerDetector
    numbers: EmergencyNumbers
    _replies: dict[tuple[str | None, tuple[str, ...]], str] = field(default_factory=dict, init=False)

    @classmethod
    def load(cls, locales_dir: Path, lang: str, *, default_language: str = "id") -> Asker:
        catalogues = Catalogues.load(locales_dir, default_language=default_language)
        programs = Programs.load(locales_dir, default_language=default_language)
        detector, numbers = DangerDetector.load(locales_dir), EmergencyNumbers.load(locales_dir)
        return cls(programs, catalogues.translator(lang), detector, numbers)

    def answer(self, question: str) -> dict[str, object]:
        text = question.strip()
        kinds = self.detector.assess(text)
        match = self.programs.match(text)
        if kinds:
            answer = self.emergency_text(kinds)
        else:
            answer = self._reply(match)
        emergency = kinds[0] if kinds else None
        return {"topic": match.topic, "score": match.score, "answer": answer, "emergency": emergency}

    def _reply(self, match: Match) -> str:
        """The text for a topic (or for the same suggestions) is the same every time: made once."""
        key = (match.topic, match.suggestions)
        text = self._replies.get(key)
        if text is None:
            text = self._replies[key] = reply_text(self.t, self.programs.base(self.t.lang), match)
        return text

    def emergency_text(self, kinds: tuple[str, ...]) -> str:
        """The chat's emergency message (handlers/safety/answer.py) without the line about its TRC
        button; no region is known here, so the national numbers."""
        t = self.t
        lines = (n.line(t.lang) for n in self.numbers.for_danger(kinds, None))
        return "\n".join([t(f"safety.answer.{kinds[0]}"), *lines])

    def as_json(self, question: str) -> str:
        return json.dumps(self.answer(question), ensure_ascii=False)

    def as_text(self, question: str, *, batch: bool = False) -> str:
        answer = self.answer(question)
        text = str(answer["answer"])
        return f"> {question.strip()}\n{text}\n" if batch else text
