"""Look-alike names: hidden and direction-changing characters are refused with a reason; a name in
mixed scripts, or one that looks like a colleague's, is flagged to the verifying coordinator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import KaderBot
from handlers.forms.names import hidden_characters, mixes_scripts, normalize_name, skeleton
from storage.models import Person
from tests.chat import Chat
from tests.flows import onboard, register_cadre

CYRILLIC_A = "\u0430"


async def people_named(kaderbot: KaderBot, name: str) -> list[Person]:
    async with kaderbot.db.sessions() as session:
        return list((await session.execute(select(Person).where(Person.full_name == name))).scalars())


@pytest.mark.parametrize(
    "typed",
    [
        "Sari Wulandari\u200b",  # zero-width space
        "\u202eidnaluW iraS",  # right-to-left override: shows as "Sari Wulandi"
        "Sari\u2066 Wulandari",  # left-to-right isolate
        "Sa\u00adri Wulandari",  # soft hyphen
        "Sari\u3164Wulandari",  # Hangul filler, looks like a space
    ],
)
async def test_hidden_or_bidi_characters_are_refused_and_asked_again(chat: Chat, typed: str) -> None:
    await onboard(chat)
    await chat.say(typed)
    assert "karakter tersembunyi atau pengatur arah tulisan" in chat.text
    assert "nama lengkap" in chat.question  # the same question again
    await chat.say("Budi Santoso")
    assert "nomor HP" in chat.question


async def test_the_refusal_is_in_english_too(kaderbot: KaderBot) -> None:
    chat = Chat(kaderbot.core, "john")
    await onboard(chat, role="cadre", language="English")
    await chat.say("John\u200d Doe")
    assert "hidden or text-direction characters" in chat.text


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("  Budi    Santoso ", "Budi Santoso"),
        ("Budi\u00a0Santoso", "Budi Santoso"),  # no-break space
        ("\uff22\uff55\uff44\uff49 Santoso", "Budi Santoso"),  # full-width letters (NFKC)
        ("Budi\tSantoso", "Budi Santoso"),
    ],
)
async def test_names_are_normalised(chat: Chat, kaderbot: KaderBot, typed: str, stored: str) -> None:
    await register_cadre(chat, name=typed)
    assert [p.full_name for p in await people_named(kaderbot, stored)] == [stored]


async def test_a_cyrillic_a_is_flagged_in_verification(chat: Chat, kaderbot: KaderBot) -> None:
    fake = f"S{CYRILLIC_A}ri Wulandari"
    await register_cadre(chat, name=fake)  # at Posyandu Melati 1, where the real Sari Wulandari serves
    [person] = await people_named(kaderbot, fake)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    [row] = [label for label in siti.labels if "Melati 1" in label]
    assert row.startswith("⚠️ ") and fake in row
    await siti.press("Melati 1")
    assert "mencampur huruf dari beberapa aksara (Latin, Sirilik)" in siti.question
    assert "tampak sama dengan kader lain di Posyandu yang sama: Sari Wulandari" in siti.question
    assert person.role == "cadre"


async def test_the_same_name_twice_at_one_posyandu_is_flagged_but_not_as_mixed(
    chat: Chat, kaderbot: KaderBot
) -> None:
    await register_cadre(chat, name="sari  wulandari")
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("Melati 1")
    assert "tampak sama dengan kader lain di Posyandu yang sama: Sari Wulandari" in siti.question
    assert "aksara" not in siti.question


async def test_an_ordinary_name_carries_no_warning(chat: Chat, kaderbot: KaderBot) -> None:
    await register_cadre(chat)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    assert "Budi Santoso — Posyandu Melati 1" in siti.labels
    await siti.press("Budi")
    assert "⚠️" not in siti.question


async def test_a_namesake_at_another_posyandu_is_not_flagged(chat: Chat, kaderbot: KaderBot) -> None:
    await register_cadre(chat, name="Rina Kusumawati")  # the demo's Rina waits at Teratai, not Melati 1
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("Melati 1")
    assert "Rina Kusumawati" in siti.question and "tampak sama" not in siti.question


def test_the_building_blocks() -> None:
    assert hidden_characters("Sari Wulandari\u200b") == ["U+200B"]
    assert hidden_characters("Zoë Ñandú-Putri O'Neil") == []
    assert mixes_scripts(f"S{CYRILLIC_A}ri") and not mixes_scripts("Zoë Ñandú")
    assert skeleton(f"S{CYRILLIC_A}ri  WULANDARI") == skeleton("Sari Wulandari") == "sari wulandari"
    assert normalize_name("\u2003Sari\u2002Wulandari\u3000") == "Sari Wulandari"
