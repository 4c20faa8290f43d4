"""On the embedded SQLite, the heavy steps of the core benchmark write and read with plain statements
compiled once (storage/turns.py `read`, `change`, and the person's own UPDATE) instead of the ORM
(issue #19: the core benchmark's CPU per update). These check both halves: what is stored is what the
ORM would have stored, and none of those statements went through SQLAlchemy's engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from bot.app import KaderBot
from storage.models_structure import KADER, PosyanduPosition
from storage.turns import InlineSqliteTurns
from tests.chat import Chat, Clock
from tests.flows import onboard
from tests.test_onboarding import person_of
from tests.test_registration import cadre_of


@contextmanager
def engine_statements(kaderbot: KaderBot) -> Iterator[list[str]]:
    """The SQL of every statement SQLAlchemy's engine runs meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    engine = kaderbot.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def inline(kaderbot: KaderBot) -> KaderBot:
    if not isinstance(kaderbot.db.turns, InlineSqliteTurns):
        pytest.skip("plain statements are the embedded SQLite's path")
    return kaderbot


async def test_the_welcome_writes_language_and_consent_without_the_orm(
    inline: KaderBot, clock: Clock
) -> None:
    chat = Chat(inline.core, "newcomer-19")
    await chat.say("/start")
    with engine_statements(inline) as seen:
        await chat.press("English")
        await chat.press("I agree")
    assert seen == []
    person = await person_of(inline, "newcomer-19")
    assert person.language == "en" and person.consent_at == clock()
    assert chat.labels  # the welcome goes on: who are you?


async def test_a_registration_places_its_cadre_without_the_orm(inline: KaderBot) -> None:
    chat = Chat(inline.core, "registrant-19")
    await onboard(chat)
    await chat.say("Budi Santoso")
    await chat.say("0812-3456-7890")
    for label in ("Kutai Kartanegara", "Tenggarong", "Melayu", "Melati 1"):
        await chat.press(label)
    await chat.press("Anggota")
    with engine_statements(inline) as seen:
        await chat.press("Kirim")
    # The cadre row and the person's name still go through the ORM's flush; the structure's
    # statements (clear elsewhere, leave pengurus, the place) and the Posyandu's parent do not.
    assert not [s for s in seen if "posyandu_position" in s or "parent_id" in s], seen
    _, cadre, _ = await cadre_of(inline, "registrant-19")
    async with inline.db.sessions() as session:
        places = (
            (
                await session.execute(
                    select(PosyanduPosition).where(PosyanduPosition.person_id == cadre.person_id)
                )
            )
            .scalars()
            .all()
        )
    assert cadre.posyandu_id and cadre.verification == "pending"
    assert [(p.person_id, p.posyandu_id, p.role) for p in places] == [
        (cadre.person_id, cadre.posyandu_id, KADER)
    ]
