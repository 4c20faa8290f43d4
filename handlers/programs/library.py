"""Everything about programmes a flow or the CLI needs, loaded once: both knowledge bases and the matcher.

The matcher (numpy, Sastrawi's stemmer over every word of the knowledge bases, the trained topic
model) is built by the first question, not at start: a bot that is never asked one does not carry it
(issue #19, idle memory: about 14 MB of `kaderbot run`'s resident set). Building it costs that first
question some 0.3 s, once per process (benchmarks/bench_memory.py prints it).

In a turn, that build does not run inside the turn's transaction, which holds the SQLite write lock
(and the turn lock of storage/turns.py): `match` raises `NotPrepared` there, and the core builds the
matcher in a worker thread (`prepare`), with no lock held, before it runs the turn again. Another
person's turn meanwhile goes on instead of waiting for the build."""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from handlers.i18n import LANGUAGES
from handlers.programs.knowledge import KnowledgeBase, Topic, load_knowledge
from handlers.turn import NotPrepared, in_transaction

if TYPE_CHECKING:
    from handlers.programs.matcher import Match, Matcher

DEFAULT_LOCALES = Path(__file__).resolve().parents[2] / "locales"
_BUILDING = threading.Lock()  # one build at a time, whichever thread asks first


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
        with _BUILDING:
            built = self.__dict__.get("matcher")  # built by another thread while this one waited
            return built if built is not None else self._build()

    def _build(self) -> Matcher:
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

    @property
    def prepared(self) -> bool:
        return "matcher" in self.__dict__

    async def prepare(self) -> None:
        """Build the matcher in a worker thread, if it is not built yet."""
        if not self.prepared:
            await asyncio.to_thread(lambda: self.matcher)

    def match(self, text: str) -> Match:
        if not self.prepared and in_transaction():
            raise NotPrepared("the programme matcher", self.prepare)
        return self.matcher.match(text)
