"""End to end on WhatsApp: a new cadre registers and files a monthly report with buttons, lists,
typed numbers and a photo, over real HTTP; and `kaderbot run` serving the webhook as a process."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from storage.models import Cadre, MonthlyReport, Person, Posyandu
from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.graph_api import FakeGraphAPI
from tests.postgres import free_port
from tests.test_whatsapp_server import (  # noqa: F401 - shared fixtures
    TOKEN,
    VERIFY_TOKEN,
    Served,
    app_fixture,
    fake_fixture,
    graph_api_fixture,
)

ANI = "6281377788899"
PHOTO_ID = "1043289516782345"
PHOTO = b"\xff\xd8\xff\xe0" + b"posyandu-melati-1" * 64


async def test_cadre_registers_and_files_a_monthly_report_on_whatsapp(app: Served) -> None:
    ani = app.user(ANI, name="Ani")

    # Welcome, language, consent, role: reply buttons.
    await ani.say("Halo")
    assert ani.titles == ["Bahasa Indonesia", "English"]
    await ani.tap("Indonesia")
    assert ani.titles == ["Setuju", "Tidak setuju"]
    await ani.tap("Setuju")
    await ani.tap("kader")

    # Name and phone are typed; a number question offers only "Kembali" as a button.
    assert "nama lengkap" in ani.text
    await ani.say("Ani Suryani")
    assert ani.interactive["type"] == "button" and ani.titles == ["◀ Kembali"]
    await ani.say("0812 3456 7890")

    # Kabupaten: four options (three and "Kembali") → a list, numbered so typing works too.
    assert ani.interactive["type"] == "list"
    assert ani.titles == ["1. Balikpapan", "2. Bulungan", "3. Kutai Kartanegara", "4. ◀ Kembali"]
    await ani.tap("Kutai Kartanegara")

    # Kutai Kartanegara has 18 kecamatan with desa listed: a paged list, ten rows at most per page.
    assert ani.interactive["action"]["sections"][0]["title"] == "Halaman 1/3"
    assert ani.titles[0] == "1. Anggana" and ani.titles[-1] == "Lainnya…"
    assert len(ani.rows) == 10
    await ani.tap("Lainnya")
    assert ani.titles[0] == "◀ Sebelumnya" and ani.titles[1] == "10. Muara Kaman"
    assert ani.titles[-1] == "Lainnya…" and len(ani.rows) == 10
    await ani.tap("Lainnya")
    assert ani.titles == ["◀ Sebelumnya", "18. Tenggarong Seberang", "19. ◀ Kembali"]
    await ani.tap("◀ Sebelumnya")
    await ani.tap("17. Tenggarong")

    # Desa: 15 options, paged. Melayu is number 10, on the second page: typing "10" picks it.
    assert "Tenggarong" in ani.text and "Lainnya…" in ani.titles
    assert not any("Melayu" in title for title in ani.titles)
    await ani.say("10")
    assert "Melayu" in ani.text
    await ani.tap("Melati 1")
    assert "4. Anggota" in ani.titles
    await ani.say("anggota")  # typing the label works as well as tapping it

    # The summary: three buttons.
    assert "Ani Suryani" in ani.text and "+6281234567890" in ani.text
    assert ani.titles == ["✅ Kirim", "✏️ Ubah", "✖ Batal"]
    await ani.tap("Kirim")
    assert "menunggu verifikasi" in ani.text

    # The monthly report, from the main menu (a list of four).
    await ani.tap("Lapor")
    await ani.tap("November 2026")
    await ani.tap("tempat biasa")

    # The usual-day button is too long for a 20-character title: cut at a word, full label in the body.
    assert ani.titles == ["Hari ini", "8 November 2026…", "◀ Kembali"]
    assert "8 November 2026 (jadwal biasa)" in ani.interactive["body"]["text"]
    await ani.tap("8 November")

    for count in ("40", "35", "30", "25", "3", "30", "2", "5", "10", "1", "8", "12"):
        await ani.say(count)
    await ani.tap("tetap 12")  # vitamin A in November is unusual: a soft check asks, Ani keeps it
    await ani.say("Lancar, hujan sedikit")

    # The photo arrives as an image message; its bytes are downloaded into the media store at once.
    await ani.photo(PHOTO_ID, PHOTO)
    assert "Foto diterima" in ani.text
    await ani.tap("Selesai")
    assert "Ringkasan laporan November 2026" in ani.text
    await ani.tap("Kirim")
    assert "Laporan November 2026 sudah tersimpan" in ani.text

    async with app.kaderbot.db.sessions() as session:
        person = (await session.execute(select(Person).where(Person.full_name == "Ani Suryani"))).scalar_one()
        cadre = (await session.execute(select(Cadre).where(Cadre.person_id == person.id))).scalar_one()
        posyandu = await session.get(Posyandu, cadre.posyandu_id)
        report = (
            await session.execute(select(MonthlyReport).where(MonthlyReport.posyandu_id == cadre.posyandu_id))
        ).scalar_one()
    assert person.role == "cadre" and person.phone == "+6281234567890"
    assert posyandu is not None and posyandu.name == "Posyandu Melati 1"
    assert (cadre.position, cadre.verification) == ("anggota", "pending")
    assert report.month == dt.date(2026, 11, 1)
    assert (report.held, report.held_on) == ("usual_place", dt.date(2026, 11, 8))
    assert (report.s, report.k, report.d, report.n) == (40, 35, 30, 25)
    assert report.visits == {"ibu_hamil": 3, "balita": 30, "remaja": 2, "usia_produktif": 5, "lansia": 10}
    assert (report.referrals_gizi, report.immunizations, report.vitamin_a) == (1, 8, 12)
    assert report.notes == "Lancar, hujan sedikit"
    assert report.photos == [{"ref": PHOTO_ID, "mime_type": "image/jpeg", "media_id": 1}]
    assert report.submitted_by == person.id

    # The stored media id downloads through the Graph API (URL lookup, then the CDN with the token).
    assert await app.channel.download(PHOTO_ID) == PHOTO
    lookup, download = app.fake.calls()[-2:]
    assert lookup.method == "GET" and lookup.endpoint == f"/{PHOTO_ID}"
    assert download.query["mid"] == PHOTO_ID and download.headers["authorization"] == f"Bearer {TOKEN}"

    # Every message respected WhatsApp's limits (the fake refuses what Meta refuses) and is on record.
    assert app.fake.failed_sends() == []
    sent = app.fake.sent_messages(to=ANI)
    rows = await app.outbound(ANI)
    assert [r.wamid for r in rows] == [c.response["messages"][0]["id"] for c in app.fake.calls() if c.is_send]
    assert {r.kind for r in rows} == {"reply"} and len(rows) == len(sent)


# ---------------------------------------------------------------------- kaderbot run


def _wait_until_serving(process: subprocess.Popen[bytes], url: str, timeout: float = 30.0) -> None:
    """Poll /healthz until the server answers (bounded), failing early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kaderbot run exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError("kaderbot run did not start serving")


