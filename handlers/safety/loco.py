"""Leave-one-corpus-out (LOCO) estimate of the safety net on its five tuning pairs of corpora:

    .venv/bin/python -m handlers.safety.train --loco [--threshold T] [--veto V]

The rules (locales/*/danger.yaml) were written while reading every tuning corpus, so on those they
score ~100 % / 0 % and say nothing about new messages. The trained fallback can be judged honestly:
for each pair (first, fresh, extra, final, holdout4) it is trained on the other four (plus the resident
questions as harmless text), exactly as train.py trains it, read through the pure-Python model of
model.py, and tested on the pair left out. Printed per corpus and pooled:

* model alone — the fallback at threshold t on every chat message (report notes are never given to it);
* rules + model — the detector as it runs: the rules decide where one matched, the fallback otherwise;
* + veto — and a rule's chat alarm that is not a strong statement is set aside when the model's
  probability of danger is below V (model.py `harmless`);
* rules of 556d832 — the one honest view of the rules themselves: the detector as it was before
  holdout4 was read (git show 556d832, the commit that measured it untouched), on holdout4, with the
  LOCO fallback trained without holdout4. Skipped when git or that commit is not available.

Then a sweep of t and V (pooled). A crisis message counts as caught when any danger is found;
a harmless report note is read in the "record" context, every other message as chat. Nothing here
reads the fifth, held-out pair (holdout5)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
BENCH = ROOT / "benchmarks" / "data"
PAIRS = {
    "first": (DATA / "crisis_messages.tsv", DATA / "harmless_messages.tsv"),
    "fresh": (DATA / "crisis_messages_fresh.tsv", DATA / "harmless_messages_fresh.tsv"),
    "extra": (DATA / "crisis_messages_extra.tsv", DATA / "harmless_messages_extra.tsv"),
    "final": (BENCH / "crisis_messages_final.tsv", BENCH / "harmless_messages_final.tsv"),
    "holdout4": (BENCH / "crisis_messages_holdout4.tsv", BENCH / "harmless_messages_holdout4.tsv"),
}
QUESTIONS = DATA / "resident_questions_heldout.tsv"
BEFORE_HOLDOUT4 = "556d832"  # the rules as they were when holdout4 was measured untouched
OLD_FILES = (
    "handlers/__init__.py",
    "handlers/safety/__init__.py",
    "handlers/safety/detector.py",
    "handlers/safety/model.py",
    "locales/id/danger.yaml",
    "locales/en/danger.yaml",
)
STRONG = 2  # detector.STRENGTHS["strong"]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def messages() -> list[tuple[str, int, str, str]]:
    """(pair, 1 = crisis / 0 = harmless, text, context) for every message of the five pairs."""
    out = []
    for name, (crisis, harmless) in PAIRS.items():
        for label, path in ((1, crisis), (0, harmless)):
            for row in rows(path):
                context = "record" if row.get("context") == "report_note" else "chat"
                out.append((name, label, row["text"], context))
    return out


def rule_statuses(locales: Path, texts: Sequence[tuple[str, str]]) -> list[tuple[str, bool]]:
    """Per (text, context): what the rules alone make of it — "C" caught, "R" read (no danger and not
    passed to the fallback), "F" passed to the fallback — and whether a strong rule counted."""
    from handlers.safety.detector import DangerDetector

    detector = DangerDetector.load(locales)
    model, detector.model = detector.model, None
    strong_only = None
    try:
        out = []
        for text, context in texts:
            text = text[:4000]
            read = getattr(detector, "_read_rules", None)
            if read is not None:
                found = read(text, context)
                kinds, strong = (None, False) if found is None else (found[0], found[1] >= STRONG)
            else:  # an older detector: the strong rules alone tell whether a strong one counted
                kinds = detector._assess_rules(text, context)
                if strong_only is None:
                    strong_only = DangerDetector._from_files(sorted(locales.glob("*/danger.yaml")), None)
                    strong_only._rules = tuple(r for r in strong_only._rules if r.strength == STRONG)
                strong = bool(kinds) and bool(strong_only._assess_rules(text, context))
            if kinds is None:
                chronic: Callable[[str], bool] | None = getattr(detector, "_chronic", None)
                out.append(("R" if chronic is not None and chronic(text) else "F", False))
            else:
                out.append(("C" if kinds else "R", strong))
        return out
    finally:
        detector.model = model


def _old_statuses(texts: Sequence[tuple[str, str]]) -> list[tuple[str, bool]] | None:
    """The rules of BEFORE_HOLDOUT4, read in a separate interpreter from that commit's files."""
    # Imported here: this module itself runs again in the old tree, which has no such module.
    from handlers.old_version import run_at_commit

    extra = {"loco_statuses.py": Path(__file__).read_text(encoding="utf-8")}
    code = "import loco_statuses; loco_statuses._print_statuses()"
    found = run_at_commit(BEFORE_HOLDOUT4, OLD_FILES, extra, code, texts)
    return None if found is None else [(s, bool(strong)) for s, strong in found]


def _print_statuses() -> None:
    texts = json.loads(Path("texts.json").read_text(encoding="utf-8"))
    print(json.dumps(rule_statuses(Path("locales"), [tuple(t) for t in texts])))


