"""Cadre registration: name, mobile number, Posyandu (tree or fuzzy name), position."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import KaderBot
from storage.models import Cadre, ChannelIdentity, Person, Posyandu
from tests.chat import Chat
from tests.flows import onboard, register_cadre


async def cadre_of(kaderbot: KaderBot, address: str) -> tuple[Person, Cadre, Posyandu]:
    async with kaderbot.db.sessions() as session:
        row = (
            await session.execute(
                select(Person, Cadre, Posyandu)
                .join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
                .join(Cadre, Cadre.person_id == Person.id)
                .join(Posyandu, Posyandu.id == Cadre.posyandu_id)
                .where(ChannelIdentity.address == address)
            )
        ).one()
        return row[0], row[1], row[2]


async def test_register_by_walking_the_region_tree(chat: Chat, kaderbot: KaderBot) -> None:
    await onboard(chat)
    assert "nama lengkap" in chat.question
    await chat.say("Budi Santoso")
    await chat.say("0812-3456-7890")
    assert chat.labels[:3] == ["Balikpapan", "Bulungan", "Kutai Kartanegara"]
    await chat.press("Kutai Kartanegara")
    # Kukar's 20 kecamatan but the two with no desa listed (Kota Bangun Darat, Samboja Barat), "Kembali"
    assert len(chat.labels) == 19 and "Anggana" in chat.labels and "Kota Bangun Darat" not in chat.labels
    await chat.press("Tenggarong")
    await chat.press("Melayu")
    assert "Posyandu Melati 1" in chat.labels
    await chat.press("Melati 1")
    await chat.press("Anggota")
    assert "Nomor HP: +6281234567890" in chat.question
    assert "Posyandu Melati 1 — Melayu, Tenggarong" in chat.question
    await chat.press("Kirim")
    assert "menunggu verifikasi" in chat.text
    person, cadre, posyandu = await cadre_of(kaderbot, "budi")
    assert (person.full_name, person.phone, person.role) == ("Budi Santoso", "+6281234567890", "cadre")
    assert (cadre.position, cadre.verification, posyandu.code) == ("anggota", "pending", "PY-6402-0001")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("081234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("0852 1111 2222", "+6285211112222"),
    ],
)
async def test_phone_formats_are_normalised(chat: Chat, kaderbot: KaderBot, typed: str, stored: str) -> None:
    await register_cadre(chat, phone=typed)
    person, _, _ = await cadre_of(kaderbot, "budi")
    assert person.phone == stored


@pytest.mark.parametrize("typed", ["12345", "0211234567", "+14155550100", "nomor saya", "0812"])
async def test_bad_phone_is_asked_again_and_the_name_is_kept(chat: Chat, typed: str) -> None:
    await onboard(chat)
    await chat.say("Budi Santoso")
    await chat.say(typed)
    assert "Nomor HP tidak dikenali" in chat.text
    assert "Berapa nomor HP" in chat.question
    await chat.say("kembali")
    assert "nama lengkap" in chat.question and "Jawaban saat ini: Budi Santoso" in chat.question


async def test_name_needs_letters(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("12345")
    assert "Mohon ketik nama dengan huruf" in chat.text
    assert "nama lengkap" in chat.question


async def test_posyandu_found_by_typing_part_of_its_name(chat: Chat, kaderbot: KaderBot) -> None:
    await onboard(chat)
    await chat.say("Budi Santoso")
    await chat.say("081234567890")
    await chat.say("mawar melayu")
    # One clear match is offered to confirm; several similar ones are offered as a list.
    if "Apakah ini Posyandu" in chat.question:
        assert "Posyandu Mawar — Melayu, Tenggarong" in chat.question
        await chat.press("Ya")
    else:
        await chat.press("Posyandu Mawar — Melayu")
    await chat.press("Ketua")
    await chat.press("Kirim")
    _, cadre, posyandu = await cadre_of(kaderbot, "budi")
    assert posyandu.code == "PY-6402-0003" and cadre.position == "ketua"


async def test_unknown_posyandu_name_is_refused_with_the_reason(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("Budi Santoso")
    await chat.say("081234567890")
    await chat.say("zzqx wkwk")
    assert 'Posyandu "zzqx wkwk" tidak ditemukan' in chat.text
    assert "kabupaten/kota" in chat.question  # same question, region buttons still there
    assert "Kutai Kartanegara" in chat.labels


async def test_back_walks_up_the_region_tree(chat: Chat) -> None:
    await onboard(chat)
    await chat.say("Budi Santoso")
    await chat.say("081234567890")
    await chat.press("Bulungan")
    await chat.press("Tanjung Selor")
    await chat.press("Kembali")
    assert "Bulungan: pilih kecamatan" in chat.question
    await chat.press("Kembali")
    assert "kabupaten/kota" in chat.question
    await chat.press("Kembali")
    assert "nomor HP" in chat.question


async def test_summary_edit_changes_one_answer(chat: Chat, kaderbot: KaderBot) -> None:
    await onboard(chat)
    await chat.say("Budi Santosa")
    await chat.say("081234567890")
    await chat.press("Balikpapan")
    await chat.press("Balikpapan Selatan")
    await chat.press(chat.labels[0])
    await chat.press(chat.labels[0])
    await chat.press("Sekretaris")
    await chat.press("Ubah")
    await chat.press("Nama")
    await chat.say("Budi Santoso")
    assert "Nama: Budi Santoso" in chat.question and "Jabatan: Sekretaris" in chat.question
    await chat.press("Kirim")
    person, cadre, _ = await cadre_of(kaderbot, "budi")
    assert person.full_name == "Budi Santoso" and cadre.position == "sekretaris"


async def test_a_verified_cadre_is_not_registered_twice(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/daftar")
    assert "sudah terdaftar dan terverifikasi" in sari.text
