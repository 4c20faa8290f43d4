"""Rank programme topics for a question. Below the threshold it does not guess.

How a question is scored:
1. It is normalised (slang, stretched letters, …) into tokens; each token is resolved onto the
   knowledge base's vocabulary: as is, by its stem, or by the closest word (rapidfuzz) for typos.
2. Every sample question and keyword of every topic is a small document. A document's similarity
   is a weighted overlap: how much of the question it explains and how much of itself it uses.
   Weights favour words that point to few topics ("pkh", "desil") over words every topic shares
   ("cara", "dapat"); a word the knowledge base has never seen weighs most, so a question about
   something else ("jadwal bola") explains itself poorly against every topic.
3. A topic scores its best document, nudged by how much of the question its whole vocabulary
   explains (questions that mix words of two of its samples).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from handlers.programs.knowledge import KnowledgeBase
from handlers.programs.normalize import Normalizer

Stemmer = Callable[[str], str]


def _no_stem(token: str) -> str:
    return token


@dataclass(frozen=True)
class Tuning:
    """Figures chosen on the sample questions (leave-one-out) and a small set of off-topic questions."""

    threshold: float = 0.5  # at or above: answer with the topic
    query_weight: float = 0.7  # how much "explains the question" counts against "uses the document"
    bag_weight: float = 0.25  # share of the topic-vocabulary score in the final score
    unknown_weight: float = (
        1.5  # weight of a word the knowledge base has never seen, relative to the rarest known
    )
    typo_cutoff: float = 84.0  # rapidfuzz ratio needed to read an unknown word as a known one
    typo_min_length: int = 4


@dataclass(frozen=True, slots=True)
class Match:
    """The answer to "which topic?": `topic` is None below the threshold; `candidates` best first."""

    topic: str | None
    score: float
    candidates: tuple[tuple[str, float], ...] = ()

    def closest(self, n: int = 3) -> list[str]:
        return [topic for topic, score in self.candidates[:n] if score > 0]


@dataclass(frozen=True)
class _Doc:
    topic: int
    tokens: frozenset[str]
    weight: float


@dataclass
class Matcher:
    bases: Sequence[KnowledgeBase]
    normalizer: Normalizer
    tuning: Tuning = field(default_factory=Tuning)
    stemmer: Stemmer = _no_stem

    def __post_init__(self) -> None:
        self.topic_ids: tuple[str, ...] = tuple(t.id for t in self.bases[0])
        index = {topic_id: i for i, topic_id in enumerate(self.topic_ids)}
        texts: list[tuple[int, str]] = []
        for base in self.bases:
            for topic in base:
                i = index[topic.id]
                texts.extend((i, text) for text in (topic.title, *topic.samples, *topic.keywords))
        docs_tokens = [(i, frozenset(self._terms(text))) for i, text in texts]
        topics_of: dict[str, set[int]] = defaultdict(set)
        for i, tokens in docs_tokens:
            for token in tokens:
                topics_of[token].add(i)
        n = len(self.topic_ids)
        self.weights: dict[str, float] = {t: math.log(1 + n / len(ts)) for t, ts in topics_of.items()}
        self.unknown = math.log(1 + n) * self.tuning.unknown_weight
        self.bags: list[frozenset[str]] = [
            frozenset(t for t, ts in topics_of.items() if i in ts) for i in range(n)
        ]
        self.topics_of = {t: frozenset(ts) for t, ts in topics_of.items()}
        self.docs: list[_Doc] = [
            _Doc(i, tokens, sum(self.weights[t] for t in tokens)) for i, tokens in docs_tokens if tokens
        ]
        postings: dict[str, list[int]] = defaultdict(list)
        for d, doc in enumerate(self.docs):
            for token in doc.tokens:
                postings[token].append(d)
        self.postings = dict(postings)
        self.vocabulary = sorted(self.weights)

    def _terms(self, text: str) -> list[str]:
        return [self.stemmer(t) for t in self.normalizer.tokens(text)]

    def _resolve(self, term: str) -> str | None:
        if term in self.weights:
            return term
        tuning = self.tuning
        if len(term) < tuning.typo_min_length or term.isdigit():
            return None
        hit = process.extractOne(term, self.vocabulary, scorer=fuzz.ratio, score_cutoff=tuning.typo_cutoff)
        return hit[0] if hit else None

    def scores(self, text: str) -> list[float]:
        """Every topic's score in 0–1, in knowledge-base order."""
        tuning = self.tuning
        resolved: dict[str, float] = {}
        unknown = 0.0
        for term in self._terms(text):
            known = self._resolve(term)
            if known is None:
                unknown += self.unknown
            else:
                resolved[known] = self.weights[known]
        total = unknown + sum(resolved.values())
        n = len(self.topic_ids)
        if not resolved or total <= 0:
            return [0.0] * n
        matched: dict[int, float] = defaultdict(float)
        for token, weight in resolved.items():
            for d in self.postings[token]:
                matched[d] += weight
        best = [0.0] * n
        a = tuning.query_weight
        for d, weight in matched.items():
            doc = self.docs[d]
            sim = (weight / total) ** a * (weight / doc.weight) ** (1 - a)
            if sim > best[doc.topic]:
                best[doc.topic] = sim
        bag = [0.0] * n
        for token, weight in resolved.items():
            share = weight / total / len(self.topics_of[token])
            for i in self.topics_of[token]:
                bag[i] += share
        b = tuning.bag_weight
        return [min(1.0, (1 - b) * best[i] + b * bag[i]) for i in range(n)]

    def match(self, text: str) -> Match:
        scores = self.scores(text)
        ranked = sorted(zip(self.topic_ids, scores, strict=True), key=lambda p: -p[1])
        candidates = tuple((topic, round(score, 4)) for topic, score in ranked if score > 0)
        top_topic, top_score = ranked[0]
        topic = top_topic if top_score >= self.tuning.threshold else None
        return Match(topic=topic, score=round(top_score, 4), candidates=candidates)

    def match_many(self, texts: Iterable[str]) -> list[Match]:
        return [self.match(text) for text in texts]
