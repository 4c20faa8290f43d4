"""Coordinators' growth recap and the e-PPGBM sheet (issue #17, point 7), and the children import
template. A month is seeded through the chat as cadres do it: two Posyandu of Tenggarong import
their children and weigh them in /timbang with values chosen to cover every class (moderate and
severe, and a child weighed without a length: no TB/U or BB/TB). The coordinator's figures must
equal a count by hand over the stored measurements; another region's coordinator and a cadre see
nothing of it."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import KaderBot
from handlers.growth import children_import, prevalence, prevalence_chart
from handlers.i18n import Catalogues
from handlers.programs.library import DEFAULT_LOCALES
from handlers.sheets import read_table
from handlers.types import File
from storage.models import Posyandu, Region
from storage.models_growth import Child, ChildMeasurement
from storage.models_outbox import AuditLog
from tests.chat import Chat, Clock
from tests.conftest import WITA
from tests.outbox_support import make_coordinator
from tests.test_coordinator_rbac import revoke
from tests.test_export import kaderbot_cli
from tests.test_posyandu_import import send_document

ROLE_REFUSAL = "Maaf, fitur ini bukan untuk peran Bapak/Ibu."
SCOPE_REFUSAL = "Maaf, itu di luar wilayah tugas Bapak/Ibu."
STALE = "Tombol itu sudah tidak berlaku"
BORN = "10-08-2024"  # 27 months on 20 November 2026: measured standing
NIK = "6402010101010001"
# (weight kg, height cm or None): normal; stunted; stunted; wasted and underweight; all three
# severe (boys); underweight and wasted; weighed without a length; all three.
VALUES = [(12.5, 88), (12.0, 80), (11.0, 76), (9.6, 86), (8.0, 80), (9.0, 88), (10.5, None), (7.6, 77)]
BOYS = ["Arif Hidayat", "Bagus Santoso", "Candra Wijaya", "Dedi Kurniawan", "Eko Prasetyo",
        "Fikri Ramadhan", "Galih Saputra", "Hendra Gunawan", "Irfan Maulana", "Joni Iskandar"]  # fmt: skip
GIRLS = ["Ayu Lestari", "Bunga Citra", "Cahaya Putri", "Dinda Maharani", "Elsa Fitriani",
         "Fitri Handini", "Gita Savitri", "Hana Pertiwi", "Indah Permata"]  # fmt: skip
OCTOBER = dt.datetime(2026, 10, 14, 9, 0, tzinfo=WITA).astimezone(dt.UTC)
NOVEMBER = dt.datetime(2026, 11, 20, 9, 0, tzinfo=WITA).astimezone(dt.UTC)


def comma(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def line(name: str, weight: float, height: float | None) -> str:
    return f"{name} {comma(weight)}" + (f" {comma(height)}" if height is not None else "")


async def import_children(kaderbot: KaderBot, cadre: Chat, names: list[str], sex: str) -> None:
    rows = ["Nama anak,Jenis kelamin,Tanggal lahir,Nama ibu,NIK ibu,Buku KIA"]
    rows += [
        f"{name},{sex},{BORN},Ibu {name.split()[0]},{NIK if i == 1 else ''},ya"
        for i, name in enumerate(names)
    ]
    await cadre.say("/balita")
    await cadre.press("Impor daftar")
    await send_document(kaderbot, cadre, "\n".join(rows).encode(), "balita.csv")
    assert f"{len(names)} anak disimpan" in cadre.text


async def seed_month(kaderbot: KaderBot, clock: Clock) -> None:
    """Melati 1 (Melayu): 10 boys, 8 weighed in November, one of the others only in October.
    Kasih Ibu (Loa Ipuh): 9 girls, 8 weighed in November."""
    sari, nurhayati = Chat(kaderbot.core, "sari"), Chat(kaderbot.core, "nurhayati")
    clock.now = OCTOBER
    await import_children(kaderbot, sari, BOYS, "L")
    await import_children(kaderbot, nurhayati, GIRLS, "P")
    await sari.say("/timbang")
    await sari.say(line(BOYS[8], 8.0, 80))  # October only: not counted in November
    assert sari.text.count("✅") == 1
    await sari.press("Selesai")
    clock.now = NOVEMBER
    for cadre, names in ((sari, BOYS), (nurhayati, GIRLS)):
        await cadre.say("/timbang")
        outcome = await cadre.say("\n".join(line(name, *VALUES[i]) for i, name in enumerate(names[:8])))
        assert len(outcome.replies) == 1 and cadre.text.count("✅") == 8, cadre.text
        await cadre.press("Selesai")


async def by_hand(kaderbot: KaderBot, posyandu_codes: tuple[str, ...]) -> dict[str, tuple[int, int, int]]:
    """{indicator: (valid, below −2, below −3)} over November's measurements, counted in Python."""
    async with kaderbot.db.sessions() as session:
        rows = await session.execute(
            select(ChildMeasurement)
            .join(Child)
            .join(Posyandu, Posyandu.id == Child.posyandu_id)
            .where(
                Posyandu.code.in_(posyandu_codes),
                ChildMeasurement.measured_on >= dt.date(2026, 11, 1),
                ChildMeasurement.measured_on < dt.date(2026, 12, 1),
            )
        )
        found = list(rows.scalars())
    out = {}
    for name, column in (("stunting", "haz"), ("wasting", "whz"), ("underweight", "waz")):
        scores = [getattr(m, column) for m in found if getattr(m, column) is not None]
        out[name] = (len(scores), sum(z < -2 for z in scores), sum(z < -3 for z in scores))
    out["weighed"] = (len(found), 0, 0)
    return out


