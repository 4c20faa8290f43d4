"""Short answers as people type them: 'iya', 'ga tau', 'udah', '40 anak', '1.250', 'tgl 14'.

The words are data, per language, in `locales/{lang}/answers.yaml`; this module only reads them.
Indonesian words are understood in every language (people switch), the person's own first."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from handlers.i18n import Catalogues
    from handlers.turn import Input, Turn

LOCALES = Path(__file__).resolve().parents[2] / "locales"
FALLBACK = "id"
NAV_VALUES = frozenset({"_back", "_skip"})


def plain(text: str) -> str:
    """Lowercase words and digits only: '✅ Kirim!' → 'kirim', "Jum'at" → 'jumat', "don't" → 'dont'."""
    text = text.casefold().replace("'", "").replace("’", "")
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


@dataclass(frozen=True)
class Meaning:
    typed: frozenset[str]
    options: frozenset[str]
    labels: tuple[tuple[str, ...], ...]  # first words of a label, as word tuples


@dataclass(frozen=True)
class AnswerWords:
    """One language's answer words (see locales/id/answers.yaml for what each part means)."""

    meanings: dict[str, Meaning]
    trailing: frozenset[str]
    zero: frozenset[str]
    thousands: str
    decimal: str
    date_filler: frozenset[str]
    weekdays: frozenset[str]
    relative_days: dict[str, int]
    months: dict[str, int] = field(default_factory=dict)
    filler: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()
    time_words: frozenset[str] = frozenset()
    day_parts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, raw: dict[str, Any]) -> AnswerWords:
        meanings = {
            str(name): Meaning(
                typed=frozenset(plain(str(w)) for w in spec.get("typed", [])),
                options=frozenset(str(v) for v in spec.get("options", [])),
                labels=tuple(tuple(plain(str(w)).split()) for w in spec.get("labels", [])),
            )
            for name, spec in raw["meanings"].items()
        }
        months = {plain(str(word)): int(number) for number, words in raw["months"].items() for word in words}
        return cls(
            meanings=meanings,
            trailing=frozenset(plain(str(w)) for w in raw.get("trailing", [])),
            zero=frozenset(plain(str(w)) for w in raw.get("zero", [])),
            thousands=str(raw["thousands"]),
            decimal=str(raw["decimal"]),
            date_filler=frozenset(plain(str(w)) for w in raw.get("date_filler", [])),
            weekdays=frozenset(plain(str(w)) for w in raw.get("weekdays", [])),
            relative_days={plain(str(k)): int(v) for k, v in raw.get("relative_days", {}).items()},
            months=months,
            filler=frozenset(plain(str(w)) for w in raw.get("filler", [])),
            skip=frozenset(plain(str(w)) for w in raw.get("skip", [])),
            time_words=frozenset(plain(str(w)) for w in raw.get("time_words", [])),
            day_parts={plain(str(k)): int(v) for k, v in raw.get("day_parts", {}).items()},
        )


@functools.cache
def _load(lang: str, locales: Path = LOCALES) -> AnswerWords:
    with (locales / lang / "answers.yaml").open(encoding="utf-8") as handle:
        return AnswerWords.from_yaml(yaml.safe_load(handle))


@functools.lru_cache(maxsize=32)
def words(lang: str) -> tuple[AnswerWords, ...]:
    """The person's language first, then Indonesian. Cached, as `_load` is: asked several times
    on every typed answer, and looking for the file cost a stat call each time."""
    lang = lang if (LOCALES / lang / "answers.yaml").exists() else FALLBACK
    return (_load(lang),) if lang == FALLBACK else (_load(lang), _load(FALLBACK))


def all_month_words() -> dict[str, int]:
    months: dict[str, int] = {}
    for lang in ("en", FALLBACK):
        months.update(_load(lang).months)
    return months


# -- meanings of typed answers and of options ------------------------------------------------------
def _without_trailing(text: str, table: AnswerWords) -> list[str]:
    """'ga tau ya bu' → ['ga tau ya bu', 'ga tau ya', 'ga tau']: polite words dropped from the end."""
    tokens = text.split()
    forms = [text]
    while len(tokens) > 1 and tokens[-1] in table.trailing:
        tokens.pop()
        forms.append(" ".join(tokens))
    return forms


