"""The programme matcher as `kaderbot ask` uses it: a question in, an answer (text or JSON) out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from handlers.i18n import Catalogues, Translator
from handlers.programs import Programs
from handlers.programs.render import reply_text


@dataclass(frozen=True)
class Asker:
    programs: Programs
    t: Translator

    @classmethod
    def load(cls, locales_dir: Path, lang: str, *, default_language: str = "id") -> Asker:
        catalogues = Catalogues.load(locales_dir, default_language=default_language)
        programs = Programs.load(locales_dir, default_language=default_language)
        return cls(programs, catalogues.translator(lang))

    def answer(self, question: str) -> dict[str, object]:
        match = self.programs.match(question.strip())
        text = reply_text(self.t, self.programs.base(self.t.lang), match)
        return {"topic": match.topic, "score": match.score, "answer": text}

    def as_json(self, question: str) -> str:
        return json.dumps(self.answer(question), ensure_ascii=False)

    def as_text(self, question: str, *, batch: bool = False) -> str:
        answer = self.answer(question)
        text = str(answer["answer"])
        return f"> {question.strip()}\n{text}\n" if batch else text
