"""The child register (issue #17, point 1): /balita → add a child in one short form, the list (paged by
the channel, searchable by name), moving to another Posyandu, leaving with a reason, ageing out at 60
months, and a list imported from a file in chat (all rows or none). A cadre only ever sees their
own Posyandu's children; the mother's NIK is never kept in clear."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select

from bot.app import KaderBot
from storage.models import Base
from storage.models_growth import Child
from tests.chat import Chat

NIK = "6402011203900001"


async def register(kaderbot: KaderBot) -> list[Child]:
    async with kaderbot.db.sessions() as session:
        return list((await session.execute(select(Child).order_by(Child.id))).scalars())


async def add_child(
    chat: Chat,
    name: str,
    *,
    sex: str = "Perempuan",
    born: str = "3 Mei 2025",
    mother: str = "Rina Marlina",
    phone: str | None = None,
    nik: str | None = None,
    kia: str = "Ya",
) -> None:
    await chat.say("/balita")
    await chat.press("Tambah anak")
    await chat.say(name)
    await chat.press(sex)
    await chat.say(born)
    await chat.say(mother)
    if phone:
        await chat.say(phone)
    else:
        await chat.press("Lewati")
    if nik:
        await chat.say(nik)
    else:
        await chat.press("Lewati")
    await chat.press(kia)
    await chat.press("Kirim")


async def test_a_cadre_adds_a_child_in_one_short_form(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/balita")
    assert "0 anak aktif" in sari.text
    await sari.press("Tambah anak")
    assert "pelayanan publik" in sari.text  # the notice the cadre passes on to the mother
    await sari.say("aisyah putri")
    await sari.press("Perempuan")
    await sari.say("3 Mei")  # no year: refused with the reason, asked again
    assert "tahunnya" in sari.text
    await sari.say("3 Mei 2025")
    await sari.say("Rina Marlina")
    await sari.say("0812-3456-7001")
    await sari.say("1234")
    assert "16 angka" in sari.text
    await sari.say("6402 0112 0390 0001")
    await sari.press("Ya")
    assert "************0001" in sari.question  # the summary shows the NIK masked
    await sari.press("Kirim")
    assert "Aisyah Putri sudah masuk daftar balita" in sari.text
    [child] = await register(kaderbot)
    assert child.full_name == "Aisyah Putri" and child.sex == "f"
    assert child.birth_date == dt.date(2025, 5, 3)
    assert child.mother_phone == "+6281234567001" and child.has_kia is True
    assert child.mother_nik_masked == "************0001"
    assert child.status == "active"
    for typed in ("6402011203900001", "6402 0112 0390 0001"):  # not even in the form's state
        assert await stored_anywhere(kaderbot, typed) == []


async def stored_anywhere(kaderbot: KaderBot, digits: str) -> list[str]:
    """Every table and column whose stored text holds `digits`."""
    found = []
    async with kaderbot.db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    if value is not None and digits in json.dumps(value, default=str):
                        found.append(f"{table.name}.{column}")
    return found


async def test_dates_of_birth_as_cadres_type_them(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    for typed in ("03-05-2024", "17/8/23"):
        await add_child(sari, f"Anak {typed[:2]}", born=typed)
    assert [c.birth_date for c in await register(kaderbot)] == [dt.date(2024, 5, 3), dt.date(2023, 8, 17)]
    await sari.say("/balita")
    await sari.press("Tambah anak")
    await sari.say("Budi")
    await sari.press("Laki-laki")
    await sari.say("1 Januari 2027")  # the future (today is 20 November 2026)
    assert "setelah hari ini" in sari.text
    await sari.say("1 Januari 2021")  # older than 60 months
    assert "bukan balita lagi" in sari.text


async def test_list_search_move_and_leave(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    for name in ("Aisyah Putri", "Aisyah Rahma", "Budi Santoso", "Citra Lestari"):
        await add_child(sari, name)
    await sari.say("/balita")
    await sari.press("Lihat daftar")
    assert "4 anak" in sari.text
    assert [label.split(" (")[0] for label in sari.labels[:4]] == [
        "Aisyah Putri", "Aisyah Rahma", "Budi Santoso", "Citra Lestari",
    ]  # fmt: skip
    await sari.say("aisyah")
    assert "2 anak" in sari.text and len(sari.labels) == 3  # two children and 'Kembali'
    await sari.press("Aisyah Rahma")
    assert "Aisyah Rahma" in sari.text and "Buku KIA: Ya" in sari.text
    await sari.press("Keluar dari daftar")
    await sari.press("Pindah ke luar wilayah")
    assert "dikeluarkan dari daftar" in sari.text
    await sari.press("Budi Santoso")
    await sari.press("Pindah Posyandu")
    target = sari.labels[0]
    await sari.press(target)
    assert f"sekarang terdaftar di {target}" in sari.text
    statuses = {c.full_name: (c.status, c.left_reason, c.posyandu_id) for c in await register(kaderbot)}
    assert statuses["Aisyah Rahma"][:2] == ("moved", "moved_away")
    assert statuses["Budi Santoso"][2] != statuses["Aisyah Putri"][2]
    await sari.say("/balita")
    assert "2 anak aktif" in sari.text


async def test_a_child_ages_out_at_60_months_when_the_list_is_shown(
    kaderbot: KaderBot, clock: object
) -> None:
    sari = Chat(kaderbot.core, "sari")
    await add_child(sari, "Dimas Saputra", born="21 November 2021")  # 59 months old today
    await add_child(sari, "Eka Putri", born="1 Januari 2024")
    kaderbot_clock = clock
    kaderbot_clock.advance(days=2)  # type: ignore[attr-defined]
    await sari.say("/balita")
    assert "1 anak aktif" in sari.text
    found = {c.full_name: (c.status, c.left_reason) for c in await register(kaderbot)}
    assert found == {"Dimas Saputra": ("aged_out", "age_60_months"), "Eka Putri": ("active", None)}


async def test_a_cadre_of_another_posyandu_sees_nothing(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    await add_child(sari, "Aisyah Putri")
    [child] = await register(kaderbot)
    nurhayati = Chat(kaderbot.core, "nurhayati")  # a cadre of another Posyandu
    await nurhayati.say("/balita")
    assert "0 anak aktif" in nurhayati.text
    await nurhayati.press("Lihat daftar")
    assert "Aisyah" not in nurhayati.text
    await nurhayati.say("Aisyah")  # searching by name finds nothing either
    assert "Tidak ada anak bernama" in nurhayati.text
    # A forged button for Sari's child is refused (not an option on screen): nothing shown.
    await nurhayati.press_payload(f"{nurhayati.choice.turn}.c{child.id}")
    assert "Aisyah Putri" not in nurhayati.text and "Rina" not in nurhayati.text
    joko = Chat(kaderbot.core, "joko")  # a resident
    await joko.say("/balita")
    assert "Aisyah" not in joko.text and "0 anak" not in joko.text


CSV_HEADER = "Nama anak,Jenis kelamin,Tanggal lahir,Nama ibu,No HP ibu,NIK ibu,Buku KIA\n"


async def test_a_list_sent_in_chat_is_imported_all_or_nothing(kaderbot: KaderBot) -> None:
    from tests.test_posyandu_import import send_document

    sari = Chat(kaderbot.core, "sari")
    await add_child(sari, "Aisyah Putri", born="3 Mei 2025", kia="Tidak")
    await sari.say("/balita")
    await sari.press("Impor daftar")
    bad = (
        CSV_HEADER
        + "Aisyah Putri,P,03-05-2025,Rina Marlina,,,ya\n"  # already on the register: updated
        + "Bagas Pratama,X,2024-01-10,Sri Wahyuni,081234567002,,tidak\n"  # row 3: sex unknown
        + "Cici Amelia,P,10 Februari 2024,Dewi Sartika,,12345,ya\n"  # row 4: NIK not 16 digits
        + "Doni Saputra,L,1 Januari 2019,Ani,,,ya\n"  # row 5: older than 60 months
    )
    await send_document(kaderbot, sari, bad.encode(), "balita.csv")
    assert (
        "baris 3" in sari.text.casefold()
        and "baris 4" in sari.text.casefold()
        and "baris 5" in sari.text.casefold()
    )
    assert "Tidak ada yang disimpan" in sari.text
    assert len(await register(kaderbot)) == 1  # nothing stored from a file with bad rows
    good = (
        CSV_HEADER
        + "Aisyah Putri,P,03-05-2025,Rina Marlina,,,ya\n"
        + "Bagas Pratama,L,2024-01-10,Sri Wahyuni,081234567002,,tidak\n"
        + f"Cici Amelia,P,10 Februari 2024,Dewi Sartika,,{NIK},ya\n"
    )
    await send_document(kaderbot, sari, good.encode(), "balita.csv")
    assert "3 anak disimpan" in sari.text
    found = {c.full_name: c for c in await register(kaderbot)}
    assert sorted(found) == ["Aisyah Putri", "Bagas Pratama", "Cici Amelia"]
    assert found["Aisyah Putri"].has_kia is True  # the same child, updated
    assert found["Bagas Pratama"].sex == "m" and found["Bagas Pratama"].mother_phone == "+6281234567002"
    assert found["Cici Amelia"].mother_nik_masked == "************0001"
    assert found["Cici Amelia"].birth_date == dt.date(2024, 2, 10)
