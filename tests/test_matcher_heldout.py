"""The matcher on resident questions written independently of the knowledge base (issue 13):
`tests/data/resident_questions_heldout.tsv` — informal Indonesian, typos, English, and questions
outside KaderBot's services (topic "-"), which must get the refusal, never a programme answer —
and the other question sets under benchmarks/data.

Since the third round of issue 13 every one of these sets is tuning data (their misses were read and
fixed by class — never by copying a line into samples, keywords or slang); a fifth, independent set
is measured by the lead alone. `make bench` prints the same figures (benchmarks/bench_matcher.py).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from handlers.programs import Programs
from handlers.programs.topic_model import TopicModel

HELDOUT = PROJECT_ROOT / "tests" / "data" / "resident_questions_heldout.tsv"
# The targets are 95 % top-1 and at most 3 % out-of-scope answered. Measured when this set
# arrived (Sastrawi + keyword scores, thresholds chosen on benchmarks/data only): 90.0 % (271/301) and
# 3.8 % (3/80). After more samples and keywords for the weak topics, regional slang, clitics on
# programme names and no typo-reading of dictionary words (tuned on benchmarks/data and the dev
# set benchmarks/data/dev_questions.tsv; of this set only the per-topic miss counts were looked at):
# 94.4 % (284/301) and 2.5 % (2/80). Third round (the set taken into tuning; its misses fixed by
# class, see test_third_round_classes_find_their_topic): 98.3 % (296/301) and 2.5 % (2/80). The
# accuracy floor keeps about a point of slack for knowledge-base edits; the out-of-scope ceiling is
# the target.
MIN_ACCURACY = 0.97  # top-1 on in-scope questions
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


# The other question sets (benchmarks/data), each held to the targets. Third round: fresh
# 96.2 % / 2.1 %, seen 97.9 % / 0 %, dev 98.1 % / 2.4 %.
OTHER_SETS = ["resident_questions_fresh.tsv", "resident_questions.tsv", "dev_questions.tsv"]
MIN_ACCURACY_OTHER = 0.95


@pytest.mark.parametrize("name", OTHER_SETS)
def test_the_other_question_sets_meet_the_targets(name: str, programs: Programs) -> None:
    with (PROJECT_ROOT / "benchmarks" / "data" / name).open(encoding="utf-8", newline="") as handle:
        found = [
            (r["question"], None if r["topic"] == "-" else r["topic"])
            for r in csv.DictReader(handle, delimiter="\t")
        ]
    asked = [(q, topic, programs.match(q).topic) for q, topic in found]
    inside = [(q, want, got) for q, want, got in asked if want is not None]
    outside = [(q, got) for q, want, got in asked if want is None]
    misses = [m for m in inside if m[1] != m[2]]
    assert 1 - len(misses) / len(inside) >= MIN_ACCURACY_OTHER, misses
    answered = [o for o in outside if o[1] is not None]
    assert len(answered) / len(outside) <= MAX_OUT_OF_SCOPE_ANSWERED, answered


# Classes of the third round's misses, in other words than the sets': each was answered with another
# topic (or not at all) before, and is asked here through `kaderbot ask --json --batch`.
THIRD_ROUND = [
    # a word naming another office's service inside a programme's own name ("kuliah" in KIP Kuliah)
    ("anak sy mau daftar kip kuliah, caranya?", "pip_kip"),
    # a kind of service (counselling, a psychologist) is no subject: what it is for decides
    ("ada konseling gratis buat korban kdrt?", "kekerasan_ppa"),
    ("korban pelecehan butuh psikolog, ke mana?", "kekerasan_ppa"),
    # released prisoners and aftercare from the mental hospital are social rehabilitation
    ("suami baru keluar lapas, ada program buat dia?", "rehabilitasi"),
    ("my husband just got out of prison, is there help for ex-prisoners?", "rehabilitasi"),
    ("adik sy baru pulang dari rumah sakit jiwa, perawatan lanjutannya gmn", "rehabilitasi"),
    # the bank's side of a payment that did not come (the collective account)
    ("rekening kolektif bansos sy blm aktif kata bank", "bansos_pencairan"),
]


def test_third_round_classes_find_their_topic() -> None:
    kaderbot = str(Path(sys.executable).with_name("kaderbot"))
    done = subprocess.run(
        [kaderbot, "ask", "--json", "--batch"],
        input="".join(f"{q}\n" for q, _ in THIRD_ROUND),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    got = [(q, a["topic"]) for (q, _), a in zip(THIRD_ROUND, answers, strict=True)]
    assert got == [(q, topic) for q, topic in THIRD_ROUND]


# -- the trained second opinion (issue 13, fourth round: chosen by leave-one-corpus-out) -----------
SECOND_OPINION = "bansos kami kada cari-cair, napa kah"  # Banjar, a reduplication: no keyword read


def test_the_second_opinion_answers_a_question_the_keywords_refused(programs: Programs) -> None:
    keywords_alone = dataclasses.replace(programs.matcher, model_dir=None)
    assert keywords_alone.match(SECOND_OPINION).topic is None
    model = TopicModel.cached(PROJECT_ROOT / "locales")
    assert model is not None
    found = programs.match(SECOND_OPINION)
    assert found.topic == "bansos_pencairan" and found.score >= model.threshold


@pytest.mark.parametrize(
    "name", ["resident_questions_fresh.tsv", "resident_questions.tsv", "dev_questions.tsv"]
)
def test_the_second_opinion_answers_no_out_of_scope_question_the_keywords_refused(
    name: str, programs: Programs, rows: list[tuple[str, str | None, str]]
) -> None:
    with (PROJECT_ROOT / "benchmarks" / "data" / name).open(encoding="utf-8", newline="") as handle:
        outside = [r["question"] for r in csv.DictReader(handle, delimiter="\t") if r["topic"] == "-"]
    outside += [q for q, topic, _ in rows if topic is None]
    keywords_alone = dataclasses.replace(programs.matcher, model_dir=None)
    refused = [q for q in outside if keywords_alone.match(q).topic is None]
    assert refused and [q for q in refused if programs.match(q).topic is not None] == []


def test_the_second_opinion_needs_no_scikit_learn_at_run_time() -> None:
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from handlers.programs import Programs\n"
        f"print(Programs.load().match({SECOND_OPINION!r}).topic)\n"
        "assert not any(m.startswith('sklearn') and sys.modules[m] for m in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=PROJECT_ROOT,
    )
    assert done.stdout.strip() == "bansos_pencairan"
