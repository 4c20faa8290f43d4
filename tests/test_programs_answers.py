"""Short answers with a next step, for every topic in both languages, through the real chat core.

The first reply to a question is one message that fits a phone screen (≤ 350 characters) and ends
with the concrete next step; "Selengkapnya"/"More" shows the rest; the sources and the day they were
checked are one tap away. `kaderbot ask` prints the same first screen plus the source line.
"""

from __future__ import annotations

import pytest
from babel.dates import format_date

from bot.settings import PROJECT_ROOT
from handlers.i18n import Catalogues
from handlers.programs import Programs
from handlers.programs.knowledge import FIRST_SCREEN_CHARS
from handlers.programs.render import reply_text
from handlers.safety import DangerDetector
from handlers.types import Choice, Text
from tests.chat import Chat
from tests.flows import onboard

LOCALES = PROJECT_ROOT / "locales"
programs = Programs.load(LOCALES)
danger = DangerDetector.load(LOCALES)  # a sample describing danger gets the safety net's answer instead
LANGUAGE = {"id": ("Indonesia", "warga"), "en": ("English", "resident")}
WORDS = {
    "id": {
        "more": "Selengkapnya",
        "source": "Sumber & tanggal cek",
        "again": "Tanya lagi",
        "topics": "Lihat daftar topik",
        "label": "Langkah berikutnya: ",
        "menu": "Menu utama",
    },
    "en": {
        "more": "More",
        "source": "Source & check date",
        "again": "Ask another question",
        "topics": "See all topics",
        "label": "Next step: ",
        "menu": "Main menu",
    },
}


def _messages(chat: Chat) -> list[str]:
    return [r.text for r in chat.replies if isinstance(r, (Text, Choice))]


def _check_first_screen(chat: Chat, lang: str, topic_id: str) -> None:
    topic = programs.topic(lang, topic_id)
    words = WORDS[lang]
    messages = _messages(chat)
    assert len(messages) == 1, f"{lang}:{topic_id}: the first reply is one message, got {messages}"
    screen = messages[0]
    assert len(screen) <= FIRST_SCREEN_CHARS, f"{lang}:{topic_id}: {len(screen)} characters"
    assert screen.startswith(topic.title)
    assert topic.short in screen
    assert screen.endswith(words["label"] + topic.next_step), f"{lang}:{topic_id} must end with the next step"
    assert topic.answer not in screen and topic.source not in screen
    assert chat.labels[:2] == [words["more"], words["source"]]
    assert chat.labels[-1] == words["menu"]


async def _check_more_and_source(chat: Chat, lang: str, topic_id: str) -> None:
    topic = programs.topic(lang, topic_id)
    words = WORDS[lang]
    await chat.press(words["more"])
    assert topic.answer in chat.text, f"{lang}:{topic_id}: 'more' shows the rest of the answer"
    assert words["more"] not in chat.labels and words["source"] in chat.labels
    await chat.press(words["source"])
    checked = format_date(topic.checked_on, "d MMM yyyy", locale=lang)
    assert topic.source in chat.text and checked in chat.text, f"{lang}:{topic_id}: source one tap away"
    assert words["source"] not in chat.labels and words["again"] in chat.labels


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_every_topic_picked_from_the_list_fits_one_screen_then_more_then_source(
    chat: Chat, lang: str
) -> None:
    language, role = LANGUAGE[lang]
    await onboard(chat, role=role, language=language)
    words = WORDS[lang]
    await chat.say("/tanya")
    for topic in programs.base(lang):
        await chat.press(words["topics"])
        await chat.press(topic.title)
        _check_first_screen(chat, lang, topic.id)
        await _check_more_and_source(chat, lang, topic.id)
        await chat.press(words["again"])


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_a_typed_question_gets_the_first_screen_for_every_topic(chat: Chat, lang: str) -> None:
    """The first reply to a typed question, not just a topic picked from a list."""
    language, role = LANGUAGE[lang]
    await onboard(chat, role=role, language=language)
    for topic in programs.base(lang):
        question = next(s for s in topic.samples if danger.detect(s) is None)
        assert programs.match(question).topic == topic.id
        await chat.say(question)
        _check_first_screen(chat, lang, topic.id)


async def test_source_first_then_more_and_the_topic_action_stays(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("gmn cara masuk dtsen")
    assert chat.text.startswith("Cara Masuk DTSEN")
    assert "Ajukan pembaruan data DTSEN" in chat.labels
    await chat.press("Sumber")
    assert "Cek Bansos" in chat.text and "6 Des 2026" in chat.text
    assert chat.labels[0] == "Selengkapnya" and "Ajukan pembaruan data DTSEN" in chat.labels
    await chat.press("Selengkapnya")
    assert "swafoto" in chat.text
    assert "Selengkapnya" not in chat.labels and "Sumber & tanggal cek" not in chat.labels
    await chat.press("Ajukan pembaruan data DTSEN")
    assert "Jenis permohonan" in chat.question


async def test_a_violence_question_offers_the_urgent_report(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("uptd ppa itu apa")
    assert chat.text.startswith("Kekerasan terhadap Perempuan dan Anak")
    assert "129" in chat.text and "112" in chat.text
    assert "Darurat sosial (TRC)" in chat.labels


async def test_more_without_a_topic_is_refused_politely(chat: Chat) -> None:
    """A stale or forged 'more' button, before any answer was shown, asks again instead of failing."""
    await onboard(chat, role="warga")
    await chat.press("Tanya program")
    token = chat.choice.turn
    await chat.press_payload(f"{token}.more")
    assert "ketik pertanyaan" in chat.question


@pytest.mark.parametrize("lang", ["id", "en"])
def test_kaderbot_ask_prints_the_first_screen_and_the_source_line(lang: str) -> None:
    t = Catalogues.load(LOCALES).translator(lang)
    source_word = {"id": "Sumber: ", "en": "Source: "}[lang]
    for topic in programs.base(lang):
        text = reply_text(t, programs.base(lang), programs.match(topic.samples[0]))
        first, _, source = text.rpartition("\n\n")
        assert len(first) <= FIRST_SCREEN_CHARS and first.endswith(topic.next_step), topic.id
        assert source.startswith(source_word), topic.id
