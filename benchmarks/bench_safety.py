"""The safety net's danger detector (issue 13) on the pairs of corpora below, each written independently of
its word lists: crisis recall (target 100 %), false alarms on harmless messages that use the same
words (target ≤ 1 %), and the detector's time per message (well under 1 ms: the shell's
`kaderbot ask --json --batch` calls it for every question and must stay ≥ 2,000 questions/s).

The pairs, printed separately:

* first — tests/data/{crisis,harmless}_messages.tsv: the detector was tuned on it.
* fresh — tests/data/*_fresh.tsv: written after that tuning; it measured how the detector
  generalised (74.5 % recall, 1 false alarm), then became tuning data too (by class of miss).
* extra — tests/data/*_extra.tsv: tuning phrasings of the classes the fresh pair missed.
* final — benchmarks/data/*_final.tsv: written by someone who never read the detector, and held out
  until the second round of issue 13 (first measured: recall 96.2 %, false alarms 9.5 %); tuning
  data since (by class of miss, and the fallback is retrained with it).
* holdout4 — benchmarks/data/*_holdout4.tsv: written by someone who never read the detector, and
  held out until the third round of issue 13 (measured once, untouched: recall 96.8 %, false alarms
  4.8 %); tuning data since (its misses and false alarms fixed by class, see locales/id/danger.yaml
  "classes of holdout4" and tests/test_safety_net.py's third-round tests).

* holdout5 — benchmarks/data/*_holdout5.tsv: 186 crisis messages and 244 harmless ones, written by
  someone who read neither the detector nor any other corpus; held out until the fifth round
  (measured untouched: recall 93.0 %, false alarms 6.1 %); tuning data since (its misses fixed by
  class, locales/id/danger.yaml "classes of holdout5", tests/test_safety_net.py's fifth round).
* train6 — benchmarks/data/*_train6.tsv: 279 crisis and 297 harmless messages written for tuning in
  the fifth round by someone who read no code (indirect danger, the same words in jokes and questions).
* holdout6 — benchmarks/data/*_holdout6.tsv: 194 crisis messages and 220 harmless ones (84 report
  notes), written by someone who read neither the detector nor any other corpus; held out until the
  sixth round (measured once, untouched: recall 99.0 %, false alarms 5.5 %); tuning data since (its
  false alarms fixed by class; the fallback is retrained with it).
* holdout7 — benchmarks/data/*_holdout7.tsv: 178 crisis messages (every kind, a quarter in English)
  and 199 harmless ones (80 report notes), written in the sixth round by someone who read neither the
  detector nor any other corpus; held out until the seventh round (measured twice, untouched: recall
  98.9 %, false alarms 5.5 %); tuning data since (its misses and false alarms fixed by class, locales/
  id/danger.yaml "classes of holdout7", tests/test_safety_net.py's seventh round).
* holdout8 — benchmarks/data/*_holdout8.tsv: 189 crisis messages (27 of every kind, a quarter in
  English) and 208 harmless ones (84 report notes), written in the seventh round by someone who read
  neither the detector nor any other corpus; held out until the eighth round (measured twice,
  untouched: recall 98.4 %, false alarms 5.3 %); tuning data since (its misses, wrong kinds and false
  alarms fixed by class, locales/id/danger.yaml "classes of holdout8", tests/test_safety_net.py's
  eighth round; the fallback is retrained with it).
* holdout9 — benchmarks/data/*_holdout9.tsv: 193 crisis and 211 harmless messages (and 334 questions,
  benchmarks/bench_matcher.py), written in the seventh round the same way; held out until the ninth
  round (measured twice in the eighth, counts only: recall 98.4 %, false alarms 6.6 % after the
  round's classes; 99.0 %, 5.2 % after its policy changes); tuning data since (its misses, wrong kinds
  and false alarms fixed by class, locales/id/danger.yaml "classes of holdout9",
  tests/test_safety_net.py's ninth round; the fallback is retrained with it).
* holdout10 to holdout32 — benchmarks/data/*_holdout<n>.tsv, each written the same way two rounds
  before its number (in the eighth round for holdout10); held out until round <n>, measured once
  untouched in the round before; tuning data since (its classes in locales/id/danger.yaml "classes of
  holdout<n>", tests/test_safety_net.py's round <n>; the fallback is retrained with it). Their
  questions are benchmarks/bench_matcher.py's.

      set        crisis  harmless  questions  untouched: recall  false alarms
      holdout10      192       211        326             99.5 %         2.8 %
      holdout11      195       210        312             99.5 %         3.3 %
      holdout12      219       241        341             97.7 %         2.5 %
      holdout13      185       208        345             98.4 %         2.9 %
      holdout14      196       222        379             99.5 %         5.4 %
      holdout15      193       230        376             99.5 %         5.2 %
      holdout16      202       212        432            100.0 %         4.7 %
      holdout17      193       230        434             97.4 %         2.6 %
      holdout18      196       252        482             96.9 %         6.0 %
      holdout19      196       224        411             99.5 %         4.9 %
      holdout20      196       265        446             99.5 %         5.3 %
      holdout21      199       213        377             99.0 %         3.8 %
      holdout22      213       221        415             94.8 %         7.7 %
      holdout23      197       225        373             97.0 %         4.0 %
      holdout24      200       210        393             99.0 %         2.4 %
      holdout25      191       227        377            100.0 %         2.6 %
      holdout26      217       240        373             99.5 %         3.8 %
      holdout27      206       243        380             98.5 %         3.7 %
      holdout28      196       221        385             98.5 %         1.4 %
      holdout29      210       232        386            100.0 %         1.7 %
      holdout30      201       241        402            100.0 %         4.6 %
      holdout31      200       235        379             99.0 %         6.4 %
      holdout32      198       251        387             99.0 %         2.8 %

* holdout33 — benchmarks/data/*_holdout33.tsv: 227 crisis and 245 harmless messages (and 411
  questions), written in the thirty-first round the same way. Nobody tuning the detector has read it:
  its figure is the issue's verdict. Nothing here or in the training reads it.

Every other pair is tuning data, so its figure is optimistic.

Everyday messages with no danger at all (form answers, small talk, Posyandu and daily life), written
in the sixth round by someone who read no code: tests/data/everyday_messages.tsv is tuning data (the
fallback is trained with it); benchmarks/data/everyday_messages_holdout.tsv is untouched — before
that training the fallback raised an alarm on 36 of its 343 messages, after it on 18 (counted, not
read).

Harmless report notes are read as the monthly report's notes field reads them (the stricter
"record" context); every other message as chat. A crisis message counts as caught when the detector
finds any danger (the answer then shows the numbers of every kind found); "right kind" says how
often the corpus's own kind is among them. Time: the first pass over every corpus with an empty word
cache (every word read and stemmed for the first time), then later passes (words cached, as in a
running bot). Times are this process's CPU time (time.process_time), so other work on a shared
machine does not inflate them; the wall-clock rate of the later passes is printed beside."""

