"""A light, dictionary-free stemmer for Indonesian and English question words.

It only needs to map inflected forms onto one key ("pendaftaran", "mendaftar", "didaftarkan" →
"daftar"); the same rules run on the knowledge base and on the question, so an imperfect root is
harmless as long as both sides agree.
"""

from __future__ import annotations

from functools import lru_cache

_PARTICLES = ("nya", "lah", "kah", "pun", "tah")
_POSSESSIVES = ("ku", "mu")
_DERIVATIONAL = ("kan", "an", "i")
# Longest first, so "meng" wins over "me". "pe"/"pen"/"peng" build nouns, "me"/"di"/"ter"/"ber" verbs.
_PREFIXES = (
    "meng",
    "meny",
    "peng",
    "peny",
    "mem",
    "men",
    "pem",
    "pen",
    "ber",
    "per",
    "ter",
    "me",
    "di",
    "ke",
    "pe",
    "se",
)
_ENGLISH = ("ing", "ed", "es", "s")
MIN_ROOT = 3


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """The token's root: Indonesian particles, possessives, suffixes and prefixes, or English endings."""
    if len(token) <= 4 or not token.isalpha():
        return token
    word = token
    for group in (_PARTICLES, _POSSESSIVES, _DERIVATIONAL):
        for suffix in group:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_ROOT + 1:
                word = word[: -len(suffix)]
                break
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= MIN_ROOT:
            word = word[len(prefix) :]
            break
    if word == token:
        for suffix in _ENGLISH:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_ROOT + 1:
                return word[: -len(suffix)]
    return word
