"""The dashboard's cadre verification queue and broadcasts over HTTP (issue #18, point 4): verifying
a cadre on a page tells the cadre in chat and is audited as in chat; a broadcast composed on a page
previews the chat's own reachable count, goes out through the outbox, and its progress (a JSON twin
the page's script polls) reaches 100%; a scheduled one waits for its time; a coordinator of another
region is refused each URL and action, whatever the URL or the form says; a form without its CSRF
token is refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time

import httpx
from sqlalchemy import func, select

from bot.app import KaderBot
from bot.notifier import ConsoleNotices
from bot.outbox import OutboxSender
from storage.models import Cadre, Person
from storage.models_outbox import AuditLog, Broadcast, OutboxMessage
from storage.repositories import audience as audience_repo
from tests.chat import Chat, Clock
from tests.dashboard_support import KUKAR
from tests.flows import register_cadre
from tests.outbox_support import MemoryChannel, add_cadres, add_identity, compose_broadcast
from tests.test_coordinator_verify import cadre_of, wrote_from
from tests.test_dashboard import CSRF, client, sign_in
from tests.test_outbox_sender import RunningClock, config, settled

TIMEOUT = 30


def token_of(html: str) -> str:
    return CSRF.search(html)[1]


async def signed_in(kaderbot: KaderBot, http: httpx.AsyncClient, address: str = "siti") -> str:
    """Sign in; the session's CSRF token."""
    await sign_in(kaderbot, http, address)
    return token_of((await http.get("/dasbor/kader")).text)


async def audit_actions(kaderbot: KaderBot) -> list[AuditLog]:
    async with kaderbot.db.sessions() as session:
        return list((await session.execute(select(AuditLog).order_by(AuditLog.id))).scalars())


async def run_sender(kaderbot: KaderBot, channel: MemoryChannel, clock: Clock) -> None:
    sender = OutboxSender(kaderbot.db, kaderbot.catalogues, [channel], config(), clock=RunningClock(clock))
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        deadline = time.monotonic() + TIMEOUT
        while not await settled(kaderbot):
            assert time.monotonic() < deadline, "the sender did not finish"
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


# -- the verification queue -----------------------------------------------------------------------


async def test_verifying_a_cadre_on_the_page_tells_them_in_chat_and_is_audited(
    kaderbot: KaderBot, clock: Clock
) -> None:
    rina = await cadre_of(kaderbot, "Rina Kusumawati")
    assert rina.verification == "pending"
    async with client(kaderbot) as web:
        token = await signed_in(kaderbot, web)
        page = await web.get("/dasbor/kader")
        assert page.status_code == 200
        assert re.findall(r'data-cadre="(\d+)"', page.text) == [str(rina.id)]
        assert "Rina Kusumawati" in page.text and "Posyandu Teratai" in page.text
        assert "<script" not in page.text  # a read-only page works without JavaScript
        decided = await web.post(
            f"/dasbor/kader/{rina.id}", data={"csrf_token": token, "keputusan": "setujui"}
        )
    assert decided.status_code == 200
    assert "✅ Rina Kusumawati sudah diverifikasi." in decided.text
    assert "Rina Kusumawati akan menerima pemberitahuan." in decided.text
    assert "Tidak ada kader yang menunggu verifikasi" in decided.text and 'data-cadre="' not in decided.text

    rina = await cadre_of(kaderbot, "Rina Kusumawati")
    assert rina.verification == "verified" and rina.verified_at == clock.now
    entries = await audit_actions(kaderbot)
    listed = [e for e in entries if e.action == "personal.list"]
    assert listed and listed[0].details == {"what": "verify", "count": 1, "via": "dashboard"}
    [decision] = [e for e in entries if e.action.startswith("cadre.")]
    assert (decision.actor, decision.action, decision.details["cadre_id"]) == (
        "Siti Rahmawati",
        "cadre.verify",
        rina.id,
    )
    # Rina is on the console only: the console shows her the notice before her next turn.
    [notice] = await ConsoleNotices(kaderbot.db, kaderbot.catalogues, clock)("rina")
    assert notice.startswith("Selamat, data Bapak/Ibu sebagai kader Posyandu Teratai sudah diverifikasi")


