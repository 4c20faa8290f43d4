"""Programme answers as text a person reads.

The first reply fits one phone screen: title, the gist and the next step (`first_screen`). The rest
of the answer (`more_text`) and the source with its check date (`source_text`) are one tap away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from babel.dates import format_date

from handlers.i18n import Translator
from handlers.programs.knowledge import KnowledgeBase, Topic
from handlers.safety.floor import with_floor

if TYPE_CHECKING:  # the matcher (numpy) loads with the first question: handlers/programs/library.py
    from handlers.programs.matcher import Match

SOURCE_CHARS = 90  # the first source named, cut short: the full list stays in programs.yaml


def brief_source(source: str) -> str:
    """The first source named, without the regulation's long title: 'Inpres No. 8 Tahun 2025'."""
    first = source.split(";", 1)[0].split(" tentang ", 1)[0].strip()
    if len(first) > SOURCE_CHARS:
        first = first.split(" (", 1)[0]  # an editor's remark in brackets stays in the file
    if len(first) <= SOURCE_CHARS:
        return first
    return first[:SOURCE_CHARS].rsplit(" ", 1)[0].rstrip(",.;:(") + " …"


def _checked(t: Translator, topic: Topic) -> str:
    return format_date(topic.checked_on, "d MMM yyyy", locale=t.lang)


def first_screen(t: Translator, topic: Topic) -> str:
    """Title, gist and the concrete next step — the last line is always the next step."""
    return "\n\n".join([topic.title, topic.short, t("resident.answer.next_step", text=topic.next_step)])


def more_text(t: Translator, topic: Topic) -> str:
    """What "Selengkapnya" shows: the rest of the answer, under the topic's title."""
    return f"{topic.title}\n\n{topic.answer}"


def source_text(t: Translator, topic: Topic) -> str:
    """Every source the facts rest on, and the day they were last checked."""
    return t("resident.answer.sources", source=topic.source, date=_checked(t, topic))


def brief_source_line(t: Translator, topic: Topic) -> str:
    return t("resident.answer.source", source=brief_source(topic.source), date=_checked(t, topic))


def answer_text(t: Translator, topic: Topic) -> str:
    """The whole answer at once, for places without buttons: first screen, the rest, the source."""
    return "\n\n".join([first_screen(t, topic), topic.answer, brief_source_line(t, topic)])


def unsure_text(t: Translator, base: KnowledgeBase, match: Match) -> str:
    """What to say below the threshold: the closest topics, or that the question is out of scope."""
    if not match.suggestions:
        return with_floor(t, t("resident.ask.out_of_scope"), button=False)
    titles = ", ".join(base[topic_id].title for topic_id in match.suggestions)
    return with_floor(t, t("resident.ask.unsure", topics=titles), button=False)


def reply_text(t: Translator, base: KnowledgeBase, match: Match) -> str:
    """`kaderbot ask`'s answer: the chat's first screen, with the source line that a button would show."""
    if not match.topic:
        return unsure_text(t, base, match)
    topic = base[match.topic]
    return f"{first_screen(t, topic)}\n\n{brief_source_line(t, topic)}"
