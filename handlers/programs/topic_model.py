"""A trained second opinion for the matcher: character n-grams (2–5, within words, TF-IDF) and a
multinomial logistic regression over the topics plus "-" (out of scope), trained by
`python -m handlers.programs.train` on the sample questions and titles of locales/*/programs.yaml and
the four tuning question sets (scikit-learn only there). The weights are data,
`locales/topic_model.json`; here they are read with numpy (no scikit-learn at run time).

When the keyword matcher refused (below its threshold, or too vague), a topic it names — not "-" —
with probability ≥ `threshold` is answered; over a keyword answer, "-" at ≥ `veto` refuses it and
another topic at ≥ `override` replaces it. The three values are data in the file, chosen by
leave-one-corpus-out (`python -m handlers.programs.train --loco`, whose docstring gives each round's
figures): since the eighth round, 0.3, 0.6 and 0.3."""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

FILE_NAME = "topic_model.json"
OUT_OF_SCOPE = "-"
_SPACES = re.compile(r"\s\s+")
_CACHE_LIMIT = 100_000
_LOADED: dict[tuple[str, int], TopicModel | None] = {}


def word_grams(word: str, low: int, high: int) -> list[str]:
    """scikit-learn's `char_wb` n-grams of one word (padded with spaces; a short word counts once)."""
    out: list[str] = []
    padded = f" {word} "
    size = len(padded)
    for n in range(low, high + 1):
        if n >= size:
            out.append(padded)
            break
        out.extend(padded[start : start + n] for start in range(size - n + 1))
    return out


class TopicModel:
    """`predict(text)` → (topic or None, probability of the likeliest class)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.low, self.high = raw["ngram_range"]
        self.threshold: float = raw["threshold"]
        # Over a keyword answer: "-" at or above `veto` refuses it; another topic at or above
        # `override` replaces it (issue 13, fifth round; absent in older files: never).
        self.veto: float = raw.get("veto", 2.0)
        self.override: float = raw.get("override", 2.0)
        # When the keywords refused because several topics were about as close (a vague question:
        # "bantuan"), a topic is answered only at or above this (eighth round; older files: threshold).
        self.vague: float = raw.get("vague", self.threshold)
        self.classes: tuple[str, ...] = tuple(raw["classes"])
        grams: list[str] = raw["grams"]
        self._index = {gram: i for i, gram in enumerate(grams)}
        self._idf = np.asarray(raw["idf"], dtype=np.float64)
        coef = np.frombuffer(base64.b64decode(raw["coef"]), dtype="<f4")
        self._coef = coef.reshape(len(grams), len(self.classes)).astype(np.float64)
        self._bias = np.asarray(raw["bias"], dtype=np.float64)
        self._words: dict[str, tuple[int, ...]] = {}

    @classmethod
    def load(cls, locales_dir: Path) -> TopicModel | None:
        path = locales_dir / FILE_NAME
        if not path.exists():
            return None
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def cached(cls, locales_dir: Path) -> TopicModel | None:
        """One model per file (read-only once built; the core is built per test, too)."""
        path = locales_dir / FILE_NAME
        key = (str(path.resolve()), path.stat().st_mtime_ns if path.exists() else 0)
        if key not in _LOADED:
            _LOADED[key] = cls.load(locales_dir)
        return _LOADED[key]

    def _features(self, text: str) -> Counter[int]:
        counts: Counter[int] = Counter()
        cache = self._words
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        index = self._index
        for word in _SPACES.sub(" ", text.lower()).split():
            known = cache.get(word)
            if known is None:
                known = cache[word] = tuple(
                    index[g] for g in word_grams(word, self.low, self.high) if g in index
                )
            counts.update(known)
        return counts

    def probabilities(self, text: str) -> np.ndarray:
        counts = self._features(text)
        scores = self._bias.copy()
        if counts:
            rows = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            values = (1.0 + np.log(tf)) * self._idf[rows]
            values /= np.sqrt(values @ values)
            scores += values @ self._coef[rows]
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()

    def best(self, text: str) -> tuple[str, float]:
        """The likeliest class ("-" included) and its probability."""
        probabilities = self.probabilities(text)
        best = int(np.argmax(probabilities))
        return self.classes[best], float(probabilities[best])

    def overrule(self, text: str, keyword_topic: str) -> tuple[str | None, float] | None:
        """What the model says instead of a keyword answer — (None, p): out of scope, refuse;
        (topic, p): that topic — or None when it does not overrule it."""
        topic, p = self.best(text)
        if topic == OUT_OF_SCOPE:
            return (None, p) if p >= self.veto else None
        return (topic, p) if topic != keyword_topic and p >= self.override else None

    def predict(self, text: str, *, vague: bool = False) -> tuple[str | None, float]:
        """The topic it would answer (None: out of scope or not sure enough) and its probability;
        `vague`: the keywords found several topics about as close, and the surer floor applies."""
        probabilities = self.probabilities(text)
        best = int(np.argmax(probabilities))
        p = float(probabilities[best])
        topic = self.classes[best]
        floor = self.vague if vague else self.threshold
        return (None if topic == OUT_OF_SCOPE or p < floor else topic), p


def export(
    vectorizer: Any,
    classifier: Any,
    *,
    threshold: float,
    veto: float = 2.0,
    override: float = 2.0,
    vague: float | None = None,
) -> dict[str, Any]:
    """The fitted scikit-learn parts as the JSON this module reads (used by train.py)."""
    vocabulary = sorted(vectorizer.vocabulary_.items(), key=lambda item: item[1])
    grams = [gram for gram, _ in vocabulary]
    columns = [i for _, i in vocabulary]
    coef = np.ascontiguousarray(classifier.coef_.T[columns], dtype="<f4")
    return {
        "ngram_range": list(vectorizer.ngram_range),
        "threshold": threshold,
        "veto": veto,
        "override": override,
        "vague": threshold if vague is None else vague,
        "classes": [str(c) for c in classifier.classes_],
        "grams": grams,
        "idf": [round(float(vectorizer.idf_[i]), 5) for i in columns],
        "coef": base64.b64encode(coef.tobytes()).decode("ascii"),
        "bias": [float(b) for b in classifier.intercept_],
    }