def test_kaderbot_run_serves_the_whatsapp_webhook(db_url: str, fake: FakeGraphAPI, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    env.update(
        DATABASE_URL=db_url,
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(port),
        WHATSAPP_PHONE_NUMBER_ID=wh.PHONE_NUMBER_ID,
        WHATSAPP_TOKEN=TOKEN,
        WHATSAPP_APP_SECRET=wh.APP_SECRET,
        WHATSAPP_VERIFY_TOKEN=VERIFY_TOKEN,
        WHATSAPP_API_BASE_URL=fake.base_url,
        PYTHONPATH=str(Path(__file__).resolve().parent.parent),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(process, f"{base}/healthz")
        health = httpx.get(f"{base}/healthz").json()
        challenge = httpx.get(
            f"{base}/whatsapp/webhook",
            params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
        )
        raw = wh.encode(wh.text_message("6281299990000", "Halo"))
        forged = httpx.post(
            f"{base}/whatsapp/webhook", content=raw, headers={"X-Hub-Signature-256": "sha256=00"}
        )
        signed = httpx.post(
            f"{base}/whatsapp/webhook", content=raw, headers={"X-Hub-Signature-256": wh.sign(raw)}
        )
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert health == {"ok": True, "database": True, "whatsapp": True}, stderr.decode()
    assert (challenge.status_code, challenge.text) == (200, "42")
    assert forged.status_code == 401
    assert signed.status_code == 200
    (welcome,) = fake.sent_messages(to="6281299990000")
    assert welcome["interactive"]["action"]["buttons"][0]["reply"]["title"] == "Bahasa Indonesia"
