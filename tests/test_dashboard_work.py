"""The dashboard's desk work over HTTP (issue #18, point 4): the workbook downloaded from /dasbor/ekspor
is the chat's /ekspor workbook; a month marked paid on /dasbor/insentif is what the cadre's /insentif
shows; a training created on /dasbor/pelatihan (with the chat form's rules and reasons) is the one
cadres sign up for in chat, and the attendance recorded there is what the chat shows. A coordinator
of another region is refused each page and action by URL or form tampering; a form without the
session's CSRF token is refused."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from bot.app import KaderBot
from handlers.types import File
from storage.models import Posyandu
from storage.models_incentives import IncentiveStatus
from storage.models_outbox import AuditLog
from storage.models_training import Training
from tests.chat import Chat, Clock
from tests.dashboard_support import KUKAR, TENGGARONG, file_reports
from tests.test_dashboard import CSRF, client, sign_in
from tests.test_scheduler_reminders import send_report, wita
from tests.test_training_seats import sign_up

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A valid new training's form, for Kukar (a title added where it is used).
A_TRAINING = {
    "certified": "no",
    "date": "2026-12-20",
    "time": "09:00",
    "place": "Aula Tenggarong",
    "quota": "5",
    "region": KUKAR,
}
FORMULA_NAME = '=HYPERLINK("http://evil.example","Klik")'


def cells(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: [tuple(c.value for c in row) for row in sheet.iter_rows()] for sheet in book}


async def token(http: httpx.AsyncClient, url: str) -> str:
    page = await http.get(url)
    assert page.status_code == 200, page.text
    return CSRF.search(page.text)[1]


async def audit_count(kaderbot: KaderBot, action: str) -> int:
    async with kaderbot.db.sessions() as session:
        return (
            await session.execute(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))
        ).scalar_one()


async def test_the_downloaded_workbook_is_the_chats_export(kaderbot: KaderBot) -> None:
    await file_reports(kaderbot)
    async with kaderbot.db.sessions() as session, session.begin():  # a name someone typed as a formula
        await session.execute(
            update(Posyandu).where(Posyandu.code == "PY-6402-0002").values(name=FORMULA_NAME)
        )
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/ekspor 2026-10")
    [sent] = [r for r in siti.replies if isinstance(r, File)]
    async with client(kaderbot) as web:
        await sign_in(kaderbot, web)
        page = await web.get("/dasbor/ekspor")
        assert (
            page.status_code == 200 and '<option value="2026-10" selected>Oktober 2026<' in page.text
        )  # the recap's month
        assert f'<option value="{TENGGARONG}"' in page.text  # a kecamatan of hers can be picked too
        download = await web.post(
            "/dasbor/ekspor",
            data={"csrf_token": CSRF.search(page.text)[1], "wilayah": KUKAR, "bulan": "2026-10"},
        )
    assert download.status_code == 200
    assert download.headers["content-type"] == MIME
    assert download.headers["content-disposition"] == f'attachment; filename="{sent.filename}"'
    assert sent.filename == "rekap-posyandu-6402-2026-10.xlsx"
    assert download.headers["cache-control"] == "no-store"
    downloaded, chats = cells(download.content), cells(sent.data)
    assert downloaded == chats and len(downloaded) > 1
    # The formula-looking name is text in the download, not a formula.
    book = load_workbook(io.BytesIO(download.content))
    found = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value == FORMULA_NAME]
    assert found and all(c.data_type == "s" for c in found)
    async with kaderbot.db.sessions() as session:
        entries = list(
            (await session.execute(select(AuditLog).where(AuditLog.action == "export.xlsx"))).scalars()
        )
    assert [e.actor for e in entries] == ["Siti Rahmawati", "Siti Rahmawati"]
    assert entries[0].details == entries[1].details
    assert entries[1].details["region_code"] == KUKAR and entries[1].details["month"] == "2026-10"


async def test_a_month_marked_paid_on_the_web_is_what_the_cadre_sees_in_chat(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sari = Chat(kaderbot.core, "sari")
    await send_report(sari, clock, wita(2026, 11, 5, 20, 0), month="Oktober 2026")
    clock.now = wita(2026, 11, 20, 10, 0)
    async with client(kaderbot) as web:
        await sign_in(kaderbot, web)
        page = await web.get(f"/dasbor/insentif?wilayah={KUKAR}&bulan=2026-10")
        assert page.status_code == 200
        row = re.search(
            r"<tr data-cadre=\"\d+\">\s*<td class=\"name\">Sari Wulandari</td>(.*?)</tr>", page.text, re.S
        )
        assert row and 'data-status="memenuhi_syarat"' in row[1]
        assert 'data-count="memenuhi_syarat">1<' in page.text
        form = {"wilayah": KUKAR, "bulan": "2026-10", "status": "dibayar"}
        refused = await web.post("/dasbor/insentif", data=form)  # no token: nothing marked
        assert refused.status_code == 403
        async with kaderbot.db.sessions() as session:
            assert (
                await session.execute(select(func.count()).select_from(IncentiveStatus))
            ).scalar_one() == 0
        marked = await web.post("/dasbor/insentif", data={**form, "csrf_token": CSRF.search(page.text)[1]})
        assert marked.status_code == 200
        assert "1 kader di Kutai Kartanegara ditandai dibayar untuk Oktober 2026" in marked.text
        row = re.search(r"<td class=\"name\">Sari Wulandari</td>(.*?)</tr>", marked.text, re.S)
        assert row and 'data-status="dibayar"' in row[1]
        # A month whose deadline has not passed cannot be marked (nor opened), as in chat.
        early = await web.post(
            "/dasbor/insentif", data={**form, "bulan": "2026-11", "csrf_token": CSRF.search(page.text)[1]}
        )
        assert early.status_code == 404
    await sari.say("/insentif")
    assert "💸 Oktober 2026: dibayar 20 November 2026 (Rp250.000)" in sari.text
    assert await audit_count(kaderbot, "incentive.dibayar") == 1
    assert await audit_count(kaderbot, "personal.list") == 2  # the named list, shown twice


async def test_a_training_made_on_the_web_is_the_chats_and_so_is_its_attendance(
    kaderbot: KaderBot, clock: Clock
) -> None:
    title = "Pelatihan Pencatatan Posyandu 6 SPM"
    async with client(kaderbot) as web:
        await sign_in(kaderbot, web)
        csrf = await token(web, "/dasbor/pelatihan/baru")
        typed = {
            "csrf_token": csrf,
            "title": "ab",
            "certified": "yes",
            "date": "2026-11-01",  # before today (20 November 2026)
            "time": "09:00",
            "place": "Aula Dinas Kesehatan Kukar, Tenggarong",
            "quota": "0",
            "region": KUKAR,
        }
        wrong = await web.post("/dasbor/pelatihan/baru", data=typed)
        assert wrong.status_code == 422
        errors = dict(re.findall(r'data-error="(\w+)">([^<]*)<', wrong.text))
        assert errors == {
            "title": "Jawaban terlalu pendek (paling sedikit 5 huruf).",
            "date": "Waktu itu sudah lewat. Mohon pilih waktu yang akan datang.",
            "quota": "Angka paling kecil 1.",
        }
        assert 'value="Aula Dinas Kesehatan Kukar, Tenggarong"' in wrong.text  # nothing typed is lost
        assert 'value="ab"' in wrong.text and 'value="0"' in wrong.text
        async with kaderbot.db.sessions() as session:
            assert (await session.execute(select(func.count()).select_from(Training))).scalar_one() == 0
        made = await web.post(
            "/dasbor/pelatihan/baru", data={**typed, "title": title, "date": "2026-12-03", "quota": "2"}
        )
        assert made.status_code == 303
        training_url = made.headers["location"]
        listed = await web.get("/dasbor/pelatihan")
        assert title in listed.text and f'href="{training_url}"' in listed.text

        sari = Chat(kaderbot.core, "sari")
        assert "Pendaftaran berhasil" in await sign_up(sari, title)
        assert "Sisa tempat: 1 dari 2" in sari.text

        before = await web.get(training_url)
        assert "Sari Wulandari" in before.text and 'name="hadir_' not in before.text  # not its day yet
        clock.now = wita(2026, 12, 3, 12, 0)  # the training's day: a new working session
        await sign_in(kaderbot, web)
        page = await web.get(training_url)
        seat = re.search(r'name="hadir_(\d+)"', page.text)
        assert seat is not None
        saved = await web.post(
            f"{training_url}/kehadiran",
            data={"csrf_token": CSRF.search(page.text)[1], f"kursi_{seat[1]}": "1", f"hadir_{seat[1]}": "1"},
        )
        assert saved.status_code == 200 and "Kehadiran disimpan: 1 kader hadir." in saved.text
        assert 'data-col="attended">1<' in saved.text
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/pelatihan")
    await siti.press(title)
    assert "Sari Wulandari ✅ hadir" in siti.text and "Terdaftar: 1/2" in siti.text
    await sari.say("/sertifikat")
    assert title in sari.text
    async with kaderbot.db.sessions() as session:
        training = (await session.execute(select(Training))).scalar_one()
    assert training.certified and training.quota == 2 and training.region_code == KUKAR
    assert wita(2026, 12, 3, 9, 0) == training.starts_at
    assert await audit_count(kaderbot, "training.create") == 1
    # The participants' names were seen twice on the web (before and on its day) and once in chat.
    assert await audit_count(kaderbot, "personal.list") == 4


async def kukar_training(kaderbot: KaderBot, clock: Clock) -> int:
    """A Kukar training Sari signed up for, on the day it is held."""
    siti, sari = Chat(kaderbot.core, "siti"), Chat(kaderbot.core, "sari")
    await siti.say("/pelatihan_baru")
    for said in ("Pelatihan Kader Kukar", "Ya, bersertifikat", "3/12/2026", "09.00", "Aula Tenggarong", "5"):
        await (siti.press(said) if said in ("Ya, bersertifikat", "09.00") else siti.say(said))
    await siti.press("Seluruh Kutai Kartanegara")
    await siti.press("Kirim")
    assert "Pendaftaran berhasil" in await sign_up(sari, "Pelatihan Kader Kukar")
    clock.now = wita(2026, 12, 3, 12, 0)
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(Training.id))).scalar_one()


async def test_a_coordinator_of_another_region_is_refused_each_page_and_action(
    kaderbot: KaderBot, clock: Clock
) -> None:
    await file_reports(kaderbot)
    training_id = await kukar_training(kaderbot, clock)
    async with client(kaderbot) as yohana:
        await sign_in(kaderbot, yohana, "yohana")  # Kota Balikpapan
        csrf = await token(yohana, "/dasbor/pelatihan")
        for url in (
            f"/dasbor/ekspor?wilayah={KUKAR}",
            f"/dasbor/ekspor?wilayah={TENGGARONG}&bulan=2026-10",
            f"/dasbor/insentif?wilayah={KUKAR}",
            f"/dasbor/insentif?wilayah={KUKAR}&bulan=2026-10",
            f"/dasbor/pelatihan/{training_id}",
        ):
            response = await yohana.get(url)
            assert response.status_code == 403, url
            assert "di luar wilayah tugas" in response.text and "Sari" not in response.text
        for url, form in (
            ("/dasbor/ekspor", {"wilayah": KUKAR, "bulan": "2026-10"}),
            ("/dasbor/insentif", {"wilayah": KUKAR, "bulan": "2026-10", "status": "dibayar"}),
            (f"/dasbor/pelatihan/{training_id}/kehadiran", {"kursi_1": "1", "hadir_1": "1"}),
            (
                "/dasbor/pelatihan/baru",
                {**A_TRAINING, "title": "Pelatihan Palsu"},
            ),
        ):
            response = await yohana.post(url, data={**form, "csrf_token": csrf})
            assert response.status_code == 403, url
        listed = await yohana.get("/dasbor/pelatihan")
        assert listed.status_code == 200 and "Pelatihan Kader Kukar" not in listed.text
        own = await yohana.get("/dasbor/ekspor")
        assert own.status_code == 200 and 'value="64.71"' in own.text and KUKAR not in own.text
        assert (await yohana.get("/dasbor/pelatihan/999999")).status_code == 404
    # Nothing happened: no export, no mark, no attendance, no training.
    assert await audit_count(kaderbot, "export.xlsx") == 0
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(IncentiveStatus))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(Training))).scalar_one() == 1
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/pelatihan")
    await siti.press("Pelatihan Kader Kukar")
    assert "hadir: 0" in siti.text


async def test_a_form_without_the_sessions_csrf_token_is_refused(kaderbot: KaderBot, clock: Clock) -> None:
    await file_reports(kaderbot)
    training_id = await kukar_training(kaderbot, clock)
    async with client(kaderbot) as web:
        await sign_in(kaderbot, web)
        page = await web.get(f"/dasbor/pelatihan/{training_id}")
        seat = re.search(r'name="hadir_(\d+)"', page.text)
        assert seat is not None
        forms = {
            "/dasbor/ekspor": {"wilayah": KUKAR, "bulan": "2026-10"},
            "/dasbor/insentif": {"wilayah": KUKAR, "bulan": "2026-10", "status": "dibayar"},
            f"/dasbor/pelatihan/{training_id}/kehadiran": {f"kursi_{seat[1]}": "1", f"hadir_{seat[1]}": "1"},
            "/dasbor/pelatihan/baru": {**A_TRAINING, "title": "Pelatihan Tanpa Token"},
        }
        for url, form in forms.items():
            for forged in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}):
                response = await web.post(url, data={**form, **forged})
                assert response.status_code == 403, (url, forged)
                assert "tidak sah" in response.text
                assert response.headers["content-type"].startswith("text/html")
    assert await audit_count(kaderbot, "export.xlsx") == 0
    assert await audit_count(kaderbot, "incentive.dibayar") == 0
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Training))).scalar_one() == 1
        statuses = (await session.execute(select(func.count()).select_from(IncentiveStatus))).scalar_one()
        assert statuses == 0
    siti = Chat(kaderbot.core, "siti")
    await siti.say("/pelatihan")
    await siti.press("Pelatihan Kader Kukar")
    assert "hadir: 0" in siti.text
