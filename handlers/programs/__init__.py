"""The programme knowledge base and the matcher that maps residents' everyday questions onto it.

Content (topics, sample questions, slang) lives under `locales/` as data; this package only reads it.
The matcher's modules (numpy, Sastrawi's stemmer) are imported when first named: see library.py.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from handlers.programs.knowledge import TOPIC_IDS, KnowledgeBase, Topic, load_knowledge
from handlers.programs.library import Programs

if TYPE_CHECKING:
    from handlers.programs.matcher import Match, Matcher
    from handlers.programs.normalize import Normalizer, load_normalizer

_LAZY = {
    "Match": "handlers.programs.matcher",
    "Matcher": "handlers.programs.matcher",
    "Normalizer": "handlers.programs.normalize",
    "load_normalizer": "handlers.programs.normalize",
}

__all__ = [
    "TOPIC_IDS",
    "KnowledgeBase",
    "Match",
    "Matcher",
    "Normalizer",
    "Programs",
    "Topic",
    "load_knowledge",
    "load_normalizer",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