async def test_rejecting_on_the_page_needs_a_reason_which_reaches_the_cadre(
    kaderbot: KaderBot, clock: Clock
) -> None:
    await add_identity(kaderbot.db, "rina", "telegram", "880013")
    await wrote_from(kaderbot, "telegram", "880013", clock)
    rina = await cadre_of(kaderbot, "Rina Kusumawati")
    async with client(kaderbot) as web:
        token = await signed_in(kaderbot, web)
        # A reason typed wins over the suggestion left selected beside it.
        form = {"csrf_token": token, "keputusan": "tolak", "alasan": "not_cadre", "alasan_lain": " ok "}
        short = await web.post(f"/dasbor/kader/{rina.id}", data=form)
        assert short.status_code == 400 and "Mohon tulis alasan 3 sampai 200 huruf." in short.text
        assert (await cadre_of(kaderbot, "Rina Kusumawati")).verification == "pending"
        form["alasan_lain"] = "Nomor HP   tidak aktif"
        rejected = await web.post(f"/dasbor/kader/{rina.id}", data=form)
        assert rejected.status_code == 200 and "Pendaftaran Rina Kusumawati ditolak." in rejected.text
        # Decided meanwhile (here: already): said so, nothing decided twice.
        again = await web.post(f"/dasbor/kader/{rina.id}", data={"csrf_token": token, "keputusan": "setujui"})
        assert "Kader ini sudah diproses oleh koordinator lain." in again.text
    rina = await cadre_of(kaderbot, "Rina Kusumawati")
    assert rina.verification == "rejected" and rina.rejection_reason == "Nomor HP tidak aktif"
    async with kaderbot.db.sessions() as session:
        [notice] = (await session.execute(select(OutboxMessage))).scalars()
    assert (notice.channel, notice.address, notice.message_key) == (
        "telegram",
        "880013",
        "coordinator.notice.cadre_rejected",
    )
    assert notice.params["reason"] == "Nomor HP tidak aktif"
    assert [e.action for e in await audit_actions(kaderbot) if e.action.startswith("cadre.")] == [
        "cadre.reject"
    ]


# -- broadcasts -----------------------------------------------------------------------------------


def broadcast_form(
    token: str, text: str = "Rapat kader hari Senin jam 09.00", **changes: str
) -> dict[str, str]:
    return {
        "csrf_token": token,
        "teks": text,
        "penerima": "cadres",
        "wilayah": KUKAR,
        "kapan": "now",
        "tanggal": "",
        "jam": "",
    } | changes


