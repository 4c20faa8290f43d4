"""How replies look in Telegram, through `TelegramChannel.send` (the way notifications go out) and a
live chat: long text split under 4096 characters, long option lists paged, files, descriptions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.app import KaderBot
from bot.channels.telegram import TelegramChannel
from handlers.types import Choice, ClearOptions, File, Option, Text
from tests.fakes.bot_api import TINY_JPEG, FakeBotAPI, running_fake_bot_api
from tests.telegram_support import started_channel

CHAT = 5_555_001


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


@pytest.fixture
async def channel(kaderbot: KaderBot, fake: FakeBotAPI) -> AsyncIterator[TelegramChannel]:
    started = await started_channel(kaderbot, fake)
    yield started
    await started.stop()


def _keyboard(call: Any) -> list[list[dict[str, str]]]:
    return list((call.params.get("reply_markup") or {}).get("inline_keyboard", []))


def _choice(count: int, *, turn: str = "7k", back: bool = True) -> Choice:
    options = [Option(f"{turn}.v{i}", f"Desa Nomor {i:02d}") for i in range(1, count + 1)]
    if back:
        options.append(Option(f"{turn}._back", "◀ Kembali"))
    return Choice("Pilih desa/kelurahan:", tuple(options), turn=turn)


async def test_long_text_is_split_at_line_breaks_under_the_limit(
    fake: FakeBotAPI, channel: TelegramChannel
) -> None:
    lines = [
        f"{i:04d}. Posyandu Melati — jadwal, alamat, dan catatan kegiatan bulan ini." for i in range(200)
    ]
    await channel.send(str(CHAT), [Text("\n".join(lines))])
    sent = fake.sent_texts(CHAT)
    assert len(sent) == 4 and all(len(text) <= 4096 for text in sent)
    assert "\n".join(sent).splitlines() == lines  # nothing lost, no line cut in two

    fake.clear_calls()
    await channel.send(str(CHAT), [Text("😀" * 3000)])  # 6000 UTF-16 units, no line break at all
    pieces = fake.sent_texts(CHAT)
    assert len(pieces) == 2 and "".join(pieces) == "😀" * 3000
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)


async def test_texts_and_the_question_after_them_go_as_one_message_with_buttons(
    fake: FakeBotAPI, channel: TelegramChannel
) -> None:
    question = Choice(
        "Apakah Bapak/Ibu setuju?", (Option("3.accept", "Setuju"), Option("3.decline", "Tidak setuju"))
    )
    await channel.send(str(CHAT), [Text("Terima kasih."), ClearOptions(), question, Text("Catatan.")])
    first, second = fake.calls("sendMessage", CHAT)
    assert first.params["text"] == "Terima kasih.\n\nApakah Bapak/Ibu setuju?"
    assert _keyboard(first) == [
        [
            {"text": "Setuju", "callback_data": "3.accept"},
            {"text": "Tidak setuju", "callback_data": "3.decline"},
        ]
    ]  # short labels sit two to a row
    assert second.params["text"] == "Catatan." and "reply_markup" not in second.params


async def test_a_long_list_is_paged_and_back_stays_on_every_page(
    fake: FakeBotAPI, channel: TelegramChannel
) -> None:
    await channel.send(str(CHAT), [_choice(20)])
    (call,) = fake.calls("sendMessage", CHAT)
    rows = _keyboard(call)
    labels = [[b["text"] for b in row] for row in rows]
    assert labels[:4] == [
        ["Desa Nomor 01", "Desa Nomor 02"],
        ["Desa Nomor 03", "Desa Nomor 04"],
        ["Desa Nomor 05", "Desa Nomor 06"],
        ["Desa Nomor 07", "Desa Nomor 08"],
    ]
    assert labels[4:] == [["Berikutnya ▶"], ["◀ Kembali"]]
    assert rows[4][0]["callback_data"] == "7k~1" and rows[5][0]["callback_data"] == "7k._back"

    fake.clear_calls()
    last_page = Choice("Pilih desa/kelurahan:", _choice(20).options, page=2, turn="7k")
    await channel.send(str(CHAT), [last_page])
    labels = [[b["text"] for b in row] for row in _keyboard(fake.calls("sendMessage", CHAT)[0])]
    assert labels == [
        ["Desa Nomor 17", "Desa Nomor 18"],
        ["Desa Nomor 19", "Desa Nomor 20"],
        ["◀ Sebelumnya"],
        ["◀ Kembali"],
    ]


async def test_long_labels_one_to_a_row_and_descriptions_in_the_text(
    fake: FakeBotAPI, channel: TelegramChannel
) -> None:
    choice = Choice(
        "Posyandu yang mirip:",
        (
            Option("9.p1", "Posyandu Melati 1 — Melayu, Tenggarong", "Jl. Pahlawan Gg. Melati"),
            Option("9.p2", "Posyandu Melati 2 — Melayu, Tenggarong"),
            Option("9." + "x" * 70, "Terlalu panjang"),  # a payload Telegram would refuse is left out
        ),
    )
    await channel.send(str(CHAT), [choice])
    (call,) = fake.calls("sendMessage", CHAT)
    assert [[b["text"] for b in row] for row in _keyboard(call)] == [
        ["Posyandu Melati 1 — Melayu, Tenggarong"],
        ["Posyandu Melati 2 — Melayu, Tenggarong"],
    ]
    assert "• Posyandu Melati 1 — Melayu, Tenggarong — Jl. Pahlawan Gg. Melati" in call.params["text"]


async def test_files_go_as_photo_and_document(fake: FakeBotAPI, channel: TelegramChannel) -> None:
    await channel.send(
        str(CHAT),
        [
            File("photo", "kegiatan.jpg", TINY_JPEG, caption="Foto kegiatan Posyandu"),
            File("document", "rekap-november.xlsx", b"PK\x03\x04rekap", caption="Rekap laporan"),
        ],
    )
    (photo,) = fake.calls("sendPhoto", CHAT)
    (document,) = fake.calls("sendDocument", CHAT)
    assert photo.params["photo"].data == TINY_JPEG and photo.params["caption"] == "Foto kegiatan Posyandu"
    assert document.params["document"].filename == "rekap-november.xlsx"
    assert document.params["document"].data == b"PK\x03\x04rekap"


async def test_page_controls_speak_the_persons_language(fake: FakeBotAPI, channel: TelegramChannel) -> None:
    mark = fake.mark()
    fake.push_text(CHAT, "/start", language_code="en")  # Telegram says the phone is in English
    await asyncio.to_thread(fake.wait_for_text, CHAT, "Please choose a language", 10, after=mark)
    fake.clear_calls()
    await channel.send(str(CHAT), [_choice(12)])
    labels = [b["text"] for row in _keyboard(fake.calls("sendMessage", CHAT)[0]) for b in row]
    assert "Next ▶" in labels and "Berikutnya ▶" not in labels


async def test_a_photo_the_person_sent_can_be_fetched_by_its_ref(
    fake: FakeBotAPI, channel: TelegramChannel, kaderbot: KaderBot
) -> None:
    picture = TINY_JPEG + b"kegiatan-posyandu"
    update_id = fake.push_photo(CHAT, picture, caption="Penimbangan")
    ref = fake.update(update_id)["message"]["photo"][-1]["file_id"]
    mark = fake.mark()
    assert await channel.download(ref) == picture
    # A getFile, then the file's bytes. The channel's own intake of the same photo (it downloads what
    # arrives) may run at the same moment, so its calls can interleave with these.
    methods = [c.method for c in fake.calls()[mark:] if c.method in ("getFile", "downloadFile")]
    assert "getFile" in methods and "downloadFile" in methods[methods.index("getFile") :], methods


async def test_send_returns_the_message_id_and_progress_edits_one_message(
    fake: FakeBotAPI, channel: TelegramChannel
) -> None:
    sent = await channel.send(str(CHAT), [Text("Pengumuman: Posyandu bulan ini tanggal 12.")])
    assert sent == str(fake.last_bot_message(CHAT)["message_id"])  # type: ignore[index]

    handle = await channel.send_progress(str(CHAT), "Terkirim 0 dari 40", None)
    assert handle is not None and handle != sent
    assert await channel.send_progress(str(CHAT), "Terkirim 20 dari 40", handle) == handle
    assert await channel.send_progress(str(CHAT), "Terkirim 20 dari 40", handle) == handle  # unchanged
    assert fake.message(CHAT, int(handle))["text"] == "Terkirim 20 dari 40"  # type: ignore[index]
    assert len(fake.calls("sendMessage", CHAT)) == 2