async def open_growth(siti: Chat) -> None:
    await siti.say("/rekap 2026-11")
    await siti.press("Status gizi balita")


async def test_prevalence_equals_a_count_by_hand(kaderbot: KaderBot, clock: Clock) -> None:
    await seed_month(kaderbot, clock)
    counted = await by_hand(kaderbot, ("PY-6402-0001", "PY-6402-0006"))
    # The values were chosen for these: (valid, below −2, below −3).
    assert counted == {
        "weighed": (16, 0, 0),
        "stunting": (14, 8, 6),
        "wasting": (14, 8, 4),
        "underweight": (16, 7, 5),
    }
    siti = Chat(kaderbot.core, "siti")
    await open_growth(siti)
    text = siti.text
    assert "🧒 Status gizi balita November 2026 — Kutai Kartanegara" in text
    assert "Balita ditimbang: 16 dari 19 (84,2%)" in text  # 10 + 9 registered, 8 + 8 weighed
    assert "Stunting (TB/U < −2 SD): 8 dari 14 (57,1%); sangat pendek (< −3 SD): 6 (42,9%)" in text
    assert "Wasting (BB/TB < −2 SD): 8 dari 14 (57,1%); gizi buruk (< −3 SD): 4 (28,6%)" in text
    assert "Underweight (BB/U < −2 SD): 7 dari 16 (43,8%); BB sangat kurang (< −3 SD): 5 (31,3%)" in text
    assert text.count("— 2 anak tanpa z-score sah tidak dihitung") == 2  # no length: no TB/U, no BB/TB
    assert "• Tenggarong: 16/19 · 57,1% (8/14) · 57,1% (8/14) · 43,8% (7/16)" in text
    # Drill down: the kecamatan's desa, then a desa's Posyandu, each counted by hand too.
    await siti.press("Tenggarong")
    melati = await by_hand(kaderbot, ("PY-6402-0001",))
    kasih = await by_hand(kaderbot, ("PY-6402-0006",))
    assert melati["stunting"] == (7, 4, 4) and kasih["underweight"] == (8, 3, 2)
    assert "• Melayu: 8/10 · 57,1% (4/7) · 57,1% (4/7) · 50,0% (4/8)" in siti.text
    assert "• Loa Ipuh: 8/9 · 57,1% (4/7) · 57,1% (4/7) · 37,5% (3/8)" in siti.text
    await siti.press("Loa Ipuh")
    assert "Per Posyandu" in siti.text
    assert "• Posyandu Kasih Ibu: 8/9 · 57,1% (4/7) · 57,1% (4/7) · 37,5% (3/8)" in siti.text
    assert "Sangat pendek" not in siti.labels  # a Posyandu is the end of the drill: no button
    assert not any("Kasih Ibu" in label for label in siti.labels)
    # October in Loa Ipuh: nobody weighed yet (only Irfan, in Melayu, was).
    await siti.press("Oktober 2026")
    assert "Balita ditimbang: 0 dari 9 (0,0%)" in siti.text and "Belum ada penimbangan" in siti.text
    async with kaderbot.db.sessions() as session:
        entries = list(
            (await session.execute(select(AuditLog).where(AuditLog.action == "personal.list"))).scalars()
        )
    seen = [(e.actor, e.target, e.details.get("what")) for e in entries]
    assert ("Siti Rahmawati", "64.02 2026-11", "growth_recap") in seen
    assert ("Siti Rahmawati", "64.02.06.1002 2026-11", "growth_recap") in seen
    assert ("Siti Rahmawati", "64.02.06.1002 2026-10", "growth_recap") in seen


