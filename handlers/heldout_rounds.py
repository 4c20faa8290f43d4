"""Issue 13's held-out rounds: which independently written sets (crisis and harmless messages,
residents' questions) are tuning data, which one is the untouched verdict.

Since the sixth round each round's new set, `holdout<n>`, is measured once untouched and then becomes
tuning data: the detector's fallback and the topic model are trained on it, LOCO leaves it out in
turn, the benchmarks count it as tuning. One number moves per round, here; everything that lists the
sets (handlers/safety/train.py and loco.py, handlers/programs/train.py, benchmarks/bench_safety.py and
bench_matcher.py) is built from it."""

from __future__ import annotations

LAST_TUNING = 32  # holdout32 was measured untouched at c7cce51 and is tuning data since
TUNING = range(6, LAST_TUNING + 1)  # holdout6 … holdout32, in round order
UNTOUCHED = LAST_TUNING + 1  # the verdict: nothing tuned or trained reads it
