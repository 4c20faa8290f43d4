"""The cadre's follow-up list (issue #17 point 4), through the core: children weighed over three
months — one 2T, one sangat pendek, one not weighed for two months, one growing well, one never
weighed — and exactly the first three listed after the weighing day and in /balita, each with its
reasons and next step; an action recorded with a note (kept as typed, as data), shown in the child's
detail and marking the child "sudah ditindaklanjuti" for the rest of the month only; another
Posyandu's cadre and a resident reach none of it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot.app import KaderBot
from handlers.growth.followup import reasons_for, steps_for
from storage.models import Cadre, ChannelIdentity
from storage.models_growth import Child
from storage.models_growth_followup import ChildFollowUp
from tests.chat import Chat, Clock
from tests.conftest import WITA
from tests.test_posyandu_import import send_document

SEPTEMBER = dt.datetime(2026, 9, 15, 9, 0, tzinfo=WITA).astimezone(dt.UTC)
OCTOBER = dt.datetime(2026, 10, 15, 9, 0, tzinfo=WITA).astimezone(dt.UTC)
NOVEMBER = dt.datetime(2026, 11, 20, 9, 0, tzinfo=WITA).astimezone(dt.UTC)
# 07:00 on 1 December in WITA: still 30 November in UTC. The month is the local one.
DECEMBER = dt.datetime(2026, 12, 1, 7, 0, tzinfo=WITA).astimezone(dt.UTC)

REGISTER = """Nama anak,Jenis kelamin,Tanggal lahir,Nama ibu,Buku KIA
Ani Lestari,P,10-05-2024,Ibu Ani,ya
Budi Santoso,L,10-05-2024,Ibu Budi,ya
Citra Dewi,P,10-05-2024,Ibu Citra,ya
Dewi Anggraini,P,10-05-2024,Ibu Dewi,ya
Eka Putri,P,10-05-2024,Ibu Eka,ya
"""
# Weight, height per month (28-30 months old, standing). KBM at that age: 200 g a month.
WEIGHINGS = {
    SEPTEMBER: [
        "Ani Lestari 11 86",
        "Budi Santoso 10,3 78,5",
        "Citra Dewi 11,2 87",
        "Dewi Anggraini 11,5 88",
    ],
    OCTOBER: ["Ani Lestari 11,1 86,5", "Budi Santoso 10,6 79", "Dewi Anggraini 11,8 88,5"],  # Ani: T
    NOVEMBER: ["Ani Lestari 11,1 87", "Budi Santoso 10,9 79,5", "Dewi Anggraini 12,1 89"],  # Ani: T again
}


async def weighing_day(chat: Chat, lines: list[str]) -> None:
    await chat.say("/timbang")
    await chat.say("\n".join(lines))
    assert chat.text.count("✅") == len(lines), chat.text
    await chat.press("Selesai")


def listed(chat: Chat) -> dict[str, str]:
    """The children on the follow-up list shown: name → what the row says (label and description)."""
    out = {}
    for option in chat.choice.options:
        if ": " in option.label:
            name = option.label.removeprefix("✔ ").split(": ")[0]
            out[name] = f"{option.label} {option.description or ''}".strip()
    return out


async def followups(kaderbot: KaderBot) -> list[tuple[str, ChildFollowUp]]:
    async with kaderbot.db.sessions() as session:
        rows = await session.execute(
            select(Child.full_name, ChildFollowUp).join(Child).order_by(ChildFollowUp.id)
        )
        return [(name, f) for name, f in rows]


async def three_months(kaderbot: KaderBot, clock: Clock, sari: Chat) -> None:
    clock.now = SEPTEMBER
    await sari.say("/balita")
    await sari.press("Impor daftar")
    await send_document(kaderbot, sari, REGISTER.encode(), "balita.csv")
    assert "5 anak disimpan" in sari.text
    for when, lines in WEIGHINGS.items():
        clock.now = when
        await weighing_day(sari, lines)


async def test_after_the_weighing_day_exactly_the_children_to_follow_up(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sari = Chat(kaderbot.core, "sari")
    await three_months(kaderbot, clock, sari)
    # The November weighing day ends on the follow-up list.
    assert "Penimbangan selesai: 3 dari 5 anak" in sari.text
    assert "Perlu tindak lanjut, November 2026: 3 anak (0 sudah ditindaklanjuti" in sari.text
    rows = listed(sari)
    # Not Dewi (growing well), not Eka (never weighed); referrals first, then home visits.
    assert list(rows) == ["Ani Lestari", "Budi Santoso", "Citra Dewi"]
    assert rows["Ani Lestari"] == "Ani Lestari: 2T → rujuk ke Puskesmas"
    assert rows["Budi Santoso"] == "Budi Santoso: sangat pendek → rujuk ke Puskesmas"
    assert rows["Citra Dewi"] == "Citra Dewi: tidak ditimbang ≥2 bulan → kunjungan rumah"

    # The same list from /balita.
    await sari.say("/balita")
    await sari.press("Perlu tindak lanjut")
    assert listed(sari) == rows

    # One child's detail: last measurement, reasons in plain words, next step, the action buttons.
    await sari.press("Budi Santoso")
    card = sari.question
    assert "Penimbangan terakhir 20-11-2026: 10,9 kg, 79,5 cm." in card
    assert "PB/U atau TB/U: sangat pendek (" in card
    assert "Sangat pendek untuk umurnya" in card and "• Rujuk ke Puskesmas." in card
    assert "Tindakan tercatat" not in card
    assert sari.labels == ["Dirujuk ke Puskesmas", "Kunjungan rumah", "Sudah membaik", "Kembali ke daftar"]
    await sari.press("Kembali ke daftar")
    await sari.press("Citra Dewi")
    assert "Tidak ditimbang selama 2 bulan." in sari.question
    assert "Penimbangan terakhir 15-09-2026" in sari.question  # what was last known is still shown
    assert "Kunjungan rumah: temui ibunya" in sari.question


async def test_recording_what_was_done(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    await three_months(kaderbot, clock, sari)
    await sari.press("Ani Lestari")
    assert "Berat badan tidak naik dua kali penimbangan berturut-turut (2T)." in sari.question
    await sari.press("Dirujuk ke Puskesmas")
    assert "catatan singkat" in sari.question
    await sari.say("x" * 201)  # too long: said why, asked again, nothing stored
    assert "terlalu panjang" in sari.text and "catatan singkat" in sari.question
    assert await followups(kaderbot) == []
    note = "Sudah ke bidan <b>Rina</b> *besok* kontrol"
    await sari.say(note)
    assert "✅ Tercatat: Dirujuk ke Puskesmas untuk Ani Lestari." in sari.text
    assert "3 anak (1 sudah ditindaklanjuti" in sari.text
    assert listed(sari)["Ani Lestari"] == "✔ Ani Lestari: 2T sudah ditindaklanjuti"
    # Not yet followed up first.
    assert list(listed(sari)) == ["Budi Santoso", "Citra Dewi", "Ani Lestari"]
    [(name, row)] = await followups(kaderbot)
    async with kaderbot.db.sessions() as session:
        sari_id = (
            await session.execute(select(ChannelIdentity.person_id).where(ChannelIdentity.address == "sari"))
        ).scalar_one()
    assert (name, row.action, row.reasons, row.note, row.recorded_by) == (
        "Ani Lestari",
        "referred",
        ["2t"],
        note,  # kept as typed: data, never markup
        sari_id,
    )
    assert row.recorded_at == NOVEMBER

    # In the child's detail, with the note; a second action without a note.
    await sari.press("Ani Lestari")
    assert "✔ Sudah ditindaklanjuti bulan ini." in sari.question
    assert f"20-11-2026: Dirujuk ke Puskesmas — catatan: {note}" in sari.question
    await sari.press("Kunjungan rumah")
    await sari.press("Lewati")
    assert [(f.action, f.note) for _, f in await followups(kaderbot)] == [
        ("referred", note),
        ("visited", None),
    ]
    # The child's card in /balita says what was done last.
    await sari.say("/balita")
    await sari.press("Lihat daftar")
    await sari.press("Ani Lestari")
    assert "Tindak lanjut terakhir: Kunjungan rumah (20-11-2026)." in sari.question

    # A new month (local time): the child is to be followed up again; what was done stays on record.
    clock.now = DECEMBER
    await sari.say("/tindaklanjut")
    assert "Desember 2026: 3 anak (0 sudah ditindaklanjuti" in sari.text
    assert listed(sari)["Ani Lestari"] == "Ani Lestari: 2T → rujuk ke Puskesmas"
    await sari.press("Ani Lestari")
    assert "Sudah ditindaklanjuti bulan ini" not in sari.question
    assert "Tindakan tercatat:" in sari.question  # the history stays


async def test_another_posyandu_and_a_resident_reach_nothing(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    await three_months(kaderbot, clock, sari)
    async with kaderbot.db.sessions() as session:
        ani_id = (
            await session.execute(select(Child.id).where(Child.full_name == "Ani Lestari"))
        ).scalar_one()

    nurhayati = Chat(kaderbot.core, "nurhayati")  # a cadre of another Posyandu
    await nurhayati.say("/tindaklanjut")
    assert "tidak ada anak yang perlu tindak lanjut" in nurhayati.text
    assert "Ani" not in nurhayati.text and listed(nurhayati) == {}
    # A forged button for Sari's child on Nurhayati's screen is refused by the core as not offered.
    await nurhayati.press_payload(f"{nurhayati.choice.turn}.c{ani_id}")
    assert "sudah tidak berlaku" in nurhayati.text and "Ani" not in nurhayati.text

    # The flow itself reads a child by (Posyandu, id): Sari has Ani's detail open when Ani moves to
    # Nurhayati's Posyandu; Sari's button then records nothing, and Ani is on Nurhayati's list now.
    await sari.say("/tindaklanjut")
    await sari.press("Ani Lestari")
    async with kaderbot.db.sessions() as session:
        other = (
            await session.execute(
                select(Cadre.posyandu_id)
                .join(ChannelIdentity, ChannelIdentity.person_id == Cadre.person_id)
                .where(ChannelIdentity.address == "nurhayati")
            )
        ).scalar_one()
        ani = await session.get(Child, ani_id)
        assert ani is not None and ani.posyandu_id != other
        ani.posyandu_id = other
        await session.commit()
    await sari.press("Dirujuk ke Puskesmas")
    assert "tidak ada di daftar tindak lanjut" in sari.text and "Ani" not in sari.text
    assert "Ani Lestari" not in listed(sari)
    assert await followups(kaderbot) == []
    await nurhayati.say("/tindaklanjut")
    assert list(listed(nurhayati)) == ["Ani Lestari"]

    joko = Chat(kaderbot.core, "joko")  # a resident
    await joko.say("/tindaklanjut")
    assert "bukan untuk peran Bapak/Ibu" in joko.text and "Ani" not in joko.text
    await joko.say("/balita")
    assert "Ani" not in joko.text
    assert await followups(kaderbot) == []


def _m(day: dt.date, *, gain: str = "N", **classes: str) -> SimpleNamespace:
    return SimpleNamespace(
        measured_on=day, waz=None, haz=None, whz=None, bmiz=None, classes=classes, gain=gain
    )


@pytest.mark.parametrize(
    ("history", "codes", "steps"),
    [
        ([], (), ()),
        ([_m(dt.date(2026, 11, 3), waz="bb_normal", haz="tb_normal", whz="gizi_baik")], (), ()),
        (
            [_m(dt.date(2026, 11, 3), whz="gizi_buruk", waz="bb_sangat_kurang")],
            ("bb_sangat_kurang", "gizi_buruk"),
            ("refer",),
        ),
        (
            [_m(dt.date(2026, 11, 3), haz="pendek", whz="gizi_kurang")],
            ("pendek", "gizi_kurang"),
            ("counsel",),
        ),
        ([_m(dt.date(2026, 11, 3), bmiz="gizi_kurang")], ("gizi_kurang",), ("counsel",)),  # no BB/TB: IMT/U
        (
            [_m(dt.date(2026, 10, 3), gain="T"), _m(dt.date(2026, 11, 3), gain="T", haz="pendek")],
            ("2t", "pendek"),
            ("refer",),
        ),
        ([_m(dt.date(2026, 9, 30), gain="T"), _m(dt.date(2026, 10, 1), gain="N")], (), ()),
        ([_m(dt.date(2026, 10, 3))], (), ()),  # one month missed: not yet
        ([_m(dt.date(2026, 9, 3), haz="pendek")], ("pendek", "tidak_ditimbang_2bln"), ("visit", "counsel")),
        # A measurement after the month is not looked at: as of November, last weighed in September.
        (
            [_m(dt.date(2026, 9, 3)), _m(dt.date(2026, 12, 3), whz="gizi_buruk")],
            ("tidak_ditimbang_2bln",),
            ("visit",),
        ),
    ],
)
def test_reasons_and_next_steps(
    history: list[SimpleNamespace], codes: tuple[str, ...], steps: tuple[str, ...]
) -> None:
    reasons = reasons_for(history, dt.date(2026, 11, 20))  # type: ignore[arg-type]
    assert tuple(r.code for r in reasons) == codes
    assert steps_for(reasons) == steps


async def test_a_note_naming_a_person_who_erases_their_data_is_masked(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sari = Chat(kaderbot.core, "sari")
    await three_months(kaderbot, clock, sari)
    await sari.press("Citra Dewi")
    await sari.press("Kunjungan rumah")
    await sari.say("Dikunjungi bersama Nurhayati Lestari, ibu sedang ke kebun")
    nurhayati = Chat(kaderbot.core, "nurhayati")
    await nurhayati.say("/hapusdata")
    await nurhayati.press("Ya, hapus")
    await nurhayati.say("HAPUS")
    assert "sudah dihapus" in nurhayati.text
    [(name, row)] = await followups(kaderbot)
    assert name == "Citra Dewi" and row.action == "visited" and row.recorded_by is not None
    assert row.note is not None and "Nurhayati" not in row.note and "ibu sedang ke kebun" in row.note