async def test_the_list_is_paged(kaderbot: KaderBot, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    await seed_month(kaderbot, clock)
    monkeypatch.setattr(prevalence, "PAGE_SIZE", 1)
    siti = Chat(kaderbot.core, "siti")
    await open_growth(siti)
    await siti.press("Tenggarong")
    assert "hal. 1/2" in siti.text and "• Loa Ipuh" in siti.text and "• Melayu" not in siti.text
    await siti.press("Berikutnya")
    assert "hal. 2/2" in siti.text and "• Melayu" in siti.text and "• Loa Ipuh" not in siti.text
    assert "Berikutnya ▶️" not in siti.labels
    await siti.press("Sebelumnya")
    assert "hal. 1/2" in siti.text
    await siti.press("Kembali ke rekap")
    assert "📈 Rekap November 2026 — Kutai Kartanegara" in siti.text


async def test_another_regions_coordinator_is_refused(kaderbot: KaderBot, clock: Clock) -> None:
    await seed_month(kaderbot, clock)
    yohana = Chat(kaderbot.core, "yohana")  # Balikpapan (64.71)
    await yohana.say("/rekap 2026-11")
    await yohana.press("Status gizi balita")
    assert "— Balikpapan" in yohana.text and "Balita ditimbang: 0 dari 0" in yohana.text
    assert "Tenggarong" not in yohana.text
    await yohana.press_payload(f"{yohana.choice.turn}.r64.02.06")  # a forged button
    assert yohana.text.startswith(STALE) and "Stunting" not in yohana.text
    # Without the core's check: a button offered while Tenggarong was hers, pressed after it was not.
    await make_coordinator(kaderbot.db, "console", "yohana", "64.02.06")
    await yohana.say("/rekap 2026-11")
    assert "Tenggarong" in yohana.labels and "Balikpapan" in yohana.labels  # two regions: she picks one
    await yohana.press("Tenggarong")
    await yohana.press("Status gizi balita")
    assert "Balita ditimbang: 16 dari 19" in yohana.text
    await revoke(kaderbot, "yohana", "64.02.06")
    await yohana.press("Melayu")
    assert yohana.text.startswith(SCOPE_REFUSAL)
    assert "Stunting" not in yohana.text and "Melati" not in yohana.text


async def test_a_cadre_is_refused(kaderbot: KaderBot, clock: Clock) -> None:
    await seed_month(kaderbot, clock)
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/rekap 2026-11")
    assert sari.text.startswith(ROLE_REFUSAL) and "Stunting" not in sari.text
    await sari.say("/menu")
    await sari.press_payload(f"{sari.choice.turn}.gz")  # the recap's button, forged
    assert sari.text.startswith(STALE) and "Stunting" not in sari.text
    # A coordinator who loses the role mid-screen is refused the next step.
    siti = Chat(kaderbot.core, "siti")
    await open_growth(siti)
    await revoke(kaderbot, "siti", "64.02")
    await siti.press("Tenggarong")
    assert siti.text.startswith(ROLE_REFUSAL) and "Stunting" not in siti.text


def e_ppgbm_rows(data: bytes) -> tuple[str, list[dict[str, object]]]:
    book = load_workbook(io.BytesIO(data))
    sheet = book["e-PPGBM"]
    note = str(sheet["A1"].value)
    header = [cell.value for cell in sheet[3]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=4)]
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref.startswith("A3:")
    return note, rows


