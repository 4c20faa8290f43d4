"""Train the safety net's n-gram fallback (handlers/safety/model.py) and write locales/danger_model.json.

    .venv/bin/python -m pip install '.[train]'      # scikit-learn, for training only
    .venv/bin/python -m handlers.safety.train

Positives: every tuning crisis corpus (tests/data: first, fresh, extra; benchmarks/data: final, held out
until the second round of issue 13; holdout4, held out until the third; holdout5, held out until the
fifth; train6, written for tuning in the fifth; holdout6, held out until the sixth; holdout7, held
out until the seventh; holdout8, held out until the eighth; holdout9, held out until the ninth;
holdout10, held out until the tenth; holdout11, held out until the eleventh; holdout12, held out
until the twelfth; holdout13, held out until the thirteenth; holdout14, held out until the
fourteenth; holdout15, held out until the fifteenth; holdout16, held out until the sixteenth;
holdout17, held out until the seventeenth; holdout18, held out until the eighteenth; holdout19, held
out until the nineteenth; holdout20, held out until the twentieth; holdout21, held out until the
twenty-first; holdout22, held out until the twenty-second; holdout23, held out until the
twenty-third; holdout24, held out until the twenty-fourth; holdout25, held out until the
twenty-fifth; holdout26, held out until the twenty-sixth; holdout27, held out until the
twenty-seventh; holdout28, held out until the twenty-eighth; holdout29, held out until the
twenty-ninth; holdout30, held out until the thirtieth; holdout31, held out until the thirty-first;
holdout32, held out until the thirty-second). Negatives: the harmless corpora (the same words used
harmlessly) and the resident questions of tests/data. A thirty-third independent pair (holdout33) is
measured by the lead alone and is never read here.
`--check` trains on the first corpus only and prints what the fallback adds on the fresh one. `--loco`
prints the leave-one-corpus-out estimate (handlers/safety/loco.py) that chose the policy below;
`--threshold`, `--veto`, `--rescue`, `--strong-veto` try other values.

The model: char_wb 2–5-grams, C=10, balanced classes (fourth round; 1–4, 3–5, 2–6-grams, plain char
n-grams, word uni/bigrams, min_df 1, C 3 or 30 and unweighted classes were no better); bagged since the
twenty-fifth round (below).

The policy (fifth round), chosen on the honest views of the LOCO run — the rules as they were before
holdout4 (556d832) and before holdout5 (a6e2401) read those pairs, and train6 before its classes were
fixed — where recall comes first: the fallback flags at p ≥ 0.6 (was 0.8); a weak or normal rule's chat
alarm is vetoed below 0.3 (was 0.05; 0.2 since the seventeenth round, see below) and a strong one
below 0.3 (new), except a strong statement of
suicide, an alarm said with a strictly urgent word, or a bare statement of fewer than six words
(detector.py `unvetoed`; since the eighth round a bare "now" is no plea: such an alarm is vetoed below
0.2, NOW_VETO); a chat message the rules read as settled or harmless is flagged at p ≥ 0.85 (0.65
since the eighth round)
(the rescue, new; a weak sign with nothing urgent now goes to the fallback). Honest views, old policy →
this one: holdout5 with the rules of a6e2401 173/186 caught, 16/244 alarms → 185/186, 5/244; holdout4 with
the rules of 556d832 123/126, 8/166 → 125/126, 5/166. Its price, shown in tests/test_safety_net.py: the
fallback now rates "besok aku udah ga ada di rumah, ke posyandu jam 8" 0.88 and flags it.

Seventeenth round: the veto of a weak or normal rule's chat alarm is 0.2 (was 0.3). Over the LOCO
rounds the misses left were mostly alarms the rules raised and a model trained without their pair set
aside at p 0.22–0.30 ("suami sy nendang perut sy padahal lagi hamil", a child found unconscious by a
generator, "kakek pingsan trs napasnya ngorok"). LOCO over nineteen pairs (holdout17 added), pooled:
4 missed / 31 alarms at 0.3, 1 / 36 at 0.2; the honest views of the fourteen held-out pairs with their
old rules: 20 → 18 missed, 92 → 100 alarms (of 2,906; holdout16's view alone 10 → 16). Recall comes
first; the price is paid in alarms, and so counted.

Nineteenth round: the strong veto is 0.2 too (was 0.3). LOCO over twenty-one pairs (holdout19 added),
pooled with the round's rules: 2 missed / 40 alarms at 0.3, 1 / 41 at 0.2 (the miss: a man kept
chained in a shed for months, rated 0.28); honest views 29 → 28 missed, 115 → 116 alarms.

Twenty-fifth round: the danger model is bagged, the mean of eight fits each on a random 90 % of the
messages (BAGS, SHARE, a fixed SEED: the same data gives the same weights), still one linear model that
model.py reads as before. Why: one fit moved with each new pair. Trained on every pair up to holdout25
it flagged 46 of the never-trained everyday and chat messages no rule matched (everyday holdout,
everyday 2, the chat set: 1,537 messages; "besok ada kondangan di kampung sebelah" 0.37 → 0.82), while
the same fit with any one of holdout22…25 left out flagged 32–35. Bagged 8 × 90 %: 30–36 over those
six variants, 32 with every pair (8 × 80 %: 33–39, 34). LOCO over twenty-seven pairs at the shipped
policy, with the round's rules before its last class: one fit 2 missed / 44 alarms pooled, honest views
43 / 156; 8 × 90 % 3 / 42, 45 / 156; 8 × 80 % 2 / 43, 46 / 160. The one more pooled miss of 8 × 90 %
was a rule's fault, not the model's: "baru lahiran" had just become a sign of being well (BENIGN
healthy_birth), so a new mother saying she would take her baby to die with her needed p ≥ 0.95 and
got 0.94; that word is out of healthy_birth and "mati bareng" is a rule now (die_together)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from handlers import heldout_rounds
from handlers.safety.detector import KINDS, DangerDetector
from handlers.safety.model import FILE_NAME, NgramModel, export

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
LOCALES = ROOT / "locales"
THRESHOLD = 0.6  # the fallback flags a chat message no rule matched at or above this
VETO = 0.2  # below this, a weak or normal rule's chat alarm is set aside (0.3 until the seventeenth round)
STRONG_VETO = 0.2  # below this, a strong rule's chat alarm is set aside too (0.3 until the nineteenth round)
RESCUE = 0.65  # at or above this, a chat message the rules read as harmless or settled is flagged (0.85
# until the eighth round: see loco.py)
NOW_VETO = 0.2  # below this, a chat alarm whose only urgency is "now" (no plea) is set aside
BENIGN_RESCUE = 0.95  # at or above this, a chat message said to be well (detector.py BENIGN) is flagged
BENCH = ROOT / "benchmarks" / "data"
BAGS, SHARE, SEED = 8, 0.9, 25  # the danger model is the mean of 8 fits on 90 % each (twenty-fifth round)
CRISIS = (
    DATA / "crisis_messages.tsv",
    DATA / "crisis_messages_fresh.tsv",
    DATA / "crisis_messages_extra.tsv",
    BENCH / "crisis_messages_final.tsv",
    BENCH / "crisis_messages_holdout4.tsv",
    BENCH / "crisis_messages_holdout5.tsv",
    BENCH / "crisis_messages_train6.tsv",
    *(BENCH / f"crisis_messages_holdout{n}.tsv" for n in heldout_rounds.TUNING),
)
HARMLESS = (
    DATA / "harmless_messages.tsv",
    DATA / "harmless_messages_fresh.tsv",
    DATA / "harmless_messages_extra.tsv",
    BENCH / "harmless_messages_final.tsv",
    BENCH / "harmless_messages_holdout4.tsv",
    BENCH / "harmless_messages_holdout5.tsv",
    BENCH / "harmless_messages_train6.tsv",
    *(BENCH / f"harmless_messages_holdout{n}.tsv" for n in heldout_rounds.TUNING),
)
QUESTIONS = (DATA / "resident_questions_heldout.tsv",)
# Everyday messages with no danger at all (form answers, small talk, Posyandu and daily life; sixth
# round): without them the fallback read "saya di rumah" or "maaf bu baru pegang hp" as danger.
# Seventh round: a second everyday set (tests/data/everyday_messages_2.tsv) and chat that uses danger
# words harmlessly (tests/data/harmless_chat_training.tsv) were tried as harmless text too, and are NOT
# trained on: leave-one-corpus-out missed 15 crisis messages instead of 8 with both (12 with the chat
# set alone, 13 with the everyday set alone, 11 with both at weight 0.3), and holdout5's honest view
# 4 instead of 2. Recall comes first; their rule-level classes were fixed instead (bench_safety prints
# both sets).
EVERYDAY = DATA / "everyday_messages.tsv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def fit(
    crisis: list[dict[str, str]], negatives: list[str], threshold: float, veto: float = 0.0
) -> dict[str, object]:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def vectorizer() -> TfidfVectorizer:
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)

    texts = [r["text"] for r in crisis] + negatives
    labels = np.array([1] * len(crisis) + [0] * len(negatives))
    danger_vec = vectorizer()
    grams = danger_vec.fit_transform(texts)
    # Bagged: the mean of BAGS fits, each on a random SHARE of the messages (a fixed seed, so the same
    # data gives the same weights). A linear model still, read exactly as before (model.py).
    picks = np.random.default_rng(SEED)
    fits = []
    for _ in range(BAGS):
        rows = np.sort(picks.choice(len(labels), int(SHARE * len(labels)), replace=False))
        one = LogisticRegression(C=10, class_weight="balanced", max_iter=5000)
        fits.append(one.fit(grams[rows], labels[rows]))
    danger = fits[0]
    danger.coef_ = np.mean([f.coef_ for f in fits], axis=0)
    danger.intercept_ = np.mean([f.intercept_ for f in fits], axis=0)
    kind_vec = vectorizer()
    kind = LogisticRegression(C=10, max_iter=5000)
    kind.fit(kind_vec.fit_transform([r["text"] for r in crisis]), [r["kind"] for r in crisis])
    return export(danger_vec, danger, kind_vec, kind, threshold=threshold, kinds=KINDS, veto=veto)


def _negatives(harmless: tuple[Path, ...]) -> list[str]:
    return [r["text"] for name in harmless for r in _rows(name)] + plain_negatives()


def plain_negatives() -> list[str]:
    """Harmless text beside the harmless corpora: residents' questions and everyday messages."""
    questions = [r["question"] for name in QUESTIONS for r in _rows(name)]
    return questions + [r["text"] for r in _rows(EVERYDAY)]


