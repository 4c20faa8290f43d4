"""Everything about programmes a flow or the CLI needs, loaded once: both knowledge bases and the matcher."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handlers.i18n import LANGUAGES
from handlers.programs.knowledge import KnowledgeBase, Topic, load_knowledge
from handlers.programs.matcher import Match, Matcher
from handlers.programs.normalize import load_normalizer

DEFAULT_LOCALES = Path(__file__).resolve().parents[2] / "locales"


@dataclass(frozen=True)
class Programs:
    """Read-only after loading; one instance serves every conversation."""

    bases: dict[str, KnowledgeBase]
    matcher: Matcher
    default_language: str = "id"

    @classmethod
    def load(cls, locales_dir: Path = DEFAULT_LOCALES, *, default_language: str = "id") -> Programs:
        bases = {lang: load_knowledge(locales_dir, lang) for lang in LANGUAGES}
        # One matcher over both languages: an English speaker may type Indonesian programme names and
        # the other way round; topic ids are shared, the answer comes in the person's language.
        matcher = Matcher(list(bases.values()), load_normalizer(locales_dir), model_dir=locales_dir)
        return cls(bases=bases, matcher=matcher, default_language=default_language)

    def base(self, lang: str) -> KnowledgeBase:
        return self.bases.get(lang) or self.bases[self.default_language]

    def topic(self, lang: str, topic_id: str) -> Topic:
        return self.base(lang)[topic_id]

    def match(self, text: str) -> Match:
        return self.matcher.match(text)