async def check_sheet(kaderbot: KaderBot, data: bytes) -> None:
    note, rows = e_ppgbm_rows(data)
    assert "e-PPGBM" in note and "Sigizi Terpadu" in note
    assert len(rows) == 16  # November's measurements only (Irfan's October one is not there)
    by_name = {row["Nama Anak"]: row for row in rows}
    assert BOYS[8] not in by_name
    async with kaderbot.db.sessions() as session:
        stored = {
            name: m
            for name, m in (
                await session.execute(select(Child.full_name, ChildMeasurement).join(Child))
            ).all()
            if m.measured_on.month == 11
        }
    for name, row in by_name.items():
        m = stored[name]
        assert (row["ZS BB/U"], row["ZS TB/U"], row["ZS BB/TB"]) == (m.waz, m.haz, m.whz)
        assert (row["Berat (kg)"], row["Tinggi (cm)"]) == (m.weight_kg, m.height_cm)
    bagus = by_name["Bagus Santoso"]
    assert bagus["NIK Ibu (tersamar)"] == "************0001" and NIK not in str(bagus)
    assert (bagus["JK"], bagus["Tgl Lahir"], bagus["Nama Ortu"]) == (
        "L",
        dt.datetime(2024, 8, 10),
        "Ibu Bagus",
    )
    assert (bagus["Kecamatan"], bagus["Desa/Kelurahan"], bagus["Posyandu"]) == (
        "Tenggarong",
        "Melayu",
        "Posyandu Melati 1",
    )
    assert bagus["Usia Saat Ukur (bulan)"] == 27 and bagus["Tanggal Pengukuran"] == dt.datetime(2026, 11, 20)
    assert (bagus["Cara Ukur"], bagus["TB/U"], bagus["ZS TB/U"]) == ("Berdiri", "Sangat pendek", -3.04)
    assert (bagus["BB/U"], bagus["Naik Berat Badan"]) == ("Berat badan normal", "B")
    galih = by_name["Galih Saputra"]  # weighed without a length
    assert galih["Tinggi (cm)"] is None and galih["Cara Ukur"] is None and galih["ZS TB/U"] is None
    assert by_name["Dinda Maharani"]["JK"] == "P" and by_name["Dinda Maharani"]["BB/TB"] == "Gizi kurang"


