"""A small trained fallback behind the rules: character n-grams (2–5, within words) weighted by TF-IDF
and a logistic regression, trained by `handlers/safety/train.py` on the tuning crisis and harmless
corpora (tests/data and, since round 2 of issue 13, benchmarks/data/*_final.tsv; scikit-learn is
needed only to train). The weights are data,
`locales/danger_model.json`; reading a message here is pure Python (a few dozen µs).

It catches what no rule names yet — new phrasings of the same danger ("took all her sleeping pills",
"better off without him and he bought a rope") — and is consulted only when the rules found nothing,
in chat, never in the stricter "record" context of report notes. A second model, over the crisis
corpus alone, names the kind of danger (so the answer carries the right numbers).

Measured before adopting it (see the report of issue 13): trained on the first corpus alone, the old
rules plus this model caught 145/157 of the fresh corpus at threshold 0.8 (rules alone: 117/157),
with 2/151 false alarms (rules alone: 1/151).

The veto (issue 13, fourth round): when a weak or normal rule raised a chat alarm and this model's
probability of danger is below `veto` (0.05), the alarm is set aside; a strong statement and a
report's notes (record) are never vetoed. Leave-one-corpus-out (`python -m handlers.safety.train
--loco`): no crisis of the five tuning pairs lost (the least sure one a weak/normal rule caught
scored 0.125); on holdout4 read by the rules of before it was tuned on, false alarms 8 → 6 of 166."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FILE_NAME = "danger_model.json"
_SPACES = re.compile(r"\s\s+")
_CACHE_LIMIT = 200_000


class NgramModel:
    """`danger(text)` → probability that the text tells of danger; `kind(text)` → the likeliest kind."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.low, self.high = raw["ngram_range"]
        self.threshold: float = raw["threshold"]
        self.veto: float = raw.get("veto", 0.0)  # below this, a weak or normal rule's chat alarm is set aside
        self.kinds: tuple[str, ...] = tuple(raw["kinds"])
        # gram → (idf, weight) for the danger model; gram → (idf, weight per kind) for the kind model
        self._danger: dict[str, tuple[float, float]] = {g: (v[0], v[1]) for g, v in raw["danger"].items()}
        self._danger_bias: float = raw["danger_bias"]
        self._kind: dict[str, tuple[float, tuple[float, ...]]] = {
            g: (v[0], tuple(v[1:])) for g, v in raw["kind"].items()
        }
        self._kind_bias: tuple[float, ...] = tuple(raw["kind_bias"])
        self._known = frozenset(self._danger) | frozenset(self._kind)
        self._words: dict[str, tuple[str, ...]] = {}

    @classmethod
    def load(cls, locales_dir: Path) -> NgramModel | None:
        path = locales_dir / FILE_NAME
        if not path.exists():
            return None
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def grams(self, text: str) -> Counter[str]:
        """scikit-learn's `char_wb` analyzer (n-grams inside each word padded with spaces), keeping
        only the n-grams the models know; per word, that work is cached."""
        out: Counter[str] = Counter()
        cache = self._words
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        for word in _SPACES.sub(" ", text.lower()).split():
            known = cache.get(word)
            if known is None:
                known = cache[word] = tuple(g for g in self._word_grams(word) if g in self._known)
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

    def danger(self, text: str, grams: Counter[str] | None = None) -> float:
        grams = self.grams(text) if grams is None else grams
        table = self._danger
        dot = norm = 0.0
        for gram, count in grams.items():
            found = table.get(gram)
            if found is None:
                continue
            value = (1.0 + math.log(count)) * found[0]
            dot += value * found[1]
            norm += value * value
        score = self._danger_bias + (dot / math.sqrt(norm) if norm else 0.0)
        return 1.0 / (1.0 + math.exp(-score)) if score > -30 else 0.0

    def kind(self, text: str, grams: Counter[str] | None = None) -> str:
        grams = self.grams(text) if grams is None else grams
        table = self._kind
        sums = [0.0] * len(self.kinds)
        norm = 0.0
        for gram, count in grams.items():
            found = table.get(gram)
            if found is None:
                continue
            value = (1.0 + math.log(count)) * found[0]
            norm += value * value
            for i, weight in enumerate(found[1]):
                sums[i] += value * weight
        scale = 1.0 / math.sqrt(norm) if norm else 0.0
        scores = [bias + total * scale for bias, total in zip(self._kind_bias, sums, strict=True)]
        return self.kinds[max(range(len(scores)), key=scores.__getitem__)]

    def harmless(self, text: str) -> bool:
        """Whether the model is very sure the text is harmless (probability of danger below `veto`)."""
        return self.veto > 0 and self.danger(text) < self.veto

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
