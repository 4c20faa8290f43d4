"""The programme matcher on held-out sets of residents' questions, through the real command line:
`kaderbot ask --json --batch`.

Two sets, both written independently of the sample questions in locales/*/programs.yaml:
- `resident_questions_fresh.tsv` — never looked at while the matcher was tuned: the honest figure;
- `resident_questions.tsv` — its misses were looked at while tuning keywords and slang, so its
  figure is optimistic and shown for comparison only.

Figures and targets (issue #5): top-1 accuracy on in-scope questions ≥ 90 %; out-of-scope questions
answered with a topic ≤ 5 %; ≥ 2,000 questions/s. Throughput excludes interpreter start-up: the same
command runs once with one question and once with the whole set repeated, and the rate is the extra
questions over the extra time (the median of three such pairs).
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from handlers.programs import KnowledgeBase, Matcher, Programs

DATA_DIR = Path(__file__).resolve().parent / "data"
FRESH = DATA_DIR / "resident_questions_fresh.tsv"
SEEN = DATA_DIR / "resident_questions.tsv"
KADERBOT = str(Path(sys.executable).with_name("kaderbot"))
REPEAT = int(os.environ.get("BENCH_ASK_REPEAT", "40"))  # held-out set × 40 ≈ 10,000 questions
PAIRS = 3
TARGET_ACCURACY = 0.90
TARGET_OUT_OF_SCOPE = 0.05
TARGET_RATE = 2000.0


def load(path: Path) -> list[tuple[str, str | None, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(r["question"], None if r["topic"] == "-" else r["topic"], r["lang"]) for r in rows]


def ask_batch(questions: list[str]) -> tuple[list[dict[str, object]], float]:
    """Run `kaderbot ask --json --batch` once; returns its answers and the wall time it took."""
    payload = "".join(q.replace("\n", " ") + "\n" for q in questions)
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    done = subprocess.run(
        [KADERBOT, "ask", "--json", "--batch"],
        input=payload,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    elapsed = time.perf_counter() - started
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    if len(answers) != len(questions):
        raise SystemExit(f"kaderbot ask --batch answered {len(answers)} of {len(questions)} questions")
    return answers, elapsed


def leave_one_out() -> tuple[int, int]:
    """Each sample question matched by a knowledge base without it: a figure no held-out tuning touches."""
    programs = Programs.load()
    bases = list(programs.bases.values())
    right = total = 0
    for b, base in enumerate(bases):
        for t, topic in enumerate(base.topics):
            for s, sample in enumerate(topic.samples):
                without = replace(topic, samples=topic.samples[:s] + topic.samples[s + 1 :])
                others = list(bases)
                others[b] = KnowledgeBase(base.lang, (*base.topics[:t], without, *base.topics[t + 1 :]))
                matcher = Matcher(others, programs.matcher.normalizer, programs.matcher.tuning)
                right += matcher.match(sample).topic == topic.id
                total += 1
    return right, total


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def evaluate(path: Path, label: str) -> list[tuple[str, str | None, str]]:
    rows = load(path)
    answers, _ = ask_batch([q for q, _, _ in rows])
    by_lang: dict[str, dict[str, list[bool]]] = defaultdict(lambda: {"in": [], "out": []})
    misses: list[str] = []
    for (question, expected, lang), answer in zip(rows, answers, strict=True):
        if expected is None:
            by_lang[lang]["out"].append(answer["topic"] is not None)
            if answer["topic"] is not None:
                misses.append(f"  out of scope, answered {answer['topic']}: {question}")
        else:
            by_lang[lang]["in"].append(answer["topic"] == expected)
            if answer["topic"] != expected:
                misses.append(f"  {expected}, got {answer['topic']} ({answer['score']}): {question}")
    every_in = [ok for figures in by_lang.values() for ok in figures["in"]]
    every_out = [hit for figures in by_lang.values() for hit in figures["out"]]
    accuracy = sum(every_in) / len(every_in)
    answered = sum(every_out) / len(every_out)
    print(
        f"{label}: {path.name}, {len(rows)} questions "
        f"({len(every_in)} in scope, {len(every_out)} out of scope)"
    )
    for lang in sorted(by_lang):
        figures = by_lang[lang]
        inside, outside = figures["in"], figures["out"]
        line = f"  {lang}: top-1 {sum(inside) / len(inside):.1%} of {len(inside)}"
        if outside:
            line += f", out-of-scope answered {sum(outside) / len(outside):.1%} of {len(outside)}"
        print(line)
    print(
        f"  top-1 accuracy (in scope): {accuracy:.1%}   (target ≥ {TARGET_ACCURACY:.0%}) "
        f"→ {verdict(accuracy >= TARGET_ACCURACY)}"
    )
    print(
        f"  out-of-scope answered: {answered:.1%}   (target ≤ {TARGET_OUT_OF_SCOPE:.0%}) "
        f"→ {verdict(answered <= TARGET_OUT_OF_SCOPE)}"
    )
    if misses:
        print("  misses:")
        print("\n".join(misses))
    return rows


def main() -> None:
    rows = evaluate(FRESH, "held-out, never seen while tuning")
    evaluate(SEEN, "held-out, misses seen while tuning (optimistic)")

    right, total = leave_one_out()
    print(
        f"leave-one-out on the {total} sample questions (answered with their own topic): {right / total:.1%}"
    )

    many = [q for q, _, _ in rows] * REPEAT
    rates = []
    for _ in range(PAIRS):
        _, one = ask_batch(many[:1])
        _, full = ask_batch(many)
        rates.append((len(many) - 1) / max(full - one, 1e-9))
    rate = statistics.median(rates)
    print(
        f"throughput: {rate:,.0f} questions/s through `kaderbot ask --json --batch` "
        f"({len(many):,} questions, start-up excluded; end to end incl. start-up {len(many) / full:,.0f}/s)"
        f"   (target ≥ {TARGET_RATE:,.0f}/s) → {verdict(rate >= TARGET_RATE)}"
    )


if __name__ == "__main__":
    main()