async def test_the_export_has_an_e_ppgbm_sheet(
    kaderbot: KaderBot, clock: Clock, db_url: str, tmp_path: Path
) -> None:
    await seed_month(kaderbot, clock)
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/ekspor 2026-11")
    [document] = [r for r in siti.replies if isinstance(r, File)]
    await check_sheet(kaderbot, document.data)
    async with kaderbot.db.sessions() as session:
        [entry] = (await session.execute(select(AuditLog).where(AuditLog.action == "export.xlsx"))).scalars()
    assert entry.details["measurements"] == 16
    out = tmp_path / "kukar.xlsx"
    done = await asyncio.to_thread(
        kaderbot_cli, db_url, "export", "--month", "2026-11", "--region", "64.02", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    await check_sheet(kaderbot, out.read_bytes())


async def test_the_template_round_trips_through_the_import(
    kaderbot: KaderBot, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "balita.xlsx"
    done = await asyncio.to_thread(kaderbot_cli, db_url, "admin", "children-template", str(out))
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout
    book = load_workbook(out)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [
        "Nama anak", "Jenis kelamin", "Tanggal lahir", "Nama ibu", "No HP ibu", "NIK ibu", "Buku KIA",
    ]  # fmt: skip
    assert all(c.value is None for row in sheet.iter_rows(min_row=2) for c in row)  # no example row
    assert "Petunjuk" in book.sheetnames
    typed = [
        ["Zahra Amelia", "P", "03-05-2025", "Rina Marlina", "0812 3456 7001", NIK, "ya"],
        ["Yusuf Ramadhan", "L", "12-01-2024", "Sri Wahyuni", None, None, "tidak"],
    ]
    for row, values in enumerate(typed, 2):  # as a person types them, from row 2
        for column, value in enumerate(values, 1):
            sheet.cell(row=row, column=column, value=value)
    filled = io.BytesIO()
    book.save(filled)
    sari = Chat(kaderbot.core, "sari")
    await sari.say("/balita")
    await sari.press("Impor daftar")
    await sari.press("Unduh templat")  # the same workbook in chat
    [document] = [r for r in sari.replies if isinstance(r, File)]
    assert document.filename == "templat-daftar-balita.xlsx"
    assert [c.value for c in load_workbook(io.BytesIO(document.data)).worksheets[0][1]] == [
        c.value for c in load_workbook(out).worksheets[0][1]
    ]
    await send_document(kaderbot, sari, filled.getvalue(), "balita.xlsx")
    assert "2 anak disimpan" in sari.text
    async with kaderbot.db.sessions() as session:
        found = {c.full_name: c for c in (await session.execute(select(Child))).scalars()}
    assert found["Zahra Amelia"].sex == "f" and found["Zahra Amelia"].birth_date == dt.date(2025, 5, 3)
    assert found["Zahra Amelia"].mother_phone == "+6281234567001"
    assert found["Zahra Amelia"].mother_nik_masked == "************0001" and found["Zahra Amelia"].has_kia
    assert found["Yusuf Ramadhan"].sex == "m" and not found["Yusuf Ramadhan"].has_kia


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_templates_headers_are_what_the_import_reads(lang: str) -> None:
    from handlers.growth.children_template import template

    t = Catalogues.load(DEFAULT_LOCALES).translator(lang)
    sheet = read_table(_filled(template(t)), "x.xlsx", children_import.COLUMNS, children_import.REQUIRED)
    assert set(sheet.rows[0][1]) == set(children_import.COLUMNS)  # every column recognised


def _filled(data: bytes) -> bytes:
    book = load_workbook(io.BytesIO(data))
    for column, value in enumerate(["A B", "P", "03-05-2025", "C D", None, None, "ya"], 1):
        book.worksheets[0].cell(row=2, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_the_recap_sends_a_chart_with_the_shares_plotted(kaderbot: KaderBot, clock: Clock) -> None:
    """/rekap → Status gizi balita: after the figures, a PNG whose bars are the shares below −2 SD per
    child region (checked on the plotted data of the same figure)."""
    await seed_month(kaderbot, clock)
    siti = Chat(kaderbot.core, "siti")
    await open_growth(siti)
    [picture] = [r for r in siti.replies if isinstance(r, File)]
    assert picture.kind == "photo" and picture.mime_type == "image/png"
    assert picture.data.startswith(b"\x89PNG\r\n\x1a\n") and len(picture.data) > 5_000
    assert "November 2026" in (picture.caption or "")
    async with kaderbot.db.sessions() as session:
        region = await session.scalar(select(Region).where(Region.code == "64.02"))
        assert region is not None
        found = await prevalence.summarise(session, region, dt.date(2026, 11, 1))
    labels = {"stunting": "S", "wasting": "W", "underweight": "U"}
    fig = prevalence_chart.figure("t", [(a.name, a.count) for a in found.areas], labels, axis_label="%")
    ax = fig.axes[0]
    widths = {
        container.get_label(): [round(float(bar.get_width()), 2) for bar in container]
        for container in ax.containers
    }
    # Tenggarong, counted by hand in test_prevalence_equals_a_count_by_hand: 8/14, 8/14, 7/16.
    assert widths == {"S": [57.14], "W": [57.14], "U": [43.75]}
    await siti.press("Tenggarong")
    assert len([r for r in siti.replies if isinstance(r, File)]) == 1  # the kecamatan's own chart
