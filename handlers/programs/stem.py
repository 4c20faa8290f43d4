"""Affix stripping for words the knowledge base does not know as typed.

No root dictionary: `variants` lists what a word might be without its Indonesian particles,
suffixes and prefixes (with the nasal sound change undone: "menulis" → "tulis", "pemakai" →
"pakai") or its English ending; the matcher takes the first variant it knows. A word it already
knows is never stripped, so "sekolah" stays "sekolah".
"""

from __future__ import annotations

_SUFFIXES = ("nya", "lah", "kah", "pun", "ku", "mu", "kan", "an", "i", "annya", "kannya", "inya")
_PREFIXES = (
    "me", "mem", "men", "meng", "meny", "di", "ke", "ter", "ber", "pe", "pem", "pen", "peng",
    "peny", "per", "se",
)  # fmt: skip
# A nasal prefix swallows the root's first consonant before a vowel: meN + tulis → menulis.
_NASAL = {"meny": "s", "peny": "s", "mem": "p", "pem": "p", "men": "t", "pen": "t", "meng": "k", "peng": "k"}
_ENGLISH = ("'s", "s", "es", "ed", "ing", "ly")
_VOWELS = frozenset("aeiou")
MIN_ROOT = 4  # shorter "roots" are mostly other words: "berapa" is not "apa"


def variants(word: str) -> list[str]:
    """Possible roots of `word`, the least stripped first. `word` itself is not included."""
    if not word.isalpha() or len(word) <= MIN_ROOT + 1:
        return []
    stems = [word] + [
        word[: -len(s)] for s in _SUFFIXES if word.endswith(s) and len(word) - len(s) >= MIN_ROOT
    ]
    found: list[str] = []
    for stem in stems:
        found.append(stem)
        for prefix in _PREFIXES:
            if stem.startswith(prefix) and len(stem) - len(prefix) >= MIN_ROOT:
                rest = stem[len(prefix) :]
                found.append(rest)
                if prefix in _NASAL and rest[0] in _VOWELS:
                    found.append(_NASAL[prefix] + rest)
    for ending in _ENGLISH:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_ROOT:
            found.append(word[: -len(ending)])
    seen: set[str] = {word}
    ordered = []
    for candidate in sorted(found, key=len, reverse=True):
        if candidate not in seen:
            seen.add(candidate)
            ordered.append(candidate)
    return ordered