from __future__ import annotations

import csv
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from handlers import heldout_rounds
from handlers.safety import DangerDetector

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "locales"
PASSES = 20
CONTEXT = {"report_note": "record"}
SETS = {
    "first (tuning)": (ROOT / "tests/data/crisis_messages.tsv", ROOT / "tests/data/harmless_messages.tsv"),
    "fresh (tuning since)": (
        ROOT / "tests/data/crisis_messages_fresh.tsv",
        ROOT / "tests/data/harmless_messages_fresh.tsv",
    ),
    "extra (tuning)": (
        ROOT / "tests/data/crisis_messages_extra.tsv",
        ROOT / "tests/data/harmless_messages_extra.tsv",
    ),
    "final (tuning since round 2)": (
        ROOT / "benchmarks/data/crisis_messages_final.tsv",
        ROOT / "benchmarks/data/harmless_messages_final.tsv",
    ),
    "holdout4 (tuning since round 3)": (
        ROOT / "benchmarks/data/crisis_messages_holdout4.tsv",
        ROOT / "benchmarks/data/harmless_messages_holdout4.tsv",
    ),
    "holdout5 (tuning since round 5)": (
        ROOT / "benchmarks/data/crisis_messages_holdout5.tsv",
        ROOT / "benchmarks/data/harmless_messages_holdout5.tsv",
    ),
    "train6 (written for tuning in round 5)": (
        ROOT / "benchmarks/data/crisis_messages_train6.tsv",
        ROOT / "benchmarks/data/harmless_messages_train6.tsv",
    ),
    **{
        f"holdout{n} (tuning since round {n})": (
            ROOT / f"benchmarks/data/crisis_messages_holdout{n}.tsv",
            ROOT / f"benchmarks/data/harmless_messages_holdout{n}.tsv",
        )
        for n in heldout_rounds.TUNING
    },
    f"holdout{heldout_rounds.UNTOUCHED} (UNTOUCHED HELD-OUT: the issue's verdict)": (
        ROOT / f"benchmarks/data/crisis_messages_holdout{heldout_rounds.UNTOUCHED}.tsv",
        ROOT / f"benchmarks/data/harmless_messages_holdout{heldout_rounds.UNTOUCHED}.tsv",
    ),
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _context(row: dict[str, str]) -> str:
    return CONTEXT.get(row.get("context", ""), "chat")


def report(
    name: str, crisis: list[dict[str, str]], harmless: list[dict[str, str]], detector: DangerDetector
) -> None:
    print(f"== {name}: {len(crisis)} crisis, {len(harmless)} harmless messages")
    found = [detector.assess(r["text"]) for r in crisis]
    caught = sum(1 for kinds in found if kinds)
    right = sum(1 for r, kinds in zip(crisis, found, strict=True) if r.get("kind") in kinds)
    print(f"  crisis recall:  {caught}/{len(crisis)} = {caught / max(len(crisis), 1):.1%}  (target 100%)")
    print(f"    right kind among those found: {right}/{len(crisis)} = {right / max(len(crisis), 1):.1%}")
    per_kind = Counter(r.get("kind", "?") for r in crisis)
    missed = Counter(r.get("kind", "?") for r, kinds in zip(crisis, found, strict=True) if not kinds)
    print(
        "    by kind: " + ", ".join(f"{k} {per_kind[k] - missed[k]}/{per_kind[k]}" for k in sorted(per_kind))
    )
    alarms = [r for r in harmless if detector.assess(r["text"], context=_context(r))]
    share = len(alarms) / max(len(harmless), 1)
    print(f"  false alarms:   {len(alarms)}/{len(harmless)} = {share:.1%}  (target ≤ 1%)")
    per_context = Counter(r.get("context", "?") for r in harmless)
    raised = Counter(r.get("context", "?") for r in alarms)
    print("    by context: " + ", ".join(f"{c} {raised[c]}/{per_context[c]}" for c in sorted(per_context)))


EVERYDAY = {
    "everyday (tuning)": ROOT / "tests/data/everyday_messages.tsv",
    "everyday holdout (UNTOUCHED)": ROOT / "benchmarks/data/everyday_messages_holdout.tsv",
    # seventh round: read for the rules' classes, not trained on (handlers/safety/train.py says why)
    "everyday 2 (read, not trained)": ROOT / "tests/data/everyday_messages_2.tsv",
    "chat using danger words harmlessly (read, not trained)": ROOT / "tests/data/harmless_chat_training.tsv",
}


def everyday(name: str, rows: list[dict[str, str]], detector: DangerDetector) -> None:
    alarms = Counter(r.get("situation", r.get("context", "?")) for r in rows if detector.assess(r["text"]))
    total = sum(alarms.values())
    print(f"== {name}: {len(rows)} everyday messages")
    print(f"  false alarms:   {total}/{len(rows)} = {total / max(len(rows), 1):.1%}  (target ≤ 1%)")
    per = Counter(r.get("situation", r.get("context", "?")) for r in rows)
    print("    by situation: " + ", ".join(f"{s} {alarms[s]}/{per[s]}" for s in sorted(per)))


def main() -> None:
    detector = DangerDetector.load(LOCALES)
    texts: list[tuple[str, str]] = []
    for name, (crisis_path, harmless_path) in SETS.items():
        if not crisis_path.exists() or not harmless_path.exists():
            print(f"== {name}: not there yet ({crisis_path.name}, {harmless_path.name})")
            continue
        crisis, harmless = _rows(crisis_path), _rows(harmless_path)
        report(name, crisis, harmless, detector)
        texts += [(r["text"], "chat") for r in crisis] + [(r["text"], _context(r)) for r in harmless]
    for name, path in EVERYDAY.items():
        if path.exists():
            everyday(name, _rows(path), detector)

    detector.reader.forms.clear()  # the first pass reads every word afresh
    cold = _timed(detector, texts)
    warm: list[float] = []
    wall = time.perf_counter()
    for _ in range(PASSES):
        warm.extend(_timed(detector, texts))
    wall = time.perf_counter() - wall
    print(f"== CPU time per message ({len(texts)} messages of every set)")
    print(f"  first pass: mean {statistics.fmean(cold) * 1e6:.0f} µs, p99 {_p99(cold) * 1e6:.0f} µs")
    print(
        f"  later passes ({len(warm)} messages): mean {statistics.fmean(warm) * 1e6:.0f} µs, "
        f"p99 {_p99(warm) * 1e6:.0f} µs, max {max(warm) * 1e6:.0f} µs, "
        f"{len(warm) / max(sum(warm), 1e-9):,.0f} messages/s ({len(warm) / wall:,.0f}/s by the wall clock)"
    )
    sys.stdout.flush()


def _timed(detector: DangerDetector, texts: list[tuple[str, str]]) -> list[float]:
    out = []
    clock = time.process_time
    for text, context in texts:
        started = clock()
        detector.assess(text, context=context)
        out.append(clock() - started)
    return out


def _p99(values: list[float]) -> float:
    return sorted(values)[max(int(len(values) * 0.99) - 1, 0)]


if __name__ == "__main__":
    main()
