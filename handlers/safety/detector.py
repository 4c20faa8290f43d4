"""Is someone in danger? A fast rule-based detector over a vocabulary kept as data.

`locales/*/danger.yaml` hold the words: slang and regional spellings mapped to standard words,
named concept lists (hurting verbs, people, danger signs of a pregnancy, …), rules that combine
concepts into a kind of danger, and context markers (urgent, handled, past, training, rules, news,
hypothetical, none, fiction). A message is normalised (case, accents, repeated letters, "anak2"),
each word is read with its informal affixes removed (dipukulin → pukul, nyekik → cekik) and, when it
is not a known Indonesian word, with one typo forgiven (pendarahn → pendarahan), so the rules match
informal writing. Per word, that work is cached; a message costs a few dozen microseconds.

Beyond single danger words, the vocabulary names concepts and the rules combine them, so that the
ways a danger is said generalise beyond the corpora's own words: self-reference + an ending at the
end of a sentence ("besok aku sudah tidak ada."), a departure + a farewell or affairs put in order,
means + hoarding ("obat … kukumpulin … kuminum sekaligus"), a pregnancy + a danger sign of the KIA
book, a baby + breathing signs, a child + a work offer + a fake address, a boat + not back, …

Context words count only in the sentence that says the danger ("data bulan lalu sudah saya kirim.
Tolong, bayi ini kejang" is no note about the past), and so do a rule's "unless" words. A "handled"
word right after a request is a request ("tolong dievakuasi", "bantu padamkan"); a "past" word
right after "sudah/sejak" says it still goes on ("sudah bertahun-tahun dipasung"). A message that is
both handled and dated ("… sudah dipulangkan 2022") is a record even when its words are strong.

Figures of speech (the concept "idiom": "bunuh waktu", "gila kerja", "dying of laughter") hide the
danger words inside them; when they held all of a message's danger words, the message is read (no
danger) and not passed to the fallback. An urgent word made passive ("ditolong": was helped) is not
urgent, and a word whose root is a known Indonesian word is never read as a typo ("dilakukan" is not
"dilacurkan", "kontrakan" is not "kontraksi").

A rule may ask for its words in order (`ordered: true`): what follows an active "jual/sell" is what is
sold ("mau jual bayinya"), while a person before it is the seller ("anak saya jualan kue", "saya
mau jual motor buat bayar sekolah anak"). A feeding or growth problem that lasts (the concept
"chronic_feeding": "susah makan, berat badan turun") with no danger sign any rule names is a question
for the Posyandu: such a message is not passed to the fallback.

A chat message that no rule matched, or whose danger words the rules set aside only for a question,
title, news, fiction or "if…" (not for "handled/past"), goes to a trained fallback
(handlers/safety/model.py: character n-grams and logistic regression, pure Python at run time).

Contexts:

* ``chat`` (default): strong rules always count; a danger word counts unless the message reads as a
  question about rules, a training title, news, a hypothetical, fiction or a note that it was
  handled or long past — and an urgent word ("tolong", "sekarang", "help") overrides all of those
  except "handled/past".
* ``record``: free text that records the past or announces something (a monthly report's notes or
  not-held reason, a coordinator's notice, a training title). Only a strong statement (an intention
  to die, someone being hurt with an urgent word) or a danger word with a strict urgent word
  ("tolong", "darurat", "sekarang") counts, and never when it was handled or long past, nor when the
  danger's sentence names a month or the outcome ("closed": "bulan Mei", "korban sekarang aman",
  "… bayi sehat."): a note about the month is about a case already known.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extractOne

from handlers.safety.model import NgramModel

KINDS = ("suicide", "violence", "medical", "trafficking", "mental", "neglect", "disaster")
CONTEXTS = ("chat", "record")
FILE_NAME = "danger.yaml"
FUZZY_LANGUAGE = "id"  # typos are forgiven towards this language's danger words
STRENGTHS = {"weak": 0, "normal": 1, "strong": 2}
MARKERS = (
    "urgent",
    "urgent_strict",
    "handled",
    "past",
    "training",
    "rules",
    "news",
    "hypothetical",
    "none",
    "fiction",
    "closed",
)
NEGATION = "negation"
# Words that, just before a marker, change what it says: "tolong dievakuasi", "bantu padamkan" ask for
# it (not handled); "sudah bertahun-tahun", "sejak tahun lalu" say it still goes on (not past).
REQUEST = "request"
ONGOING = "ongoing"
IDIOM = "idiom"  # the concept of figures of speech: a danger word inside one is no danger word
# The concept of a feeding or growth problem that lasts ("anak saya susah makan, berat badan turun"):
# a question for the Posyandu. A chat message holding one that no rule matched is read, not passed to
# the fallback (which reads "makan … turun" like the crisis corpora's hunger and illness).
CHRONIC = "chronic_feeding"
END = "zzend"  # the token that ends a sentence (and the message): "saya sudah tidak ada zzend"
_SUPPRESS_ALWAYS = ("handled", "past", "none")
_SUPPRESS_UNLESS_URGENT = ("training", "rules", "news", "hypothetical", "fiction")
# Only in a record (a report's notes): a month named, or an outcome ("korban sekarang aman", "bayi
# sehat." at the end) says the case is dated or closed. In chat the same words are no context.
_SUPPRESS_IN_RECORD = ("closed",)
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
_CACHE_LIMIT = 200_000
TEXT_CHARS = 4000  # a message is read up to here (danger is said early; a 1 MB paste is not read)
_YEAR = re.compile(r"(19|20)\d\d")
YEAR = "zzyear"  # the form a four-digit year is also read as; the vocabulary lists it under past
_LOADED: dict[tuple[tuple[str, int], ...], DangerDetector] = {}


class _Spans(dict[int, list[tuple[int, int]]]):
    """Term id → where it occurs in a message; `ids`: the term ids, as a set."""

    __slots__ = ("ids",)
    ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    slots: tuple[frozenset[int], ...]  # each slot: the term ids that satisfy it
    strength: int
    window: int | None
    unless: frozenset[int]
    needs: frozenset[int] = frozenset()  # indexes of its distinct slots (see DangerDetector._slot_index)
    # The slots' words must come in the listed order ("jual anaknya": what follows an active verb
    # is what is sold; "anak saya jualan kue" names the seller, not the goods).
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    strength: str  # weak | normal | strong (the strongest rule that matched)


class DangerDetector:
    """`detect(text)` → the kind of danger, or None. Thread-safe for reading; caches words it has seen."""

    def __init__(
        self,
        *,
        slang: Mapping[str, str],
        concepts: Mapping[str, Sequence[str]],
        rules: Sequence[Mapping[str, Any]],
        markers: Mapping[str, Sequence[str]],
        known_words: Iterable[str] = (),
        fuzzy_words: Iterable[str] | None = None,
        model: NgramModel | None = None,
    ) -> None:
        self.model = model  # the trained fallback, for chat messages no rule matched (see model.py)
        self._slang = {k: tuple(v.split()) for k, v in slang.items()}
        self._terms: list[tuple[str, ...]] = []
        self._term_ids: dict[tuple[str, ...], int] = {}
        self._concepts = {name: self._ids(words) for name, words in concepts.items()}
        self._markers = {
            name: self._ids(markers.get(name, ())) for name in (*MARKERS, NEGATION, REQUEST, ONGOING)
        }
        self._rules = tuple(self._rule(raw) for raw in rules)
        distinct = {
            slot: n for n, slot in enumerate(dict.fromkeys(slot for r in self._rules for slot in r.slots))
        }
        self._rules = tuple(
            Rule(
                r.kind,
                r.slots,
                r.strength,
                r.window,
                r.unless,
                frozenset(distinct[slot] for slot in r.slots),
                r.ordered,
            )
            for r in self._rules
        )
        self._slots_of: dict[int, frozenset[int]] = {}
        for slot, n in distinct.items():
            for term_id in slot:
                self._slots_of[term_id] = self._slots_of.get(term_id, frozenset()) | {n}
        self._trigger_ids = frozenset().union(
            *(self._concepts[slot[1:]] for raw in rules for slot in raw["all"] if slot[1:] in self._concepts)
        )
        self._single: dict[str, list[int]] = {}
        self._pairs: dict[tuple[str, str], list[int]] = {}
        for term_id, term in enumerate(self._terms):
            if len(term) == 1:
                self._single.setdefault(term[0], []).append(term_id)
            else:
                self._pairs.setdefault((term[0], term[1]), []).append(term_id)
        self._firsts = frozenset(first for first, _ in self._pairs)
        self._lexicon = frozenset(word for term in self._terms for word in term)

        self._known = frozenset(known_words) | self._lexicon | frozenset(self._slang)
        # Typos are forgiven towards Indonesian danger words only: an English word that is not in
        # the Indonesian dictionary is not a typo ("rapid" is not "raped").
        allowed = None if fuzzy_words is None else frozenset(fuzzy_words)
        self._fuzzy_targets = sorted(
            {
                w
                for t in self._trigger_ids
                for w in self._terms[t]
                if len(w) >= 5 and w.isalpha() and (allowed is None or w in allowed)
            }
        )
        self._marker_ids = frozenset().union(*self._markers.values())
        self._suppressor_ids = frozenset().union(
            *(self._markers[name] for name in (*_SUPPRESS_ALWAYS, *_SUPPRESS_UNLESS_URGENT))
        )
        self._forms: dict[str, frozenset[str]] = {}
        self._idiom_ids = self._concepts.get(IDIOM, frozenset())
        self._chronic_ids = self._concepts.get(CHRONIC, frozenset())
        # Urgent words that a passive prefix turns into a record ("ditolong" = was helped).
        self._active_only = frozenset(
            self._terms[t][0]
            for name in ("urgent", "urgent_strict")
            for t in self._markers[name]
            if len(self._terms[t]) == 1
        )

    # -- loading ------------------------------------------------------------------------------
    @classmethod
    def load(cls, locales_dir: Path) -> DangerDetector:
        """Merge every `locales/<lang>/danger.yaml` (and a top-level one, if any)."""
        paths = sorted(locales_dir.glob(f"*/{FILE_NAME}")) + sorted(locales_dir.glob(FILE_NAME))
        if not paths:
            raise FileNotFoundError(f"no {FILE_NAME} under {locales_dir}")
        # Read-only once built, so one per set of files is shared (the core is built per test, too).
        key = tuple((str(path.resolve()), path.stat().st_mtime_ns) for path in paths)
        model_path = locales_dir / "danger_model.json"
        if model_path.exists():
            key += ((str(model_path.resolve()), model_path.stat().st_mtime_ns),)
        if key not in _LOADED:
            _LOADED[key] = cls._from_files(paths, NgramModel.load(locales_dir))
        return _LOADED[key]

    @classmethod
    def _from_files(cls, paths: Sequence[Path], model: NgramModel | None = None) -> DangerDetector:
        slang: dict[str, str] = {}
        concepts: dict[str, list[str]] = {}
        rules: list[Mapping[str, Any]] = []
        markers: dict[str, list[str]] = {}
        fuzzy: set[str] = set()
        for path in paths:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            if path.parent.name == FUZZY_LANGUAGE:
                fuzzy.update(
                    w for words in (raw.get("concepts") or {}).values() for p in words for w in str(p).split()
                )
            slang.update({str(k).lower(): str(v).lower() for k, v in (raw.get("slang") or {}).items()})
            for name, words in (raw.get("concepts") or {}).items():
                concepts.setdefault(name, []).extend(str(w) for w in words)
            for name, words in (raw.get("markers") or {}).items():
                markers.setdefault(name, []).extend(str(w) for w in words)
            rules.extend(raw.get("rules") or [])
        for rule in rules:
            for slot in (*rule.get("all", ()), *rule.get("unless", ())):
                if slot.startswith("@") and slot[1:] not in concepts and slot[1:] not in markers:
                    raise ValueError(f"{FILE_NAME}: rule names unknown concept {slot}")
            if rule.get("kind") not in KINDS or rule.get("strength", "normal") not in STRENGTHS:
                raise ValueError(f"{FILE_NAME}: bad rule {rule}")
        return cls(
            slang=slang,
            concepts=concepts,
            rules=rules,
            markers=markers,
            known_words=_known_words(),
            fuzzy_words=fuzzy,
            model=model,
        )

    def _ids(self, words: Iterable[str]) -> frozenset[int]:
        ids = set()
        for phrase in words:
            term = tuple(w for word in _normal_text(phrase).split() for w in self._slang.get(word, (word,)))
            if not term:
                continue
            if term not in self._term_ids:
                self._term_ids[term] = len(self._terms)
                self._terms.append(term)
            ids.add(self._term_ids[term])
        return frozenset(ids)

    def _rule(self, raw: Mapping[str, Any]) -> Rule:
        slots = []
        for slot in raw["all"]:
            name = slot[1:] if slot.startswith("@") else None
            if name is None:
                slots.append(self._ids([slot]))
            elif name in self._concepts:
                slots.append(self._concepts[name])
            else:
                slots.append(self._markers[name])
        unless = frozenset().union(
            *(
                self._concepts.get(s[1:], frozenset()) if s.startswith("@") else self._ids([s])
                for s in raw.get("unless", ())
            )
        )
        return Rule(
            kind=raw["kind"],
            slots=tuple(slots),
            strength=STRENGTHS[raw.get("strength", "normal")],
            window=raw.get("window"),
            unless=unless,
            ordered=bool(raw.get("ordered", False)),
        )

    # -- reading a message ----------------------------------------------------------------------
    def detect(self, text: str | None, *, context: str = "chat") -> str | None:
        """The kind of danger in `text` (one of KINDS), or None."""
        found = self.assess(text, context=context)
        return found[0] if found else None

    def assess(self, text: str | None, *, context: str = "chat") -> tuple[str, ...]:
        """Every kind of danger found, the most pressing first. The rules decide wherever one of them
        matches (and reads the context); a chat message that no rule matched goes to the trained
        fallback, which flags what reads like the crisis corpora."""
        if not text:
            return ()
        found = self._assess_rules(text[:TEXT_CHARS], context)
        if found is not None:
            return found
        if context == "chat" and self.model is not None:
            if self._chronic(text[:TEXT_CHARS]):
                return ()  # a feeding or growth problem, and no danger sign any rule names
            return self.model.assess(text[:TEXT_CHARS])
        return ()

    def _chronic(self, text: str) -> bool:
        """Whether the text names a feeding or growth problem that lasts (the words are cached)."""
        return bool(self._chronic_ids) and not self._chronic_ids.isdisjoint(self._matches(self._tokens(text)))

    def _assess_rules(self, text: str, context: str) -> tuple[str, ...] | None:
        """The kinds the rules find (possibly none, after reading the context), or None when no rule
        matched at all."""
        tokens = self._tokens(text)
        spans = self._matches(tokens)
        if not spans:
            return None
        present_ids = spans.ids = frozenset(spans)
        if self._trigger_ids.isdisjoint(present_ids):
            return None
        # Context words (and a rule's "unless" words) count only in a sentence that says the danger:
        # "data bulan lalu sudah saya kirim. Tolong, bayi ini kejang" is not a note about the past.
        sentence, at = [], 0
        for forms in tokens:
            sentence.append(at)
            if END in forms:
                at += 1
        # Words inside a figure of speech ("bunuh waktu", "gila kerja", "dying of laughter") are not
        # danger words; when such a figure held the only danger words, the rules have read it: no
        # danger, and no fallback either (the fallback would read the bare words).
        idiom = {
            p
            for term_id in self._idiom_ids.intersection(present_ids)
            for start, end in spans[term_id]
            for p in range(start, end)
        }
        figurative = False
        if idiom:
            spans, figurative = self._without(spans, idiom)
            present_ids = spans.ids
            if figurative and self._trigger_ids.isdisjoint(present_ids):
                return ()
        best: dict[str, int] = {}
        matched: list[Rule] = []
        slots_of = self._slots_of
        seen_slots = frozenset().union(*(slots_of[t] for t in present_ids if t in slots_of))
        for rule in self._rules:
            if not rule.needs.issubset(seen_slots) or rule.strength <= best.get(rule.kind, -1):
                continue
            if rule.unless and not rule.unless.isdisjoint(present_ids):
                if self._sentences(rule.unless, spans, sentence) & self._rule_sentences(
                    rule, spans, sentence
                ):
                    continue
            if self._holds(rule, spans):
                best[rule.kind] = rule.strength
                matched.append(rule)
        if not best:
            return () if figurative else None
        trigger_positions = self._trigger_positions(spans)
        self._cover_urgent(spans, trigger_positions)
        danger_sentences: set[int] = set()
        for rule in matched:
            danger_sentences |= self._rule_sentences(rule, spans, sentence, narrow=True)
        present = {
            name: self._marker_present(
                self._markers[name], spans, trigger_positions, name, sentence, danger_sentences
            )
            for name in MARKERS
        }
        kept = [
            (kind, strength) for kind, strength in best.items() if self._counts(strength, present, context)
        ]
        if (
            not kept
            and context == "chat"
            and not any(present[name] for name in _SUPPRESS_ALWAYS)
            and any(present[name] for name in _SUPPRESS_UNLESS_URGENT)
        ):
            return None  # a danger word in a question, a title, news, "if…": the fallback decides
        kept.sort(key=lambda ks: (-ks[1], KINDS.index(ks[0])))
        return tuple(kind for kind, _ in kept)

    def _without(self, spans: _Spans, idiom: set[int]) -> tuple[_Spans, bool]:
        """The trigger words' spans that lie outside every idiom (other terms are kept), and whether
        an idiom held any."""
        kept = _Spans()
        removed = False
        for term_id, found in spans.items():
            if term_id in self._trigger_ids and term_id not in self._idiom_ids:
                outside = [(a, b) for a, b in found if not all(p in idiom for p in range(a, b))]
                removed = removed or len(outside) < len(found)
                if not outside:
                    continue
                found = outside
            kept[term_id] = found
        kept.ids = frozenset(kept)
        return kept, removed

    @staticmethod
    def _sentences(ids: frozenset[int], spans: _Spans, sentence: Sequence[int]) -> set[int]:
        return {sentence[start] for term_id in ids.intersection(spans.ids) for start, _ in spans[term_id]}

    def _rule_sentences(
        self, rule: Rule, spans: _Spans, sentence: Sequence[int], *, narrow: bool = False
    ) -> set[int]:
        """The sentences holding the rule's words. `narrow`: those holding a word of every slot
        (where the rule is said), when there are any: a person named in an earlier sentence
        ("laporan … sudah saya kirim. Istri saya … kaku") does not make that sentence the danger's."""
        per_slot = [self._sentences(slot, spans, sentence) for slot in rule.slots]
        found: set[int] = set().union(*per_slot)
        if narrow and len(per_slot) > 1:
            common = set.intersection(*per_slot)
            if common:
                return common
        return found

    def _counts(self, strength: int, present: Mapping[str, bool], context: str) -> bool:
        settled = any(present[name] for name in _SUPPRESS_ALWAYS)
        if present["handled"] and present["past"] and not present["urgent_strict"]:
            return False  # dealt with, and dated: a record even when its words are strong
        if context == "record":
            if settled or any(present[name] for name in _SUPPRESS_IN_RECORD):
                return False
            # A weak signal ("persalinan" with "saat ini") is never enough in a note about the month.
            return strength == STRENGTHS["strong"] or (
                strength > STRENGTHS["weak"] and present["urgent_strict"]
            )
        if strength == STRENGTHS["strong"]:
            return True
        urgent = present["urgent"] or present["urgent_strict"]
        if strength == STRENGTHS["weak"]:
            return urgent and not settled
        if settled:
            return False
        return urgent or not any(present[name] for name in _SUPPRESS_UNLESS_URGENT)

    def _holds(self, rule: Rule, spans: _Spans) -> bool:
        positions = []
        present = spans.ids
        for slot in rule.slots:
            found = [start for term_id in slot.intersection(present) for start, _ in spans[term_id]]
            if not found:
                return False
            positions.append(found)
        if len(positions) == 1:
            return True
        if rule.ordered:
            return _in_order(positions, rule.window)
        if rule.window is None:
            return True
        return _within(positions, rule.window)

    def _trigger_positions(self, spans: _Spans) -> dict[int, int]:
        """Word position → length of the longest danger term (a concept word of a rule) covering it."""
        covered: dict[int, int] = {}
        for term_id in self._trigger_ids.intersection(spans.ids):
            for start, end in spans[term_id]:
                for position in range(start, end):
                    covered[position] = max(covered.get(position, 0), end - start)
        return covered

    def _cover_urgent(self, spans: _Spans, covered: dict[int, int]) -> None:
        """An urgent word inside a longer context phrase ("what help is available") is not urgent:
        mark such phrases as covering their words, negatively (see _marker_present)."""
        for term_id in self._suppressor_ids.intersection(spans.ids):
            for start, end in spans[term_id]:
                if end - start > 1:
                    for position in range(start, end):
                        covered[-1 - position] = max(covered.get(-1 - position, 0), end - start)

    def _marker_present(
        self,
        ids: frozenset[int],
        spans: _Spans,
        covered: dict[int, int],
        name: str,
        sentence: Sequence[int],
        danger_sentences: set[int],
    ) -> bool:
        """A context marker counts unless it is part of a longer danger term ("tidak ada yang urus"
        is not "tidak ada"); "handled" and "past" do not count when negated ("belum ditangani",
        "tidak pernah")."""
        positive = name in ("urgent", "urgent_strict")
        for term_id in ids.intersection(spans.ids):
            for start, end in spans[term_id]:
                if not positive and max(covered.get(p, 0) for p in range(start, end)) > end - start:
                    continue
                if positive and max(covered.get(-1 - p, 0) for p in range(start, end)) > end - start:
                    continue
                if not positive and sentence[start] not in danger_sentences:
                    continue
                if name in ("handled", "past") and self._before(spans, start, NEGATION):
                    continue
                if name == "handled" and self._before(spans, start, REQUEST, reach=2):
                    continue
                if name == "past" and self._before(spans, start, ONGOING, reach=0):
                    continue
                return True
        return False

    def _before(self, spans: _Spans, start: int, marker: str, reach: int = 1) -> bool:
        """Whether a `marker` word ends just before `start` ("belum ditangani", "tolong dievakuasi",
        "sudah bertahun-tahun"): at most `reach` words between."""
        near = range(start - reach, start + 1)
        found = self._markers[marker].intersection(spans.ids)
        return any(end in near for term_id in found for _, end in spans[term_id])

    def _matches(self, tokens: list[frozenset[str]]) -> _Spans:
        """Term id → (start, end) word positions where the term occurs."""
        found = _Spans()
        terms, single, pairs, firsts = self._terms, self._single, self._pairs, self._firsts
        n = len(tokens)
        for i, forms in enumerate(tokens):
            for form in forms:
                for term_id in single.get(form, ()):
                    found.setdefault(term_id, []).append((i, i + 1))
            if i + 1 == n or firsts.isdisjoint(forms):
                continue
            following = tokens[i + 1]
            for first in forms:
                if first not in firsts:
                    continue
                for second in following:
                    for term_id in pairs.get((first, second), ()):
                        term = terms[term_id]
                        k = len(term)
                        if i + k <= n and all(term[j] in tokens[i + j] for j in range(2, k)):
                            found.setdefault(term_id, []).append((i, i + k))
        return found

    def _tokens(self, text: str) -> list[frozenset[str]]:
        if not text.isascii():
            text = _LAUGH.sub(" haha ", text)
        normal = _normal_text(_SENTENCE.sub(f" {END} ", text))
        if "pukul" in normal or "jam" in normal:
            normal = _TIME.sub(" ", normal)  # "pukul 10.00" is a time of day
        words: list[str] = []
        for word in normal.split():
            words.extend(self._slang.get(word, (word,)))
        if not words or words[-1] != END:
            words.append(END)
        forms = self._forms
        if len(forms) > _CACHE_LIMIT:
            forms.clear()
        out = []
        for word in words:
            got = forms.get(word)
            if got is None:
                got = forms[word] = self._read(word)
            out.append(got)
        return out

    def _read(self, word: str) -> frozenset[str]:
        """The word, and the lexicon words it may be: its root under informal affixes, or a typo."""
        lexicon = self._lexicon
        found = {word}
        if word == END:
            return frozenset((END,))
        if _YEAR.fullmatch(word):
            return frozenset((word, YEAR))  # "banjir 2019": a year is the past
        known_stem = False
        for candidate in _stems(word):
            if candidate in lexicon:
                if candidate in self._active_only and candidate != word and word.startswith(_PASSIVE):
                    continue  # "ditolong" (was helped) is not "tolong" (help!)
                found.add(candidate)
            elif candidate in self._slang:
                found.update(w for w in self._slang[candidate] if w in lexicon)
            elif candidate != word and len(candidate) >= 4 and candidate in self._known:
                known_stem = True  # "dilakukan" is "laku" affixed, not a typo of "dilacurkan"
        if (
            len(found) > 1
            or known_stem
            or word in lexicon
            or word in self._known
            or not word.isalpha()
            or len(word) < 4
        ):
            return frozenset(found)
        limit = 2 if len(word) >= 9 else 1
        match = extractOne(word, self._fuzzy_targets, scorer=Levenshtein.distance, score_cutoff=limit)
        # A short word only forgives a dropped letter (pukl, kejng): "antam" is a name, not "ancam".
        if match is not None and abs(len(match[0]) - len(word)) <= limit:
            if len(word) > 5 or len(match[0]) == len(word) + 1:
                found.add(match[0])
        return frozenset(found)


