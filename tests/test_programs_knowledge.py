"""The programme knowledge base as data: complete in both languages, and every sample question it
lists is answered with its own topic by the matcher (the chat's and `kaderbot ask`'s entry point)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from handlers.programs import TOPIC_IDS, Programs, load_knowledge
from handlers.programs.knowledge import TEXT_FIELDS, KnowledgeError

LOCALES = PROJECT_ROOT / "locales"
programs = Programs.load(LOCALES)
SAMPLES = [
    pytest.param(lang, topic.id, sample, id=f"{lang}-{topic.id}-{n}")
    for lang, base in programs.bases.items()
    for topic in base
    for n, sample in enumerate(topic.samples)
]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_entry_has_every_field_in_both_languages(lang: str) -> None:
    raw = yaml.safe_load((LOCALES / lang / "programs.yaml").read_text(encoding="utf-8"))
    assert [entry["id"] for entry in raw["topics"]] == list(TOPIC_IDS)
    for entry in raw["topics"]:
        for name in (*TEXT_FIELDS, "samples", "keywords"):
            assert entry.get(name), f"{lang}:{entry['id']} has no {name}"
        assert len(entry["samples"]) >= 10, f"{lang}:{entry['id']} needs at least 10 sample questions"
        assert len(set(entry["samples"])) == len(entry["samples"]), f"{lang}:{entry['id']} repeats a sample"
        assert dt.date.fromisoformat(str(entry["checked"])) <= dt.date(2027, 12, 31)
        # One phone screen: the answer stays short.
        assert len(entry["answer"]) <= 900, f"{lang}:{entry['id']} answer is longer than a screen"


def test_both_languages_describe_the_same_topics() -> None:
    assert [t.id for t in programs.base("id")] == [t.id for t in programs.base("en")] == list(TOPIC_IDS)


@pytest.mark.parametrize(("lang", "topic_id", "sample"), SAMPLES)
def test_every_sample_question_maps_back_to_its_topic(lang: str, topic_id: str, sample: str) -> None:
    match = programs.match(sample)
    assert match.topic == topic_id, f"{sample!r} → {match.topic} ({match.candidates[:3]})"
    assert 0.5 <= match.score <= 1.0


def test_programme_facts_the_issue_insists_on() -> None:
    base = programs.base("id")
    dtsen = base["dtsen"].answer
    assert "DTKS" in dtsen and "DTSEN" in dtsen and "Inpres No. 4" in dtsen and "desil 1" in dtsen
    sekolah = base["sekolah_rakyat"].answer
    assert "Inpres No. 8" in sekolah and "desil 1" in sekolah and "Tidak ada pendaftaran umum" in sekolah
    assert "Rp200.000" in base["santunan_pmks"].answer
    for lang, kb in programs.bases.items():
        for topic in kb:
            for text in (topic.answer, topic.next_step, topic.title):
                assert "DTKS" not in text or "DTSEN" in text, f"{lang}:{topic.id} says DTKS without DTSEN"


def test_a_topic_missing_a_field_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load((LOCALES / "id" / "programs.yaml").read_text(encoding="utf-8"))
    del raw["topics"][3]["next_step"]
    (tmp_path / "id").mkdir()
    (tmp_path / "id" / "programs.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"dtsen.*next_step"):
        load_knowledge(tmp_path, "id")


def test_the_slang_dictionaries_have_no_repeated_words() -> None:
    for path in LOCALES.glob("*/slang.yaml"):
        keys = [
            line.split(":", 1)[0].strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("  ") and ":" in line and not line.strip().startswith("#")
        ]
        assert len(keys) == len(set(keys)), f"{path}: {sorted(k for k in keys if keys.count(k) > 1)}"