def check() -> None:
    """Train on the first corpus only; what does the fallback add to the rules on the fresh one?"""
    model = NgramModel(fit(_rows(CRISIS[0]), _negatives(HARMLESS[:1]), THRESHOLD))
    rules = DangerDetector.load(LOCALES)
    crisis, harmless = _rows(CRISIS[1]), _rows(HARMLESS[1])
    by_model = [r for r in crisis if not rules.assess(r["text"]) and model.assess(r["text"])]
    alarms = [r for r in harmless if r["context"] != "report_note" and model.assess(r["text"])]
    print(
        f"fresh: the fallback alone catches {sum(1 for r in crisis if model.assess(r['text']))}/{len(crisis)}"
    )
    print(
        f"  beyond the rules: {len(by_model)}; "
        f"its own false alarms on harmless chat: {len(alarms)}/{len(harmless)}"
    )


def _option(name: str, default: float) -> float:
    args = sys.argv
    return float(args[args.index(name) + 1]) if name in args else default


def main() -> None:
    if "--check" in sys.argv:
        check()
        return
    if "--loco" in sys.argv:
        from handlers.safety import loco

        loco.main(
            _option("--threshold", THRESHOLD),
            _option("--veto", VETO),
            _option("--rescue", RESCUE),
            _option("--strong-veto", STRONG_VETO),
            _option("--now-veto", NOW_VETO),
            BENIGN_RESCUE,
        )
        return
    crisis = [r for name in CRISIS for r in _rows(name)]
    raw = fit(crisis, _negatives(HARMLESS), THRESHOLD, VETO)
    raw["strong_veto"], raw["rescue"], raw["now_veto"] = STRONG_VETO, RESCUE, NOW_VETO
    raw["benign_rescue"] = BENIGN_RESCUE
    (LOCALES / FILE_NAME).write_text(
        json.dumps(raw, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    print(f"wrote {LOCALES / FILE_NAME}: {len(raw['danger'])} danger n-grams")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