def _within(positions: Sequence[Sequence[int]], window: int) -> bool:
    """Whether one position from every list fits in `window` words (a sweep, not every combination:
    a long message may repeat a word hundreds of times)."""
    events = sorted((p, slot) for slot, found in enumerate(positions) for p in found)
    counts = [0] * len(positions)
    missing, left = len(positions), 0
    for position, slot in events:
        if counts[slot] == 0:
            missing -= 1
        counts[slot] += 1
        while events[left][0] < position - window:
            dropped = events[left][1]
            counts[dropped] -= 1
            if counts[dropped] == 0:
                missing += 1
            left += 1
        if missing == 0:
            return True
    return False


def _in_order(positions: Sequence[Sequence[int]], window: int | None) -> bool:
    """Whether the slots occur one after another, in their order, the last at most `window` words
    after the first (from each start, the earliest word of every next slot is the best choice)."""
    for start in positions[0]:
        at = start
        for found in positions[1:]:
            later = [p for p in found if p > at]
            if not later:
                break
            at = min(later)
        else:
            if window is None or at - start <= window:
                return True
    return False


def _stems(word: str) -> set[str]:
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


def _normal_text(text: str) -> str:
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("'", "").replace("’", "")
    if "2" in text:
        text = _REDUP.sub(r"\1 \1", text)
    text = _REPEAT.sub(r"\1", text)
    return " ".join(_WORD.findall(text))


@functools.cache
def _known_words() -> frozenset[str]:
    """Standard Indonesian words (Sastrawi's root dictionary), never 'corrected' as typos."""
    try:
        from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
    except ImportError:  # pragma: no cover - the dictionary only makes typo matching more careful
        return frozenset()
    return frozenset(StemmerFactory().get_words())
