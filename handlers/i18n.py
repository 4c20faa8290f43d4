"""Message catalogues: gettext `.po` files under `locales/`, read with Babel.

Messages are addressed by stable keys (``report.ask.s``) so that both languages must carry every
message; placeholders use ``{name}``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LANGUAGES = ("id", "en")


class MissingMessage(KeyError):
    """A key is absent from a catalogue (raised only in strict mode, i.e. in tests)."""


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Catalogues:
    """All messages of all languages, loaded once and shared read-only."""

    messages: dict[str, dict[str, str]]
    default_language: str = "id"
    strict: bool = False
    # What is worked out from the messages once and asked for on every turn (e.g. the words that
    # name a standard button in any language): computed on first use, kept with the catalogues.
    derived: dict[object, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def load(cls, locales_dir: Path, *, default_language: str = "id", strict: bool = False) -> Catalogues:
        messages: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            table: dict[str, str] = {}
            # One catalogue file per part of the product (messages.po, residents.po, …), merged.
            for path in sorted((locales_dir / lang / "LC_MESSAGES").glob("*.po")):
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=lang)
                for m in catalog:
                    if not m.id or not isinstance(m.string, str) or not m.string:
                        continue
                    if str(m.id) in table:
                        raise ValueError(f"{path}: message {m.id!r} is defined twice")
                    table[str(m.id)] = str(m.string)
            messages[lang] = table
        return cls(messages, default_language, strict)

    def language(self, lang: str | None) -> str:
        return lang if lang in self.messages else self.default_language

    def text(self, lang: str, key: str, /, **params: object) -> str:
        table = self.messages.get(lang) or self.messages[self.default_language]
        template = table.get(key)
        if template is None:
            if self.strict:
                raise MissingMessage(f"{lang}:{key}")
            template = self.messages[self.default_language].get(key, key)
        return template.format(**params) if params else template

    def has(self, key: str) -> bool:
        return all(key in table for table in self.messages.values())

    def translator(self, lang: str) -> Translator:
        return Translator(self, self.language(lang))


@dataclass(frozen=True)
class Translator:
    """Catalogues bound to one person's language."""

    catalogues: Catalogues
    lang: str

    def __call__(self, key: str, /, **params: object) -> str:
        return self.catalogues.text(self.lang, key, **params)
