"""Train the matcher's second opinion (handlers/programs/topic_model.py) and write locales/topic_model.json.

    .venv/bin/python -m pip install '.[train]'      # scikit-learn, for training only
    .venv/bin/python -m handlers.programs.train            # train on everything, write the model
    .venv/bin/python -m handlers.programs.train --loco     # the leave-one-corpus-out estimate

Training text: every topic's title and sample questions (both languages) and the tuning sets of
residents' questions (tests/data/resident_questions_heldout.tsv, benchmarks/data/
resident_questions_fresh.tsv, resident_questions.tsv, dev_questions.tsv, resident_questions_holdout5.tsv,
resident_questions_train6.tsv, resident_questions_holdout6.tsv, resident_questions_holdout7.tsv,
resident_questions_holdout8.tsv, resident_questions_holdout9.tsv, resident_questions_holdout10.tsv,
resident_questions_holdout11.tsv, resident_questions_holdout12.tsv, resident_questions_holdout13.tsv,
resident_questions_holdout14.tsv, resident_questions_holdout15.tsv, resident_questions_holdout16.tsv,
resident_questions_holdout17.tsv, resident_questions_holdout18.tsv, resident_questions_holdout19.tsv,
resident_questions_holdout20.tsv, resident_questions_holdout21.tsv, resident_questions_holdout22.tsv,
resident_questions_holdout23.tsv, resident_questions_holdout24.tsv, resident_questions_holdout25.tsv,
resident_questions_holdout26.tsv, resident_questions_holdout27.tsv, resident_questions_holdout28.tsv,
resident_questions_holdout29.tsv, resident_questions_holdout30.tsv, resident_questions_holdout31.tsv,
resident_questions_holdout32.tsv); out-of-scope rows ("-") are a class of their own. The untouched set
(holdout33) is never read here.

`--loco`: for each set, the model is trained on the samples and the other sets and tested on it, read
through topic_model.py as at run time. The keyword matcher's keywords and samples were tuned on the
first four, so its own figures there are optimistic; the honest views of it: each held-out set read
by the matcher as it was when that set was measured untouched (KEYWORDS_BEFORE, from git), and train6
(never tuned on by keywords).

Fifth round, pooled over the six sets (1,458 in-scope, 447 out of scope): keyword matcher 94.0 % /
3.1 %; keyword, and the model when it refused at p ≥ 0.8: the same; adopted — the model also overrules
a keyword answer, refusing it when it says out of scope at p ≥ 0.6 (VETO) and replacing it by another
topic at p ≥ 0.6 (OVERRIDE): 95.5 % / 1.1 %; on the honest views: holdout5 with the keywords of a6e2401
242 → 248 of 264 right, 4 → 0 of 80 out of scope answered; the first held-out set with those of ba4a2b2
284 → 292 of 301, 2 → 1 of 80; train6 308 → 316 of 354, 5 → 2 of 102 (veto and override at 0.7:
one fewer right on train6 and holdout5's out of scope 1/80). Fourth round (not adopted then, on four
sets): a lower refusal threshold, C = 10 or 100, class weights, 1–4-grams, the normaliser's tokens,
keywords as training text.
Sixth round (holdout6 added; LOCO over seven sets): the same policy stays best — pooled 95.8 % / 0.9 %;
holdout6 with the keywords of 9e60f2c (when it was measured) 237/258 right, 0/82 out of scope answered,
the figure measured on it untouched (veto 0.7 and override 0.7, or refusing at 0.7: within one
question either way).
Seventh round (holdout7 added; LOCO over eight sets): the same policy stays best — pooled 96.7 % /
0.5 %; holdout7 with the keywords of c0211d1 235/243 right, 0/82 out of scope answered, the figure
measured on it untouched.
Eighth round (holdout8 added; LOCO over nine sets; holdout8 with the keywords of 62723e3 237/250, 2/75
out of scope answered, against 236/250, 2/75 measured on it untouched). Summed over the five honest
views (heldout, holdout5–8 with their old keywords: 1,316 in scope, 399 out of scope), the model had
become the better reader of new questions: alone at p ≥ 0.3 it got 96.4 % right, 1 out of scope
answered, against 95.8 %, 2 for the policy of the fifth round. Adopted: the same veto (0.6), but the
model's topic replaces a keyword answer at p ≥ 0.3 (OVERRIDE, was 0.6) and is answered when the
keywords refused at p ≥ 0.3 (THRESHOLD, was 0.8): honest views 97.0 %, 3/399 out of scope answered;
pooled 97.1 % / 1.6 % (was 97.1 % / 0.4 %). Override 0.4–0.5 or refusing at 0.4–0.5 lie between."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from handlers import heldout_rounds
from handlers.programs.knowledge import load_knowledge
from handlers.programs.topic_model import FILE_NAME, OUT_OF_SCOPE, TopicModel, export

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
SETS = {
    "heldout": ROOT / "tests" / "data" / "resident_questions_heldout.tsv",
    "fresh": ROOT / "benchmarks" / "data" / "resident_questions_fresh.tsv",
    "seen": ROOT / "benchmarks" / "data" / "resident_questions.tsv",
    "dev": ROOT / "benchmarks" / "data" / "dev_questions.tsv",
    "holdout5": ROOT / "benchmarks" / "data" / "resident_questions_holdout5.tsv",
    "train6": ROOT / "benchmarks" / "data" / "resident_questions_train6.tsv",
    **{
        f"holdout{n}": ROOT / "benchmarks" / "data" / f"resident_questions_holdout{n}.tsv"
        for n in heldout_rounds.TUNING
    },
}
THRESHOLD = 0.3  # when the keywords refused: the model's topic at or above this is answered
VETO = 0.6  # over a keyword answer: the model's "-" at or above this refuses it
OVERRIDE = 0.3  # over a keyword answer: another topic at or above this replaces it
VAGUE = 0.8  # when the keywords refused a vague question (several topics as close): the model's floor
VAGUE_REFUSAL = "?"  # a keyword answer in the LOCO run: refused as too vague
C = 30.0
# The keyword matcher as it was when each held-out set was measured untouched: the honest view of it.
KEYWORDS_BEFORE = {
    "heldout": "ba4a2b2",
    "holdout5": "a6e2401",
    "holdout6": "9e60f2c",
    "holdout7": "c0211d1",
    "holdout8": "62723e3",
    "holdout9": "e74c259",
    "holdout10": "adce80a",
    "holdout11": "641b1cf",
    "holdout12": "f4de7f5",
    "holdout13": "fd7401d",
    "holdout14": "2ae145b",
    "holdout15": "e1c146b",
    "holdout16": "d4e44e1",
    "holdout17": "76a60af",
    "holdout18": "32c24f5",
    "holdout19": "d48f132",
    "holdout20": "04decc5",
    "holdout21": "a097d2f",
    "holdout22": "43eb257",
    "holdout23": "e80acc1",
    "holdout24": "e74bd8f",
    "holdout25": "6daa1a3",
}
OLD_FILES = (
    "handlers/__init__.py",
    "handlers/programs/knowledge.py",
    "handlers/programs/normalize.py",
    "handlers/programs/matcher.py",
    "handlers/programs/stem.py",
    "locales/id/programs.yaml",
    "locales/en/programs.yaml",
    "locales/id/slang.yaml",
    "locales/en/slang.yaml",
)
Example = tuple[str, str]  # text, topic ("-": out of scope)


def questions(path: Path) -> list[Example]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(r["question"], r["topic"]) for r in csv.DictReader(handle, delimiter="\t")]


def samples(locales: Path = LOCALES) -> list[Example]:
    return [
        (text, topic.id)
        for lang in ("id", "en")
        for topic in load_knowledge(locales, lang)
        for text in (topic.title, *topic.samples)
    ]


def fit(
    examples: Sequence[Example],
    threshold: float = THRESHOLD,
    c: float = C,
    veto: float = VETO,
    override: float = OVERRIDE,
    vague: float = VAGUE,
) -> dict[str, object]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1)
    classifier = LogisticRegression(C=c, max_iter=5000)
    classifier.fit(vectorizer.fit_transform([t for t, _ in examples]), [y for _, y in examples])
    return export(vectorizer, classifier, threshold=threshold, veto=veto, override=override, vague=vague)


def _keyword_answers(locales: Path, texts: Sequence[str]) -> list[str | None]:
    from handlers.programs.matcher import Matcher
    from handlers.programs.normalize import load_normalizer

    matcher = Matcher(
        [load_knowledge(locales, "id"), load_knowledge(locales, "en")], load_normalizer(locales)
    )
    threshold = getattr(getattr(matcher, "tuning", None), "threshold", 2.0)  # older matchers: no tuning

    def answer(text: str) -> str | None:
        found = matcher.match(text)
        candidates = getattr(found, "candidates", ())  # older matchers: no candidates
        if found.topic is None and candidates and candidates[0][1] >= threshold:
            return VAGUE_REFUSAL
        return found.topic

    return [answer(text) for text in texts]


def _print_keyword_answers() -> None:
    texts = json.loads(Path("texts.json").read_text(encoding="utf-8"))
    print(json.dumps(_keyword_answers(Path("locales"), texts)))


def _old_keyword_answers(commit: str, texts: Sequence[str]) -> list[str | None] | None:
    """The keyword matcher of `commit`, in a separate interpreter from its files."""
    # Imported here: this module itself runs again in the old tree, which has no such module.
    from handlers.old_version import run_at_commit

    here = Path(__file__).parent
    extra = {
        "handlers/programs/__init__.py": "",
        "handlers/programs/train.py": (here / "train.py").read_text(encoding="utf-8"),
        "handlers/programs/topic_model.py": (here / "topic_model.py").read_text(encoding="utf-8"),
    }
    code = "from handlers.programs import train; train._print_keyword_answers()"
    return run_at_commit(commit, OLD_FILES, extra, code, texts)


Combine = Callable[[str | None, tuple[str | None, float, str]], str | None]


def _figures(
    sets: dict[str, list[Example]],
    keyword: dict[str, list[str | None]],
    model: dict[str, list[tuple[str | None, float, str]]],
    combine: Combine,
) -> str:
    parts, total = [], [0, 0, 0, 0]
    for name, examples in sets.items():
        right = n_in = answered = n_out = 0
        for (_, gold), kw, opinion in zip(examples, keyword[name], model[name], strict=True):
            answer = combine(kw, opinion)
            if gold == OUT_OF_SCOPE:
                n_out, answered = n_out + 1, answered + (answer is not None)
            else:
                n_in, right = n_in + 1, right + (answer == gold)
        parts.append(f"{name} {right}/{n_in} right, {answered}/{n_out} out of scope answered")
        total = [total[0] + right, total[1] + n_in, total[2] + answered, total[3] + n_out]
    right, n_in, answered, n_out = total
    return (
        "; ".join(parts)
        + f"\n      POOLED top-1 {right / n_in:.1%}, out of scope answered {answered / n_out:.1%}"
    )


def loco(c: float = C) -> None:
    sets = {name: questions(path) for name, path in SETS.items()}
    base = samples()
    keyword = {name: _keyword_answers(LOCALES, [t for t, _ in examples]) for name, examples in sets.items()}
    model: dict[str, list[tuple[str | None, float, str]]] = {}
    for name, examples in sets.items():
        training = base + [e for other, rows in sets.items() if other != name for e in rows]
        topic_model = TopicModel(fit(training, threshold=0.0, c=c))
        model[name] = []
        for text, _ in examples:
            probabilities = topic_model.probabilities(text)
            best = int(probabilities.argmax())
            model[name].append((topic_model.classes[best], float(probabilities[best]), text))
    old = {
        name: _old_keyword_answers(commit, [t for t, _ in sets[name]])
        for name, commit in KEYWORDS_BEFORE.items()
    }

    def asked_when_refused(
        threshold: float, veto: float | None = None, override: float | None = None, vague: float | None = None
    ) -> Combine:
        """The keyword answer; when it refused, the model's topic at p >= threshold (at p >= `vague`
        when it refused a vague question). `veto`: a keyword answer is dropped when the model says
        out of scope at p >= veto; `override`: the model's topic replaces a different keyword answer
        at p >= override."""

        def combine(kw: str | None, opinion: tuple[str | None, float, str]) -> str | None:
            topic, p, _ = opinion
            if kw == VAGUE_REFUSAL:
                floor = threshold if vague is None else vague
                return topic if topic != OUT_OF_SCOPE and p >= floor else None
            if kw is not None:
                if veto is not None and topic == OUT_OF_SCOPE and p >= veto:
                    return None
                if override is not None and topic not in (OUT_OF_SCOPE, kw) and p >= override:
                    return topic
                return kw
            return topic if topic != OUT_OF_SCOPE and p >= threshold else None

        return combine

    def show(label: str, combine: Combine) -> None:
        print(f"  {label}: " + _figures(sets, keyword, model, combine))
        for name, answers in old.items():
            if answers is None:
                continue
            print(
                f"      {name}, keywords of {KEYWORDS_BEFORE[name]}: "
                + _figures({name: sets[name]}, {name: answers}, {name: model[name]}, combine)
                .split("\n")[0]
                .removeprefix(f"{name} ")
            )

    print(f"LOCO over the {len(sets)} question sets (C={c}):")
    show("keyword matcher (tuned on all)", lambda kw, _: None if kw == VAGUE_REFUSAL else kw)
    for threshold in (0.3, 0.5):
        show(
            f"model alone, p >= {threshold}",
            lambda _, o, t=threshold: o[0] if o[0] != OUT_OF_SCOPE and o[1] >= t else None,
        )
    for threshold in (0.5, 0.7, 0.8, 0.9):
        show(f"keyword; when it refused, the model at p >= {threshold}", asked_when_refused(threshold))
    for veto in (0.5, 0.7, 0.9):
        show(f"keyword, model veto at p >= {veto}; refused: model at 0.8", asked_when_refused(0.8, veto))
    for override in (0.6, 0.7, 0.8, 0.9):
        show(
            f"keyword, model override at p >= {override}; refused: model at 0.8",
            asked_when_refused(0.8, override=override),
        )
    for threshold, veto, override in (
        (0.8, 0.7, 0.7),
        (0.7, 0.7, 0.7),
        (0.8, 0.6, 0.6),
        (0.8, 0.7, 0.6),
        (0.8, 0.6, 0.5),
        (0.8, 0.6, 0.4),
        (0.8, 0.6, 0.3),
        (0.5, 0.5, 0.4),
        (0.3, 0.5, 0.3),
        (0.3, 0.6, 0.3),
        (0.3, 0.4, 0.3),
        (0.4, 0.5, 0.3),
        (0.5, 0.5, 0.3),
        (0.3, 0.5, 0.2),
        (0.3, 0.5, 0.4),
    ):
        show(
            f"keyword, model veto at {veto}, override at {override}; refused: model at {threshold}",
            asked_when_refused(threshold, veto, override),
        )
    show(
        f"keyword, model veto at {VETO}, override at {OVERRIDE}; refused: model at {THRESHOLD}, "
        f"vague: at {VAGUE} (the shipped policy)",
        asked_when_refused(THRESHOLD, VETO, OVERRIDE, VAGUE),
    )


def main() -> None:
    if "--loco" in sys.argv:
        args = sys.argv
        loco(float(args[args.index("--c") + 1]) if "--c" in args else C)
        return
    training = samples() + [e for path in SETS.values() for e in questions(path)]
    raw = fit(training)
    (LOCALES / FILE_NAME).write_text(json.dumps(raw, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {LOCALES / FILE_NAME}: {len(raw['grams'])} n-grams, {len(raw['classes'])} classes")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
