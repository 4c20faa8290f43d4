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
    "dtsen",
    "santunan_pmks",
    "lansia_disabilitas",
    "pbi_jk",
    "kube",
    "puskesos",
    "trc",
    "bencana",
    "rehabilitasi",
    "posyandu",
    "kader",
    "pengaduan",
)
TEXT_FIELDS = ("title", "answer", "next_step", "source", "checked")
LIST_FIELDS = ("samples", "keywords")
MIN_SAMPLES = 10


class KnowledgeError(ValueError):
    """The knowledge file is incomplete or malformed; the message names the file and topic."""


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
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
    try:
        dt.date.fromisoformat(values["checked"])
    except ValueError:
        raise KnowledgeError(f"{where}: 'checked' must be a date like 2026-11-24") from None
    return Topic(**values)
