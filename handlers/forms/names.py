"""People's names: one normal form, no hidden characters, and a warning for look-alikes.

A name is stored in Unicode NFKC, trimmed, with single spaces. Characters a reader cannot see
(zero-width spaces, joiners, soft hyphens, Hangul fillers) and characters that reorder text (bidi
controls such as U+202E) are refused: they only serve to make one name look like another. A name
mixing scripts (a Cyrillic "а" inside a Latin name) may be genuine somewhere, so it is accepted and
shown to the verifying coordinator with a warning, beside any cadre of the same Posyandu whose name
looks the same."""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass

from handlers.forms.fields import Accept, FieldContext, Invalid, TextField
from handlers.turn import Input

# Invisible although not in a "format" or "control" category.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u034f")
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})
# Scripts written together in one language count as one (Japanese mixes three).
_SAME_SCRIPT = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HANGUL": "CJK"}
# Letters of other scripts that look like Latin ones; enough to catch the usual impersonations.
_LOOK_ALIKE = str.maketrans(
    "аеорсухіјѕԁһӏԛԝвкмнтАВЕКМНОРСТХІЈЅαοορτυνκιΑΒΕΗΙΚΜΝΟΡΤΥΧΖ",
    "aeopcyxijsdhlqwbkmhtABEKMHOPCTXIJSaooptuvkiABEHIKMNOPTYXZ",
)


def hidden_characters(text: str) -> list[str]:
    """The characters of `text` nobody sees or that reorder it, as U+XXXX codes (spaces are fine)."""
    return [
        f"U+{ord(c):04X}"
        for c in text
        if (unicodedata.category(c) in _HIDDEN_CATEGORIES and c not in "\t\n") or c in _INVISIBLE
    ]


def normalize_name(text: str) -> str:
    """NFKC, trimmed, every run of spaces (of any width) one plain space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


# Words inside a name that stay lower case ("Ahmad bin Hasan", "Siti binti Abdullah", "Jan van Dijk");
# a name's first word is always capitalised.
_PARTICLES = frozenset({"bin", "binti", "bt", "van", "von", "der", "den", "de", "da", "di", "dos", "del"})


def proper_case(name: str) -> str:
    """A name typed all in lower (or all in upper) case, as people write it: 'siti aminah' →
    'Siti Aminah', 'AHMAD BIN HASAN' → 'Ahmad bin Hasan', 'nur'aini al-fatih' → "Nur'aini Al-Fatih".
    A name with capitals of its own ('McDonald', 'dr. Budi') is kept as typed."""
    if name != name.lower() and name != name.upper():
        return name
    words = name.lower().split(" ")
    return " ".join(
        word if i and word in _PARTICLES else "-".join(_capital(part) for part in word.split("-"))
        for i, word in enumerate(words)
    )


def _capital(word: str) -> str:
    """The first letter up ('aminah' → 'Aminah', "nur'aini" → "Nur'aini", '(ani)' → '(Ani)')."""
    for i, c in enumerate(word):
        if c.isalpha():
            return word[:i] + c.upper() + word[i + 1 :]
    return word


def scripts(text: str) -> list[str]:
    """The scripts of the letters in `text`, in order of first use (e.g. ["LATIN", "CYRILLIC"])."""
    found: list[str] = []
    for c in text:
        if not unicodedata.category(c).startswith("L"):
            continue
        script = unicodedata.name(c, "UNKNOWN").split(" ")[0]
        script = _SAME_SCRIPT.get(script, script)
        if script not in found:
            found.append(script)
    return found


def mixes_scripts(text: str) -> bool:
    return len(scripts(text)) > 1


def skeleton(text: str) -> str:
    """What a name looks like: accents dropped, look-alike letters made Latin, case and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", normalize_name(text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c) and not hidden_characters(c))
    return " ".join(bare.translate(_LOOK_ALIKE).casefold().split())


@dataclass(frozen=True, kw_only=True)
class NameField(TextField):
    """A person's name: normalized, hidden and direction-changing characters refused with a reason,
    and one typed all in lower or upper case stored in proper case (`proper_case`)."""

    needs_letters: bool = True

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        if inp.text is not None and hidden_characters(inp.text):
            raise Invalid("names.err.hidden_characters")
        if inp.text is not None:
            inp = dataclasses.replace(inp, text=proper_case(normalize_name(inp.text)))
        return await super().accept(fc, inp)

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "names.err.hidden_characters"]
