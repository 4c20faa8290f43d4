"""Residents in the chat: the menu, questions typed anywhere in it, answers that end with options,
'did you mean' below the threshold, the public menu, and the Sekolah Rakyat pre-check."""

from __future__ import annotations

from bot.app import KaderBot
from tests.chat import Chat
from tests.flows import onboard

FLOOR = "🆘 Darurat: lapor TRC"  # the safety floor under every refusal (tests/test_safety_net.py)
RESIDENT_MENU = [
    "Tanya program",
    "Cek syarat Sekolah Rakyat",
    "Ajukan permohonan/pengaduan",
    "Cek status permohonan",
    "Darurat sosial (TRC)",
    "👶 Anak Saya",  # a mother sees her child's growth (issue #17)
    "Daftar sebagai kader",
    "🔒 Data saya",
    "Tentang KaderBot",
    "Ganti bahasa",
]


async def test_resident_menu_lists_the_resident_services(chat: Chat) -> None:
    await onboard(chat, role="warga")
    assert chat.labels == RESIDENT_MENU


async def test_free_text_in_the_menu_is_answered_with_next_step_source_and_options(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("gmn cara daftar sekolah rakyat")
    answer = chat.text
    assert answer.startswith("Sekolah Rakyat")
    assert "Inpres No. 8 Tahun 2025" in answer and "Langkah berikutnya:" in answer
    assert len(answer) <= 350  # one phone screen; the rest and the source are one tap away
    assert chat.labels == [
        "Selengkapnya",
        "Sumber & tanggal cek",
        "Cek syarat Sekolah Rakyat",
        "Tanya lagi",
        "Tanya ke petugas",
        "Menu utama",
    ]
    await chat.press("Sumber")
    assert "Sumber: Inpres No. 8 Tahun 2025" in chat.text and "24 Nov 2026" in chat.text
    # Another question typed straight away is answered too.
    await chat.say("sy blm dpt bansos knp ya")
    assert chat.text.startswith("DTSEN")
    assert "Ajukan pembaruan data DTSEN" in chat.labels


async def test_tanya_program_asks_then_answers_and_lists_topics(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.press("Tanya program")
    assert "ketik pertanyaan" in chat.question
    await chat.press("Lihat daftar topik")
    assert len(chat.labels) == 24 and chat.labels[0] == "Sekolah Rakyat" and chat.labels[-1] == "Menu utama"
    await chat.press("Santunan PMKS")
    assert "Rp200.000 per bulan" in chat.text
    await chat.press("Tanya lagi")
    await chat.say("brp santunan lansia")
    assert chat.text.startswith("Santunan PMKS (Kukar)")


async def test_slash_tanya_takes_the_question_on_the_same_line(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("/tanya kartu kks sy hilang gmn")
    assert chat.text.startswith("BPNT")


async def test_below_the_threshold_it_offers_three_topics_and_a_person(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("bantuan")
    assert "belum yakin" in chat.question
    assert chat.labels[-4:] == ["Tanya ke petugas", "Lihat daftar topik", "Menu utama", FLOOR]
    topics = chat.labels[:-4]
    assert 1 <= len(topics) <= 3
    await chat.press(topics[0])
    assert chat.text.startswith(topics[0])


async def test_out_of_scope_gets_no_guess(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("cuaca besok")
    assert "di luar layanan sosial" in chat.question
    assert chat.labels == ["Tanya ke petugas", "Lihat daftar topik", "Menu utama", FLOOR]


async def test_asking_a_person_opens_a_request_with_the_question_ready(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.say("anak sy butuh kacamata, ada bantuan?")
    await chat.press("Tanya ke petugas")
    assert "Jenis permohonan" in chat.question
    await chat.press("Permohonan bantuan")
    await chat.press("Kutai Kartanegara")
    await chat.press("Tenggarong")
    await chat.press("Melayu")
    assert chat.labels[0] == "Pakai pertanyaan saya tadi"
    await chat.press("Pakai pertanyaan saya tadi")
    await chat.press("Lewati")
    assert "anak sy butuh kacamata, ada bantuan?" in chat.question
    await chat.press("Kirim")
    assert "KB-2026-" in chat.text


async def test_public_menu_answers_questions_without_consent(chat: Chat) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Tidak setuju")
    assert chat.labels == [
        "Beri persetujuan",
        "Tanya program",
        "🔒 Data saya",
        "Tentang KaderBot",
        "Ganti bahasa",
    ]
    await chat.say("pkh kpn cair")
    assert chat.text.startswith("PKH")
    more = ["Selengkapnya", "Sumber & tanggal cek"]
    assert chat.labels == [*more, "Tanya lagi", "Tanya ke petugas", "Menu utama"]
    # A person can only answer through a ticket, and a ticket needs consent: ask for it.
    await chat.press("Tanya ke petugas")
    assert "persetujuan data pribadi" in chat.text
    assert chat.labels == ["Setuju", "Tidak setuju"]


async def test_services_with_personal_data_need_consent(chat: Chat) -> None:
    await chat.say("/start")
    await chat.press("Indonesia")
    await chat.press("Tidak setuju")
    for command in ("/pengaduan", "/status", "/sekolahrakyat"):
        await chat.say(command)
        assert "menyetujui penggunaan data pribadi" in chat.text


async def test_english_speaker_gets_english_answers(chat: Chat) -> None:
    await onboard(chat, role="resident", language="English")
    await chat.say("how do i get a wheelchair")
    assert chat.text.startswith("Help for Neglected Elderly People")
    assert "Next step:" in chat.text
    assert "Ask another question" in chat.labels
    await chat.press("Source")
    assert "Sources:" in chat.text and "Permensos No. 16 Tahun 2020" in chat.text


async def _sekolah_rakyat(
    chat: Chat, *, age: str, level: str, in_dtsen: str, desil: str | None, out: str
) -> str:
    await chat.press("Cek syarat Sekolah Rakyat")
    await chat.say(age)
    await chat.press(level)
    await chat.press(in_dtsen)
    if desil is not None:
        await chat.press(desil)
    await chat.press(out)
    assert "tidak disimpan" in chat.question
    await chat.press("Kirim")
    return chat.text


async def test_sekolah_rakyat_precheck_likely_possibly_unlikely(chat: Chat) -> None:
    await onboard(chat, role="warga")
    likely = await _sekolah_rakyat(chat, age="12", level="SMP", in_dtsen="Ya", desil="Desil 1", out="Tidak")
    assert "kemungkinan besar termasuk sasaran prioritas" in likely
    assert "Langkah berikutnya" in likely and "Keputusan akhir ada pada pemerintah" in likely

    possibly = await _sekolah_rakyat(chat, age="7", level="SD", in_dtsen="Tidak tahu", desil=None, out="Ya")
    assert "mungkin termasuk sasaran" in possibly
    assert "sedang tidak bersekolah" in possibly and "Keputusan akhir" in possibly

    unlikely = await _sekolah_rakyat(chat, age="16", level="SMA", in_dtsen="Ya", desil="Desil 5", out="Tidak")
    assert "kemungkinan belum termasuk sasaran" in unlikely and "Keputusan akhir" in unlikely

    not_listed = await _sekolah_rakyat(chat, age="16", level="SMA", in_dtsen="Tidak", desil=None, out="Tidak")
    assert "mendaftarkan keluarga ke DTSEN" in not_listed


async def test_sekolah_rakyat_precheck_refuses_a_bad_age_and_keeps_asking(chat: Chat) -> None:
    await onboard(chat, role="warga")
    await chat.press("Cek syarat Sekolah Rakyat")
    await chat.say("dua belas")
    assert "angka" in chat.text
    await chat.say("40")
    assert "terlalu besar" in chat.text
    await chat.say("12")
    assert "Jenjang" in chat.question


async def test_answer_next_step_opens_the_precheck(chat: Chat, kaderbot: KaderBot) -> None:
    await onboard(chat, role="warga")
    await chat.say("sekolah rakyat itu apa")
    await chat.press("Cek syarat Sekolah Rakyat")
    assert "usia anak" in chat.question
