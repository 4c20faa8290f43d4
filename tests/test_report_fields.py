"""The monthly report per SPM field (issue 16, point 6): a Posyandu's report asks the health questions
only when it serves kesehatan and a short section for each other field it serves, in SPM order; the
answers are stored per field and shown in /laporanku, /rekap and the workbook."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.app import KaderBot
from handlers.flows.report import REPORT_FORM
from handlers.i18n import Catalogues
from handlers.report_fields import parse, sections
from handlers.safety.answer import context_of
from handlers.types import File
from storage.models import MonthlyReport, Posyandu, ReportRevision
from tests.chat import Chat
from tests.flows import register_cadre

LOCALES = Path(__file__).resolve().parents[1] / "locales"
T = Catalogues.load(LOCALES, strict=True).translator("id")
MELATI = "PY-6402-0001"  # Posyandu Melati 1, Melayu, Tenggarong (the cadre registers there)
HEALTH = ["s", "k", "d", "n", "visits_ibu_hamil", "visits_balita", "visits_remaja", "visits_usia_produktif"]
HEALTH += ["visits_lansia", "referrals_gizi", "immunizations", "vitamin_a"]

# What the cadre answers, by form field; a tuple means "press this option".
ANSWERS: dict[str, str | tuple[str]] = {
    "month": ("November 2026",),
    "held": ("tempat biasa",),
    "held_on": "12",
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
    "vitamin_a": "0",
    "pendidikan__paud_children": "14",
    "pendidikan__bkb_families": "9",
    "pendidikan__out_of_school": "1",
    "pekerjaan_umum__no_clean_water": "3",
    "pekerjaan_umum__no_sanitation": "2",
    "pekerjaan_umum__facilities_reported": "1",
    "perumahan_rakyat__rtlh_reported": "2",
    "perumahan_rakyat__rtlh_helped": "0",
    "trantibumlinmas__events": "1",
    "trantibumlinmas__authorities_told": ("Ya",),
    "trantibumlinmas__event_note": "Banjir di RT 03 tanggal 5, air sudah surut",
    "sosial__pmks_found": "3",
    "sosial__pmks_referred": "2",
    "sosial__lansia_visited": "11",
    "sosial__disabled_visited": "4",
    "notes": ("Lewati",),
    "photos": ("Lewati",),
}


def field_asked(question: str, answers: dict[str, str | tuple[str]]) -> str:
    """Which form field a question on screen is, by its prompt text (the longest that fits)."""
    found = [
        f.name
        for f in REPORT_FORM.fields
        if T(f.prompt, month="November 2026").split("{")[0] in question and f.name in answers
    ]
    assert found, f"unknown question: {question!r}"
    return max(found, key=lambda name: len(T(REPORT_FORM.field(name).prompt, month="November 2026")))


async def fill_report(chat: Chat, answers: dict[str, str | tuple[str]] | None = None) -> list[str]:
    """Start /lapor and answer every question until the summary; the fields asked, in order."""
    answers = {**ANSWERS, **(answers or {})}
    asked: list[str] = []
    await chat.say("/lapor")
    while "Ringkasan laporan" not in chat.question:
        name = field_asked(chat.question, answers)
        assert name not in asked, f"{name} asked twice"
        asked.append(name)
        answer = answers[name]
        if isinstance(answer, tuple):
            await chat.press(answer[0])
        else:
            await chat.say(answer)
    return asked


async def serve(kaderbot: KaderBot, fields: list[str], code: str = MELATI) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        await session.execute(update(Posyandu).where(Posyandu.code == code).values(spm_fields=fields))


async def stored(kaderbot: KaderBot) -> MonthlyReport:
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(MonthlyReport))).scalar_one()


@pytest.fixture
async def cadre(chat: Chat) -> Chat:
    await register_cadre(chat)
    return chat


def section(field: str) -> list[str]:
    return [q.name for q in sections()[field].questions]


async def test_three_fields_ask_exactly_their_sections_in_spm_order(cadre: Chat, kaderbot: KaderBot) -> None:
    await serve(kaderbot, ["sosial", "kesehatan", "pendidikan"])  # stored in any order
    asked = await fill_report(cadre)
    assert asked == [
        "month",
        "held",
        "held_on",
        *section("pendidikan"),
        *HEALTH,
        *section("sosial"),
        "notes",
        "photos",
    ]
    summary = cadre.question
    assert "Anak ikut PAUD/BKB: 14" in summary and "PMKS dirujuk ke Puskesos: 2" in summary
    assert "D/S: 80%" in summary  # the health section's coverage, as before
    await cadre.press("Kirim")
    report = await stored(kaderbot)
    assert report.field_answers == {
        "pendidikan": {"paud_children": 14, "bkb_families": 9, "out_of_school": 1},
        "sosial": {"pmks_found": 3, "pmks_referred": 2, "lansia_visited": 11, "disabled_visited": 4},
    }
    assert (report.s, report.d, report.n) == (40, 32, 28)


async def test_sections_open_with_the_fields_heading(cadre: Chat, kaderbot: KaderBot) -> None:
    await serve(kaderbot, ["kesehatan", "pendidikan"])
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat biasa")
    await cadre.say("12")
    assert "📋 Bidang Pendidikan" in cadre.question and "PAUD" in cadre.question
    for _ in section("pendidikan"):
        await cadre.say("1")
    assert "📋 Bidang Kesehatan" in cadre.question and "S — jumlah seluruh balita" in cadre.question


async def test_a_posyandu_serving_only_kesehatan_reads_as_before(cadre: Chat, kaderbot: KaderBot) -> None:
    asked = await fill_report(cadre)  # the default: kesehatan only
    assert asked == ["month", "held", "held_on", *HEALTH, "notes", "photos"]
    assert "📋" not in cadre.question
    await cadre.press("Kirim")
    assert (await stored(kaderbot)).field_answers == {}


async def test_a_posyandu_serving_only_sosial_asks_no_skdn(cadre: Chat, kaderbot: KaderBot) -> None:
    await serve(kaderbot, ["sosial"])
    asked = await fill_report(cadre)
    assert asked == ["month", "held", "held_on", *section("sosial"), "notes", "photos"]
    assert not set(HEALTH) & set(asked)
    assert "D/S" not in cadre.question
    await cadre.press("Kirim")
    report = await stored(kaderbot)
    assert report.s is None and report.d is None and report.visits == {}
    assert report.field_answers["sosial"]["lansia_visited"] == 11
    await cadre.say("/laporanku")
    text = cadre.text
    assert "November 2026: terkirim — dilaksanakan" in text and "D/S" not in text
    assert "📋 Sosial: PMKS ditemukan 3; PMKS dirujuk ke Puskesos 2; Lansia dikunjungi 11" in text


async def test_sections_are_asked_when_the_day_was_not_held(cadre: Chat, kaderbot: KaderBot) -> None:
    """A flood that stopped the Posyandu day is still a trantibumlinmas event to report."""
    await serve(kaderbot, ["kesehatan", "trantibumlinmas"])
    asked = await fill_report(cadre, {"held": ("tidak",), "not_held_reason": "Banjir"})
    assert asked == ["month", "held", "not_held_reason", *section("trantibumlinmas"), "notes"]
    await cadre.press("Kirim")
    report = await stored(kaderbot)
    assert report.held == "not_held" and report.s is None
    assert report.field_answers == {
        "trantibumlinmas": {
            "events": 1,
            "authorities_told": True,
            "event_note": "Banjir di RT 03 tanggal 5, air sudah surut",
        }
    }


async def test_a_follow_up_question_is_skipped_when_nothing_happened(cadre: Chat, kaderbot: KaderBot) -> None:
    await serve(kaderbot, ["trantibumlinmas", "sosial"])
    asked = await fill_report(cadre, {"trantibumlinmas__events": "0", "sosial__pmks_found": "0"})
    assert "trantibumlinmas__authorities_told" not in asked and "sosial__pmks_referred" not in asked
    await cadre.press("Kirim")
    assert (await stored(kaderbot)).field_answers["trantibumlinmas"] == {"events": 0}


async def test_more_referred_than_found_is_refused_with_the_reason(cadre: Chat, kaderbot: KaderBot) -> None:
    await serve(kaderbot, ["sosial"])
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat biasa")
    await cadre.say("12")
    await cadre.say("3")  # PMKS found
    await cadre.say("5")  # referred: more than found
    assert "tidak boleh lebih banyak dari PMKS yang ditemukan (3)" in cadre.text
    assert "dirujuk ke Puskesos" in cadre.question  # the same question again
    await cadre.say("2")
    assert "lansia yang dikunjungi" in cadre.question


async def test_a_revision_starts_from_the_stored_field_answers(cadre: Chat, kaderbot: KaderBot) -> None:
    await serve(kaderbot, ["pendidikan", "sosial"])
    await fill_report(cadre)
    await cadre.press("Kirim")
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("Ya, revisi")
    summary = cadre.question
    assert "Ringkasan laporan November 2026" in summary and "Lansia dikunjungi: 11" in summary
    await cadre.press("Ubah")
    await cadre.press("Lansia dikunjungi")
    await cadre.say("15")
    await cadre.press("Kirim")
    report = await stored(kaderbot)
    assert report.revision == 2 and report.field_answers["sosial"]["lansia_visited"] == 15
    assert report.field_answers["pendidikan"]["paud_children"] == 14
    async with kaderbot.db.sessions() as session:
        first = (
            await session.execute(select(ReportRevision).where(ReportRevision.revision == 1))
        ).scalar_one()
    assert first.data["field_answers"]["sosial"]["lansia_visited"] == 11


async def test_a_draft_keeps_the_fields_served_when_it_began(cadre: Chat, kaderbot: KaderBot) -> None:
    await serve(kaderbot, ["sosial"])
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat biasa")
    await cadre.say("12")
    await cadre.say("/menu")  # leave: the answers become a draft
    await cadre.say("/lapor")
    await cadre.press("Lanjutkan")
    assert "PMKS" in cadre.question


async def test_rekap_and_workbook_show_each_field(cadre: Chat, kaderbot: KaderBot) -> None:
    await serve(kaderbot, ["kesehatan", "trantibumlinmas", "sosial"])
    await fill_report(cadre)
    await cadre.press("Kirim")
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/rekap 2026-11")
    text = siti.text
    assert "📋 Sosial (1 laporan): PMKS ditemukan 3; PMKS dirujuk ke Puskesos 2" in text
    assert (
        "📋 Trantibumlinmas (1 laporan): Kejadian bencana/keamanan 1; Dilaporkan ke TRC/BPBD/desa 1 dari 1"
        in text
    )
    assert "Pendidikan (" not in text  # no report answered it
    await siti.say("/ekspor 2026-11")
    [workbook] = [r for r in siti.replies if isinstance(r, File) and r.filename.endswith(".xlsx")]
    sheet = load_workbook(io.BytesIO(workbook.data))["Posyandu"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    melati = next(row for row in rows if row["Kode Posyandu"] == MELATI)
    assert melati["Sosial: PMKS ditemukan"] == 3 and melati["Sosial: Lansia dikunjungi"] == 11
    assert melati["Trantibumlinmas: Dilaporkan ke TRC/BPBD/desa"] == "Ya"
    assert melati["Trantibumlinmas: Keterangan kejadian"] == "Banjir di RT 03 tanggal 5, air sudah surut"
    assert melati["Pendidikan: Anak ikut PAUD/BKB"] is None  # not a field Melati 1 serves
    assert melati["D (ditimbang)"] == 32
    # Every question of every field has its column, after the health ones.
    titles = [f"{T(f'spm.short.{q.field}')}: {T(q.label)}" for s in sections().values() for q in s.questions]
    start = header.index("Vitamin A") + 1
    assert header[start : start + len(titles)] == titles
    other = next(row for row in rows if row["Kode Posyandu"] == "PY-6402-0002")
    assert other["Sosial: PMKS ditemukan"] is None  # no report


def test_free_text_about_the_past_is_read_as_a_record() -> None:
    assert context_of("report", {"current": "trantibumlinmas__event_note"}) == "record"
    assert context_of("report", {"current": "sosial__pmks_found"}) == "chat"


def test_every_question_has_its_texts_in_both_languages() -> None:
    catalogues = Catalogues.load(LOCALES, strict=True)
    for found in sections().values():
        assert found.sources, f"{found.field}: no sources"
        for q in found.questions:
            assert catalogues.has(q.prompt) and catalogues.has(q.label), q.name


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"fields": {"kesehatan": {"questions": {}}}}, "unexpected fields"),
        ({"fields": {"kebersihan": {"questions": {}}}}, "unexpected fields"),
        ({"fields": {"sosial": {"questions": {"a": {"type": "angka"}}}}}, "unknown type"),
        ({"fields": {"sosial": {"questions": {"a": {"type": "text"}}}}}, "context: record"),
        ({"fields": {"sosial": {"questions": {"a": {"type": "yes_no", "only_if": "b"}}}}}, "only_if"),
        ({"fields": {"sosial": {"questions": {"a": {"type": "count"}}, "checks": [["a", "b"]]}}}, "check"),
    ],
)
def test_a_bad_data_file_is_refused(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse(raw)


def test_the_data_file_names_its_check_date() -> None:
    import yaml

    from handlers.report_fields import DATA

    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    assert raw["checked"] == "2026-12-06" and raw["common_sources"]
    assert dt.date.fromisoformat(raw["checked"])


async def test_the_fuzzers_database_check_knows_the_field_answers(kaderbot: KaderBot) -> None:
    """The check run after every fuzzed conversation: a sosial-only Posyandu's held report needs no
    SKDN, but a count out of bounds or more PMKS referred than found is caught."""
    from storage.repositories import reports
    from tests.fuzz_checks import database_problems

    await serve(kaderbot, ["sosial"])
    async with kaderbot.db.sessions() as session, session.begin():
        melati = (await session.execute(select(Posyandu.id).where(Posyandu.code == MELATI))).scalar_one()
        await reports.submit(
            session,
            posyandu_id=melati,
            month=dt.date(2026, 11, 1),
            values={
                "held": "usual_place",
                "held_on": dt.date(2026, 11, 12),
                "field_answers": {"sosial": {"pmks_found": 1, "pmks_referred": 2, "lansia_visited": -4}},
            },
            person_id=None,  # type: ignore[arg-type]
            now=dt.datetime(2026, 11, 12, 3, 30, tzinfo=dt.UTC),
        )
    async with kaderbot.db.sessions() as session:
        found = await database_problems(session, kaderbot.core.flows, [])
    assert not any("SKDN" in problem for problem in found), found
    assert any("sosial.pmks_referred 2 > pmks_found 1" in problem for problem in found), found
    assert any("sosial.lansia_visited = -4 out of bounds" in problem for problem in found), found


async def test_fewer_balita_served_than_weighed_is_questioned(cadre: Chat, kaderbot: KaderBot) -> None:
    """D counts the balita weighed; every one of them was served too. The form says what D means,
    and a smaller 'balita served' is questioned (kept if the cadre says so); D ≤ S still refuses."""
    await cadre.say("/lapor")
    await cadre.press("November 2026")
    await cadre.press("tempat biasa")
    await cadre.say("12")
    for value in ("40", "35"):
        await cadre.say(value)
    assert "D — jumlah balita yang ditimbang bulan ini" in cadre.question
    await cadre.say("41")
    assert "D tidak boleh lebih besar dari S (40" in cadre.text
    for value in ("32", "28", "6"):
        await cadre.say(value)
    await cadre.say("20")  # balita served: fewer than the 32 weighed
    assert "Balita yang dilayani (20) lebih sedikit dari balita yang ditimbang (D = 32)" in cadre.question
    await cadre.press("Tetap")
    assert "anak sekolah dan remaja" in cadre.question