def typed_meanings(text: str, lang: str) -> set[str]:
    """What a typed answer means: {'unsure'} for 'ga tau', {'yes'} for 'iya pak', set() if nothing."""
    typed = plain(text)
    if not typed:
        return set()
    for table in words(lang):
        for form in _without_trailing(typed, table):
            found = {name for name, meaning in table.meanings.items() if form in meaning.typed}
            if found:
                return found
    return set()


def option_meanings(value: str, label: str, lang: str) -> set[str]:
    """What an option means: by its value first ('unsure'), else by its label's first words."""
    for table in words(lang):
        by_value = {name for name, meaning in table.meanings.items() if value in meaning.options}
        if by_value:
            return by_value
    tokens = tuple(plain(label).split())
    best: tuple[int, set[str]] = (0, set())
    for table in words(lang):
        for name, meaning in table.meanings.items():
            for prefix in meaning.labels:
                if prefix and tokens[: len(prefix)] == prefix:
                    if len(prefix) > best[0]:
                        best = (len(prefix), {name})
                    elif len(prefix) == best[0]:
                        best[1].add(name)
    return best[1]


def pick_by_meaning(text: str, options: list[list[str]], lang: str) -> str | None:
    """The one option that means what was typed ('ga tau' → 'Tidak tahu'), or None."""
    meant = typed_meanings(text, lang)
    if not meant:
        return None
    found = [o[0] for o in options if o[0] not in NAV_VALUES and meant & option_meanings(o[0], o[1], lang)]
    return found[0] if len(found) == 1 else None


def _contains(words: list[str], part: list[str]) -> bool:
    """Whether `part` occurs in `words` as consecutive words."""
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def choice_candidates(text: str, options: list[list[str]], lang: str) -> list[str]:
    """The options a typed answer may name at a question whose only answers are its options.

    'saya setuju' means yes; 'saya ketua' holds the whole label 'Ketua'; 'kader' lies within
    'Saya kader Posyandu' only. Navigation options (Kembali, Lewati) are never named this way.
    One value: the pick; several: ambiguous (ask which one); none: not understood."""
    tokens = plain(text).split()
    if not tokens:
        return []
    tables = words(lang)
    core = [w for w in tokens if not any(w in table.filler for table in tables)] or tokens
    real = [(o[0], o[1], plain(o[1]).split()) for o in options if o[0] not in NAV_VALUES]
    meant = typed_meanings(" ".join(core), lang)
    if meant:
        found = [value for value, label, _ in real if meant & option_meanings(value, label, lang)]
        if found:
            return found
    inside = [(value, label) for value, _, label in real if label and _contains(tokens, label)]
    inside = [
        (value, label)
        for value, label in inside
        if not any(len(other) > len(label) and _contains(other, label) for _, other in inside)
    ]
    if inside:
        return [value for value, _ in inside]
    return [value for value, _, label in real if set(core) <= set(label)]


def is_skip_word(text: str, lang: str) -> bool:
    """'Lewati', 'skip': a navigation word typed where it is not an answer."""
    return any(plain(text) in table.skip for table in words(lang))


# -- numbers -----------------------------------------------------------------------------------
_NUMBER_TOKEN = re.compile(r"(?<![\w.,])([+\-−]?)(\d+(?:[.,]\d+)*)(?![.,]\d)")


