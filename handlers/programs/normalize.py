"""Turn a question as residents type it into plain tokens: case, punctuation, stretched letters,
reduplication ("anak2"), money shorthand and a slang/abbreviation dictionary kept as data."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when PyYAML has it

_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")  # three or more of one letter: "tolonggg", "bangettt"
_REDUP_DIGIT = re.compile(r"^([^\W\d_]{2,})2$")  # "anak2", "tiba2"
_MONEY_K = re.compile(r"^(\d+)(?:rb|ribu|k)$")  # "200rb", "250k"
_MONEY_000 = re.compile(r"^(?:rp)?(\d{1,3})[.,]000$")  # "200.000", "rp200.000"
_RP = re.compile(r"^rp(\d.*)$")
EXPANDED_WORDS = 65_536  # distinct words whose clean-up is remembered


@dataclass(frozen=True)
class Normalizer:
    """Deterministic text clean-up shared by the knowledge base and the questions matched against it."""

    replacements: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ignore: frozenset[str] = (
        frozenset()
    )  # words that say nothing about the topic (fillers, greetings, places)
    off_topic: frozenset[str] = frozenset()  # words naming services outside the knowledge base
    _expanded: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, compare=False, repr=False)

    def tokens(self, text: str) -> list[str]:
        cleaned = unicodedata.normalize("NFKC", text).casefold()
        out: list[str] = []
        expanded = self._expanded  # each distinct word is cleaned up once (bounded)
        for raw in _WORD.findall(cleaned):
            tokens = expanded.get(raw)
            if tokens is None:
                if len(expanded) >= EXPANDED_WORDS:
                    expanded.clear()
                tokens = expanded[raw] = tuple(t for t in self._expand(raw) if t and t not in self.ignore)
            out.extend(tokens)
        return out

    def normalize(self, text: str) -> str:
        return " ".join(self.tokens(text))

    def _expand(self, raw: str) -> tuple[str, ...]:
        token = _STRETCH.sub(r"\1", raw.replace("’", "").replace("'", ""))
        if token in self.replacements:
            return self.replacements[token]
        if m := _MONEY_000.match(token) or _MONEY_K.match(token):
            return (m[1], "ribu")
        if m := _RP.match(token):
            token = m[1]
        if "-" in token or "." in token:
            parts = [p for p in re.split(r"[.\-]", token) if p]
            if len(parts) == 2 and parts[0] == parts[1]:
                token = parts[0]  # "anak-anak": the plural says nothing more than "anak"
            else:
                joined = "".join(parts)  # "e-warong", "siks-ng", "lapor.go.id" as one token
                return self.replacements.get(joined, (joined,))
        if m := _REDUP_DIGIT.match(token):
            token = m[1]
        return self.replacements.get(token, (token,))


def load_normalizer(locales_dir: Path) -> Normalizer:
    """The slang dictionaries of every language (`locales/*/slang.yaml`), merged."""
    plain = Normalizer()
    replacements: dict[str, tuple[str, ...]] = {}
    ignore: set[str] = set()
    off_topic: set[str] = set()
    for path in sorted(locales_dir.glob("*/slang.yaml")):
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        for key, value in (raw.get("tokens") or {}).items():
            # Targets get the same clean-up as questions ("anak-anak" → "anak"), not the slang again.
            replacements[str(key).casefold()] = tuple(plain.tokens(str(value)))
        ignore.update(str(word).casefold() for word in raw.get("ignore") or ())
        off_topic.update(str(word).casefold() for word in raw.get("off_topic") or ())
    return Normalizer(replacements=replacements, ignore=frozenset(ignore), off_topic=frozenset(off_topic))
