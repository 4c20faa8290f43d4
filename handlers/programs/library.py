"""Everything about programmes a flow or the CLI needs, loaded once: both knowledge bases and the matcher.

The matcher (numpy, Sastrawi's stemmer over every word of the knowledge bases, the trained topic
model) is built by the first question, not at start: a bot that is never asked one does not carry it
(issue #19, idle memory: about 14 MB of `kaderbot run`'s resident set). Building it costs that first
question some 0.2 s, once per process (benchmarks/bench_memory.py prints it)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from handlers.i18n import LANGUAGES
from handlers.programs.knowledge import KnowledgeBase, Topic, load_knowledge

if TYPE_CHECKING:
    from handlers.programs.matcher import Match, Matcher

DEFAULT_LOCALES = Path(__file__).resolve().parents[2] / "locales"


@dataclass(frozen=True)
class Programs:
    """Read-only after loading (the matcher once built); one instance serves every conversation."""

    bases: dict[str, KnowledgeBase]
    locales_dir: Path = DEFAULT_LOCALES
    default_language: str = "id"

    @classmethod
    def load(cls, locales_dir: Path = DEFAULT_LOCALES, *, default_language: str = "id") -> Programs:
        bases = {lang: load_knowledge(locales_dir, lang) for lang in LANGUAGES}
        return cls(bases=bases, locales_dir=locales_dir, default_language=default_language)

    @functools.cached_property
    def matcher(self) -> Matcher:
        """Built on first use. One matcher over both languages: an English speaker may type Indonesian
        programme names and the other way round; topic ids are shared, the answer comes in the
        person's language."""
        # The matcher's arrays are small: numpy's BLAS threads would only cost their start (numpy's
        # import took 130 → 70 ms with one) and memory. An operator's own setting is kept.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        from handlers.programs.matcher import Matcher
        from handlers.programs.normalize import load_normalizer

        return Matcher(
            list(self.bases.values()), load_normalizer(self.locales_dir), model_dir=self.locales_dir
        )

    def base(self, lang: str) -> KnowledgeBase:
        return self.bases.get(lang) or self.bases[self.default_language]

    def topic(self, lang: str, topic_id: str) -> Topic:
        return self.base(lang)[topic_id]

    def match(self, text: str) -> Match:
        return self.matcher.match(text)