class NumberProblem(Exception):
    """Why a typed count was refused: a message key of the form catalogue."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class ReadNumber:
    value: int | None  # None: too many digits to be a count at all
    negative: bool


_DIGITS_READ = 20


def read_number(text: str, lang: str) -> ReadNumber:
    """One whole number from an answer: '40', '40 anak', 'ada 40 balita', '1.250', 'tidak ada' (0).

    Raises NumberProblem: 'form.err.not_number' (no digits), 'forms.err.one_number' (two numbers),
    'form.err.whole_number' (a fraction)."""
    typed = plain(text)
    tables = words(lang)
    for table in tables:
        if any(form in table.zero for form in _without_trailing(typed, table)):
            return ReadNumber(0, False)
    # Digits glued to a unit ('14thn', '40org') count as the number followed by a word.
    spaced = re.sub(r"(\d)([^\W\d_])", r"\1 \2", text.strip())
    found = _NUMBER_TOKEN.findall(spaced)
    if not found:
        raise NumberProblem("form.err.not_number")
    if len(found) > 1:
        raise NumberProblem("forms.err.one_number")
    sign, digits = found[0]
    table = tables[0]
    if any(sep in digits for sep in ".,"):
        groups = re.split(r"[.,]", digits)
        separators = set(re.findall(r"[.,]", digits))
        thousands = (
            separators == {table.thousands}
            and 1 <= len(groups[0]) <= 3
            and all(len(g) == 3 for g in groups[1:])
        )
        if not thousands:
            raise NumberProblem("form.err.whole_number")
        digits = "".join(groups)
    negative = sign in ("-", "−")
    if len(digits) > _DIGITS_READ:
        return ReadNumber(None, negative)
    value = int(digits)
    return ReadNumber(-value if negative else value, negative)


# -- a number outside a menu ---------------------------------------------------------------------
def small_number(text: str) -> bool:
    """ASCII digits only, and few: str.isdigit() also accepts '²', and int() refuses 5,000 digits."""
    return 0 < len(text) <= 6 and text.isascii() and text.isdigit()


def say_which_one(turn: Turn, inp: Input) -> bool:
    """When typed text names several options of a choice on screen ('ya' for 'Ya, di tempat biasa'
    and 'Ya, di tempat lain', 'saya' for 'Saya kader Posyandu' and 'Saya warga'), say 'which one?'.

    True when it did; the caller shows the question again. Forms, menus and lists answer alike."""
    prompt = turn.state.prompt
    if inp.value is not None or not inp.text or prompt is None or not prompt.choice:
        return False
    if len(choice_candidates(inp.text, prompt.options, turn.lang)) < 2:
        return False
    turn.say("forms.err.which_one")
    return True


# The options every flow shares, by value, and the catalogue keys of their labels. Their labels in
# any language pick them: 'batal' picks '✖ Cancel' in an English conversation, 'skip' picks 'Lewati'
# in an Indonesian one ('ya'/'yes', 'tidak'/'no' are meanings, above, read in both languages).
STANDARD_OPTIONS: dict[str, tuple[str, ...]] = {
    "_back": ("nav.back", "nav.back_to_summary"),
    "_skip": ("nav.skip",),
    "submit": ("form.summary.submit",),
    "edit": ("form.summary.edit",),
    "cancel": ("form.summary.cancel",),
}


def standard_option(text: str, options: list[list[str]], catalogues: Catalogues) -> str | None:
    """The standard option on screen (back, skip, send, edit, cancel) that `text` names in any language."""
    typed = plain(text)
    if not typed:
        return None
    on_screen = {option[0] for option in options}
    for value in STANDARD_OPTIONS:
        if value in on_screen and typed in _standard_names(catalogues, value):
            return value
    return None


def _standard_names(catalogues: Catalogues, value: str) -> frozenset[str]:
    """Every language's words for a standard option, worked out once per set of catalogues (this runs
    on every typed answer at a question with a back button)."""
    memo = ("standard_option", value)
    if memo not in catalogues.derived:
        keys = STANDARD_OPTIONS[value]
        names = {plain(catalogues.text(lang, key)) for lang in catalogues.messages for key in keys}
        if value == "_skip":
            names |= {word for lang in catalogues.messages for table in words(lang) for word in table.skip}
        catalogues.derived[memo] = frozenset(names)
    return catalogues.derived[memo]


def say_pick_number(turn: Turn, inp: Input) -> bool:
    """When a menu's answer is a bare number outside it ('8' of 5), say 'pick 1–5' and ask again.

    True when it did. For prompts whose answers are only their options (menus, choices)."""
    prompt = turn.state.prompt
    typed = (inp.text or "").strip()
    if inp.value is not None or prompt is None or not prompt.numbered or not small_number(typed):
        return False
    count = len(prompt.options)
    if count < 1 or 1 <= int(typed) <= count:
        return False
    turn.say("forms.pick_number", last=count)
    turn.show_prompt(page=prompt.page)
    return True
