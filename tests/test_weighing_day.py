"""Weighing day (issue #17, points 2 and 5): 60 children through the core — most typed as one line
each in a single pasted message, some picked from the list — over two months, with N/T from the
KMS rule, doubtful values questioned, unknown or ambiguous names handled, and the monthly report's
SKDN pre-filled from the register and equal to a count by hand. A cadre of another Posyandu sees
and reaches none of these children."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.app import KaderBot
from storage.models import MonthlyReport
from storage.models_growth import Child, ChildMeasurement
from tests.chat import Chat, Clock
from tests.conftest import WITA
from tests.test_posyandu_import import send_document

FIRST = ["Aisyah", "Bagas", "Citra", "Dimas", "Eka", "Fajar", "Gita", "Hana", "Indra", "Joko", "Kirana",
         "Lutfi", "Maya", "Nanda", "Oki", "Putri", "Qori", "Rizky", "Sinta", "Teguh", "Umi", "Vino",
         "Wulan", "Yoga", "Zahra", "Arif", "Bunga", "Cahya", "Dewi", "Elang"]  # fmt: skip
LAST = ["Pratama", "Lestari"]
NAMES = [f"{first} {last}" for last in LAST for first in FIRST]  # each first name twice
OCTOBER = dt.datetime(2026, 10, 15, 9, 0, tzinfo=WITA).astimezone(dt.UTC)
NOVEMBER = dt.datetime(2026, 11, 20, 9, 0, tzinfo=WITA).astimezone(dt.UTC)


def months_old(i: int) -> int:
    return 12 + i * 46 // 59  # 12 to 58 months in October


def birth(i: int) -> dt.date:
    m = months_old(i)
    year, month = divmod(2026 * 12 + 9 - m, 12)
    return dt.date(year, month + 1, 10)


def october(i: int) -> tuple[float, float]:
    """A weight and height near the WHO median for the age (no implausibility flags)."""
    m = months_old(i)
    return round(9.5 + (m - 12) * 0.19, 1), round(75 + (m - 12) * 0.72, 1)


def comma(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def has_kia(i: int) -> bool:
    return i % 3 != 0


async def measurements(kaderbot: KaderBot) -> dict[tuple[str, dt.date], ChildMeasurement]:
    async with kaderbot.db.sessions() as session:
        rows = await session.execute(select(Child.full_name, ChildMeasurement).join(Child))
        return {(name, m.measured_on): m for name, m in rows}


async def register_sixty(kaderbot: KaderBot, sari: Chat) -> None:
    lines = ["Nama anak,Jenis kelamin,Tanggal lahir,Nama ibu,Buku KIA"]
    for i, name in enumerate(NAMES):
        sex = "L" if i % 2 else "P"
        kia = "ya" if has_kia(i) else "tidak"
        lines.append(f"{name},{sex},{birth(i).strftime('%d-%m-%Y')},Ibu {name.split()[0]},{kia}")
    await sari.say("/balita")
    await sari.press("Impor daftar")
    await send_document(kaderbot, sari, "\n".join(lines).encode(), "balita.csv")
    assert "60 anak disimpan" in sari.text


async def pick_and_weigh(sari: Chat, name: str, weight: float, height: float) -> None:
    await sari.press(name)
    assert "berat badan" in sari.question
    await sari.say(comma(weight))
    assert "diukur berdiri" in sari.question  # all are 24 months or older: standing by default
    await sari.say(comma(height))
    await sari.press("Lewati")  # no LiLA or head circumference


async def test_sixty_children_over_two_months_and_the_skdn_prefill(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    clock.now = OCTOBER
    await register_sixty(kaderbot, sari)

    # October: 50 children typed as one pasted message, answered in one reply; 10 picked.
    await sari.say("/timbang")
    assert "0/60" in sari.text
    pasted = "\n".join(f"{NAMES[i]} {comma(october(i)[0])} {comma(october(i)[1])}" for i in range(50))
    outcome = await sari.say(pasted)
    assert len(outcome.replies) == 1 and sari.text.count("✅") == 50
    assert "50/60" in sari.text
    assert NAMES[0] not in sari.labels and any(NAMES[55] in label for label in sari.labels)
    for i in range(50, 60):
        await pick_and_weigh(sari, NAMES[i], *october(i))
        assert f"✅ {NAMES[i]}" in sari.text
    await sari.press("Selesai")
    assert "60 dari 60 anak" in sari.text
    found = await measurements(kaderbot)
    assert len(found) == 60
    assert {m.gain for m in found.values()} == {"B"}  # first weighing
    first = found[(NAMES[0], dt.date(2026, 10, 15))]
    assert first.weight_kg == 9.5 and first.height_cm == 75.0 and first.lying is True  # 12 months: lying
    assert found[(NAMES[40], dt.date(2026, 10, 15))].lying is False  # 43 months: standing
    assert all(m.waz is not None and m.haz is not None for m in found.values())
    assert all(m.classes["waz"] == "bb_normal" for m in found.values())

    # November: +0.3 kg for 0-19 (N at KBM 200 g), +0.1 kg for 20-39 (T), 40-49 not weighed.
    clock.now = NOVEMBER
    nov = dt.date(2026, 11, 20)
    lines = [f"{NAMES[i]} {comma(october(i)[0] + 0.3)} {comma(october(i)[1] + 1)}" for i in range(20)]
    lines += [f"{NAMES[i]} {comma(october(i)[0] + 0.1)} {comma(october(i)[1] + 1)}" for i in range(20, 40)]
    jump = f"{NAMES[56]} {comma(october(56)[0] + 3)} {comma(october(56)[1] + 1)}"  # +3 kg in a month
    ambiguous = f"{NAMES[57].split()[0]} {comma(october(57)[0] + 0.3)} {comma(october(57)[1] + 1)}"
    typo = f"{NAMES[58]} {comma(october(58)[0] * 10)} {comma(october(58)[1])}"  # 150 kg: a slipped comma
    misspelt = f"Elng Lestari {comma(october(59)[0] + 0.3)} {comma(october(59)[1] + 1)}"
    unknown = "Zulaikha 9,1 75"
    await sari.say("/timbang")
    outcome = await sari.say("\n".join([*lines, jump, ambiguous, typo, misspelt, unknown]))
    assert len(outcome.replies) == 1
    reply = sari.text
    assert reply.count("✅") == 41  # 40 lines and the misspelt name
    assert reply.count("— naik (N)") == 21  # 20 lines and the misspelt name
    assert reply.count("tidak naik (T)") == 20
    assert f'❌ "{typo}"' in reply and "antara 1 dan 40 kg" in reply
    assert f'❌ "{unknown}"' in reply and "tidak ada anak bernama" in reply
    assert f'⚠️ "{jump}"' in reply and f'❓ "{ambiguous}"' in reply
    # Asked one at a time: the weight jump first (kept), then which child the ambiguous line means.
    assert "berubah terlalu banyak" in sari.question
    await sari.press("Ya, simpan")
    assert f"✅ {NAMES[56]}" in sari.text
    assert "anak yang mana" in sari.question
    assert len(sari.labels) == 3  # the two children of that first name, and 'Lewati'
    await sari.press(NAMES[57])
    assert f"✅ {NAMES[57]}" in sari.text
    for i in range(50, 56):
        await pick_and_weigh(sari, NAMES[i], october(i)[0] + 0.4, october(i)[1] + 1)
    await sari.press("Selesai")

    found = await measurements(kaderbot)
    gains = {name: found[(name, nov)].gain for name in NAMES if (name, nov) in found}
    assert NAMES[58] not in gains  # refused, not stored
    assert all(NAMES[i] not in gains for i in range(40, 50))
    expected_n = [NAMES[i] for i in [*range(20), *range(50, 58), 59]]
    assert sorted(n for n, g in gains.items() if g == "N") == sorted(expected_n)
    assert sorted(n for n, g in gains.items() if g == "T") == sorted(NAMES[20:40])

    # SKDN by hand: S all 60 on the register, K those with a Buku KIA, D weighed in November, N gained.
    s, k, d, n = 60, sum(has_kia(i) for i in range(60)), 49, 29
    assert (len(gains), len(expected_n)) == (d, n)
    await sari.say("/lapor")
    await sari.press("November 2026")
    await sari.press("tempat biasa")
    await sari.say("12")
    assert f"S {s}, K {k}, D {d}, N {n}" in sari.question
    await sari.press("Ya, pakai")
    for value in ("6", str(d), "4", "10", "12", "2", "9", "0"):  # visits, referrals, immunisations, vitamin A
        await sari.say(value)
    await sari.press("Lewati")  # notes
    await sari.press("Lewati")  # photos
    assert "dari daftar balita" in sari.question  # the summary says where SKDN came from
    await sari.press("Kirim")
    async with kaderbot.db.sessions() as session:
        report = (await session.execute(select(MonthlyReport))).scalar_one()
    assert (report.s, report.k, report.d, report.n, report.skdn_source) == (s, k, d, n, "register")


async def test_typed_skdn_is_marked_as_typed(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    await register_sixty(kaderbot, sari)
    await sari.say("/lapor")
    await sari.press("November 2026")
    await sari.press("tempat biasa")
    await sari.say("12")
    assert "S 60" in sari.question and "D 0, N 0" in sari.question
    await sari.press("Ketik sendiri")
    for value in ("60", "40", "30", "20", "6", "30", "4", "10", "12", "2", "9", "0"):
        await sari.say(value)
    await sari.press("Lewati")
    await sari.press("Lewati")
    assert "diketik kader" in sari.question
    await sari.press("Kirim")
    async with kaderbot.db.sessions() as session:
        report = (await session.execute(select(MonthlyReport))).scalar_one()
    assert (report.s, report.d, report.skdn_source) == (60, 30, "typed")


async def test_a_cadre_of_another_posyandu_sees_and_reaches_nothing(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")
    await register_sixty(kaderbot, sari)
    nurhayati = Chat(kaderbot.core, "nurhayati")  # a cadre of Posyandu PY-6402-0006
    await nurhayati.say("/timbang")
    assert "Belum ada anak" in nurhayati.text and "Aisyah" not in nurhayati.text
    await nurhayati.say("/balita")
    await nurhayati.press("Lihat daftar")
    assert not any("Aisyah" in label for label in nurhayati.labels)
    assert await measurements(kaderbot) == {}
    joko = Chat(kaderbot.core, "joko")  # a resident
    await joko.say("/timbang")
    assert "Aisyah" not in joko.text
    await joko.say("Aisyah Pratama 9,5 75")
    assert await measurements(kaderbot) == {}


async def test_one_line_at_a_time_search_and_corrections(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    clock.now = OCTOBER
    await register_sixty(kaderbot, sari)
    await sari.say("/timbang")
    # One line with LiLA and head circumference, the way of measuring said on the line.
    await sari.say(f"{NAMES[0]} 9,5 75 baring 14,2 46")
    assert f"✅ {NAMES[0]}: 9,5 kg, 75 cm" in sari.text
    # A name alone searches; the child is then picked and measured step by step.
    await sari.say("kirana")
    assert [label.split(" (")[0] for label in sari.labels[:2]] == ["Kirana Lestari", "Kirana Pratama"]
    await sari.press("Kirana Lestari")
    await sari.say("12.5")  # a dot works as well as a comma
    await sari.press("Diukur berbaring")  # against the default for the age: changed before typing
    assert "diukur berbaring" in sari.question
    await sari.say("88")
    await sari.say("15 48")
    assert "✅ Kirana Lestari: 12,5 kg, 88 cm" in sari.text
    # A doubtful line, then the same child typed again with the right numbers: the question is dropped.
    await sari.say(f"{NAMES[1]} 40 75")
    assert "Apakah angkanya benar" in sari.question
    await sari.say("9,6 75,5")  # the corrected numbers for the child asked about
    assert f"✅ {NAMES[1]}: 9,6 kg, 75,5 cm" in sari.text
    found = await measurements(kaderbot)
    day = dt.date(2026, 10, 15)
    first = found[(NAMES[0], day)]
    assert (first.muac_cm, first.head_cm, first.lying) == (14.2, 46.0, True)
    kirana = found[("Kirana Lestari", day)]
    assert (kirana.weight_kg, kirana.height_cm, kirana.lying, kirana.muac_cm, kirana.head_cm) == (
        12.5,
        88.0,
        True,
        15.0,
        48.0,
    )
    assert found[(NAMES[1], day)].weight_kg == 9.6
    # The same child again the same month: a correction, not a second weighing.
    await sari.say(f"{NAMES[0]} 9,4 75")
    found = await measurements(kaderbot)
    assert found[(NAMES[0], day)].weight_kg == 9.4 and len(found) == 3
