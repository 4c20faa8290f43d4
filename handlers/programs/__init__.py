"""The programme knowledge base and the matcher that maps residents' everyday questions onto it.

Content (topics, sample questions, slang) lives under `locales/` as data; this package only reads it.
"""

from handlers.programs.knowledge import TOPIC_IDS, KnowledgeBase, Topic, load_knowledge
from handlers.programs.library import Programs
from handlers.programs.matcher import Match, Matcher
from handlers.programs.normalize import Normalizer, load_normalizer

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
