"""A small trained fallback behind the rules: character n-grams (2–5, within words) weighted by TF-IDF
and a logistic regression (since the twenty-fifth round the mean of eight, train.py says why), trained
by `handlers/safety/train.py` on the tuning crisis and harmless corpora (tests/data and, since round 2
of issue 13, benchmarks/data/*_final.tsv; scikit-learn is needed only to train). The weights are data,
`locales/danger_model.json`; reading a message here is pure Python (a few dozen µs).

It catches what no rule names yet — new phrasings of the same danger ("took all her sleeping pills",
"better off without him and he bought a rope") — and is consulted only when the rules found nothing,
in chat, never in the stricter "record" context of report notes. A second model, over the crisis
corpus alone, names the kind of danger (so the answer carries the right numbers).

Measured before adopting it (see the report of issue 13): trained on the first corpus alone, the old
rules plus this model caught 145/157 of the fresh corpus at threshold 0.8 (rules alone: 117/157),
with 2/151 false alarms (rules alone: 1/151).

The vetoes and the rescue (issue 13, fourth and fifth rounds; detector.py `assess`): a weak or normal
rule's chat alarm is set aside when this model's probability of danger is below `veto`, a strong one
below `strong_veto` (never a strong statement of suicide, an alarm said with a plea — a strictly
urgent word other than a bare "now" —, a bare statement of a few words, nor a report's notes), one
whose only urgency is "now" below `now_veto` (eighth round); a chat message the rules read as settled
is flagged at or above `rescue`. Chosen by leave-one-corpus-out (`python -m handlers.safety.train
--loco`; the figures are in train.py)."""

from __future__ import annotations

import json
import math
import re
from array import array
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from handlers.safety.hashed import HashedStrings

FILE_NAME = "danger_model.json"
_SPACES = re.compile(r"\s\s+")
_CACHE_LIMIT = 200_000


