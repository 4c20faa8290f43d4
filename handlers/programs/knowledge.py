"""The knowledge base: one entry per programme topic, read from `locales/<lang>/programs.yaml`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when PyYAML has it

# The topics residents ask about; both languages carry exactly these, in this order.
TOPIC_IDS: tuple[str, ...] = (
    "sekolah_rakyat",
    "pkh",
    "bpnt",
    "bansos_pencairan",
    "dtsen",
    "dtsen_usulan",
    "adminduk",
    "santunan_pmks",
    "santunan_kematian",
    "lansia_disabilitas",
    "pbi_jk",
    "pip_kip",
    "blt_dana_desa",
    "rtlh",
    "kube",
    "puskesos",
    "trc",
    "kekerasan_ppa",
    "bencana",
    "rehabilitasi",
    "posyandu",
    "kader",
    "pengaduan",
)
# `short` is the first screen's gist; `answer` is the rest, shown on "Selengkapnya".
TEXT_FIELDS = ("title", "short", "answer", "next_step", "source", "checked")
LIST_FIELDS = ("samples", "keywords")
MIN_SAMPLES = 10

# The first reply to a question fits one phone screen: title, the short gist and the next step,
# with the words the renderer adds around them (the "Langkah berikutnya:" label, blank lines).
FIRST_SCREEN_CHARS = 350
FRAME_CHARS = 30  # the longest next-step label in any language plus the separators, rounded up


def first_screen_chars(title: str, short: str, next_step: str) -> int:
    """An upper bound on the first screen's length, checked at load time without a translator."""
    return len(title) + len(short) + len(next_step) + FRAME_CHARS


class KnowledgeError(ValueError):
    """The knowledge file is incomplete or malformed; the message names the file and topic."""


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
    short: str  # the gist for the first screen; `answer` holds the rest
    answer: str
    next_step: str
    samples: tuple[str, ...]
    keywords: tuple[str, ...]
    source: str
    checked: str  # ISO date the facts were last checked against the source

    @property
    def checked_on(self) -> dt.date:
        return dt.date.fromisoformat(self.checked)


@dataclass(frozen=True)
class KnowledgeBase:
    lang: str
    topics: tuple[Topic, ...]

    def __iter__(self) -> Iterator[Topic]:
        return iter(self.topics)

    def __getitem__(self, topic_id: str) -> Topic:
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(topic_id)

    def __contains__(self, topic_id: object) -> bool:
        return any(topic.id == topic_id for topic in self.topics)


def knowledge_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / "programs.yaml"


def load_knowledge(locales_dir: Path, lang: str) -> KnowledgeBase:
    """Read and check one language's knowledge base. Refuses a file with a missing or empty field."""
    path = knowledge_path(locales_dir, lang)
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    if not isinstance(raw, dict) or not isinstance(raw.get("topics"), list):
        raise KnowledgeError(f"{path}: expected a mapping with a 'topics' list")
    topics = tuple(_topic(path, entry) for entry in raw["topics"])
    ids = tuple(t.id for t in topics)
    if ids != TOPIC_IDS:
        missing = sorted(set(TOPIC_IDS) - set(ids))
        extra = sorted(set(ids) - set(TOPIC_IDS))
        raise KnowledgeError(
            f"{path}: topics must be {TOPIC_IDS} in order (missing {missing}, extra {extra})"
        )
    return KnowledgeBase(lang=lang, topics=topics)


def _topic(path: Path, entry: Any) -> Topic:
    if not isinstance(entry, dict) or not entry.get("id"):
        raise KnowledgeError(f"{path}: every topic needs an 'id'")
    where = f"{path}: topic {entry['id']!r}"
    values: dict[str, Any] = {"id": str(entry["id"])}
    for name in TEXT_FIELDS:
        value = entry.get(name)
        if isinstance(value, dt.date):  # an unquoted date in YAML
            value = value.isoformat()
        if not isinstance(value, str) or not value.strip():
            raise KnowledgeError(f"{where}: '{name}' is missing or empty")
        values[name] = " ".join(str(value).split())
    for name in LIST_FIELDS:
        items = entry.get(name)
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise KnowledgeError(f"{where}: '{name}' must be a list of non-empty texts")
        values[name] = tuple(i.strip() for i in items)
    if len(values["samples"]) < MIN_SAMPLES:
        raise KnowledgeError(f"{where}: needs at least {MIN_SAMPLES} sample questions")
    if not values["keywords"]:
        raise KnowledgeError(f"{where}: needs keywords")
    length = first_screen_chars(values["title"], values["short"], values["next_step"])
    if length > FIRST_SCREEN_CHARS:
        raise KnowledgeError(
            f"{where}: title + short + next_step need {length} characters on the first screen;"
            f" at most {FIRST_SCREEN_CHARS}"
        )
    try:
        dt.date.fromisoformat(values["checked"])
    except ValueError:
        raise KnowledgeError(f"{where}: 'checked' must be a date like 2026-11-24") from None
    return Topic(**values)
