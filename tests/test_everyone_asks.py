"""Everyone can ask (issue 13, point 5): a cadre or coordinator who types a question at the menu gets
the answer a resident would, finds "Tanya program" in the menu and `/tanya` in `/bantuan`."""

from __future__ import annotations

from itertools import count

import pytest

from bot.app import KaderBot
from tests.chat import Chat
from tests.flows import onboard, register_cadre
from tests.outbox_support import make_coordinator

QUESTION = "gmn cara daftar sekolah rakyat"
LIST_ROWS_MAX = 10  # a WhatsApp list message holds at most 10 rows
_residents = count(1)


async def resident_answer(kaderbot: KaderBot, question: str) -> str:
    warga = Chat(kaderbot.core, f"warga-{next(_residents)}")
    await onboard(warga, role="warga")
    await warga.say(question)
    return warga.text


async def test_a_cadre_typing_a_question_at_the_menu_gets_the_residents_answer(
    kaderbot: KaderBot, chat: Chat
) -> None:
    await register_cadre(chat)
    await chat.say("/menu")
    assert "Tanya program" in chat.labels and len(chat.labels) <= LIST_ROWS_MAX
    await chat.say(QUESTION)
    assert "Sekolah Rakyat" in chat.text
    assert "belum memahami" not in chat.text
    assert chat.text == await resident_answer(kaderbot, QUESTION)


async def test_a_coordinator_asks_from_the_menu_and_by_typing(kaderbot: KaderBot) -> None:
    await make_coordinator(kaderbot.db, "console", "dedi", "64.02.06")
    dedi = Chat(kaderbot.core, "dedi")
    await dedi.say("/menu")
    assert "✅ Verifikasi kader" in dedi.labels  # still the coordinator's menu
    assert "Tanya program" in dedi.labels and len(dedi.labels) <= LIST_ROWS_MAX
    await dedi.press("Tanya program")
    await dedi.say("santunan kematian kukar brp")
    assert dedi.text == await resident_answer(kaderbot, "santunan kematian kukar brp")
    await dedi.say("/menu")
    await dedi.say(QUESTION)
    assert "Sekolah Rakyat" in dedi.text
    assert dedi.text == await resident_answer(kaderbot, QUESTION)


async def test_an_out_of_scope_question_from_a_cadre_gets_the_polite_refusal(chat: Chat) -> None:
    await register_cadre(chat)
    await chat.say("/menu")
    await chat.say("harga cabai hari ini berapa")
    assert "di luar layanan sosial" in chat.text
    assert "Sekolah Rakyat" not in chat.text


async def test_help_names_tanya_for_cadres_and_coordinators(kaderbot: KaderBot, chat: Chat) -> None:
    await register_cadre(chat)
    await chat.say("/bantuan")
    assert "/tanya" in chat.text
    await make_coordinator(kaderbot.db, "console", "yohana", "65.01")
    yohana = Chat(kaderbot.core, "yohana")
    await yohana.say("/bantuan")
    assert "Untuk koordinator" in yohana.text
    assert "/tanya" in yohana.text.split("Untuk koordinator", 1)[1]


@pytest.mark.parametrize(
    ("who", "hello"), [("joko", "halo"), ("sari", "Assalamualaikum bu"), ("siti", "selamat pagi")]
)
async def test_a_hello_at_the_menu_is_greeted_not_refused(kaderbot: KaderBot, who: str, hello: str) -> None:
    chat = Chat(kaderbot.core, who)
    await chat.say("/menu")
    await chat.say(hello)
    assert chat.text.startswith("Halo, selamat datang.")
    assert "di luar layanan" not in chat.text and chat.question.startswith("Menu utama")