class NgramModel:
    """`danger(text)` → probability that the text tells of danger; `kind(text)` → the likeliest kind."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.low, self.high = raw["ngram_range"]
        self.threshold: float = raw["threshold"]
        self.veto: float = raw.get("veto", 0.0)  # below this, a weak or normal rule's chat alarm is set aside
        # below this, even a strong rule's chat alarm is set aside ("'kill me now' haha my boss …")
        self.strong_veto: float = raw.get("strong_veto", 0.0)
        # below this, an alarm whose only urgency is "now" ("sekarang", no plea) is set aside (round 8)
        self.now_veto: float = raw.get("now_veto", 0.0)
        # at or above this, a chat message said to be well (detector.py BENIGN) is flagged after all
        self.benign_rescue: float = raw.get("benign_rescue", 2.0)
        # at or above this, a chat message the rules read as settled or harmless is flagged after all
        self.rescue: float = raw.get("rescue", 2.0)
        self.kinds: tuple[str, ...] = tuple(raw["kinds"])
        # Every known n-gram has one index into flat arrays of doubles: the danger model's (idf,
        # weight) at 2·i, the kind model's (idf, a weight per kind) at (kinds + 1)·i. An idf of 0 marks
        # an n-gram that model does not use (a real idf is ≥ 1). The same values as a dict of tuples
        # of floats per model, in about a third of the memory (issue #19: idle RSS).
        # The n-grams themselves are not kept: an n-gram's row is its rank by hash (hashed.py), found
        # once per new word (`grams` caches words). A dict of the n-gram strings held 3 MB more for
        # the life of the process (issue #19: idle memory).
        self._grams = HashedStrings((*raw["danger"], *raw["kind"]))
        row = self._grams.index
        width = len(self.kinds) + 1
        self._danger = array("d", bytes(16 * len(self._grams)))
        for gram, (idf, weight) in raw["danger"].items():
            at = 2 * row(gram)
            self._danger[at], self._danger[at + 1] = idf, weight
        self._kind = array("d", bytes(8 * width * len(self._grams)))
        for gram, values in raw["kind"].items():
            if len(values) != width:
                raise ValueError(f"kind model: {gram!r} has {len(values)} values, not {width}")
            at = width * row(gram)
            self._kind[at : at + width] = array("d", values)
        self._danger_bias: float = raw["danger_bias"]
        self._kind_bias: tuple[float, ...] = tuple(raw["kind_bias"])
        self._words: dict[str, tuple[int, ...]] = {}

    @classmethod
    def load(cls, locales_dir: Path) -> NgramModel | None:
        path = locales_dir / FILE_NAME
        if not path.exists():
            return None
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def grams(self, text: str) -> Counter[int]:
        """scikit-learn's `char_wb` analyzer (n-grams inside each word padded with spaces), keeping
        only the n-grams the models know, as their row numbers; per word, that work is cached."""
        out: Counter[int] = Counter()
        cache = self._words
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        for word in _SPACES.sub(" ", text.lower()).split():
            known = cache.get(word)
            if known is None:
                known = cache[word] = tuple(
                    at for at in map(self._grams.position, self._word_grams(word)) if at is not None
                )
            out.update(known)
        return out

    def _word_grams(self, word: str) -> list[str]:
        out: list[str] = []
        padded = f" {word} "
        size = len(padded)
        for n in range(self.low, self.high + 1):
            if n >= size:  # a short word counts once, whole
                out.append(padded)
                break
            out.extend(padded[start : start + n] for start in range(size - n + 1))
        return out

    def danger(self, text: str, grams: Counter[int] | None = None) -> float:
        grams = self.grams(text) if grams is None else grams
        table = self._danger
        dot = norm = 0.0
        for at, count in grams.items():
            idf = table[2 * at]
            if not idf:
                continue
            value = (1.0 + math.log(count) if count > 1 else 1.0) * idf
            dot += value * table[2 * at + 1]
            norm += value * value
        score = self._danger_bias + (dot / math.sqrt(norm) if norm else 0.0)
        return 1.0 / (1.0 + math.exp(-score)) if score > -30 else 0.0

    def kind(self, text: str, grams: Counter[int] | None = None) -> str:
        grams = self.grams(text) if grams is None else grams
        table = self._kind
        kinds = len(self.kinds)
        sums = [0.0] * kinds
        norm = 0.0
        for row, count in grams.items():
            at = (kinds + 1) * row
            if not table[at]:
                continue
            value = (1.0 + math.log(count) if count > 1 else 1.0) * table[at]
            norm += value * value
            for i in range(kinds):
                sums[i] += value * table[at + 1 + i]
        scale = 1.0 / math.sqrt(norm) if norm else 0.0
        scores = [bias + total * scale for bias, total in zip(self._kind_bias, sums, strict=True)]
        return self.kinds[max(range(len(scores)), key=scores.__getitem__)]

    def assess(self, text: str) -> tuple[str, ...]:
        grams = self.grams(text)
        if self.danger(text, grams) < self.threshold:
            return ()
        return (self.kind(text, grams),)


def export(
    danger_vectorizer: Any,
    danger_classifier: Any,
    kind_vectorizer: Any,
    kind_classifier: Any,
    *,
    threshold: float,
    kinds: Sequence[str],
    veto: float = 0.0,
) -> dict[str, Any]:
    """The fitted scikit-learn parts as the JSON this module reads (used by train.py)."""
    idf = danger_vectorizer.idf_
    coef = danger_classifier.coef_[0]
    danger = {
        gram: [round(float(idf[i]), 5), round(float(coef[i]), 5)]
        for gram, i in danger_vectorizer.vocabulary_.items()
        if abs(coef[i]) >= 1e-4
    }
    kidf = kind_vectorizer.idf_
    order = [list(kind_classifier.classes_).index(k) for k in kinds]
    kcoef = kind_classifier.coef_
    kind = {
        gram: [round(float(kidf[i]), 5), *(round(float(kcoef[c][i]), 5) for c in order)]
        for gram, i in kind_vectorizer.vocabulary_.items()
    }
    return {
        "ngram_range": list(danger_vectorizer.ngram_range),
        "threshold": threshold,
        "veto": veto,
        "kinds": list(kinds),
        "danger_bias": float(danger_classifier.intercept_[0]),
        "danger": danger,
        "kind_bias": [float(kind_classifier.intercept_[c]) for c in order],
        "kind": kind,
    }
