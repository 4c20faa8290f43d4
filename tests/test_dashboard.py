"""The coordinators' web dashboard over HTTP (issue #18): the one-time link from /dasbor opens a
session; a used, expired or foreign link does not; every page of a region is refused to a
coordinator of another region, whatever the URL says; a form without its CSRF token is refused;
the overview prints the numbers the database holds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import select

from bot.app import KaderBot, build
from bot.settings import load_settings
from bot.web import create_web_app
from storage.models import MonthlyReport, Person, Posyandu, Region
from storage.models_outbox import AuditLog
from storage.models_tickets import Ticket
from storage.repositories import scopes
from tests.chat import Chat, Clock
from tests.dashboard_support import (
    KUKAR,
    MELAYU,
    OCTOBER,
    TENGGARONG,
    attach_photos,
    database_figures,
    file_reports,
    login_link,
)
from tests.fakes.bot_api import TINY_JPEG
from tests.outbox_support import file_ticket

BALIKPAPAN_DESA = "64.71.01.1001"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FIGURE = re.compile(r'data-figure="(\w+)">([^<]*)<')


def client(kaderbot: KaderBot, base_url: str = "http://127.0.0.1:8080") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_web_app(kaderbot, [])), base_url=base_url
    )


@pytest.fixture
async def web(kaderbot: KaderBot) -> AsyncIterator[httpx.AsyncClient]:
    async with client(kaderbot) as http:
        yield http


async def sign_in(kaderbot: KaderBot, http: httpx.AsyncClient, address: str = "siti") -> httpx.Response:
    """Type /dasbor, open the link, press 'Masuk': the response is the redirect to the overview."""
    _, path = await login_link(kaderbot, address)
    page = await http.get(path)
    assert page.status_code == 200, page.text
    signed = await http.post(path, data={"csrf_token": CSRF.search(page.text)[1]})
    assert signed.status_code == 303, signed.text
    return signed


def figures(html: str) -> dict[str, str]:
    return dict(FIGURE.findall(html))


async def test_the_link_from_chat_opens_a_session_on_the_coordinators_region(
    kaderbot: KaderBot, web: httpx.AsyncClient
) -> None:
    base, path = await login_link(kaderbot, "siti")
    assert base == "http://127.0.0.1:8080"  # http://WEB_HOST:WEB_PORT when DASHBOARD_BASE_URL is unset
    # Opening the link only shows the button: a chat app's link preview does not spend it.
    assert (await web.get(path)).status_code == 200
    page = await web.get(path)
    assert "Masuk" in page.text
    signed = await web.post(path, data={"csrf_token": CSRF.search(page.text)[1]})
    assert signed.status_code == 303 and signed.headers["location"] == "/dasbor"
    cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith("kb_dasbor="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dasbor" in cookie
    assert "Secure" not in cookie  # served over plain http here
    async with kaderbot.db.sessions() as session:
        audited = (
            await session.execute(select(AuditLog).where(AuditLog.action == "dashboard.sign_in"))
        ).scalars()
        assert [entry.actor for entry in audited] == ["Siti Rahmawati"]
    home = await web.get("/dasbor")
    assert home.status_code == 303 and home.headers["location"] == f"/dasbor/wilayah/{KUKAR}"
    overview = await web.get(home.headers["location"])
    assert overview.status_code == 200
    assert "Siti Rahmawati" in overview.text and "Kutai Kartanegara" in overview.text
    assert overview.headers["cache-control"] == "no-store"
    assert overview.headers["referrer-policy"] == "no-referrer"


async def test_overview_numbers_equal_the_database(kaderbot: KaderBot, web: httpx.AsyncClient) -> None:
    await file_reports(kaderbot)
    september = {"PY-6402-0004": ("usual_place", 10, 8, 6, dt.datetime(2026, 10, 2, 3, 0, tzinfo=dt.UTC))}
    await file_reports(kaderbot, dt.date(2026, 9, 1), september)
    await sign_in(kaderbot, web)
    kukar = await web.get(f"/dasbor/wilayah/{KUKAR}")  # October: the latest month past its deadline
    assert "Oktober 2026" in kukar.text
    expected = await database_figures(kaderbot, KUKAR)
    assert expected["reported"] == "3" and expected["late"] == "1"  # the data the test is about
    assert figures(kukar.text) == expected
    # The trend: twelve months up to October, each as reported / total in the database.
    trend = re.findall(r'data-month="([\d-]+)" data-reported="(\d+)" data-total="(\d+)"', kukar.text)
    assert [m for m, _, _ in trend] == [f"2025-{m:02d}" for m in (11, 12)] + [
        f"2026-{m:02d}" for m in range(1, 11)
    ]
    assert trend[-1][1:] == (expected["reported"], expected["total"])
    for month, reported, total in trend[:-1]:
        counted = await database_figures(kaderbot, KUKAR, dt.date.fromisoformat(f"{month}-01"))
        assert (reported, total) == (counted["reported"], counted["total"])
    assert trend[-2][1] == "1"  # September's one report
    # One row per kecamatan with Posyandu; Tenggarong's figures are the database's too.
    row = re.search(rf'<tr data-line="{TENGGARONG}">(.*?)</tr>', kukar.text, re.S)
    assert row is not None
    tenggarong = await database_figures(kaderbot, TENGGARONG)
    cells = dict(re.findall(r'data-col="(\w+)">([^<]*)<', row[1]))
    assert cells == {
        "reported": f"{tenggarong['reported']}/{tenggarong['total']}",
        "on_time": tenggarong["on_time"],
        "late": tenggarong["late"],
        "ds": tenggarong["ds"],
        "nd": tenggarong["nd"],
    }
    # Drill down: the kecamatan, the desa, then a Posyandu and its report.
    assert figures((await web.get(f"/dasbor/wilayah/{TENGGARONG}?bulan=2026-10")).text) == tenggarong
    desa = await web.get(f"/dasbor/wilayah/{MELAYU}?bulan=2026-10")
    assert figures(desa.text) == await database_figures(kaderbot, MELAYU)
    async with kaderbot.db.sessions() as session:
        melati = (await session.execute(select(Posyandu).where(Posyandu.code == "PY-6402-0001"))).scalar_one()
    assert f'href="/dasbor/posyandu/{melati.id}?bulan=2026-10"' in desa.text
    report = await web.get(f"/dasbor/posyandu/{melati.id}?bulan=2026-10")
    assert report.status_code == 200 and melati.name in report.text
    assert re.search(r'data-col="skdn">40 · 40 · 30 · 20<', report.text)
    assert 'data-col="ds">75%<' in report.text and "Tepat waktu" in report.text
    # Another month has its own figures: November has no report yet.
    november = await web.get(f"/dasbor/wilayah/{KUKAR}?bulan=2026-11")
    assert figures(november.text)["reported"] == "0"
    for month in ("2027-01", "0001-01", "2026-13", "nov"):  # the future, the calendar's edge, nonsense
        assert (await web.get(f"/dasbor/wilayah/{KUKAR}?bulan={month}")).status_code == 404
        assert (await web.get(f"/dasbor/posyandu/{melati.id}?bulan={month}")).status_code == 404


async def test_the_report_page_shows_its_photos_from_the_media_store(
    kaderbot: KaderBot, web: httpx.AsyncClient
) -> None:
    await file_reports(kaderbot)
    second = TINY_JPEG + b"second picture"  # another JPEG: different bytes, its own object
    melati = await attach_photos(kaderbot, "PY-6402-0001", [TINY_JPEG, second])
    await sign_in(kaderbot, web)
    report = await web.get(f"/dasbor/posyandu/{melati}?bulan=2026-10")
    sources = re.findall(r'<img src="(/dasbor/posyandu/\d+/foto/\d+)"', report.text)
    assert len(sources) == 2 and 'data-photos="2"' in report.text, report.text
    assert "Foto kegiatan (2)" in report.text
    pictures = [await web.get(src) for src in sources]
    assert [p.status_code for p in pictures] == [200, 200]
    assert [p.content for p in pictures] == [TINY_JPEG, second]
    for picture in pictures:
        assert picture.headers["content-type"] == "image/jpeg"
        assert picture.headers["cache-control"] == "no-store"
        assert picture.headers["x-content-type-options"] == "nosniff"
    assert 'filename="laporan-2026-10-2.jpg"' in pictures[1].headers["content-disposition"]
    # A month without photos shows none; a photo of another Posyandu's report is not this one's.
    assert "<img" not in (await web.get(f"/dasbor/posyandu/{melati}?bulan=2026-09")).text
    async with kaderbot.db.sessions() as session:
        sedap = (
            await session.execute(select(Posyandu.id).where(Posyandu.code == "PY-6402-0002"))
        ).scalar_one()
    media_id = sources[0].rsplit("/", 1)[1]
    assert (await web.get(f"/dasbor/posyandu/{sedap}/foto/{media_id}")).status_code == 404
    assert (await web.get(f"/dasbor/posyandu/{melati}/foto/999999")).status_code == 404
    # Yohana, coordinator of Balikpapan, is refused the photo itself, not only the page.
    async with client(kaderbot) as other:
        await sign_in(kaderbot, other, "yohana")
        refused = await other.get(sources[0])
        assert refused.status_code == 403 and refused.content != TINY_JPEG
    async with client(kaderbot) as nobody:
        assert (await nobody.get(sources[0])).status_code == 401


async def test_a_used_or_expired_link_is_refused(kaderbot: KaderBot, clock: Clock) -> None:
    _, path = await login_link(kaderbot, "siti")
    async with client(kaderbot) as first:
        page = await first.get(path)
        token = CSRF.search(page.text)[1]
        assert (await first.post(path, data={"csrf_token": token})).status_code == 303
        # Used: neither the page nor a second press opens anything, in this browser or another.
        assert (await first.post(path, data={"csrf_token": token})).status_code == 403
        again = await first.get(path)
        assert again.status_code == 403 and "sudah dipakai" in again.text
    async with client(kaderbot) as other:
        assert (await other.get(path)).status_code == 403
        assert (await other.get("/dasbor")).status_code == 401
    _, late = await login_link(kaderbot, "siti")
    async with client(kaderbot) as browser:
        page = await browser.get(late)
        clock.advance(minutes=10, seconds=1)
        refused = await browser.post(late, data={"csrf_token": CSRF.search(page.text)[1]})
        assert refused.status_code == 403 and "kedaluwarsa" in refused.text
        assert "kb_dasbor=" not in refused.headers.get("set-cookie", "")
        assert (await browser.get(late)).status_code == 403
        assert (await browser.get("/dasbor/masuk/not-a-token")).status_code == 403


async def test_a_link_opens_only_its_own_persons_dashboard(
    kaderbot: KaderBot, web: httpx.AsyncClient
) -> None:
    await sign_in(kaderbot, web, "yohana")  # coordinator of Kota Balikpapan
    home = await web.get("/dasbor")
    assert home.headers["location"] == "/dasbor/wilayah/64.71"
    page = await web.get("/dasbor/wilayah/64.71")
    assert "Yohana Pasulu" in page.text and "Siti Rahmawati" not in page.text


async def every_kukar_url(kaderbot: KaderBot) -> list[str]:
    async with kaderbot.db.sessions() as session:
        regions = (
            await session.execute(select(Region.code).where(scopes.under(Region.code, KUKAR)))
        ).scalars()
        posyandu = (
            await session.execute(select(Posyandu.id).where(scopes.under(Posyandu.region_code, KUKAR)))
        ).scalars()
        regions_seen = list(regions)
        urls = [f"/dasbor/wilayah/{code}" for code in regions_seen]
        urls += [f"/dasbor/posyandu/{posyandu_id}" for posyandu_id in posyandu]
        tickets = await session.execute(select(Ticket.number).where(scopes.under(Ticket.region_code, KUKAR)))
        urls += [f"/dasbor/tiket/{number}" for number in tickets.scalars()]  # the helpdesk threads
        photos = await session.execute(
            select(MonthlyReport.posyandu_id, MonthlyReport.photos)
            .join(Posyandu, Posyandu.id == MonthlyReport.posyandu_id)
            .where(scopes.under(Posyandu.region_code, KUKAR))
        )
        urls += [  # the reports' photos
            f"/dasbor/posyandu/{posyandu_id}/foto/{photo['media_id']}"
            for posyandu_id, found in photos.all()
            for photo in found
        ]
    urls += [f"{url}?bulan=2026-10" for url in urls]
    return urls + [
        f"/dasbor/{page}?wilayah={code}" for page in ("ekspor", "insentif", "kader") for code in regions_seen
    ]


async def test_a_coordinator_of_another_region_is_refused_every_page(
    kaderbot: KaderBot, web: httpx.AsyncClient
) -> None:
    await file_reports(kaderbot)
    await attach_photos(kaderbot, "PY-6402-0001", [TINY_JPEG])
    await file_ticket(kaderbot, "7001", MELAYU)
    await sign_in(kaderbot, web, "yohana")
    urls = await every_kukar_url(kaderbot)
    assert any(url.startswith("/dasbor/tiket/KB-") for url in urls)
    assert any("/foto/" in url for url in urls)
    assert len(urls) > 40
    for url in [*urls, "/dasbor/wilayah/64", "/dasbor/wilayah/65.01", "/dasbor/wilayah/99.99"]:
        response = await web.get(url)
        assert response.status_code == 403, url
        assert "di luar wilayah tugas" in response.text
        assert "data-figure" not in response.text and "data-report" not in response.text
    assert (await web.get("/dasbor/wilayah/64.71")).status_code == 200  # her own still opens
    # Siti, whose region it is, opens every one of them.
    async with client(kaderbot) as siti:
        await sign_in(kaderbot, siti, "siti")
        for url in urls:
            assert (await siti.get(url)).status_code == 200, url


async def test_a_region_taken_away_in_chat_closes_the_dashboard(
    kaderbot: KaderBot, web: httpx.AsyncClient
) -> None:
    await sign_in(kaderbot, web)
    assert (await web.get(f"/dasbor/wilayah/{KUKAR}")).status_code == 200
    async with kaderbot.db.sessions() as session, session.begin():
        siti = (
            await session.execute(select(Person).where(Person.full_name == "Siti Rahmawati"))
        ).scalar_one()
        await scopes.revoke(session, siti, KUKAR)
    assert (await web.get(f"/dasbor/wilayah/{KUKAR}")).status_code == 401


async def test_residents_and_cadres_get_no_link(kaderbot: KaderBot) -> None:
    sari = Chat(kaderbot.core, "sari")  # a verified cadre
    await sari.say("/dasbor")
    assert "bukan untuk peran" in sari.text and "/dasbor/masuk/" not in sari.text


async def test_a_form_without_its_csrf_token_is_refused(kaderbot: KaderBot, web: httpx.AsyncClient) -> None:
    _, path = await login_link(kaderbot, "siti")
    page = await web.get(path)
    # The login form without, or with another, token: refused, and the link is not spent.
    assert (await web.post(path)).status_code == 403
    assert (await web.post(path, data={"csrf_token": "forged"})).status_code == 403
    signed = await web.post(path, data={"csrf_token": CSRF.search(page.text)[1]})
    assert signed.status_code == 303
    overview = await web.get(f"/dasbor/wilayah/{KUKAR}")
    token = CSRF.search(overview.text)[1]
    # Signing out without the session's token (a forged cross-site form) is refused; still signed in.
    for body in ({}, {"csrf_token": ""}, {"csrf_token": token[:-1] + "x"}):
        refused = await web.post("/dasbor/keluar", data=body)
        assert refused.status_code == 403 and "tidak sah" in refused.text
    assert (await web.get(f"/dasbor/wilayah/{KUKAR}")).status_code == 200
    # Another session's token does not do either.
    async with client(kaderbot) as other:
        await sign_in(kaderbot, other, "siti")
        other_token = CSRF.search((await other.get(f"/dasbor/wilayah/{KUKAR}")).text)[1]
    assert other_token != token
    assert (await web.post("/dasbor/keluar", data={"csrf_token": other_token})).status_code == 403
    out = await web.post("/dasbor/keluar", data={"csrf_token": token})
    assert out.status_code == 200 and "Sudah keluar" in out.text
    assert (await web.get(f"/dasbor/wilayah/{KUKAR}")).status_code == 401


async def test_a_session_ends_after_30_idle_minutes(
    kaderbot: KaderBot, web: httpx.AsyncClient, clock: Clock
) -> None:
    await sign_in(kaderbot, web)
    for _ in range(3):  # each click restarts the idle clock
        clock.advance(minutes=25)
        assert (await web.get(f"/dasbor/wilayah/{KUKAR}")).status_code == 200
    clock.advance(minutes=31)
    signed_out = await web.get(f"/dasbor/wilayah/{KUKAR}")
    assert signed_out.status_code == 401 and "Belum masuk" in signed_out.text
    clock.advance(minutes=1)  # ended for good, not only while idle
    assert (await web.get(f"/dasbor/wilayah/{KUKAR}")).status_code == 401


async def test_the_cookie_is_secure_behind_https(db_url: str, clock: Clock) -> None:
    settings = load_settings(database_url=db_url, dashboard_base_url="https://dasbor.example.id/")
    kaderbot = build(settings, clock=clock, strict_messages=True)
    try:
        base, _path = await login_link(kaderbot, "siti")
        assert base == "https://dasbor.example.id"
        async with client(kaderbot, base) as web:
            signed = await sign_in(kaderbot, web)
            cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith("kb_dasbor="))
            assert "Secure" in cookie and "HttpOnly" in cookie
            assert (await web.get(f"/dasbor/wilayah/{KUKAR}")).status_code == 200
    finally:
        await kaderbot.close()


async def test_pages_are_in_the_coordinators_language(kaderbot: KaderBot, web: httpx.AsyncClient) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        siti = (
            await session.execute(select(Person).where(Person.full_name == "Siti Rahmawati"))
        ).scalar_one()
        siti.language = "en"
    await sign_in(kaderbot, web)
    page = await web.get(f"/dasbor/wilayah/{KUKAR}?bulan={OCTOBER:%Y-%m}")
    assert 'lang="en"' in page.text and "October 2026" in page.text and "Reported" in page.text


async def test_the_inbox_lists_the_regions_open_tickets_urgent_first(kaderbot: KaderBot) -> None:
    normal = await file_ticket(kaderbot, "7001", MELAYU)
    urgent = await file_ticket(kaderbot, "7002", MELAYU, urgent=True)
    elsewhere = await file_ticket(kaderbot, "7003", BALIKPAPAN_DESA)
    async with client(kaderbot) as siti:
        await sign_in(kaderbot, siti, "siti")
        page = await siti.get("/dasbor/tiket")
    assert page.status_code == 200
    listed = re.findall(r'data-ticket="([^"]+)"', page.text)
    async with kaderbot.db.sessions() as session:
        open_in_kukar = (
            await session.execute(
                select(Ticket.number)
                .where(scopes.under(Ticket.region_code, KUKAR), Ticket.status.in_(("diterima", "diproses")))
                .order_by(Ticket.urgent.desc(), Ticket.created_at, Ticket.id)
            )
        ).scalars()
        assert listed == list(open_in_kukar)
    assert listed[0] == urgent and normal in listed and elsewhere not in listed
    assert 'data-urgent="1"' in page.text and "DARURAT" in page.text
    # Like the chat's list: no resident's words or name on it (they stay behind /tiket, audited).
    assert "Nenek" not in page.text and "Warga 7001" not in page.text
    assert 'data-col="waiting">11 bulan<' in page.text  # filed on 1 January, seen on 20 November
    async with client(kaderbot) as yohana:
        await sign_in(kaderbot, yohana, "yohana")
        hers = await yohana.get("/dasbor/tiket")
    assert re.findall(r'data-ticket="([^"]+)"', hers.text) == [elsewhere]


async def test_an_admin_picks_among_the_top_regions(kaderbot: KaderBot, web: httpx.AsyncClient) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        siti = (
            await session.execute(select(Person).where(Person.full_name == "Siti Rahmawati"))
        ).scalar_one()
        siti.role = "admin"
    await sign_in(kaderbot, web)
    home = await web.get("/dasbor")
    assert home.status_code == 200
    assert re.findall(r'href="/dasbor/wilayah/([\d.]+)"', home.text) == ["64", "65"]
    assert figures((await web.get("/dasbor/wilayah/65.01")).text) == await database_figures(kaderbot, "65.01")