async def test_a_broadcast_previews_the_chats_count_and_its_progress_reaches_100_percent(
    kaderbot: KaderBot, clock: Clock
) -> None:
    addresses = await add_cadres(kaderbot.db, count=25, posyandu_code="PY-6402-0001", first_address=31_000)
    async with kaderbot.db.sessions() as session:
        reachable = len(
            (await audience_repo.resolve(session, audience_repo.Audience("cadres", region=KUKAR))).recipients
        )
    # The chat's preview of the same audience says the same number.
    siti_chat = Chat(kaderbot.core, "siti")
    await compose_broadcast(siti_chat, "Rapat kader hari Senin", whole="Kutai Kartanegara")
    await siti_chat.press("Kirim sekarang")
    assert f"Kader di Kutai Kartanegara — {reachable} orang" in siti_chat.text
    async with client(kaderbot) as web:
        token = await signed_in(kaderbot, web)
        compose = await web.get("/dasbor/siaran")
        assert compose.status_code == 200 and f'<option value="{KUKAR}"' in compose.text
        assert "Belum ada siaran" in compose.text
        preview = await web.post("/dasbor/siaran/pratinjau", data=broadcast_form(token))
        assert preview.status_code == 200
        assert f'data-count="{reachable}"' in preview.text
        assert f"Penerima: Kader di Kutai Kartanegara — {reachable} orang." in preview.text
        async with kaderbot.db.sessions() as session:
            assert (await session.execute(select(func.count()).select_from(Broadcast))).scalar_one() == 0
        sent = await web.post("/dasbor/siaran/kirim", data=broadcast_form(token))
        assert sent.status_code == 303
        where = sent.headers["location"]
        number = int(re.fullmatch(r"/dasbor/siaran/(\d+)\?baru=1", where)[1])
        page = await web.get(where)
        assert page.status_code == 200
        assert f"Siaran dikirim ke {reachable} penerima" in page.text
        # Without JavaScript the figures of the moment are on the page; the script is our own file.
        assert re.search(rf'data-progress="total">{reachable}<', page.text)
        assert 'data-progress="percent">0%<' in page.text
        assert '<script src="/dasbor/static/siaran.js" defer></script>' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        script = await web.get("/dasbor/static/siaran.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert "/kemajuan" not in script.text or "data-progress-url" in script.text
        for name in ("../pages.py", "missing.js", "base.html"):
            assert (await web.get(f"/dasbor/static/{name}")).status_code == 404
        before = (await web.get(f"/dasbor/siaran/{number}/kemajuan")).json()
        assert (before["total"], before["sent"], before["percent"], before["finished"]) == (
            reachable,
            0,
            0,
            False,
        )

        channel = MemoryChannel()
        await run_sender(kaderbot, channel, clock)

        after = (await web.get(f"/dasbor/siaran/{number}/kemajuan")).json()
        assert (after["sent"], after["failed"], after["total"], after["percent"]) == (
            reachable,
            0,
            reachable,
            100,
        )
        assert after["finished"] and after["text"]["status"] == "selesai"
        done = await web.get(f"/dasbor/siaran/{number}")
        assert 'data-progress="percent">100%<' in done.text and "data-finished" in done.text
        listed = await web.get("/dasbor/siaran")
        assert f'data-broadcast="{number}"' in listed.text
    assert set(addresses) <= set(channel.addresses())
    assert channel.texts(addresses[0]) == ["Rapat kader hari Senin jam 09.00"]
    [created] = [e for e in await audit_actions(kaderbot) if e.action == "broadcast.create"]
    assert created.actor == "Siti Rahmawati" and created.details["recipients"] == reachable


async def test_a_scheduled_broadcast_goes_out_at_its_time(kaderbot: KaderBot, clock: Clock) -> None:
    addresses = await add_cadres(kaderbot.db, count=3, posyandu_code="PY-6402-0001", first_address=32_000)
    async with client(kaderbot) as web:
        token = await signed_in(kaderbot, web)
        # The past (Friday 20 November, 09:00 WITA is an hour ago) and nonsense are refused, kept as typed.
        for day, hour, said in (
            ("2026-11-20", "09:00", "Waktu itu sudah lewat"),
            ("2026-11-31", "08:00", "Mohon isi tanggal dan jam kirim dengan benar."),
            ("2027-06-01", "08:00", "paling lama 90 hari"),
        ):
            form = broadcast_form(token, kapan="schedule", tanggal=day, jam=hour)
            refused = await web.post("/dasbor/siaran/pratinjau", data=form)
            assert refused.status_code == 400 and said in refused.text
            assert "Rapat kader hari Senin jam 09.00</textarea>" in refused.text
        form = broadcast_form(token, kapan="schedule", tanggal="2026-11-21", jam="08:00")
        preview = await web.post("/dasbor/siaran/pratinjau", data=form)
        assert "Jadwalkan pada Sabtu, 21 November 2026 08.00 WITA" in preview.text
        sent = await web.post("/dasbor/siaran/kirim", data=form)
        assert sent.status_code == 303
        page = await web.get(sent.headers["location"])
        assert "dijadwalkan pada 21 Nov 2026 08.00 WITA" in page.text
        assert 'data-progress="status">terjadwal<' in page.text
    async with kaderbot.db.sessions() as session:
        [broadcast] = (await session.execute(select(Broadcast))).scalars()
    assert broadcast.scheduled_at == dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)  # 08:00 WITA

    channel = MemoryChannel()
    running = RunningClock(clock)
    sender = OutboxSender(kaderbot.db, kaderbot.catalogues, [channel], config(), clock=running)
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        await asyncio.sleep(0.3)
        assert channel.sent == []  # Friday 10:00: not yet
        running.offset = dt.timedelta(hours=22, minutes=1)  # Saturday 08:01 WITA
        deadline = time.monotonic() + TIMEOUT
        while not await settled(kaderbot):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
    assert set(addresses) <= set(channel.addresses())


async def test_nobody_to_reach_sends_nothing(kaderbot: KaderBot) -> None:
    async with client(kaderbot) as web:
        token = await signed_in(kaderbot, web)
        form = broadcast_form(token, penerima="residents", wilayah="64.02.06.1005")
        preview = await web.post("/dasbor/siaran/pratinjau", data=form)
        assert 'data-count="0"' in preview.text and "Belum ada penerima yang dapat dihubungi" in preview.text
        assert 'action="/dasbor/siaran/kirim"' not in preview.text
        refused = await web.post("/dasbor/siaran/kirim", data=form)
        assert refused.status_code == 400
        for bad in ({"teks": "hai"}, {"penerima": "posyandu"}, {"wilayah": ""}):
            assert (
                await web.post("/dasbor/siaran/kirim", data=broadcast_form(token) | bad)
            ).status_code == 400
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Broadcast))).scalar_one() == 0


# -- refusals ----------------------------------------------------------------------------------------