def loco_probabilities(msgs: list[tuple[str, int, str, str]]) -> list[float]:
    """For each message, the fallback's probability of danger when trained without its pair."""
    from handlers.safety.model import NgramModel
    from handlers.safety.train import fit

    questions = [r["question"] for r in rows(QUESTIONS)]
    out = [0.0] * len(msgs)
    for name in PAIRS:
        train = [m for m in msgs if m[0] != name]
        crisis = [{"text": m[2], "kind": _kind_of(m)} for m in train if m[1]]
        negatives = [m[2] for m in train if not m[1]] + questions
        model = NgramModel(fit(crisis, negatives, threshold=0.5))
        for i, m in enumerate(msgs):
            if m[0] == name:
                out[i] = model.danger(m[2][:4000])
    return out


_KINDS: dict[str, str] = {}


def _kind_of(m: tuple[str, int, str, str]) -> str:
    return _KINDS[m[2]]


def _alarm(status: tuple[str, bool], context: str, p: float, t: float, veto: float | None) -> bool:
    state, strong = status
    if state == "C":
        return not (veto is not None and context == "chat" and not strong and p < veto)
    return state == "F" and context == "chat" and p >= t


def figures(
    msgs: list[tuple[str, int, str, str]],
    decide: Callable[[int], bool],
    pairs: Sequence[str] = tuple(PAIRS),
) -> tuple[str, tuple[int, int, int, int]]:
    parts, total = [], [0, 0, 0, 0]
    for name in pairs:
        tp = n1 = fa = n0 = 0
        for i, m in enumerate(msgs):
            if m[0] != name:
                continue
            hit = decide(i)
            if m[1]:
                n1, tp = n1 + 1, tp + hit
            else:
                n0, fa = n0 + 1, fa + hit
        parts.append(f"{name} {tp}/{n1} caught, {fa}/{n0} alarms")
        total = [total[0] + tp, total[1] + n1, total[2] + fa, total[3] + n0]
    tp, n1, fa, n0 = total
    pooled = f"POOLED recall {tp / n1:.1%} ({n1 - tp} missed), false alarms {fa / n0:.1%} ({fa})"
    return "; ".join(parts) + "\n      " + pooled, (tp, n1, fa, n0)


def main(threshold: float, veto: float) -> None:
    msgs = messages()
    for crisis, _ in PAIRS.values():
        _KINDS.update({r["text"]: r["kind"] for r in rows(crisis)})
    texts = [(m[2], m[3]) for m in msgs]
    statuses = rule_statuses(ROOT / "locales", texts)
    probability = loco_probabilities(msgs)

    def show(label: str, decide: Callable[[int], bool], pairs: Sequence[str] = tuple(PAIRS)) -> None:
        print(f"  {label}: " + figures(msgs, decide, pairs)[0])

    print(f"LOCO, threshold t={threshold}, veto V={veto}:")
    show("rules alone", lambda i: statuses[i][0] == "C")
    show("model alone", lambda i: msgs[i][3] == "chat" and probability[i] >= threshold)
    show(
        "rules + model",
        lambda i: _alarm(statuses[i], msgs[i][3], probability[i], threshold, None),
    )
    show(
        "rules + model + veto",
        lambda i: _alarm(statuses[i], msgs[i][3], probability[i], threshold, veto),
    )
    caught = sorted(
        (probability[i], m[0], m[2][:60])
        for i, m in enumerate(msgs)
        if m[1] and statuses[i][0] == "C" and not statuses[i][1]
    )
    if caught:
        p, name, text = caught[0]
        print(f"  lowest LOCO probability of a crisis a weak/normal rule caught: {p:.3f} ({name}: {text!r})")
    old = _old_statuses(texts)
    if old is None:
        print(f"  rules of {BEFORE_HOLDOUT4}: not available (git)")
    else:
        for v in (None, veto):
            label = f"rules of {BEFORE_HOLDOUT4} + model" + ("" if v is None else " + veto")
            show(label, lambda i, v=v: _alarm(old[i], msgs[i][3], probability[i], threshold, v), ["holdout4"])
    print("Sweep (pooled, rules + model):")
    for t in (0.6, 0.7, 0.75, 0.78, 0.8, 0.85, 0.9):
        _, (tp, n1, fa, n0) = figures(
            msgs, lambda i, t=t: _alarm(statuses[i], msgs[i][3], probability[i], t, None)
        )
        print(f"  t={t:<5} recall {tp / n1:.1%} ({n1 - tp} missed), false alarms {fa / n0:.1%} ({fa})")
    for v in (0.02, 0.05, 0.1, 0.15, 0.2, 0.3):
        _, (tp, n1, fa, n0) = figures(
            msgs, lambda i, v=v: _alarm(statuses[i], msgs[i][3], probability[i], threshold, v)
        )
        line = f"  veto V={v:<5} recall {tp / n1:.1%} ({n1 - tp} missed), false alarms {fa / n0:.1%} ({fa})"
        if old is not None:
            _, (otp, on1, ofa, on0) = figures(
                msgs,
                lambda i, v=v: _alarm(old[i], msgs[i][3], probability[i], threshold, v),
                ["holdout4"],
            )
            line += f"; holdout4 with the rules of {BEFORE_HOLDOUT4}: {otp}/{on1} caught, {ofa}/{on0} alarms"
        print(line)
