"""Reading the words of a message for the danger detector (handlers/safety/detector.py judges them).

A message is normalised (case, accents, repeated letters, "anak2"), split into sentences (an END token
after each), its slang and regional spellings replaced by standard words (the detector's vocabulary,
`locales/*/danger.yaml`), and each word is read as the set of lexicon words it may be: itself, its
root under informal and formal affixes (dipukulin → pukul, nyekik → cekik, mamukul → pukul) and,
when it is not a known Indonesian word, one typo forgiven towards an Indonesian danger word
(pendarahn → pendarahan). An urgent word made passive ("ditolong": was helped) is not read as the
urgent word, and a word whose root is a known Indonesian word is never read as a typo ("dilakukan" is
not "dilacurkan", "kontrakan" is not "kontraksi"). A four-digit year is also read as YEAR.

Per word, that work is cached (`WordReader.forms`); a message costs a few dozen microseconds."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Mapping

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

END = "zzend"  # the token that ends a sentence (and the message): "saya sudah tidak ada zzend"
# A question mark ends no sentence, but no phrase reads across it: "kalo mati? sy nanya serius" holds
# no "mati saya" ("I'm in trouble", an idiom), nineteenth round.
ASKED_MARK = "zzask"
YEAR = "zzyear"  # the form a four-digit year is also read as; the vocabulary lists it under past
TEXT_CHARS = 4000  # a message is read up to here (danger is said early; a 1 MB paste is not read)
# Prefixes that make an urgent word passive: "ditolong", "tertolong" say someone was helped.
_PASSIVE = ("di", "ter")
# Laughing emoji read as laughter (fiction/joke context): "attacked me with a water gun 😂".
_LAUGH = re.compile("[\U0001f602\U0001f923\U0001f606\U0001f605\U0001f639]")

# Informal and formal affixes: "prefix:restored letter" (mukul → pukul, nyekik → cekik, nendang →
# tendang), then plain prefixes, Banjar ones (mamukul) last; suffixes include -in (pukulin) and -akan.
_PREFIXES = tuple(
    tuple(spec.split(":"))
    for spec in (
        "meny:s meng:k mem:p men:t peny:s peng:k pem:p pen:t ny:s ny:c ng:k m:p n:t meng: meny: mem: men: "
        "me: peng: pem: pen: pe: per: di: ter: ke: se: ber: be: nge: ng: ny: m: n: dipe: diper: memper: "
        "ka: ma: ba: ta: kepe: mam:p man:t mang:k many:s mang: ku: kau: kuper:"
    ).split()
)
_SUFFIXES = tuple("kannya innya annya nya akan kan in an i lah kah ku mu ni".split())
_WORD = re.compile(r"[a-z0-9]+")
_REPEAT = re.compile(r"([a-z])\1{2,}")
_REDUP = re.compile(r"\b([a-z]{3,})2\b")
_TIME = re.compile(r"\b(pukul|jam)\s+\d")
# A question mark does not end the sentence: "knp bumil bisa kejang? eklamsia itu apa" is one question.
_SENTENCE = re.compile(r"[.!;]+(?=\s|$)|[\n\r]+|[!;]+")
_QUESTION_MARK = re.compile(r"\?+(?=\s|$)")
# The dot of a title or an abbreviation ends no sentence: "lansia terlantar an. Nek Siti … sdh
# ditindaklanjuti" is one note (fourteenth round).
_ABBREVIATION = re.compile(
    r"\b(a\.n|an|ny|tn|nn|sdr|sdri|bpk|bp|kec|kel|ds|dsn|jl|jln|tgl|dr|drg|kab|prov|no(?=\.\s*\d))\.(?=\s)",
    re.IGNORECASE,
)
# One word in quotation marks is a figure of speech ("dagingnya 'disiksa' 4 jam", 'bisa "bunuh" kita
# pelan2'): read as no word at all; the trained fallback still reads the whole text (fourteenth round).
_SCARE_QUOTED = re.compile(r"(?<!\w)[\"“”‘'’]([^\W\d_]+)[\"“”‘'’](?!\w)")
QUOTED = "zzquoted"  # the word a scare-quoted word is read as
_CACHE_LIMIT = 200_000
_YEAR = re.compile(r"(19|20)\d\d")


class WordReader:
    """`tokens(text)` → per word, the lexicon words it may be (END closes each sentence). Thread-safe
    for reading; caches every word it has read."""

    def __init__(
        self,
        *,
        slang: Mapping[str, tuple[str, ...]],
        whole: frozenset[str] = frozenset(),
        lexicon: frozenset[str],
        known: Container[str],
        fuzzy_targets: Iterable[str],
        active_only: frozenset[str],
    ) -> None:
        self.slang = slang  # word → the standard words it stands for
        self.whole = whole  # words read as they are: no affix read into them ("mengaku" is not "kaku")
        self.lexicon = lexicon  # every word of the vocabulary's terms
        self.known = known  # standard words, never read as typos
        self.fuzzy_targets = sorted(fuzzy_targets)  # the words a typo may be forgiven towards
        self.active_only = active_only  # urgent words that a passive prefix turns into a record
        self.forms: dict[str, frozenset[str]] = {}

    def tokens(self, text: str) -> list[frozenset[str]]:
        if not text.isascii():
            text = _LAUGH.sub(" haha ", text)
        if "." in text:
            text = _ABBREVIATION.sub(r"\1", text)
        if '"' in text or "'" in text or not text.isascii():
            text = _SCARE_QUOTED.sub(f" {QUOTED} ", text)
        if "?" in text:
            text = _QUESTION_MARK.sub(f" {ASKED_MARK} ", text)
        normal = normal_text(_SENTENCE.sub(f" {END} ", text))
        if "pukul" in normal or "jam" in normal:
            normal = _TIME.sub(" ", normal)  # "pukul 10.00" is a time of day
        words: list[str] = []
        for word in normal.split():
            words.extend(self.slang.get(word, (word,)))
        if not words or words[-1] != END:
            words.append(END)
        forms = self.forms
        if len(forms) > _CACHE_LIMIT:
            forms.clear()
        out = []
        for word in words:
            got = forms.get(word)
            if got is None:
                got = forms[word] = self.read(word)
            out.append(got)
        return out

    def read(self, word: str) -> frozenset[str]:
        """The word, and the lexicon words it may be: its root under informal affixes, or a typo."""
        lexicon = self.lexicon
        found = {word}
        if word == END or word == ASKED_MARK:
            return frozenset((word,))
        if word in self.whole:
            return frozenset((word,))
        if _YEAR.fullmatch(word):
            return frozenset((word, YEAR))  # "banjir 2019": a year is the past
        known_stem = False
        for candidate in stems(word):
            if candidate in lexicon:
                if candidate in self.active_only and candidate != word and word.startswith(_PASSIVE):
                    continue  # "ditolong" (was helped) is not "tolong" (help!)
                found.add(candidate)
            elif candidate in self.slang:
                found.update(w for w in self.slang[candidate] if w in lexicon)
            elif candidate != word and len(candidate) >= 4 and candidate in self.known:
                known_stem = True  # "dilakukan" is "laku" affixed, not a typo of "dilacurkan"
        if (
            len(found) > 1
            or known_stem
            or word in lexicon
            or word in self.known
            or not word.isalpha()
            or len(word) < 4
        ):
            return frozenset(found)
        limit = 2 if len(word) >= 9 else 1
        match = extractOne(word, self.fuzzy_targets, scorer=Levenshtein.distance, score_cutoff=limit)
        # A short word only forgives a dropped letter (pukl, kejng): "antam" is a name, not "ancam".
        if match is not None and abs(len(match[0]) - len(word)) <= limit:
            if len(word) > 5 or len(match[0]) == len(word) + 1:
                found.add(match[0])
        return frozenset(found)


def phrase_words(phrase: str, slang: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """A vocabulary phrase as the words a message is read into (normalised, slang replaced)."""
    return tuple(w for word in normal_text(phrase).split() for w in slang.get(word, (word,)))


def stems(word: str) -> set[str]:
    bare = {word}
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            bare.add(word[: -len(suffix)])
    out = set(bare)
    for base in bare:
        for prefix, restore in _PREFIXES:
            if base.startswith(prefix) and len(base) - len(prefix) >= 3:
                out.add(restore + base[len(prefix) :])
    return out


def normal_text(text: str) -> str:
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("'", "").replace("’", "")
    if "2" in text:
        text = _REDUP.sub(r"\1 \1", text)
    text = _REPEAT.sub(r"\1", text)
    return " ".join(_WORD.findall(text))


def known_words() -> list[str]:
    """Standard Indonesian words (Sastrawi's root dictionary), never 'corrected' as typos."""
    try:
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    except ImportError:  # pragma: no cover - the dictionary only makes typo matching more careful
        return []
    return list(StemmerFactory().get_words())
