"""Roots of Indonesian words, by Sastrawi (PySastrawi), plus the informal forms residents type.

Sastrawi is the established Indonesian stemmer (Nazief–Adriani / enhanced confix stripping with a
root dictionary of ~30,000 words): "pendaftaran" → "daftar", "dicairkan" → "cair", "kematian" →
"mati". A word whose root it cannot find in its dictionary comes back unchanged, so English words
and programme names ("bansos", "desil") are left alone. Chat Indonesian adds forms it does not
know ("daftarin", "ngurus", "nyari", "dicairin"): `stem` tries those after Sastrawi, keeping only a
root the dictionary has. English endings are only listed (`english_variants`): the matcher keeps
one it knows. Each word is stemmed once per process (a bounded cache): Sastrawi costs 0.1–0.2 ms
for a new word, a cached word well under a microsecond.
"""

from __future__ import annotations

from functools import lru_cache

from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

_STEMMER = StemmerFactory().create_stemmer().delegatedStemmer  # Sastrawi's own cache is unbounded
_ROOTS = _STEMMER.get_dictionary()
CACHE_WORDS = 65_536
MIN_ROOT = 3

# Colloquial affixes, tried only when Sastrawi leaves a word as it was.
_INFORMAL_SUFFIXES = ("innya", "inya", "in", "nya")  # "daftarin" = "daftarkan", "ngurusnya"
_INFORMAL_PREFIXES = ("nge", "ng", "ny", "di", "ke")  # "ngecek", "ngurus", "nyari", "dicairin"
_NASAL_RESTORED = {"ny": ("c", "s"), "ng": ("k",)}  # "nyari" → "cari", "ngirim" → "kirim"
_ENGLISH = (
    ("ies", "y"), ("s", ""), ("es", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("d", ""),
)  # fmt: skip


def is_root(word: str) -> bool:
    """The word is in Sastrawi's root dictionary."""
    return bool(_ROOTS.contains(word))


@lru_cache(maxsize=CACHE_WORDS)
def stem(word: str) -> str:
    """The root of one lower-case word, or the word itself when no known root is found."""
    if len(word) <= MIN_ROOT or not word.isalpha():
        return word
    root = _STEMMER.stem_word(word)
    if root != word or is_root(word):
        return root
    return _informal(word) or word


def _informal(word: str) -> str | None:
    bodies = [word] + [word[: -len(s)] for s in _INFORMAL_SUFFIXES if word.endswith(s)]
    for body in bodies:
        candidates = [] if body == word else [body]
        for prefix in _INFORMAL_PREFIXES:
            if body.startswith(prefix) and len(body) - len(prefix) >= MIN_ROOT:
                rest = body[len(prefix) :]
                restored = [first + rest for first in _NASAL_RESTORED.get(prefix, ())]
                # "ny-" nearly always stands for c-/s- ("nyairin" is "cairkan", not "air"); after
                # "ng-" the bare rest comes first ("ngurus" is "urus", not "kurus").
                candidates.extend([*restored, rest] if prefix == "ny" else [rest, *restored])
        for candidate in candidates:
            if len(candidate) >= MIN_ROOT:
                root = _STEMMER.stem_word(candidate)
                if is_root(root):
                    return root
    return None


def english_variants(word: str) -> list[str]:
    """What an English word might be without its ending ("benefits" → "benefit", "paying" → "pay");
    the caller keeps one only if it knows it."""
    if not word.isascii() or not word.isalpha():
        return []
    return [
        word[: -len(ending)] + replacement
        for ending, replacement in _ENGLISH
        if word.endswith(ending) and len(word) - len(ending) >= MIN_ROOT
    ]
