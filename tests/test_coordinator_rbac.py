"""The access matrix: every coordinator action, tried by a resident, a cadre and a coordinator of
another region, by command, by menu and by forged button payloads, is refused with a localized
message and changes nothing. The last tests take the core's own button check out of the picture
(an option that was offered, then the scope changed) to show the flows check the scope themselves."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.app import KaderBot
from handlers.access import COORDINATOR_COMMANDS
from handlers.commands import parse_command
from storage.models import Cadre, Person
from storage.models_outbox import AuditLog, Broadcast, OutboxMessage
from storage.models_tickets import Ticket, TicketEvent
from storage.repositories import scopes
from tests.chat import Chat
from tests.flows import onboard
from tests.outbox_support import add_cadres, compose_broadcast, file_ticket, make_coordinator

COMMANDS = {
    "verify": "/verifikasi",
    "broadcast": "/siaran",
    "broadcast_status": "/siaran_status",
    "recap": "/rekap",
    "export": "/ekspor",
    "tickets": "/tiket",
}
ROLE_REFUSAL = "Maaf, fitur ini bukan untuk peran Bapak/Ibu."
SCOPE_REFUSAL = "Maaf, itu di luar wilayah tugas Bapak/Ibu."
STALE = "Tombol itu sudah tidak berlaku"


async def effects(kaderbot: KaderBot) -> dict[str, int]:
    """Everything a coordinator action could leave behind."""
    async with kaderbot.db.sessions() as session:
        verified = await session.execute(select(func.count()).where(Cadre.verification != "pending"))
        return {
            "broadcasts": (await session.execute(select(func.count()).select_from(Broadcast))).scalar_one(),
            "outbox": (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one(),
            # Actions, not views: viewing personal data is audited as `personal.*` (tests/test_privacy.py).
            "audit": (
                await session.execute(
                    select(func.count()).select_from(AuditLog).where(AuditLog.action.not_like("personal.%"))
                )
            ).scalar_one(),
            "decided": verified.scalar_one(),
            "ticket_steps": (
                await session.execute(select(func.count()).select_from(TicketEvent))
            ).scalar_one(),
        }


async def cadre_id(kaderbot: KaderBot, name: str) -> int:
    async with kaderbot.db.sessions() as session:
        return (
            await session.execute(
                select(Cadre.id).join(Person, Person.id == Cadre.person_id).where(Person.full_name == name)
            )
        ).scalar_one()


async def actor(kaderbot: KaderBot, who: str) -> Chat:
    if who == "cadre":
        return Chat(kaderbot.core, "sari")  # a verified cadre in Kutai Kartanegara
    chat = Chat(kaderbot.core, "budi")
    await onboard(chat, role="warga")
    return chat


@pytest.mark.parametrize("action", sorted(COMMANDS))
@pytest.mark.parametrize("who", ["resident", "cadre"])
async def test_residents_and_cadres_are_refused_every_command(
    who: str, action: str, kaderbot: KaderBot
) -> None:
    chat = await actor(kaderbot, who)
    before = await effects(kaderbot)
    await chat.say(COMMANDS[action])
    assert chat.text.startswith(ROLE_REFUSAL)
    assert "Menu utama" in chat.question  # back at their own menu
    assert not any("Verifikasi kader" in label for label in chat.labels)
    # English too: the refusal is a catalogue message, not a fixed string.
    await chat.say("/language")
    await chat.press("English")
    await chat.say(COMMANDS[action])
    assert chat.text.startswith("Sorry, this feature is not available for your role.")
    assert await effects(kaderbot) == before


@pytest.mark.parametrize(
    "value", ["verify", "broadcast", "broadcast_status", "recap", "export", "tickets", "c1", "r64.02", "t1"]
)
@pytest.mark.parametrize("who", ["resident", "cadre"])
async def test_forged_menu_payloads_are_refused(who: str, value: str, kaderbot: KaderBot) -> None:
    chat = await actor(kaderbot, who)
    await chat.say("/menu")
    before = await effects(kaderbot)
    await chat.press_payload(f"{chat.choice.turn}.{value}")
    assert chat.text.startswith(STALE)
    assert "Menu utama" in chat.question
    assert await effects(kaderbot) == before


@pytest.fixture
def other(kaderbot: KaderBot) -> Chat:
    return Chat(kaderbot.core, "yohana")  # coordinator of Balikpapan (64.71), not Kutai Kartanegara


async def test_other_region_cannot_verify_a_cadre_outside_it(other: Chat, kaderbot: KaderBot) -> None:
    await other.say("/verifikasi")
    assert other.labels == ["Fitri Handayani — Posyandu Mawar Merah", "🏠 Menu"]  # Rina (Kukar) not shown
    rina = await cadre_id(kaderbot, "Rina Kusumawati")
    before = await effects(kaderbot)
    await other.press_payload(f"{other.choice.turn}.c{rina}")
    assert other.text.startswith(STALE)
    await other.press("Fitri")
    await other.press_payload(f"{other.choice.turn}.approve_c{rina}")
    assert other.text.startswith(STALE)
    assert await effects(kaderbot) == before


async def test_other_region_cannot_broadcast_outside_it(other: Chat, kaderbot: KaderBot) -> None:
    await add_cadres(kaderbot.db, count=3, posyandu_code="PY-6402-0001", first_address=70_000)
    await other.say("/siaran")
    await other.say("Pengumuman untuk kader")
    await other.press("Lewati")
    await other.press("Kader")
    assert "Balikpapan" in other.question and "Tenggarong" not in other.labels
    before = await effects(kaderbot)
    for forged in ("64.02", "64.02.06", "64.02.06.1005", "p1"):
        await other.press_payload(f"{other.choice.turn}.{forged}")
        assert other.text.startswith(STALE), forged
    await other.press("Seluruh Balikpapan")
    assert "0 orang" in other.question  # the Kukar cadres are not counted for her
    assert await effects(kaderbot) == before


async def test_other_region_cannot_see_or_cancel_a_broadcast_outside_it(kaderbot: KaderBot) -> None:
    await add_cadres(kaderbot.db, count=2, posyandu_code="PY-6402-0001", first_address=71_000)
    await add_cadres(kaderbot.db, count=2, posyandu_code="PY-6471-0001", first_address=72_000)
    siti, yohana = Chat(kaderbot.core, "siti"), Chat(kaderbot.core, "yohana")
    for chat, region in ((siti, "Kutai Kartanegara"), (yohana, "Balikpapan")):
        await compose_broadcast(chat, "Jadwal posyandu", whole=region)
        await chat.press("Jadwalkan")
        await chat.press("Besok")
        await chat.press("08.00")
        await chat.press("Jadwalkan")
    await yohana.say("/siaran_status")
    assert yohana.labels == ["Lihat siaran #2", "🏠 Menu"]
    before = await effects(kaderbot)
    await yohana.press_payload(f"{yohana.choice.turn}.b1")
    assert yohana.text.startswith(STALE)
    await yohana.press("#2")
    await yohana.press_payload(f"{yohana.choice.turn}.cancel_b1")
    assert yohana.text.startswith(STALE)
    assert await effects(kaderbot) == before


async def test_other_region_cannot_recap_or_export_outside_it(kaderbot: KaderBot) -> None:
    # A coordinator of two regions (Balikpapan and Bulungan) still has no business in Kukar.
    await make_coordinator(kaderbot.db, "console", "yohana", "65.01")
    yohana = Chat(kaderbot.core, "yohana")
    for command in ("/rekap", "/ekspor"):
        await yohana.say(command)
        assert sorted(yohana.labels) == ["Balikpapan", "Bulungan", "🏠 Menu"]
        before = await effects(kaderbot)
        await yohana.press_payload(f"{yohana.choice.turn}.r64.02")
        assert yohana.text.startswith(STALE)
        assert await effects(kaderbot) == before
    await yohana.say("/rekap")
    await yohana.press("Balikpapan")
    assert "Rekap Oktober 2026 — Balikpapan" in yohana.text  # the last month whose deadline has passed
    for forged in ("r64.02", "r64.02.06"):
        await yohana.press_payload(f"{yohana.choice.turn}.{forged}")
        assert yohana.text.startswith(STALE)


async def test_other_region_cannot_see_or_move_a_ticket_outside_it(kaderbot: KaderBot) -> None:
    await file_ticket(kaderbot, "41001", "64.02.06.1005")
    await file_ticket(kaderbot, "41002", "64.71.05.1002")
    async with kaderbot.db.sessions() as session:
        kukar = (
            await session.execute(select(Ticket.id).where(Ticket.region_code == "64.02.06.1005"))
        ).scalar_one()
    yohana = Chat(kaderbot.core, "yohana")
    await yohana.say("/tiket")
    assert len(yohana.labels) == 3  # her own ticket, closed tickets and Menu
    await yohana.press_payload(f"{yohana.choice.turn}.t{kukar}")
    assert yohana.text.startswith(STALE)
    await yohana.press("KB-")
    await yohana.press_payload(f"{yohana.choice.turn}.selesai_t{kukar}")
    assert yohana.text.startswith(STALE)
    async with kaderbot.db.sessions() as session:
        assert (await session.get(Ticket, kukar)).status == "diterima"  # type: ignore[union-attr]


# -- without the core's help: an option that was offered, then the scope changed ----------------


async def revoke(kaderbot: KaderBot, handle: str, region: str) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        person = await scopes.find_person(session, channel="console", address=handle)
        assert person is not None
        await scopes.revoke(session, person, region)


@pytest.fixture
async def split_siti(kaderbot: KaderBot) -> Chat:
    """Siti responsible for Loa Kulu and Tenggarong only (not all of Kukar)."""
    await revoke(kaderbot, "siti", "64.02")
    await make_coordinator(kaderbot.db, "console", "siti", "64.02.02", "64.02.06")
    return Chat(kaderbot.core, "siti")


async def test_verifying_after_losing_the_region_is_refused(split_siti: Chat, kaderbot: KaderBot) -> None:
    await split_siti.say("/verifikasi")
    await split_siti.press("Rina")  # Rina's Posyandu is in Loa Kulu
    await revoke(kaderbot, "siti", "64.02.02")
    before = await effects(kaderbot)
    await split_siti.press("Setujui")  # the button was offered: the core lets it through
    assert split_siti.text.startswith(SCOPE_REFUSAL)
    assert await effects(kaderbot) == before


async def test_broadcasting_after_losing_the_region_is_refused(split_siti: Chat, kaderbot: KaderBot) -> None:
    await add_cadres(kaderbot.db, count=2, posyandu_code="PY-6402-0011", first_address=73_000)  # Loa Kulu
    await compose_broadcast(split_siti, "Pengumuman", path=["Loa Kulu"], whole="Loa Kulu")
    await split_siti.press("Kirim sekarang")
    assert "2 orang" in split_siti.text
    await revoke(kaderbot, "siti", "64.02.02")
    before = await effects(kaderbot)
    await split_siti.press("Kirim")
    assert SCOPE_REFUSAL in split_siti.text
    assert await effects(kaderbot) == before


async def test_losing_the_role_mid_flow_is_refused(kaderbot: KaderBot) -> None:
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/verifikasi")
    await siti.press("Rina")
    await revoke(kaderbot, "siti", "64.02")  # no region left: back to an ordinary resident
    before = await effects(kaderbot)
    await siti.press("Setujui")
    assert siti.text.startswith(ROLE_REFUSAL)
    assert await effects(kaderbot) == before


@pytest.mark.parametrize(
    ("lang", "word", "name"), [(lang, w, n) for lang, pairs in COORDINATOR_COMMANDS.items() for w, n in pairs]
)
async def test_the_coordinators_command_menu_opens_coordinator_flows_only(
    lang: str, word: str, name: str, kaderbot: KaderBot
) -> None:
    """What a platform shows coordinators in their command menu (Telegram: per-chat scope)."""
    command = parse_command(f"/{word}")
    assert command is not None and command.name == name and command.flow.startswith("coordinator_")
    assert re.fullmatch(r"[a-z0-9_]{1,32}", word)  # Telegram's rule for command words
    description = kaderbot.catalogues.text(lang, f"coordinator.command.{name}")
    assert 3 <= len(description) <= 256
    resident = await actor(kaderbot, "resident")
    await resident.say(f"/{word}")
    assert resident.text.startswith(ROLE_REFUSAL)
