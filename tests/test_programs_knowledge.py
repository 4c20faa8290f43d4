"""The programme knowledge base as data: complete in both languages, and every sample question it
lists is answered with its own topic by the matcher (the chat's and `kaderbot ask`'s entry point)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from handlers.programs import TOPIC_IDS, Programs, load_knowledge
from handlers.programs.knowledge import FIRST_SCREEN_CHARS, TEXT_FIELDS, KnowledgeError

LOCALES = PROJECT_ROOT / "locales"
NEW_TOPICS = (
    "bansos_pencairan",
    "dtsen_usulan",
    "santunan_kematian",
    "pip_kip",
    "blt_dana_desa",
    "rtlh",
    "kekerasan_ppa",
    "adminduk",
)
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
        # "Selengkapnya" is one more screen, not a page.
        assert len(entry["answer"]) <= 900, f"{lang}:{entry['id']} answer is longer than a screen"
        if entry["id"] in NEW_TOPICS:  # issue 13's topics: at least 12 varied questions each
            assert len(entry["samples"]) >= 12, f"{lang}:{entry['id']} needs at least 12 samples"


def test_both_languages_describe_the_same_topics() -> None:
    assert [t.id for t in programs.base("id")] == [t.id for t in programs.base("en")] == list(TOPIC_IDS)


@pytest.mark.parametrize(("lang", "topic_id", "sample"), SAMPLES)
def test_every_sample_question_maps_back_to_its_topic(lang: str, topic_id: str, sample: str) -> None:
    match = programs.match(sample)
    assert match.topic == topic_id, f"{sample!r} → {match.topic} ({match.candidates[:3]})"
    assert 0.5 <= match.score <= 1.0


def test_programme_facts_the_issue_insists_on() -> None:
    base = programs.base("id")
    dtsen = base["dtsen"].short
    assert "DTKS" in dtsen and "DTSEN" in dtsen and "Inpres No. 4" in dtsen and "desil 1" in dtsen
    sekolah = base["sekolah_rakyat"].short
    assert "Inpres No. 8" in sekolah and "desil 1" in sekolah and "tidak ada pendaftaran umum" in sekolah
    for lang, kb in programs.bases.items():
        for topic in kb:
            for text in (topic.short, topic.answer, topic.next_step, topic.title):
                assert "DTKS" not in text or "DTSEN" in text, f"{lang}:{topic.id} says DTKS without DTSEN"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_pmks_figure_is_attributed_to_local_news_wherever_it_is_stated(lang: str) -> None:
    """No official document states Kukar's Rp200.000: every sentence quoting it names its source."""
    attribution = {"id": "menurut pemberitaan media lokal", "en": "as reported in local news"}[lang]
    pmks = programs.topic(lang, "santunan_pmks")
    assert "Rp200.000" in pmks.short
    for text in (pmks.short, pmks.answer):
        for sentence in text.split(". "):
            if "200.000" in sentence:
                assert attribution in sentence or "pemberitaan" in sentence or "news" in sentence, sentence
    assert "news" in pmks.source or "pemberitaan" in pmks.source
    for topic in programs.base(lang):  # and no other topic repeats the figure
        if topic.id != "santunan_pmks":
            assert "200.000" not in topic.short + topic.answer + topic.next_step, topic.id


@pytest.mark.parametrize("lang", ["id", "en"])
def test_death_benefit_questions_never_get_the_pmks_allowance(lang: str) -> None:
    """Samples and keywords keep `santunan_kematian` and `santunan_pmks` apart, in both directions."""
    death, pmks = programs.topic(lang, "santunan_kematian"), programs.topic(lang, "santunan_pmks")
    assert "200" not in death.short + death.answer  # no figure borrowed from the PMKS allowance
    assert not {k.casefold() for k in death.keywords} & {k.casefold() for k in pmks.keywords}
    for question in (
        "santunan kematian kukar brp",
        "uang duka kalau ada yg meninggal",
        "death benefit kukar",
    ):
        assert programs.match(question).topic == "santunan_kematian", question
    assert programs.match("santunan pmks kukar brp").topic == "santunan_pmks"


def test_new_topics_answer_the_questions_the_issue_names() -> None:
    cases = {
        "bansos saya kok ga cair": "bansos_pencairan",
        "my bansos has not been paid": "bansos_pencairan",
        "gmn cara daftar pkh": "pkh",
        "cara daftar dtsen lewat desa": "dtsen_usulan",
        "kartu kis sy nonaktif": "pbi_jk",
        "pip anak sd kpn cair": "pip_kip",
        "blt dana desa kpn cair": "blt_dana_desa",
        "rumah tdk layak huni ada bantuan?": "rtlh",
        "uptd ppa dmn": "kekerasan_ppa",
        "nik sy tdk valid di dukcapil": "adminduk",
        "atensi utk anak disabilitas": "lansia_disabilitas",
    }
    for question, topic_id in cases.items():
        assert programs.match(question).topic == topic_id, question
    # "gmn cara daftar pkh" must say how to get registered, on the first screen.
    assert "DTSEN" in programs.topic("id", "pkh").short and "daftar" in programs.topic("id", "pkh").short


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_topic_fits_one_screen_at_load_time(lang: str) -> None:
    for topic in programs.base(lang):
        assert len(topic.title) + len(topic.short) + len(topic.next_step) + 24 <= FIRST_SCREEN_CHARS, topic.id


def test_a_topic_whose_first_screen_is_too_long_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load((LOCALES / "en" / "programs.yaml").read_text(encoding="utf-8"))
    raw["topics"][0]["short"] = "word " * 70
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "programs.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"sekolah_rakyat.*first screen"):
        load_knowledge(tmp_path, "en")


@pytest.mark.parametrize("field", ["short", "next_step", "source"])
def test_a_topic_missing_a_field_is_refused(tmp_path: Path, field: str) -> None:
    raw = yaml.safe_load((LOCALES / "id" / "programs.yaml").read_text(encoding="utf-8"))
    assert raw["topics"][4]["id"] == "dtsen"
    del raw["topics"][4][field]
    (tmp_path / "id").mkdir()
    (tmp_path / "id" / "programs.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=rf"dtsen.*{field}"):
        load_knowledge(tmp_path, "id")


def test_the_slang_dictionaries_have_no_repeated_words() -> None:
    for path in LOCALES.glob("*/slang.yaml"):
        keys = [
            line.split(":", 1)[0].strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("  ") and ":" in line and not line.strip().startswith("#")
        ]
        assert len(keys) == len(set(keys)), f"{path}: {sorted(k for k in keys if keys.count(k) > 1)}"
