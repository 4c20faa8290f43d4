"""Conversation steps shared by several tests, written as a person would go through them."""

from __future__ import annotations

from tests.chat import Chat


async def onboard(chat: Chat, *, role: str = "kader", language: str = "Indonesia") -> None:
    await chat.say("/start")
    await chat.press(language)
    await chat.press("Setuju" if language == "Indonesia" else "I agree")
    await chat.press(role)


async def register_cadre(chat: Chat, *, name: str = "Budi Santoso", phone: str = "0812-3456-7890") -> None:
    """From the welcome screen to a registered (pending) cadre of Posyandu Melati 1, Melayu, Tenggarong."""
    await onboard(chat)
    await chat.say(name)
    await chat.say(phone)
    await chat.press("Kutai Kartanegara")
    await chat.press("Tenggarong")
    await chat.press("Melayu")
    await chat.press("Melati 1")
    await chat.press("Anggota")
    await chat.press("Kirim")


FULL_REPORT = {
    "s": "40",
    "k": "35",
    "d": "32",
    "n": "28",
    "visits_ibu_hamil": "6",
    "visits_balita": "32",
    "visits_remaja": "4",
    "visits_usia_produktif": "10",
    "visits_lansia": "12",
    "referrals_gizi": "2",
    "immunizations": "9",
    "vitamin_a": "0",  # November: vitamin A is given in February and August (a soft check asks)
}


async def report_until_summary(chat: Chat, *, month: str = "November 2026", day: str = "12") -> None:
    """A complete report held at the usual place, up to the summary (nothing sent yet)."""
    await chat.say("/lapor")
    await chat.press(month)
    await chat.press("tempat biasa")
    await chat.say(day)
    for value in FULL_REPORT.values():
        await chat.say(value)
    await chat.say("Penimbangan lancar")
    await chat.photo("photo-1")
    await chat.press("Selesai")
