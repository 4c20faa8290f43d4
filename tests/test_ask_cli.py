"""`kaderbot ask` as operators and scripts run it: a real subprocess, JSON only on stdout in --json mode."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.programs.matcher import Tuning

KADERBOT = str(Path(sys.executable).with_name("kaderbot"))
THRESHOLD = Tuning().threshold


def ask(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LOG_LEVEL": "DEBUG", **(env or {})}  # chatty logs must not reach stdout
    return subprocess.run(
        [KADERBOT, "ask", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_json_is_exactly_one_object_on_stdout() -> None:
    done = ask("--json", "gmn cara daftar sekolah rakyat")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert set(answer) == {"topic", "score", "answer", "emergency"}
    assert answer["topic"] == "sekolah_rakyat" and answer["emergency"] is None
    assert THRESHOLD <= answer["score"] <= 1
    assert "Sekolah Rakyat" in answer["answer"] and "Langkah berikutnya" in answer["answer"]
    assert "Sumber: Inpres No. 8 Tahun 2025" in answer["answer"]


def test_out_of_scope_question_has_a_null_topic() -> None:
    done = ask("--json", "jadwal bola malam ini")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["topic"] is None
    assert 0 <= answer["score"] < THRESHOLD
    assert "di luar layanan sosial" in answer["answer"]


def test_english_answer_with_lang_en() -> None:
    answer = json.loads(ask("--json", "--lang", "en", "brp santunan lansia").stdout)
    assert answer["topic"] == "santunan_pmks"
    assert "Rp200.000" in answer["answer"] and "Next step" in answer["answer"]


def test_batch_writes_one_json_line_per_question_in_order() -> None:
    questions = [
        "sy blm dpt bansos knp ya",
        "cuaca besok",
        "pkh kpn cair",
        "",
        "kursi roda gratis dmn",
        "resep ayam goreng",
        "brp santunan lansia",
    ]
    done = ask("--json", "--batch", stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(questions)
    topics = [json.loads(line)["topic"] for line in lines]
    assert topics == ["dtsen", None, "pkh", None, "lansia_disabilitas", None, "santunan_pmks"]
    assert all(set(json.loads(line)) == {"topic", "score", "answer", "emergency"} for line in lines)


def test_plain_text_answer_for_people() -> None:
    done = ask("kartu kks hilang")
    assert done.returncode == 0
    assert done.stdout.startswith("BPNT")
    assert "Langkah berikutnya" in done.stdout


def test_a_question_or_batch_is_required_and_lang_is_checked() -> None:
    assert ask("--json").returncode == 2
    bad = ask("--json", "--lang", "fr", "pkh")
    assert bad.returncode == 2 and bad.stdout == "" and "--lang" in bad.stderr


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("saya mau bunuh diri", "suicide"),
        ("tetangga saya mau bunuh diri", "suicide"),
        ("suami sy pukul sy tiap hari", "violence"),
        ("my husband hits me", "violence"),
        ("ibu hamil pendarahan", "medical"),
    ],
)
def test_json_names_the_kind_of_danger(question: str, kind: str) -> None:
    done = ask("--json", question)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["emergency"] == kind
    assert "112" in answer["answer"]  # the emergency answer, not a programme's
    assert "Langkah berikutnya" not in answer["answer"] and "di luar layanan" not in answer["answer"]


def test_batch_marks_each_line_with_its_danger_or_null() -> None:
    questions = ["pkh kpn cair", "saya mau bunuh diri", "cuaca besok", "my husband hits me"]
    done = ask("--json", "--batch", stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["emergency"] for a in answers] == [None, "suicide", None, "violence"]
    assert "112" in answers[1]["answer"] and "112" not in answers[0]["answer"]


def test_plain_text_on_danger_is_the_emergency_answer_in_english() -> None:
    done = ask("--lang", "en", "my husband hits me")
    assert done.returncode == 0, done.stderr
    assert "112" in done.stdout and "129" in done.stdout  # SAPA 129, the national line for violence


@pytest.mark.parametrize(
    ("args", "topic"),
    [
        (("bansos saya kok ga cair",), "bansos_pencairan"),
        (("--lang", "en", "my bansos has not been paid"), "bansos_pencairan"),
        (("santunan kematian kukar brp",), "santunan_kematian"),
    ],
)
def test_questions_the_issue_found_unanswered_find_their_topic(args: tuple[str, ...], topic: str) -> None:
    answer = json.loads(ask("--json", *args).stdout)
    assert answer["topic"] == topic


def test_asking_how_to_register_for_pkh_says_how_to_get_registered() -> None:
    answer = json.loads(ask("--json", "gmn cara daftar pkh").stdout)
    assert answer["topic"] in ("pkh", "dtsen_usulan")
    assert "DTSEN" in answer["answer"] and "daftar" in answer["answer"].casefold()


def test_batch_answers_each_question_while_the_caller_waits_for_it() -> None:
    """A caller writing the next question only after reading the previous answer gets each answer at
    once (the answers of a batch piped in at once are written together, at the end or when the input
    runs dry)."""
    process = subprocess.Popen(
        [KADERBOT, "ask", "--json", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "LOG_LEVEL": "DEBUG"},
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for question, topic in (("gmn cara daftar pkh", "pkh"), ("cuaca besok", None)):
            process.stdin.write(question + "\n")
            process.stdin.flush()
            # A generous bound, only so that a missing answer fails instead of hanging the suite.
            ready, _, _ = select.select([process.stdout], [], [], 120)
            assert ready, f"no answer to {question!r} while the next question waits"
            assert json.loads(process.stdout.readline())["topic"] == topic
    finally:
        process.stdin.close()
        process.wait(timeout=120)
    assert process.returncode == 0
