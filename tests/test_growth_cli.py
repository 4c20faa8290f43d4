"""`kaderbot zscore` as scripts run it: a real subprocess, one JSON object per line in and out."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.growth.batch import answer_line
from handlers.i18n import Catalogues

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))
REFERENCE = Path(__file__).parent / "data" / "growth" / "who_igrowup_survey_z_rc.csv"
LOCALES = Path(__file__).parents[1] / "locales"


def zscore(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LOG_LEVEL": "DEBUG"}  # chatty logs must not reach stdout
    return subprocess.run(
        [KADERBOT, "zscore", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_batch_answers_every_line_in_order_with_errors_as_objects() -> None:
    lines = [
        {"id": "a", "sex": "f", "age_days": 683, "weight_kg": 10.4, "height_cm": 84.8, "lying": True},
        "this is not json",
        {"id": "c", "sex": "x", "age_days": 100, "weight_kg": 5},
        {
            "id": "d",
            "sex": "m",
            "dob": "2024-01-05",
            "measured": "2025-03-01",
            "weight_kg": "9,2",
            "height_cm": 74.5,
        },
        [1, 2],
        {"id": "f", "sex": "m", "dob": "2025-03-01", "measured": "2024-01-05", "weight_kg": 9},
        {"id": "g", "sex": "m", "age_days": 300, "weight_kg": -2},
        {"id": "h", "sex": "m", "age_days": 300, "weight_kg": 8, "lying": "yes"},
        {"id": "i", "sex": "m", "dob": "2024-13-01", "measured": "2025-01-01", "weight_kg": 8},
        {"id": "j", "sex": "f", "age_days": 1, "weight_kg": 10.37},
    ]
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n\n"
    done = zscore("--batch", stdin=text)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == len(lines)  # the blank line is skipped, every other line answered
    first = out[0]
    assert first["id"] == "a"
    # WHO igrowup, child 1 of its sample survey: −0.57, −0.07, −0.81, −0.79
    assert (first["waz"], first["haz"], first["whz"], first["bmiz"]) == (-0.57, -0.07, -0.81, -0.79)
    assert first["waz_class"] == "Berat badan normal" and first["whz_class"] == "Gizi baik (normal)"
    assert first["codes"] == {"waz": "bb_normal", "haz": "tb_normal", "whz": "gizi_baik", "bmiz": "gizi_baik"}
    assert out[1] == {"line": 2, "error": "Baris bukan JSON yang sah."}
    assert out[2]["id"] == "c" and out[2]["line"] == 3 and "m" in out[2]["error"]
    assert out[3]["age_days"] == 421 and out[3]["waz"] is not None and out[3]["haz"] is not None
    assert out[4] == {"line": 5, "error": "Baris harus berupa satu objek JSON."}
    for i in (5, 6, 7, 8):
        assert set(out[i]) == {"id", "line", "error"}, out[i]
    assert "dob" in out[8]["error"]
    implausible = out[9]
    assert implausible["waz"] is None and implausible["waz_class"] is None
    assert implausible["flags"] == ["waz_implausible"]


def test_batch_matches_who_reference_through_the_cli() -> None:
    with REFERENCE.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    rows = [r for r in rows if r["oedema"] == "n" and r["_agedays"] and float(r["agemons"]) < 60]
    rows = [r for r in rows if r["WEIGHT"] or r["HEIGHT"]][:120]
    payload = []
    for r in rows:
        item: dict[str, object] = {"id": r["id"], "sex": "m" if r["GENDER"] == "1" else "f"}
        item["age_days"] = int(r["_agedays"])
        if r["WEIGHT"]:
            item["weight_kg"] = float(r["WEIGHT"])
        if r["HEIGHT"]:
            item["height_cm"] = float(r["HEIGHT"])
            item["lying"] = r["measure"] == "l"
        payload.append(json.dumps(item))
    done = zscore("--batch", stdin="\n".join(payload))
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["id"] for o in out] == [r["id"] for r in rows]
    for row, answer in zip(rows, out, strict=True):
        for name, col in (("waz", "_ZWEI"), ("haz", "_ZLEN"), ("whz", "_ZWFL"), ("bmiz", "_ZBMI")):
            expected = float(row[col]) if row[col] else None
            assert answer[name] == expected, (row["id"], name)


def test_batch_answers_each_line_as_soon_as_it_arrives_through_a_pipe() -> None:
    environment = {**os.environ, "LOG_LEVEL": "DEBUG"}
    with subprocess.Popen(
        [KADERBOT, "zscore", "--batch", "--lang", "en"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        for age, weight in ((100, 6.0), (900, 12.5), (1700, 17.0)):
            process.stdin.write(json.dumps({"sex": "f", "age_days": age, "weight_kg": weight}) + "\n")
            process.stdin.flush()
            answer = json.loads(process.stdout.readline())  # would hang if answers waited for EOF
            assert answer["age_days"] == age and answer["waz"] is not None
            assert answer["haz"] is None and answer["haz_class"] is None  # no height: not applicable
            assert answer["waz_class"] in {
                "Normal weight",
                "Underweight",
                "Risk of overweight (weight-for-age)",
            }
        process.stdin.write('{"sex": "f", "age_days": 100}')  # last line without a newline
        process.stdin.close()
        assert json.loads(process.stdout.readline()) == {"line": 4, "error": "Give weight_kg or height_cm."}
        assert process.wait(timeout=60) == 0


def test_one_child_from_options_in_both_languages() -> None:
    args = [
        "--sex",
        "f",
        "--dob",
        "2024-03-01",
        "--measured",
        "2025-01-15",
        "--weight",
        "6.1",
        "--height",
        "65",
    ]
    done = zscore(*args, "--lying")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("BB/U: -") and "Berat badan" in lines[0]
    assert lines[1].startswith("PB/U atau TB/U: -") and ("pendek" in lines[1].lower())
    english = zscore(*args, "--lying", "--lang", "en")
    assert english.stdout.splitlines()[1].startswith("Length/height-for-age: -")
    assert "tunted" in english.stdout


def test_standing_option_applies_the_correction() -> None:
    lying = zscore("--sex", "m", "--age-days", "400", "--height", "75.7", "--lying")
    standing = zscore("--sex", "m", "--age-days", "400", "--height", "75", "--standing")
    assert lying.returncode == standing.returncode == 0
    assert lying.stdout.splitlines()[1] == standing.stdout.splitlines()[1]


def test_usage_errors_exit_2_with_a_message() -> None:
    nothing = zscore()
    assert nothing.returncode == 2 and "--batch" in nothing.stderr and nothing.stdout == ""
    mixed = zscore("--batch", "--sex", "m", stdin="")
    assert mixed.returncode == 2
    bad = zscore("--sex", "m", "--age-days", "100")
    assert bad.returncode == 2 and "weight_kg" in bad.stderr


CATALOGUES = Catalogues.load(LOCALES, strict=True)
T = CATALOGUES.translator("id")
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "sex": st.sampled_from(["m", "f", "M", "x", 1, None]),
        "age_days": st.one_of(st.integers(-5, 3000), st.floats(), st.text(max_size=4)),
        "dob": st.one_of(st.dates().map(str), st.text(max_size=10)),
        "measured": st.one_of(st.dates().map(str), st.integers()),
        "weight_kg": st.one_of(st.floats(), st.integers(-3, 90), st.text(max_size=5), st.booleans()),
        "height_cm": st.one_of(st.floats(), st.integers(-3, 200), st.text(max_size=5)),
        "lying": st.one_of(st.booleans(), st.none(), st.integers(0, 1)),
        "extra": JSON_VALUES,
    },
)


@settings(max_examples=300)
@given(st.one_of(FIELDS.map(json.dumps), JSON_VALUES.map(json.dumps), st.text(max_size=40)))
def test_any_line_gets_one_json_answer(line: str) -> None:
    answer = json.loads(answer_line(line, 7, T))
    assert isinstance(answer, dict)
    if "error" in answer:
        assert answer["line"] == 7 and answer["error"]
    else:
        assert {"waz", "haz", "whz", "bmiz", "flags", "codes"} <= set(answer)
