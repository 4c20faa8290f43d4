"""Long polling end to end: `kaderbot run` as a process, a cadre in Telegram, the Bot API faked over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.flows import FULL_REPORT
from tests.telegram_support import (
    TelegramUser,
    finish_report,
    onboard_and_register,
    query,
    report_answers,
    running_bot,
    start_report,
)

CHAT = 5_551_001


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


def test_a_cadre_registers_and_files_a_report_with_a_photo(
    fake: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    with running_bot(fake, db_url, tmp_path) as bot:
        user = TelegramUser(fake, CHAT)
        onboard_and_register(user)
        start_report(user)
        report_answers(user)
        thanks = finish_report(user)
        assert "Terima kasih! Laporan" in (thanks.text or "")
        assert bot.stop(), bot.log()

    (person_id,) = query(
        db_url, "SELECT person_id FROM channel_identity WHERE channel='telegram' AND address=?", str(CHAT)
    )[0]
    assert query(db_url, "SELECT full_name, phone, role FROM person WHERE id=?", person_id) == [
        ("Sari Wulandari", "+6281234567890", "cadre")
    ]
    rows = query(db_url, "SELECT s, k, d, n, vitamin_a, notes, photos, held FROM monthly_report")
    assert len(rows) == 1
    s, k, d, n, vitamin_a, notes, photos, held = rows[0]
    assert (s, k, d, n, vitamin_a) == tuple(int(FULL_REPORT[f]) for f in ("s", "k", "d", "n", "vitamin_a"))
    assert (notes, held) == ("Penimbangan lancar", "usual_place")
    # The photo is kept as Telegram's file_id of the largest size the person sent.
    (photo,) = json.loads(photos)
    sent = fake.calls("getUpdates")
    photo_ids = [
        u["message"]["photo"][-1]["file_id"]
        for call in sent
        for u in (call.result or [])
        if "photo" in u.get("message", {})
    ]
    assert photo["ref"] in photo_ids and fake.file_bytes(photo["ref"]).startswith(b"\xff\xd8")

    # Every reply was Indonesian, polite, and within Telegram's limits.
    texts = user.texts()
    assert any("Bapak/Ibu" in text for text in texts)
    assert not any(word in text for text in texts for word in ("Thank you", "Please answer", "Report for"))
    for call in fake.calls("sendMessage", CHAT):
        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", []):
            assert all(len(button["callback_data"].encode()) <= 64 for button in row)


def test_pressed_buttons_are_answered_and_closed_and_pages_edit_in_place(
    fake: FakeBotAPI, db_url: str, tmp_path: Path
) -> None:
    with running_bot(fake, db_url, tmp_path):
        user = TelegramUser(fake, CHAT)
        user.say("/start", expect="Silakan pilih bahasa")
        question = fake.last_bot_message(CHAT)
        assert question is not None
        old_button = user.button("Bahasa Indonesia")
        mark = fake.mark()
        user.press("Bahasa Indonesia", expect="Persetujuan data pribadi")

        # The spinner stops, and the question now shows the choice and has no buttons left.
        assert fake.calls("answerCallbackQuery")[-1].index >= mark
        edited = fake.message(CHAT, question["message_id"])
        assert edited is not None and "reply_markup" not in edited
        assert edited["text"].endswith("✔ Bahasa Indonesia")

        # An old button that still arrives (another device, a quick double tap) gets a gentle note
        # and the current question again, not an error.
        mark = fake.mark()
        fake.push_callback(CHAT, old_button, message_id=question["message_id"])
        fake.wait_for_text(CHAT, "Tombol itu sudah tidak berlaku", after=mark)
        assert "Persetujuan data pribadi" in user.texts(after=mark)[-1]

        user.press("Setuju", expect="sebagai apa")
        user.press("kader Posyandu", expect="nama lengkap")
        user.say("Sari Wulandari", expect="nomor HP")
        user.say("0812 3456 7890", expect="Pilih kabupaten/kota")
        user.press("Kutai Kartanegara", expect="pilih kecamatan")
        first_page = [text for text, _ in user.buttons()]
        # Kota Bangun Darat has no desa listed: it is not offered.
        assert first_page[:8] == [
            "Anggana", "Kembang Janggut", "Kenohan", "Kota Bangun",
            "Loa Janan", "Loa Kulu", "Marang Kayu", "Muara Badak",
        ]  # fmt: skip
        assert first_page[8:] == ["Berikutnya ▶", "◀ Kembali"]
        keyboard_message = fake.last_bot_message(CHAT)
        assert keyboard_message is not None
        sends_before = len(fake.calls("sendMessage", CHAT))

        user.page("Berikutnya")
        second_page = [text for text, _ in user.buttons()]
        assert second_page[0] == "Muara Jawa" and second_page[8:] == [
            "◀ Sebelumnya",
            "Berikutnya ▶",
            "◀ Kembali",
        ]
        user.page("Berikutnya")
        third_page = [text for text, _ in user.buttons()]
        assert "Tenggarong" in third_page and third_page[-2:] == ["◀ Sebelumnya", "◀ Kembali"]
        user.page("Sebelumnya")
        assert [text for text, _ in user.buttons()] == second_page
        # Paging edited the one message; nothing new was sent.
        assert fake.last_bot_message(CHAT)["message_id"] == keyboard_message["message_id"]  # type: ignore[index]
        assert len(fake.calls("sendMessage", CHAT)) == sends_before


def test_command_menu_in_indonesian_and_english(fake: FakeBotAPI, db_url: str, tmp_path: Path) -> None:
    with running_bot(fake, db_url, tmp_path):
        default = [c["command"] for c in fake.commands()]
        indonesian = {c["command"]: c["description"] for c in fake.commands(language_code="id")}
        english = {c["command"]: c["description"] for c in fake.commands(language_code="en")}
    assert default == list(indonesian)
    assert {"start", "lapor", "laporanku", "daftar", "bahasa", "bantuan", "batal"} <= set(indonesian)
    assert {"start", "report", "myreports", "register", "language", "help", "cancel"} <= set(english)
    assert indonesian["lapor"] == "Laporan bulanan Posyandu (kader)"
    assert english["report"] == "Monthly Posyandu report (cadres)"
