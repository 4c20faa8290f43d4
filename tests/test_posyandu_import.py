"""The Posyandu master list (issue 16, point 1): `kaderbot admin import-posyandu FILE.xlsx|.csv`, the
same file sent in chat by a kabupaten coordinator (through the media store, as the channels hand it
over), and the template workbook. All rows or none; every bad row named; re-import by kode."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from bot.app import KaderBot, build
from bot.media_intake import MediaIntake
from bot.settings import load_settings
from handlers.posyandu.spm import SPM_FIELDS, SpmFieldError, parse_spm_fields
from handlers.spreadsheet import append_row, csv_bytes
from handlers.types import Attachment, File, IncomingEvent
from tests.chat import Chat, Clock
from tests.pg_query import plain_rows, query
from tests.test_cli import run

SITI = "+6281100000001"  # coordinator of Kutai Kartanegara (64.02) in the demo data
YOHANA = "+6281100000002"  # coordinator of Kota Balikpapan (64.71)
SARI = "+6281100000011"  # a cadre
HEADER = [
    "Kode",
    "Nama",
    "Kode wilayah desa/kelurahan",
    "Alamat",
    "Latitude",
    "Longitude",
    "Tempat tetap",
    "Minggu ke",
    "Hari",
    "Bidang SPM",
    "Kode induk",
]
MELAYU = "64.02.06.1005"  # a kelurahan of Tenggarong, Kukar
SUKARAME = "64.02.06.1007"
GOOD = [
    ["PY-KK-0101", "Posyandu Anggrek Putih", MELAYU, "Jl. Anggrek, RT 03", -0.4411, 117.1705, "ya", 2,
     "Selasa", "semua", None],
    [None, "Pos Anggrek Putih RT 09", MELAYU, "Rumah Ibu Ani, RT 09", None, None, "tidak", 2, "Rabu",
     "kesehatan, sosial", "PY-KK-0101"],
    ["PY-KK-0102", '=HYPERLINK("http://x.test","Klik")', SUKARAME, None, None, None, "Ya", "3", "jumat",
     "1, 2, 6", None],
    # The demo's Posyandu Melati 2, by its kode: updated, not duplicated.
    ["PY-6402-0002", "Posyandu Melati 2", MELAYU, "Jl. Kartini, RT 12", None, None, "ya", 1, "Senin",
     "kesehatan, PU, perkim", None],
]  # fmt: skip


def xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    """Written as an office would: every string as text (a formula-looking name stays text)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [header, *rows]:
        append_row(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def posyandu(db_url: str) -> dict[str, tuple[object, ...]]:
    rows = query(
        db_url,
        "SELECT p.code, p.name, p.region_code, p.kind, parent.code, p.has_fixed_place, p.usual_week, "
        "p.usual_weekday, p.spm_fields, p.latitude, p.longitude, p.address "
        "FROM posyandu p LEFT JOIN posyandu parent ON parent.id = p.parent_id",
    )
    out = {}
    for row in plain_rows(rows):
        fields = row[8] if isinstance(row[8], list) else json.loads(row[8])
        out[row[0]] = (*row[1:5], bool(row[5]), row[6], row[7], fields, *row[9:])
    return out


def audits(db_url: str) -> int:
    return int(query(db_url, "SELECT count(*) FROM audit_log WHERE action = 'posyandu.import'")[0][0])


def test_a_good_xlsx_is_imported_and_importing_it_again_duplicates_nothing(
    db_url: str, tmp_path: Path
) -> None:
    before = posyandu(db_url)
    sheet = xlsx(tmp_path / "posyandu.xlsx", GOOD)
    result = run(["admin", "import-posyandu", str(sheet), "--by", SITI], db_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 baru, 1 diperbarui, 0 tidak berubah" in result.stdout
    after = posyandu(db_url)
    assert len(after) == len(before) + 3
    assert after["PY-KK-0101"] == (
        "Posyandu Anggrek Putih", MELAYU, "lembaga", None, True, 2, 1, list(SPM_FIELDS),
        -0.4411, 117.1705, "Jl. Anggrek, RT 03",
    )  # fmt: skip
    [pos_code] = [code for code, row in after.items() if row[0] == "Pos Anggrek Putih RT 09"]
    assert after[pos_code][2:8] == ("pos", "PY-KK-0101", False, 2, 2, ["kesehatan", "sosial"])
    assert after["PY-KK-0102"][0] == '=HYPERLINK("http://x.test","Klik")'  # text, never evaluated
    assert after["PY-KK-0102"][5:8] == (3, 4, ["pendidikan", "kesehatan", "sosial"])
    assert after["PY-6402-0002"][7] == ["kesehatan", "pekerjaan_umum", "perumahan_rakyat"]
    assert after["PY-6402-0002"][6] == 0  # Senin

    again = run(["admin", "import-posyandu", str(sheet), "--by", SITI], db_url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 baru, 0 diperbarui, 4 tidak berubah" in again.stdout
    assert posyandu(db_url) == after  # the row without a kode found itself again

    changed = [list(row) for row in GOOD]
    changed[1][8] = "Kamis"  # the pos pelayanan without a kode moves to Thursday
    changed[0][9] = "kesehatan"
    third = run(["admin", "import-posyandu", str(xlsx(tmp_path / "b.xlsx", changed)), "--by", SITI], db_url)
    assert "0 baru, 2 diperbarui, 2 tidak berubah" in third.stdout, third.stdout + third.stderr
    final = posyandu(db_url)
    assert len(final) == len(after)
    assert final[pos_code][6] == 3 and final["PY-KK-0101"][7] == ["kesehatan"]
    assert audits(db_url) == 3


def test_a_good_csv_is_imported_as_excel_saves_it(db_url: str, tmp_path: Path) -> None:
    # Excel in Indonesian saves CSV with semicolons and decimal commas; our own CSV export keeps
    # formula-looking text behind an apostrophe, which the import removes again (still text).
    lines = [
        ";".join(HEADER),
        "PY-KK-0201;Posyandu Teratai Biru;64.02.06.1007;Jl. Teratai;-0,4502;117,1801;ya;4;Sabtu;"
        "pendidikan, trantib;",
        ";'=1+2 Pos;64.02.06.1007;;;;tidak;4;Minggu;linmas;PY-KK-0201",
    ]
    path = tmp_path / "posyandu.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    result = run(["admin", "import-posyandu", str(path)], db_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 baru, 0 diperbarui, 0 tidak berubah" in result.stdout
    rows = posyandu(db_url)
    assert rows["PY-KK-0201"][4:10] == (True, 4, 5, ["pendidikan", "trantibumlinmas"], -0.4502, 117.1801)
    [pos] = [row for row in rows.values() if row[0] == "=1+2 Pos"]
    assert pos[2:4] == ("pos", "PY-KK-0201") and pos[6] == 6


def test_every_bad_row_is_reported_and_nothing_is_written(db_url: str, tmp_path: Path) -> None:
    before = posyandu(db_url)
    rows = [
        GOOD[0],
        ["PY-KK-0301", "", "64.02.06", "x", -100, 117.0, "mungkin", 7, "Kemis", "kesehatan, olahraga", None],
        ["PY-KK-0302", "Posyandu Kenari", "99.99.99.9999", None, -0.5, None, "ya", 1, "Senin", "1", None],
        ["PY-KK-0101", "Posyandu Lain", MELAYU, None, None, None, "ya", 1, "Senin", "sosial", None],
        ["PY-KK-0303", "Pos Kenari", SUKARAME, None, None, None, "ya", 1, "Senin", "sosial", "PY-KK-0101"],
        ["PY-KK-0304", "Pos Entah", MELAYU, None, None, None, "ya", 1, "Senin", "sosial", "PY-TIDAK-ADA"],
        ["bad code!", "Posyandu Kode Aneh", MELAYU, None, None, None, "ya", 1, "Senin", "", None],
        ["PY-KK-0305", "Posyandu Balikpapan", "64.71.05.1002", None, None, None, "ya", 1, "Senin", "1", None],
        # Good in itself; its lembaga's row (4) is wrong and named there, not blamed again here.
        ["PY-KK-0306", "Pos Kenari Dua", MELAYU, None, None, None, "ya", 1, "Senin", "sosial", "PY-KK-0302"],
    ]
    result = run(["admin", "import-posyandu", str(xlsx(tmp_path / "bad.xlsx", rows)), "--by", SITI], db_url)
    assert result.returncode == 1
    out = result.stdout
    assert "Tidak ada data yang diubah: 15 masalah di 7 baris." in out, out
    for line in (
        "Baris 3, kolom Nama: wajib diisi",
        'Baris 3, kolom Kode wilayah desa/kelurahan: "64.02.06" bukan kode desa/kelurahan',
        'Baris 3, kolom Latitude: "-100" di luar rentang -90 sampai 90',
        'Baris 3, kolom Tempat tetap: "mungkin": isi ya atau tidak',
        'Baris 3, kolom Minggu ke: "7": isi angka 1 sampai 5',
        'Baris 3, kolom Hari: "Kemis" bukan nama hari (Senin sampai Minggu)',
        'Baris 3, kolom Bidang SPM: bidang "olahraga" tidak dikenal',
        'Baris 4, kolom Kode wilayah desa/kelurahan: kode wilayah "99.99.99.9999" tidak ada di daftar',
        "Baris 4, kolom Longitude: isi latitude dan longitude berdua, atau kosongkan keduanya",
        "Baris 5, kolom Kode: Posyandu yang sama sudah ada di baris 2",
        'Baris 6, kolom Kode induk: induk "PY-KK-0101" berada di desa/kelurahan lain',
        'Baris 7, kolom Kode induk: kode induk "PY-TIDAK-ADA" tidak ada di file maupun di daftar Posyandu',
        'Baris 8, kolom Kode: kode "bad code!" tidak valid',
        "Baris 8, kolom Bidang SPM: wajib diisi",
        'Baris 9, kolom Kode wilayah desa/kelurahan: desa/kelurahan "64.71.05.1002" di luar wilayah',
    ):
        assert line in out, f"{line!r} not in:\n{out}"
    assert "Baris 2," not in out and "Baris 10," not in out  # good rows are not blamed
    assert posyandu(db_url) == before and audits(db_url) == 0


def test_a_pos_cannot_hang_under_another_pos(db_url: str, tmp_path: Path) -> None:
    first = run(["admin", "import-posyandu", str(xlsx(tmp_path / "a.xlsx", GOOD[:2]))], db_url)
    assert first.returncode == 0, first.stdout
    pos_code = next(code for code, row in posyandu(db_url).items() if row[0] == "Pos Anggrek Putih RT 09")
    row = ["PY-KK-0401", "Pos Cucu", MELAYU, None, None, None, "ya", 1, "Senin", "sosial", pos_code]
    result = run(["admin", "import-posyandu", str(xlsx(tmp_path / "b.xlsx", [row]))], db_url)
    assert result.returncode == 1
    assert (
        f'Baris 2, kolom Kode induk: induk "{pos_code}" adalah pos pelayanan, bukan lembaga' in result.stdout
    )


@pytest.mark.parametrize(
    ("lang", "sheet_names"), [("id", ["Posyandu", "Petunjuk"]), ("en", ["Posyandu", "Guide"])]
)
def test_the_template_filled_in_imports(
    db_url: str, tmp_path: Path, lang: str, sheet_names: list[str]
) -> None:
    out = tmp_path / f"templat-{lang}.xlsx"
    written = run(["admin", "posyandu-template", str(out), "--lang", lang], db_url)
    assert written.returncode == 0, written.stderr
    book = load_workbook(out)
    assert book.sheetnames == sheet_names
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert len(headers) == 11 and sheet.cell(row=2, column=1).value in ("CONTOH", "EXAMPLE")
    validated = {str(v.sqref).split(":")[0][0] for v in sheet.data_validations.dataValidation}
    assert {"E", "F", "G", "H", "I"} <= validated  # lat, lon, tempat tetap, minggu ke, hari
    guide = "\n".join(str(c.value) for row in book.worksheets[1].iter_rows() for c in row if c.value)
    assert all(code in guide for code in SPM_FIELDS)
    # The office fills rows in below the example (which is never imported) with the list values.
    yes, weekday = sheet.cell(row=2, column=7).value, sheet.cell(row=2, column=9).value
    sheet.append(["PY-KK-0501", "Posyandu Templat", MELAYU, None, None, None, yes, 5, weekday, "semua", None])
    sheet.append([None, "Pos Templat", MELAYU, None, None, None, yes, 5, weekday, "sosial", "PY-KK-0501"])
    book.save(out)
    result = run(["admin", "import-posyandu", str(out), "--lang", lang], db_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ("2 baru" if lang == "id" else "2 new") in result.stdout
    rows = posyandu(db_url)
    assert "CONTOH" not in rows and "EXAMPLE" not in rows
    assert rows["PY-KK-0501"][5:8] == (5, 1, list(SPM_FIELDS))


def test_a_coordinator_of_another_kabupaten_and_a_cadre_are_refused(db_url: str, tmp_path: Path) -> None:
    before = posyandu(db_url)
    sheet = xlsx(tmp_path / "kukar.xlsx", GOOD)
    other = run(["admin", "import-posyandu", str(sheet), "--by", YOHANA], db_url)
    assert other.returncode == 1
    for number in (2, 3, 4, 5):
        assert f"Baris {number}, kolom Kode wilayah desa/kelurahan: desa/kelurahan" in other.stdout
    assert "di luar wilayah Bapak/Ibu" in other.stdout
    cadre = run(["admin", "import-posyandu", str(sheet), "--by", SARI], db_url)
    assert cadre.returncode == 1 and "bukan koordinator atau admin" in cadre.stdout
    assert posyandu(db_url) == before


# -- in chat --------------------------------------------------------------------------------------


@pytest.fixture
async def bot(db_url: str, clock: Clock, tmp_path: Path) -> AsyncIterator[KaderBot]:
    settings = load_settings(database_url=db_url, media_dir=tmp_path / "media")
    kaderbot = build(settings, clock=clock, strict_messages=True)
    yield kaderbot
    await kaderbot.close()


_refs = itertools.count(1)


async def send_document(bot: KaderBot, chat: Chat, data: bytes, filename: str) -> None:
    """A document as a channel hands it over: downloaded into the media store on arrival."""
    attachment = Attachment(kind="document", ref=f"doc-{next(_refs)}", filename=filename, size=len(data))

    async def download(ref: str) -> bytes:
        return data

    assert bot.core.media is not None
    event = IncomingEvent(chat.identity, attachments=(attachment,), message_id=f"d{next(_refs)}")
    event = await MediaIntake(bot.core.db, bot.core.media).receive(event, download)
    chat.replies = (await bot.core.handle(event)).replies


def files(chat: Chat) -> list[File]:
    return [r for r in chat.replies if isinstance(r, File)]


async def test_a_kabupaten_coordinator_gets_the_template_and_sends_the_list_in_chat(
    bot: KaderBot, db_url: str, tmp_path: Path
) -> None:
    siti = Chat(bot.core, "siti")
    await siti.say("/imporposyandu")
    assert "Kirim file Excel (.xlsx) atau CSV sebagai dokumen" in siti.question
    await siti.press("Unduh templat")
    [template] = files(siti)
    assert template.filename.endswith(".xlsx")
    assert load_workbook(io.BytesIO(template.data)).sheetnames == ["Posyandu", "Petunjuk"]

    await siti.say("ini filenya")
    assert "Mohon kirim file Excel (.xlsx) atau CSV sebagai dokumen." in siti.text
    data = xlsx(tmp_path / "daftar.xlsx", GOOD).read_bytes()
    await send_document(bot, siti, data, "daftar.xlsx")
    assert "Daftar Posyandu tersimpan: 3 baru, 1 diperbarui, 0 tidak berubah." in siti.text
    assert posyandu(db_url)["PY-KK-0101"][2] == "lembaga"

    # The same list again as CSV (as /ekspor-style CSV writes it): nothing new, nothing duplicated.
    await siti.say("/imporposyandu")
    await send_document(bot, siti, csv_bytes([HEADER, *GOOD]), "daftar.csv")
    assert "Daftar Posyandu tersimpan: 0 baru, 0 diperbarui, 4 tidak berubah." in siti.text, siti.text


async def test_bad_rows_in_chat_are_all_listed_and_the_file_can_be_sent_again(
    bot: KaderBot, db_url: str, tmp_path: Path
) -> None:
    before = posyandu(db_url)
    siti = Chat(bot.core, "siti")
    await siti.say("/imporposyandu")
    many = [
        [f"PY-KK-{n:04}", f"Posyandu {n}", MELAYU, None, None, None, "ya", 1, "Senin", "olahraga", None]
        for n in range(150)
    ]
    await send_document(bot, siti, xlsx(tmp_path / "bad.xlsx", many).read_bytes(), "bad.xlsx")
    text = siti.text
    assert "150 masalah di 150 baris" in text
    assert all(f"Baris {n + 2}, kolom Bidang SPM" in text for n in range(150))  # every one, none cut
    assert all(len(r.text) <= 4096 for r in siti.replies if hasattr(r, "text"))
    assert "perbaiki baris di atas lalu kirim file lagi" in siti.question
    assert posyandu(db_url) == before
    await send_document(bot, siti, xlsx(tmp_path / "ok.xlsx", GOOD[:1]).read_bytes(), "ok.xlsx")
    assert "1 baru" in siti.text


async def test_in_chat_other_kabupaten_rows_kecamatan_coordinators_and_cadres_are_refused(
    bot: KaderBot, db_url: str, tmp_path: Path
) -> None:
    from tests.outbox_support import make_coordinator

    before = posyandu(db_url)
    yohana = Chat(bot.core, "yohana")  # Balikpapan
    await yohana.say("/imporposyandu")
    await send_document(bot, yohana, xlsx(tmp_path / "kukar.xlsx", GOOD).read_bytes(), "kukar.xlsx")
    assert "Tidak ada data yang diubah" in yohana.text
    assert (
        'Baris 2, kolom Kode wilayah desa/kelurahan: desa/kelurahan "64.02.06.1005" di luar wilayah'
        in yohana.text
    )

    sari = Chat(bot.core, "sari")  # a cadre: refused in the core, whatever she sends
    await sari.say("/imporposyandu")
    assert "bukan untuk peran Bapak/Ibu" in sari.text
    await send_document(bot, sari, xlsx(tmp_path / "s.xlsx", GOOD).read_bytes(), "s.xlsx")
    assert "tersimpan" not in sari.text

    await make_coordinator(bot.db, "console", "camat", "64.02.06")  # a kecamatan's coordinator
    camat = Chat(bot.core, "camat")
    await camat.say("/imporposyandu")
    assert "hanya dapat diimpor oleh koordinator kabupaten/kota atau admin" in camat.text
    assert posyandu(db_url) == before


# -- the six fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("kesehatan, sosial", ["kesehatan", "sosial"]),
        ("1,2,6", ["pendidikan", "kesehatan", "sosial"]),
        ("Semua", list(SPM_FIELDS)),
        ("PU; perkim / trantib", ["pekerjaan_umum", "perumahan_rakyat", "trantibumlinmas"]),
        ("linmas dan Pendidikan", ["pendidikan", "trantibumlinmas"]),
        ("ketenteraman dan ketertiban umum serta pelindungan masyarakat", ["trantibumlinmas"]),
        ("pekerjaan umum, perumahan rakyat", ["pekerjaan_umum", "perumahan_rakyat"]),
        ("", []),
    ],
)
def test_spm_fields_are_read_as_people_write_them(text: str, codes: list[str]) -> None:
    assert parse_spm_fields(text) == codes


def test_an_unknown_field_is_named() -> None:
    with pytest.raises(SpmFieldError) as caught:
        parse_spm_fields("kesehatan, olahraga")
    assert caught.value.token == "olahraga"


@given(st.lists(st.sampled_from(SPM_FIELDS), min_size=1), st.sampled_from([", ", ",", ";", " dan ", "/"]))
def test_any_list_of_codes_reads_back_in_order(codes: list[str], separator: str) -> None:
    parsed = parse_spm_fields(separator.join(codes))
    assert parsed == [code for code in SPM_FIELDS if code in codes]


def test_seed_without_demo_loads_the_regions_only_and_says_so(empty_db_url: str, tmp_path: Path) -> None:
    assert run(["db", "upgrade"], empty_db_url).returncode == 0
    seeded = run(["seed"], empty_db_url)
    assert seeded.returncode == 0, seeded.stderr
    assert "Tidak ada Posyandu atau orang yang dibuat" in seeded.stdout
    assert "kaderbot admin import-posyandu" in seeded.stdout
    counts = {
        t: int(query(empty_db_url, f"SELECT count(*) FROM {t}")[0][0])
        for t in ("region", "posyandu", "person")
    }
    assert counts["region"] > 100 and counts["posyandu"] == 0 and counts["person"] == 0
    # … so a real list can be imported straight away.
    result = run(["admin", "import-posyandu", str(xlsx(tmp_path / "a.xlsx", GOOD[:3]))], empty_db_url)
    assert result.returncode == 0 and "3 baru" in result.stdout, result.stdout


async def test_a_pos_pelayanan_belongs_to_its_lembaga(kaderbot: KaderBot) -> None:
    from sqlalchemy import select

    from handlers.posyandu.institution import institution_id_of, institution_of, rows_of
    from storage.models import Posyandu

    async with kaderbot.db.sessions() as session:
        by_code = {p.code: p for p in await session.scalars(select(Posyandu))}
        lembaga, pos = by_code["PY-6501-0002"], by_code["PY-6501-0002-01"]  # the demo's pair
        assert (lembaga.kind, pos.kind) == ("lembaga", "pos")
        assert await institution_of(session, pos) is lembaga
        assert await institution_of(session, lembaga) is lembaga
        assert await institution_id_of(session, pos.id) == lembaga.id
        assert [p.code for p in await rows_of(session, lembaga)] == ["PY-6501-0002", "PY-6501-0002-01"]
        assert lembaga.spm_fields == list(SPM_FIELDS) and by_code["PY-6402-0001"].spm_fields == ["kesehatan"]
