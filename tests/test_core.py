"""The core's promises: state survives restarts, a message is handled once, stale or forged buttons
are refused gently, and a failing flow never loses what a person typed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.app import KaderBot, build
from bot.settings import load_settings
from handlers.core import Core
from handlers.flows.base import Flow
from handlers.flows.registry import build_flows
from handlers.turn import Input, Turn
from handlers.types import Identity, IncomingEvent
from storage.models import InboundMessage
from tests.chat import Chat, Clock
from tests.flows import register_cadre


async def test_restart_mid_report_continues_at_the_same_question(db_url: str, clock: Clock) -> None:
    first = build(load_settings(database_url=db_url), clock=clock, strict_messages=True)
    chat = Chat(first.core, "budi")
    await register_cadre(chat)
    await chat.say("/lapor")
    await chat.press("November 2026")
    await chat.press("tempat biasa")
    await chat.say("12")
    await chat.say("40")
    await chat.say("35")
    asked = chat.question
    assert "D — jumlah balita" in asked
    await first.close()

    second = build(load_settings(database_url=db_url), clock=clock, strict_messages=True)
    again = Chat(second.core, "budi")
    await again.say("/bantuan")  # any message shows where the person stands
    assert again.question == asked
    await again.say("32")
    await again.say("kembali")
    assert "Jawaban saat ini: 32" in again.question
    await again.say("kembali")
    assert "Jawaban saat ini: 35" in again.question
    await second.close()


async def test_same_message_id_is_handled_once(kaderbot: KaderBot) -> None:
    who = Identity("telegram", "777")
    first = await kaderbot.core.handle(IncomingEvent(who, text="/start", message_id="u-1"))
    again = await kaderbot.core.handle(IncomingEvent(who, text="/start", message_id="u-1"))
    assert first.replies and not first.duplicate
    assert again.duplicate and again.replies == []
    # The same id on another channel is another message.
    other = await kaderbot.core.handle(
        IncomingEvent(Identity("whatsapp", "62812"), text="/start", message_id="u-1")
    )
    assert not other.duplicate
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(InboundMessage))).scalar_one() == 2


async def test_stale_button_gets_a_note_and_the_current_question(chat: Chat) -> None:
    await chat.say("/start")
    old_choice = chat.choice
    await chat.press("Indonesia")
    await chat.press_payload(old_choice.options[1].payload)  # "English" from the first question
    assert "Tombol itu sudah tidak berlaku" in chat.text
    assert "UU 27/2022" in chat.question  # still the consent question, in Indonesian


async def test_forged_payload_cannot_pick_what_was_not_offered(chat: Chat) -> None:
    await chat.say("/start")
    token = chat.choice.turn
    await chat.press_payload(f"{token}.coordinator_tools")
    assert "Tombol itu sudah tidak berlaku" in chat.text
    assert chat.labels == ["Bahasa Indonesia", "English"]


async def test_page_payload_shows_the_same_question_at_that_page(chat: Chat) -> None:
    await chat.say("/start")
    await chat.press_payload(chat.choice.page_payload(1))
    assert chat.choice.page == 1 and chat.labels == ["Bahasa Indonesia", "English"]


async def test_typed_number_and_label_pick_options(chat: Chat) -> None:
    await chat.say("/start")
    await chat.say("2")
    assert "Personal data consent" in chat.question
    await chat.say("i agree")
    assert "How will you use KaderBot?" in chat.question


class ExplodingFlow(Flow):
    name = "menu"

    async def begin(self, turn: Turn, **args: Any) -> None:
        turn.ask("menu", [("x", "X")])

    async def handle(self, turn: Turn, inp: Input) -> None:
        turn.person.full_name = "should not be saved"
        raise RuntimeError("boom")


async def test_a_failing_flow_apologises_and_keeps_earlier_answers(kaderbot: KaderBot, clock: Clock) -> None:
    flows = {**build_flows(), "menu": ExplodingFlow()}
    core = Core(kaderbot.db, kaderbot.catalogues, flows, kaderbot.core.zone, clock)
    chat = Chat(core, "budi")
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Setuju")
    await chat.press("warga")
    await chat.press("X")
    assert "Maaf, terjadi gangguan" in chat.text
    assert chat.labels == ["X"]  # the question again
    again = await core.handle(IncomingEvent(chat.identity, text="1", message_id="dup"))
    assert "Maaf" in again.replies[0].text  # type: ignore[union-attr]
    redelivered = await core.handle(IncomingEvent(chat.identity, text="1", message_id="dup"))
    assert redelivered.duplicate  # a failed message is still recorded, so a retry storm stops
    async with kaderbot.db.sessions() as session:
        from storage.models import Person

        names = (await session.execute(select(Person.full_name))).scalars().all()
    assert "should not be saved" not in names
