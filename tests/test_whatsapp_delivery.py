"""Messages KaderBot starts on WhatsApp: the 24-hour window, templates from the data file, and what
the Graph API's refusals (131047, 130429, 131056, 131026) turn into."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.channels.base import RateLimited, Unreachable
from bot.channels.whatsapp_templates import DEFAULT_TEMPLATES_FILE, TemplateBook, TemplateConfigError
from handlers.types import Choice, File, Option, Text
from storage.models import ChannelIdentity, Person
from tests.chat import Clock
from tests.fakes import whatsapp_webhooks as wh
from tests.fakes.graph_api import FakeGraphAPI
from tests.test_whatsapp_server import (  # noqa: F401 - shared fixtures
    Served,
    fake_fixture,
    graph_api_fixture,
    served,
)

SARI = "6281234567890"
REMINDER = "Pengingat: Posyandu Melati 1 buka besok, Sabtu 21 November, pukul 08.00 WITA."


class Sleeps:
    """Stands in for asyncio.sleep: records the back-off instead of waiting."""

    def __init__(self) -> None:
        self.waited: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def app(db_url: str, fake: FakeGraphAPI, clock: Clock, sleeps: Sleeps) -> AsyncIterator[Served]:
    async with served(db_url, fake, clock, sleep=sleeps, backoff=(0.5, 2.0)) as running:
        yield running


async def wrote_hours_ago(app: Served, hours: float, *, wa_id: str = SARI) -> None:
    """The person writes to KaderBot, then `hours` pass."""
    await app.user(wa_id).say("Halo")
    app.clock.advance(hours=hours)
    app.fake.reset()


def template_of(body: dict[str, Any]) -> tuple[str, str, list[str]]:
    assert body["type"] == "template", body
    template = body["template"]
    (component,) = template["components"]
    assert component["type"].lower() == "body"
    return template["name"], template["language"]["code"], [p["text"] for p in component["parameters"]]


# ---------------------------------------------------------------------- the window


async def test_inside_the_window_a_reminder_is_free_text(app: Served) -> None:
    await wrote_hours_ago(app, 1)
    await app.channel.send(SARI, [Text(REMINDER)], kind="reminder")
    (body,) = app.fake.sent_messages(to=SARI)
    assert body["type"] == "text" and body["text"]["body"] == REMINDER
    row = (await app.outbound(SARI))[-1]
    assert (row.kind, row.message_type, row.template, row.status) == ("reminder", "text", None, "accepted")


async def test_window_closed_25_hours_ago_a_reminder_is_its_template(app: Served) -> None:
    await wrote_hours_ago(app, 25)
    await app.channel.send(SARI, [Text(REMINDER)], kind="reminder")
    (body,) = app.fake.sent_messages(to=SARI)
    assert template_of(body) == ("kaderbot_pengingat", "id", ["Bapak/Ibu", REMINDER])
    row = (await app.outbound(SARI))[-1]
    assert (row.kind, row.message_type, row.template) == ("reminder", "template", "kaderbot_pengingat")
    assert row.wamid == app.fake.calls()[-1].response["messages"][0]["id"]


async def test_the_window_is_24_hours_to_the_minute(app: Served) -> None:
    await wrote_hours_ago(app, 23.98)
    await app.channel.send(SARI, [Text(REMINDER)], kind="reminder")
    app.clock.advance(minutes=2)
    await app.channel.send(SARI, [Text(REMINDER)], kind="reminder")
    assert [m["type"] for m in app.fake.sent_messages(to=SARI)] == ["text", "template"]


async def test_someone_who_never_wrote_gets_the_template(app: Served) -> None:
    await app.channel.send("6281100000099", [Text("Pengumuman Dinas Sosial.")], kind="broadcast")
    (body,) = app.fake.sent_messages(to="6281100000099")
    assert template_of(body) == ("kaderbot_pengumuman", "id", ["Bapak/Ibu", "Pengumuman Dinas Sosial."])


async def test_template_uses_the_persons_first_name_language_and_one_line_text(app: Served) -> None:
    await wrote_hours_ago(app, 30)
    async with app.kaderbot.db.sessions() as session, session.begin():
        person_id = (
            await session.execute(select(ChannelIdentity.person_id).where(ChannelIdentity.address == SARI))
        ).scalar_one()
        await session.execute(
            update(Person).where(Person.id == person_id).values(full_name="Sari Wulandari", language="en")
        )
    question = Choice("Was the Posyandu held?", (Option("5.y", "Yes"), Option("5.n", "No")), turn="5")
    await app.channel.send(SARI, [Text("Your report for November\nis due."), question], kind="unknown-kind")
    (body,) = app.fake.sent_messages(to=SARI)
    name, language, parameters = template_of(body)
    assert (name, language) == ("kaderbot_pemberitahuan", "en")  # unknown kinds use the default
    assert parameters == ["Sari", "Your report for November is due. Was the Posyandu held?"]


async def test_inside_the_window_options_are_buttons_and_lists(app: Served) -> None:
    await wrote_hours_ago(app, 2)
    seven = tuple(Option(f"9.d{i}", f"Desa {i}") for i in range(1, 8))
    fourteen = tuple(Option(f"9.d{i}", f"Desa {i}") for i in range(1, 15))
    await app.channel.send(SARI, [Choice("Pilih desa:", seven, turn="9")])
    await app.channel.send(SARI, [Choice("Pilih desa:", fourteen, turn="9")])
    seven_list, fourteen_list = (m["interactive"] for m in app.fake.sent_messages(to=SARI))
    assert seven_list["type"] == fourteen_list["type"] == "list"
    assert [r["title"] for r in seven_list["action"]["sections"][0]["rows"]] == [
        f"{i}. Desa {i}" for i in range(1, 8)
    ]
    rows = fourteen_list["action"]["sections"][0]["rows"]
    assert len(rows) == 10 and rows[-1] == {
        "id": "9~1",
        "title": "Lainnya…",
        "description": "Pilihan 10–14 dari 14",
    }
    assert app.fake.failed_sends() == []


async def test_inside_the_window_files_are_uploaded_and_sent(app: Served) -> None:
    await wrote_hours_ago(app, 1)
    chart = File("photo", "grafik_skdn.png", b"\x89PNG chart", caption="Grafik SKDN November")
    sheet = File("document", "laporan_november.xlsx", b"PK sheet", mime_type="application/vnd.ms-excel")
    await app.channel.send(SARI, [chart, sheet], kind="notification")
    image, document = app.fake.sent_messages(to=SARI)
    first, second = app.fake.uploads()
    assert image["image"] == {"id": first.media_id, "caption": "Grafik SKDN November"}
    assert (first.data, first.mime_type) == (b"\x89PNG chart", "image/png")
    assert document["document"]["id"] == second.media_id
    assert document["document"]["filename"] == "laporan_november.xlsx"
    assert (second.data, second.mime_type) == (b"PK sheet", "application/vnd.ms-excel")
    assert [r.message_type for r in await app.outbound(SARI)][-2:] == ["image", "document"]


# ---------------------------------------------------------------------- refusals


async def test_window_closed_error_falls_back_to_the_template(app: Served) -> None:
    await wrote_hours_ago(app, 3)  # we think the window is open; Meta says otherwise
    app.fake.fail_next(code=131047, to=SARI)
    await app.channel.send(SARI, [Text(REMINDER)], kind="reminder")
    (refused,) = app.fake.failed_sends(to=SARI)
    assert refused.json_body["type"] == "text"
    (body,) = app.fake.sent_messages(to=SARI)
    assert template_of(body)[0] == "kaderbot_pengingat"
    failed, template = (await app.outbound(SARI))[-2:]
    assert (failed.status, failed.error_code, failed.wamid) == ("failed", 131047, None)
    assert (template.status, template.template) == ("accepted", "kaderbot_pengingat")


@pytest.mark.parametrize("code", [130429, 131056])
async def test_throttling_backs_off_and_retries(app: Served, sleeps: Sleeps, code: int) -> None:
    await wrote_hours_ago(app, 1)
    app.fake.fail_next(code=code, count=2, to=SARI)
    await app.channel.send(SARI, [Text(REMINDER)], kind="reminder")
    assert sleeps.waited == [0.5, 2.0]
    assert len(app.fake.failed_sends(to=SARI)) == 2
    (body,) = app.fake.sent_messages(to=SARI)
    assert body["text"]["body"] == REMINDER


async def test_throttling_that_does_not_end_raises_rate_limited(app: Served, sleeps: Sleeps) -> None:
    await wrote_hours_ago(app, 1)
    app.fake.fail_next(code=130429, count=3, to=SARI)
    with pytest.raises(RateLimited) as raised:
        await app.channel.send(SARI, [Text(REMINDER)], kind="broadcast")
    assert raised.value.retry_after == 2.0
    assert sleeps.waited == [0.5, 2.0]  # bounded: three attempts, then the caller decides
    assert app.fake.sent_messages(to=SARI) == []
    row = (await app.outbound(SARI))[-1]
    assert (row.kind, row.status, row.error_code) == ("broadcast", "failed", 130429)


async def test_undeliverable_raises_unreachable_and_marks_the_identity(app: Served) -> None:
    await wrote_hours_ago(app, 1)
    app.fake.fail_next(code=131026, to=SARI)
    with pytest.raises(Unreachable):
        await app.channel.send(SARI, [Text(REMINDER)], kind="reminder")
    async with app.kaderbot.db.sessions() as session:
        identity = (
            await session.execute(select(ChannelIdentity).where(ChannelIdentity.address == SARI))
        ).scalar_one()
    assert identity.unreachable_at == app.clock.now
    # Writing again makes the person reachable again (the core clears the mark).
    await app.user(SARI).say("Halo lagi")
    async with app.kaderbot.db.sessions() as session:
        identity = (
            await session.execute(select(ChannelIdentity).where(ChannelIdentity.address == SARI))
        ).scalar_one()
    assert identity.unreachable_at is None


async def test_a_reply_that_cannot_be_delivered_still_answers_the_webhook(app: Served) -> None:
    app.fake.fail_next(code=131000, to=SARI)
    response = await app.post(wh.text_message(SARI, "Halo"))
    assert response.status_code == 200
    (row,) = await app.outbound(SARI)
    assert (row.kind, row.status, row.error_code) == ("reply", "failed", 131000)


# ---------------------------------------------------------------------- the data file


def test_the_shipped_template_file_has_every_kind_in_both_languages() -> None:
    book = TemplateBook.load(DEFAULT_TEMPLATES_FILE)
    assert set(book.kinds) >= {"notification", "reminder", "broadcast", "ticket_status"}
    for spec in book.kinds.values():
        assert set(spec.languages) == {"id", "en"}
        assert spec.body  # every template says who it is for and what it is about
    assert book.for_kind("nonsense") is book.kinds[book.default_kind]


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        ({"kinds": {}}, "kinds"),
        ({"kinds": {"reminder": {"languages": {"id": "id", "en": "en"}}}}, "template"),
        ({"kinds": {"reminder": {"template": "t", "languages": {"id": "id"}}}}, "languages"),
        ({"kinds": {"reminder": {"template": "t", "languages": {"id": "id", "en": "xx_YY"}}}}, "xx_YY"),
        (
            {
                "kinds": {
                    "reminder": {"template": "t", "languages": {"id": "id", "en": "en"}, "body": ["nik"]}
                }
            },
            "body",
        ),
        (
            {
                "default_kind": "nope",
                "kinds": {"reminder": {"template": "t", "languages": {"id": "id", "en": "en"}}},
            },
            "default_kind",
        ),
    ],
)
def test_a_malformed_template_file_is_refused_with_the_place(data: Any, complaint: str) -> None:
    with pytest.raises(TemplateConfigError, match=complaint):
        TemplateBook.from_data(data)


def test_a_missing_template_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TemplateConfigError, match=r"nothing\.yaml"):
        TemplateBook.load(tmp_path / "nothing.yaml")
