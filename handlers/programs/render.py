"""Programme answers as text a person reads: title, answer, next step, and the source in brief."""

from __future__ import annotations

from babel.dates import format_date

from handlers.i18n import Translator
from handlers.programs.knowledge import KnowledgeBase, Topic
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


def answer_text(t: Translator, topic: Topic) -> str:
    checked = format_date(topic.checked_on, "d MMM yyyy", locale=t.lang)
    return "\n\n".join(
        [
            topic.title,
            topic.answer,
            t("resident.answer.next_step", text=topic.next_step),
            t("resident.answer.source", source=brief_source(topic.source), date=checked),
        ]
    )


def unsure_text(t: Translator, base: KnowledgeBase, match: Match) -> str:
    """What to say below the threshold: the closest topics, or that the question is out of scope."""
    if not match.suggestions:
        return t("resident.ask.out_of_scope")
    titles = ", ".join(base[topic_id].title for topic_id in match.suggestions)
    return t("resident.ask.unsure", topics=titles)


def reply_text(t: Translator, base: KnowledgeBase, match: Match) -> str:
    return answer_text(t, base[match.topic]) if match.topic else unsure_text(t, base, match)