async def test_another_regions_coordinator_is_refused_every_url_and_action(
    kaderbot: KaderBot, clock: Clock
) -> None:
    rina = await cadre_of(kaderbot, "Rina Kusumawati")
    await add_cadres(kaderbot.db, count=2, posyandu_code="PY-6402-0001", first_address=33_000)
    async with client(kaderbot) as siti:
        token = await signed_in(kaderbot, siti)
        sent = await siti.post("/dasbor/siaran/kirim", data=broadcast_form(token))
        assert sent.status_code == 303, sent.text
        number = int(re.search(r"/dasbor/siaran/(\d+)", sent.headers["location"])[1])
    async with client(kaderbot) as yohana:  # coordinator of Kota Balikpapan
        token = await signed_in(kaderbot, yohana, "yohana")
        own = await yohana.get("/dasbor/kader")
        assert own.status_code == 200 and f'data-cadre="{rina.id}"' not in own.text
        listed = await yohana.get("/dasbor/siaran")
        assert f'data-broadcast="{number}"' not in listed.text and f'value="{KUKAR}"' not in listed.text
        refused = [
            await yohana.get(f"/dasbor/kader?wilayah={KUKAR}"),
            await yohana.get("/dasbor/kader?wilayah=64.02.02"),
            await yohana.get("/dasbor/kader?wilayah=99.99"),
            await yohana.get(f"/dasbor/siaran/{number}"),
            await yohana.get(f"/dasbor/siaran/{number}?baru=1"),
            await yohana.get(f"/dasbor/siaran/{number}/kemajuan"),
            await yohana.get("/dasbor/siaran/999999"),
            await yohana.post(f"/dasbor/kader/{rina.id}", data={"csrf_token": token, "keputusan": "setujui"}),
            await yohana.post(
                f"/dasbor/kader/{rina.id}",
                data={"csrf_token": token, "keputusan": "tolak", "alasan": "not_cadre", "wilayah": "64.71"},
            ),
            await yohana.post("/dasbor/siaran/pratinjau", data=broadcast_form(token)),
            await yohana.post("/dasbor/siaran/kirim", data=broadcast_form(token)),
            await yohana.post("/dasbor/siaran/kirim", data=broadcast_form(token, wilayah="64.02.06.1005")),
            await yohana.post("/dasbor/siaran/kirim", data=broadcast_form(token, teks="x", wilayah=KUKAR)),
            await yohana.post("/dasbor/siaran/kirim", data=broadcast_form(token, wilayah="64")),
        ]
        for response in refused:
            assert response.status_code == 403, (response.request.url, response.text[:300])
            assert "di luar wilayah tugas" in response.text
            assert "Rina" not in response.text and "data-progress" not in response.text
    assert (await cadre_of(kaderbot, "Rina Kusumawati")).verification == "pending"
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Broadcast))).scalar_one() == 1


async def test_a_form_without_its_csrf_token_is_refused(kaderbot: KaderBot) -> None:
    rina = await cadre_of(kaderbot, "Rina Kusumawati")
    async with client(kaderbot) as web:
        token = await signed_in(kaderbot, web)
        for body in ({}, {"csrf_token": ""}, {"csrf_token": token[:-1] + ("x" if token[-1] != "x" else "y")}):
            decided = await web.post(f"/dasbor/kader/{rina.id}", data=body | {"keputusan": "setujui"})
            assert decided.status_code == 403 and "tidak sah" in decided.text
            for url in ("/dasbor/siaran/pratinjau", "/dasbor/siaran/kirim"):
                form = broadcast_form(token) | {"csrf_token": body.get("csrf_token", "")}
                if not body:
                    form.pop("csrf_token")
                refused = await web.post(url, data=form)
                assert refused.status_code == 403 and "tidak sah" in refused.text
    assert (await cadre_of(kaderbot, "Rina Kusumawati")).verification == "pending"
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Broadcast))).scalar_one() == 0


async def test_the_pages_are_in_the_coordinators_language(kaderbot: KaderBot) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        siti = (
            await session.execute(select(Person).where(Person.full_name == "Siti Rahmawati"))
        ).scalar_one()
        siti.language = "en"
    async with client(kaderbot) as web:
        await signed_in(kaderbot, web)
        assert "Cadres waiting for verification" in (await web.get("/dasbor/kader")).text
        assert "Recent broadcasts" in (await web.get("/dasbor/siaran")).text
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Cadre))).scalar_one() > 0


async def test_a_look_alike_name_is_flagged_on_the_page_as_in_chat(kaderbot: KaderBot) -> None:
    fake = "S\u0430ri Wulandari"  # a Cyrillic a, at Posyandu Melati 1 where the real Sari serves
    await register_cadre(Chat(kaderbot.core, "budi"), name=fake)
    async with client(kaderbot) as web:
        await signed_in(kaderbot, web)
        page = await web.get("/dasbor/kader")
    row = re.search(
        r'<tr data-cadre="\d+">\s*<td class="name">S\u0430ri Wulandari(.*?)</td>', page.text, re.S
    )
    assert row is not None
    assert "mencampur huruf dari beberapa aksara (Latin, Sirilik)" in row[1]
    assert "tampak sama dengan kader lain di Posyandu yang sama: Sari Wulandari" in row[1]
    rina = re.search(r'<td class="name">Rina Kusumawati(.*?)</td>', page.text, re.S)
    assert rina is not None and "data-warning" not in rina[1]
