"""Rank programme topics for a question, with a confidence in 0–1. Below the threshold it does not guess.

How a question is scored:
1. It is normalised (slang, stretched letters, …) into tokens; every word is reduced to its root by
   Sastrawi (handlers/programs/stem.py: "pendaftaran" → "daftar", "dicairin" → "cair"), an English
   word to the plain form the knowledge base uses ("flooded" → "flood"), and a word still unknown
   is read as the closest known word when rapidfuzz finds one close enough (typos) — unless it is
   itself in Sastrawi's dictionary ("sabtu" is a word, not a typo of "sabu"). A programme name with a
   clitic ("bansosnya", "pkhku") reads as the name.
2. Words weigh by how few topics use them ("pkh", "desil" a lot; "cara", "dapat" little). A word
   the knowledge base has never seen weighs most: a question about something else ("jadwal bola")
   stays mostly unexplained by every topic.
3. Ranking: each topic's best sample question, title or keyword by weighted overlap (how much of
   the question it explains and how much of itself it uses), plus how much of the question the
   topic's whole vocabulary explains, plus a bonus when one of its keywords appears in full.
4. Confidence: residents' questions nearly always name the programme or its subject ("pkh",
   "sekolah rakyat", "kursi roda"); a keyword present in full is the strongest evidence, without
   one only a close sample question counts. Both are discounted by the share of the question made
   of words the knowledge base has never seen, and cut to 40 % when a word names a service another
   office answers ("bpjs ketenagakerjaan", "pln"; slang.yaml: off_topic) — unless that word is part
   of a programme's own name said in full, a keyword ("kuliah" in "KIP Kuliah"). The topic answered
   is the one with the highest confidence (the ranking breaks ties).

5. A second opinion when the keywords refuse (issue 13, fourth round): a trained classifier over
   character 2–5-grams (handlers/programs/topic_model.py, weights in locales/topic_model.json, read
   with numpy) answers the topic it names with probability ≥ 0.8, never "out of scope". Chosen by
   leave-one-corpus-out over the four question sets (`python -m handlers.programs.train --loco`):
   on the first held-out set read by this matcher as it was before that set was tuned on, 94.4 →
   95.3 % top-1 with out-of-scope answers unchanged (2/80); nothing changed on the tuning sets.
   Fifth round: it also overrules a keyword answer — out of scope at p ≥ 0.6 refuses it, another
   topic at p ≥ 0.6 replaces it (TopicModel.overrule; measured in train.py: on the honest views,
   holdout5 242 → 248 of 264 right and 4 → 0 of 80 out of scope answered).

Measured instead (issue 13, benchmarks/bench_matcher.py's sets): a scikit-learn classifier over
character 2–5-grams of the samples alone (logistic regression, alone or blended with these scores)
was no better at the same share of out-of-scope questions answered; alone, even trained on the
question sets too, it is worse (LOCO: 94.3 % top-1 at 3.4 % out of scope answered against the
keywords' 97.7 % / 1.9 %); overriding or vetoing a keyword answer did not help then, on four sets.
Measured and dropped in a second pass: keywords matched only in their own word order within a
window of 0–3 words (no better than the plain set on
benchmarks/data, and "cair blm" is as common as "belum cair"); other thresholds, vague margins and
unknown-word penalties (the values below stay on the frontier of the benchmarks/data sets); a
word-level multinomial naive Bayes over the folded words of the samples, blended into the
confidence (+4 of 432 on benchmarks/data, −1 on the held-out set: not used); a keyword's own share
of the question as the tie-break between topics that both have a keyword (±1, not used).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from handlers.programs.knowledge import KnowledgeBase
from handlers.programs.normalize import Normalizer
from handlers.programs.stem import english_variants, is_root, stem
from handlers.programs.topic_model import TopicModel

SUGGESTIONS = 3
CLITICS = ("nya", "ny", "ku", "mu", "lah", "kah", "pun")  # endings on a word Sastrawi's dictionary lacks
RESOLVED_WORDS = 65_536  # unknown words whose nearest known word (or none) is remembered


@dataclass(frozen=True)
class Tuning:
    """Figures chosen on benchmarks/data's sets (most accurate, then fewest out-of-scope questions
    answered); the set in tests/data was held out until issue 13's third round, and none of these
    figures was changed since (that round fixed its misses in keywords, by class). Issue 13's second
    pass lowered `off_topic_factor` 0.5 → 0.4 (the dev set's out-of-scope questions: 3 → 2 of 185
    answered, accuracy unchanged)."""

    threshold: float = 0.35  # confidence at or above which the topic is answered
    suggest_floor: float = 0.2  # below the threshold, topics at or above this are offered as "did you mean"
    query_weight: float = 0.7  # ranking: "explains the question" against "uses the whole document"
    bag_weight: float = 0.25  # ranking: share of the topic-vocabulary overlap
    keyword_bonus: float = 0.2  # ranking: bonus for a keyword present in full
    keyword_base: float = 0.7  # confidence with a keyword present in full, before the rest counts
    sample_factor: float = 0.9  # confidence from the closest sample alone, without any keyword
    vague_margin: float = 0.1  # without a keyword, the lead over the next topic needed to answer
    unknown_penalty: float = 0.45  # confidence lost per unit share of never-seen words
    unknown_weight: float = 1.5  # weight of a never-seen word, relative to the most specific known word
    off_topic_factor: float = 0.4  # confidence kept when a word names another service (slang.yaml: off_topic)
    typo_cutoff: float = 84.0  # rapidfuzz ratio needed to read an unknown word as a known one
    typo_min_length: int = 4


@dataclass(frozen=True, slots=True)
class Match:
    """Which topic a question is about: `topic` is None below the threshold; `candidates` best first."""

    topic: str | None
    score: float
    candidates: tuple[tuple[str, float], ...] = ()  # every topic with any evidence, with its confidence
    suggestions: tuple[str, ...] = ()  # below the threshold: up to three topics worth offering


@dataclass(frozen=True, slots=True)
class Reading:
    """A question as the matcher read it: the topics with any evidence (in knowledge-base order) and,
    for each at the same position, what ranks it and what makes its confidence — arrays, because a
    question has evidence for most topics and one object per topic cost more than the arithmetic."""

    topics: tuple[str, ...]
    rank: np.ndarray  # orders topics: best document, share of the vocabulary overlap, keyword bonus
    closest: np.ndarray  # the best single document, as much of it used as of the question explained
    covered: np.ndarray  # share of the question's weight the topic's vocabulary explains
    keyword: np.ndarray  # one of the topic's keywords is present in full
    unknown_share: float  # share of the question's weight made of words the knowledge base never saw
    elsewhere: bool  # a word names a service another office answers (slang.yaml: off_topic)


_NOTHING = np.zeros(0)


@dataclass
class Matcher:
    """Built once from the knowledge bases of every language (topic ids are shared); read-only after,
    but for bounded caches of words already read (safe: one event loop, no awaits inside)."""

    bases: Sequence[KnowledgeBase]
    normalizer: Normalizer
    tuning: Tuning = field(default_factory=Tuning)
    # Where the trained second opinion lives (locales/topic_model.json, see topic_model.py); it is read
    # the first time the keywords refuse a question. None: keywords alone.
    model_dir: Path | None = None

    def __post_init__(self) -> None:
        self.topic_ids: tuple[str, ...] = tuple(t.id for t in self.bases[0])
        index = {topic_id: i for i, topic_id in enumerate(self.topic_ids)}
        texts: list[tuple[int, str]] = []
        keyword_texts: list[tuple[int, str]] = []
        for base in self.bases:
            for topic in base:
                i = index[topic.id]
                texts.extend((i, text) for text in (topic.title, *topic.samples, *topic.keywords))
                keyword_texts.extend((i, k) for k in topic.keywords)
        # Inflected forms fold onto a root the knowledge base also uses ("pendaftaran" → "daftar"),
        # except one-word keywords: "pendataan" names the DTSEN survey, "data" alone names nothing.
        seen = {token for _, text in texts for token in self.normalizer.tokens(text)}
        kept = {tokens[0] for _, k in keyword_texts if len(tokens := self.normalizer.tokens(k)) == 1}
        roots = {t: t if t in kept else stem(t) for t in seen}
        english = {t for t, r in roots.items() if r == t and t not in kept}  # Sastrawi left it as it was
        self._canonical = {t: self._english(t, roots) if t in english else r for t, r in roots.items()}
        self._roots = frozenset(self._canonical.values())
        self._typo_vocabulary = sorted(seen)
        documents = [(i, frozenset(self.terms(text))) for i, text in texts]
        keywords = [(i, frozenset(self.terms(text))) for i, text in keyword_texts]
        topics_of: dict[str, set[int]] = defaultdict(set)
        for i, terms in documents:
            for term in terms:
                topics_of[term].add(i)
        n = len(self.topic_ids)
        self._weights = {t: math.log(1 + n / len(ts)) for t, ts in topics_of.items()}
        self._unknown = math.log(1 + n) * self.tuning.unknown_weight
        self._topics_of = {t: np.array(sorted(ts), dtype=np.intp) for t, ts in topics_of.items()}
        # Documents in topic order, so that each topic's best document is one `maximum.reduceat`.
        docs = sorted((i, terms) for i, terms in documents if terms)
        postings: dict[str, list[int]] = defaultdict(list)
        for d, (_, terms) in enumerate(docs):
            for term in terms:
                postings[term].append(d)
        self._postings = {t: np.array(ds, dtype=np.intp) for t, ds in postings.items()}
        # fsum: a set's order changes with the interpreter's hash seed, an exactly rounded sum does not
        # (a plain sum made two topics' ties fall either way from one run to the next).
        self._doc_weights = np.array([math.fsum(self._weights[t] for t in terms) for _, terms in docs])
        self._topic_starts = np.searchsorted(np.array([i for i, _ in docs]), np.arange(n))
        self._resolved: dict[str, str | None] = {}
        by_term: dict[str, set[tuple[int, frozenset[str]]]] = defaultdict(set)
        for i, terms in keywords:
            for term in terms:
                by_term[term].add((i, terms))
        self._keywords = {t: tuple(ks) for t, ks in by_term.items()}
        # A word naming another office's service inside a programme's own name ("kuliah" in "KIP
        # Kuliah") is part of that name when the rest of the name is there too.
        in_names: dict[str, list[frozenset[str]]] = defaultdict(list)
        for _, terms in keywords:
            for term in terms & self.normalizer.off_topic:
                if terms - {term}:
                    in_names[term].append(terms - {term})
        self._off_topic_in_names = {t: tuple(rest) for t, rest in in_names.items()}

    # -- words ---------------------------------------------------------------------------------
    @staticmethod
    def _english(word: str, roots: dict[str, str]) -> str:
        """An English word folds onto its plain form when the knowledge base has it ("flooded" → "flood")."""
        return next((roots[v] for v in english_variants(word) if v in roots), word)

    def terms(self, text: str) -> list[str]:
        """Normalised tokens, folded onto the knowledge base's own words where possible."""
        return [self._fold(t) for t in self.normalizer.tokens(text)]

    def _fold(self, token: str) -> str:
        canonical = self._canonical.get(token)
        if canonical is not None:
            return canonical
        root = stem(token)
        if root in self._roots:
            return root
        for variant in english_variants(token):
            if variant in self._canonical:
                return self._canonical[variant]
        for clitic in CLITICS:  # "bansosnya", "pkhku": a programme name Sastrawi does not know
            if token.endswith(clitic) and (bare := self._canonical.get(token[: -len(clitic)])):
                return bare
        return root

    def _resolve(self, term: str) -> str | None:
        if term in self._weights:
            return term
        if term in self._resolved:
            return self._resolved[term]
        if len(self._resolved) >= RESOLVED_WORDS:
            self._resolved.clear()  # bounded: a long-running bot meets endless new words
        self._resolved[term] = resolved = self._nearest_known(term)
        return resolved

    def _nearest_known(self, term: str) -> str | None:
        tuning = self.tuning
        if len(term) < tuning.typo_min_length or not term.isalpha() or is_root(term):
            return None  # a dictionary word is not a typo: "sabtu" is not "sabu"
        hit = process.extractOne(
            term, self._typo_vocabulary, scorer=fuzz.ratio, score_cutoff=tuning.typo_cutoff
        )
        return self._canonical[hit[0]] if hit else None

    # -- scoring -------------------------------------------------------------------------------
    def read(self, text: str) -> Reading:
        """Every topic with any evidence for the question, in the knowledge base's order."""
        tuning = self.tuning
        n = len(self.topic_ids)
        known: dict[str, float] = {}
        unknown = 0.0
        off_topic = self.normalizer.off_topic
        elsewhere = False  # the question names a service another office answers
        folded = [(token, self._fold(token)) for token in self.normalizer.tokens(text)]
        for token, term in folded:
            if (term in off_topic or token in off_topic) and not self._named(term, folded):
                unknown += self._unknown
                elsewhere = True
                continue
            resolved = self._resolve(term)
            if resolved is None:
                unknown += self._unknown
            else:
                known[resolved] = self._weights[resolved]
        total = unknown + sum(known.values())
        if not known:
            return Reading((), _NOTHING, _NOTHING, _NOTHING, _NOTHING, 1.0 if total else 0.0, elsewhere)
        overlap = np.zeros(len(self._doc_weights))
        for term, weight in known.items():
            overlap[self._postings[term]] += weight
        hit = np.flatnonzero(overlap)
        explained, used = overlap[hit] / total, overlap[hit] / self._doc_weights[hit]
        a = tuning.query_weight
        # Per topic, its best document: for ranking leaning on explaining the question; for confidence
        # as much used as explaining (a one-word question is not close to a whole sentence).
        near, close = np.zeros_like(overlap), np.zeros_like(overlap)
        near[hit] = np.exp(a * np.log(explained) + (1 - a) * np.log(used))
        close[hit] = np.sqrt(explained * used)
        nearest = np.maximum.reduceat(near, self._topic_starts)
        closest = np.maximum.reduceat(close, self._topic_starts)
        # Each word's share of the question, over the topics whose vocabulary has it (bincount adds in
        # the words' order, as a loop would: the same figures to the last bit).
        owners = [self._topics_of[term] for term in known]
        counts = np.fromiter(map(len, owners), dtype=np.intp, count=len(owners))
        share = np.fromiter(known.values(), dtype=np.float64, count=len(owners)) / total
        at = np.concatenate(owners)
        covered = np.bincount(at, weights=np.repeat(share, counts), minlength=n)
        shared = np.bincount(at, weights=np.repeat(share / counts, counts), minlength=n)
        present = known.keys()
        keyword = np.zeros(n, dtype=bool)
        for term in known:
            for i, terms in self._keywords.get(term, ()):
                if terms <= present:
                    keyword[i] = True
        b = tuning.bag_weight
        rank = (1 - b) * nearest + b * shared + np.where(keyword, tuning.keyword_bonus, 0.0)
        found = np.flatnonzero(nearest > 0)
        ids = self.topic_ids
        return Reading(
            tuple(ids[i] for i in found.tolist()),
            rank[found],
            closest[found],
            covered[found],
            keyword[found],
            unknown / total,
            elsewhere,
        )

    def _named(self, term: str, folded: list[tuple[str, str]]) -> bool:
        """Whether an off-topic word is part of a programme's name said in full ("kip kuliah")."""
        names = self._off_topic_in_names.get(term)
        if not names:
            return False
        present = {t for _, t in folded}
        return any(rest <= present for rest in names)

    def confidence(self, reading: Reading) -> np.ndarray:
        """Per topic of the reading, how sure the matcher is (0–1)."""
        tuning = self.tuning
        base = tuning.keyword_base
        with_keyword = base + (1 - base) * reading.covered
        raw = np.where(reading.keyword, with_keyword, tuning.sample_factor * reading.closest)
        raw *= 1 - tuning.unknown_penalty * reading.unknown_share
        if reading.elsewhere:
            raw *= tuning.off_topic_factor
        return np.clip(raw, 0.0, 1.0)

    @functools.cached_property
    def _model(self) -> TopicModel | None:
        """Looked up once (the file's cache key costs a path resolution and a stat)."""
        return TopicModel.cached(self.model_dir) if self.model_dir is not None else None

    def _second_opinion(self, text: str, *, vague: bool = False) -> tuple[str, float] | None:
        """The trained model's topic when the keywords refused: only a topic (not "out of scope")
        at or above its own threshold, or its surer one when the question was too vague
        (topic_model.py)."""
        model = self._model
        if model is None:
            return None
        topic, p = model.predict(text, vague=vague)
        return None if topic is None else (topic, p)

    def match(self, text: str) -> Match:
        reading = self.read(text)
        if not reading.topics:
            second = self._second_opinion(text)
            if second is not None:
                return Match(topic=second[0], score=round(second[1], 4))
            return Match(topic=None, score=0.0)
        scores = [round(c, 4) for c in self.confidence(reading).tolist()]  # rounded once
        ranks = reading.rank.tolist()
        # The highest confidence first; the ranking breaks ties, then the knowledge base's order.
        order = sorted(range(len(scores)), key=lambda j: (-scores[j], -ranks[j]))
        candidates = tuple((reading.topics[j], scores[j]) for j in order)
        top_topic, top_score = candidates[0]
        runner_up = candidates[1][1] if len(candidates) > 1 else 0.0
        # Without a keyword, two topics about as close to the question mean it is too vague ("bantuan").
        clear = bool(reading.keyword[order[0]]) or top_score - runner_up >= self.tuning.vague_margin
        if top_score >= self.tuning.threshold and clear:
            model = self._model
            overruled = model.overrule(text, top_topic) if model is not None else None
            if overruled is not None:  # the trained model is sure: out of scope, or another topic
                topic, p = overruled
                return Match(topic=topic, score=round(p, 4) if topic else 0.0, candidates=candidates)
            return Match(topic=top_topic, score=top_score, candidates=candidates)
        # Refused above the threshold: several topics were about as close ("bantuan").
        second = self._second_opinion(text, vague=top_score >= self.tuning.threshold)
        if second is not None:
            return Match(topic=second[0], score=round(second[1], 4), candidates=candidates)
        floor = self.tuning.suggest_floor
        suggestions = () if reading.elsewhere else tuple(t for t, s in candidates[:SUGGESTIONS] if s >= floor)
        return Match(topic=None, score=top_score, candidates=candidates, suggestions=suggestions)
