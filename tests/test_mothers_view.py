"""Mothers see their child (issue #17, point 6): linked by her WhatsApp number or by a one-time code a
cadre gives her in /balita, after she agreed to what is shown; /anakku explains the last weighing
and sends the KMS chart (a real PNG, the child's points where they belong); reminders the day before
Posyandu day, in vitamin A months and at the next immunisation age, mutable in /pengingat; nobody
else sees the child; /hapusdata removes the link (and, if she asks, anonymises the child)."""

from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import select

from bot.app import KaderBot
from handlers.growth import mother_link
from handlers.growth.kms_chart import CHILD_GID, Labels, Point, curves, figure, png
from handlers.scheduling.child_rules import next_dose, schedule, vitamin_a_capsule
from handlers.scheduling.dispatch import Dispatcher
from storage.models import Person
from storage.models_growth import Child, ChildMeasurement
from storage.models_growth_mothers import MotherLink, MotherLinkCode
from storage.models_outbox import OutboxMessage
from storage.models_scheduling import Reminder
from tests.chat import Chat, Clock
from tests.conftest import WITA
from tests.flows import onboard
from tests.test_children_register import add_child

MOTHER_WA = "6281234567001"  # the number the cadre types as 0812-3456-7001
OCTOBER = dt.datetime(2026, 10, 15, 9, 0, tzinfo=WITA).astimezone(dt.UTC)
NOVEMBER = dt.datetime(2026, 11, 20, 9, 0, tzinfo=WITA).astimezone(dt.UTC)


def wita(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=WITA).astimezone(dt.UTC)


async def child_named(kaderbot: KaderBot, name: str) -> Child:
    async with kaderbot.db.sessions() as session:
        return (await session.execute(select(Child).where(Child.full_name == name))).scalar_one()


async def weigh(sari: Chat, clock: Clock, when: dt.datetime, line: str) -> None:
    clock.now = when
    await sari.say("/timbang")
    await sari.say(line)
    assert "✅" in sari.text, sari.text
    await sari.press("Selesai")


async def aisyah_weighed_twice(kaderbot: KaderBot, clock: Clock, *, phone: str | None = None) -> Chat:
    """Sari (cadre of Posyandu Melati 1) registers Aisyah, born 3 May 2025, and weighs her in October
    and November (N: +0.4 kg)."""
    sari = Chat(kaderbot.core, "sari")
    clock.now = OCTOBER
    await add_child(sari, "Aisyah Putri", born="3 Mei 2025", phone=phone)
    await weigh(sari, clock, OCTOBER, "Aisyah Putri 8,1 72,5")
    await weigh(sari, clock, NOVEMBER, "Aisyah Putri 8,5 73,8")
    return sari


async def code_for(sari: Chat, name: str) -> str:
    await sari.say("/balita")
    await sari.press("Lihat daftar")
    await sari.press(name)
    await sari.press("Kode untuk ibu")
    found = re.search(r"\*([A-Z0-9]{6})\*", sari.text)
    assert found, sari.text
    return found.group(1)


async def mother_on_console(kaderbot: KaderBot, handle: str = "rina_ibu") -> Chat:
    mother = Chat(kaderbot.core, handle)
    await onboard(mother, role="Saya warga")
    return mother


async def test_a_mother_links_with_the_cadres_code_and_sees_her_child(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sari = await aisyah_weighed_twice(kaderbot, clock)
    code = await code_for(sari, "Aisyah Putri")
    assert "Berlaku sampai 27-11-2026" in sari.text  # 7 days from 20 November
    mother = await mother_on_console(kaderbot)
    await mother.press("Anak Saya")
    assert "Belum ada anak yang terhubung" in mother.text
    await mother.say(code.lower()[:3] + " " + code.lower()[3:])  # typed as people type it
    assert "Aisyah Putri — Posyandu Melati 1" in mother.text
    assert "Apakah Ibu setuju?" in mother.question
    async with kaderbot.db.sessions() as session:  # nothing linked before she agrees
        assert (await session.execute(select(MotherLink))).first() is None
    await mother.press("Setuju")
    text = mother.text
    assert "Aisyah Putri, umur 18 bulan" in text
    assert "Berat badan: 8,5 kg" in text and "Panjang badan: 73,8 cm" in text
    assert "Berat menurut umur:" in text and "Naik (N)" in text
    assert "Puskesmas" in text or "Posyandu" in text
    assert "Posyandu berikutnya (Posyandu Melati 1): Selasa, 8 Desember 2026" in text
    assert "Imunisasi berikutnya" not in text  # 18 months since 3 November: the schedule is done
    photos = [r for r in mother.replies if getattr(r, "kind", None) == "photo"]
    assert len(photos) == 1 and photos[0].data.startswith(b"\x89PNG\r\n\x1a\n")
    async with kaderbot.db.sessions() as session:
        [link] = (await session.execute(select(MotherLink))).scalars().all()
        [stored] = (await session.execute(select(MotherLinkCode))).scalars().all()
    assert link.linked_by == "code" and link.consent_at == NOVEMBER
    assert stored.used_at == NOVEMBER and code not in stored.code_hash  # kept as a hash only

    # The code works once: another person typing it is refused.
    other = await mother_on_console(kaderbot, "tetangga")
    await other.say("/anakku")
    await other.say(code)
    assert "tidak dikenal, sudah dipakai, atau sudah kedaluwarsa" in other.text


async def test_wrong_and_expired_codes_are_refused(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    clock.now = NOVEMBER
    await add_child(sari, "Budi Santoso", born="1 Januari 2025")
    first = await code_for(sari, "Budi Santoso")
    await sari.press("Kode untuk ibu")  # a second code ends the first
    second = re.search(r"\*([A-Z0-9]{6})\*", sari.text).group(1)  # type: ignore[union-attr]
    mother = await mother_on_console(kaderbot)
    await mother.say("/anakku")
    await mother.say("halo")
    assert "6 huruf/angka" in mother.text
    await mother.say(first)  # replaced by the second
    assert "sudah kedaluwarsa" in mother.text
    clock.advance(days=7, minutes=1)  # the second has expired too
    await mother.say(second)
    assert "sudah kedaluwarsa" in mother.text
    for _ in range(2):
        await mother.say("ZZZZZZ")
    assert "salah beberapa kali" in mother.text  # five tries per /anakku
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(MotherLink))).first() is None


async def test_a_mother_on_whatsapp_is_linked_by_her_number(kaderbot: KaderBot, clock: Clock) -> None:
    await aisyah_weighed_twice(kaderbot, clock, phone="0812-3456-7001")
    stranger = Chat(kaderbot.core, "6281299990000", channel="whatsapp")
    await onboard(stranger, role="Saya warga")
    await stranger.say("/anakku")
    assert "Belum ada anak yang terhubung" in stranger.text  # another number: nothing found
    mother = Chat(kaderbot.core, MOTHER_WA, channel="whatsapp")
    await onboard(mother, role="Saya warga")
    await mother.say("/anakku")
    assert "nomor WhatsApp Ibu" in mother.text and "Aisyah Putri" in mother.text
    await mother.press("Tidak")
    assert "tidak ada yang dihubungkan" in mother.text
    await mother.say("/anakku")
    await mother.press("Setuju")
    assert "Aisyah Putri, umur 18 bulan" in mother.text
    async with kaderbot.db.sessions() as session:
        [link] = (await session.execute(select(MotherLink))).scalars().all()
    assert link.linked_by == "phone"


async def test_a_typed_phone_proves_nothing(kaderbot: KaderBot, clock: Clock) -> None:
    """A console or Telegram person whose typed phone equals the child's mother_phone is not linked."""
    await aisyah_weighed_twice(kaderbot, clock, phone="0812-3456-7001")
    mother = await mother_on_console(kaderbot)
    async with kaderbot.db.sessions() as session, session.begin():
        person = (await session.execute(select(Person).order_by(Person.id.desc()))).scalars().first()
        assert person is not None
        person.phone = "+6281234567001"
    await mother.say("/anakku")
    assert "Belum ada anak yang terhubung" in mother.text


async def test_nobody_else_sees_the_child(kaderbot: KaderBot, clock: Clock) -> None:
    sari = await aisyah_weighed_twice(kaderbot, clock)
    code = await code_for(sari, "Aisyah Putri")
    mother = await mother_on_console(kaderbot)
    await mother.say("/anakku")
    await mother.say(code)
    await mother.press("Setuju")
    aisyah = await child_named(kaderbot, "Aisyah Putri")
    # Another mother, with her own child linked, forges the button of Aisyah.
    await add_child(sari, "Citra Lestari", born="1 Juni 2024")
    citra_code = await code_for(sari, "Citra Lestari")
    other = await mother_on_console(kaderbot, "ibu_citra")
    await other.say("/anakku")
    await other.say(citra_code)
    await other.press("Setuju")
    assert "Citra Lestari" in other.text
    token = other.choice.turn
    await other.press_payload(f"{token}.c{aisyah.id}")
    assert "Aisyah" not in other.text
    assert not [r for r in other.replies if getattr(r, "kind", None) == "photo"]
    async with kaderbot.db.sessions() as session:
        people = {p.full_name: p for p in (await session.execute(select(Person))).scalars()}
        mothers = list((await session.execute(select(MotherLink.person_id))).scalars())
        who = {pid: await session.get(Person, pid) for pid in mothers}
        child = await session.get(Child, aisyah.id)
        assert child is not None
        seen = {
            name: await mother_link.may_see(session, person, child)
            for name, person in people.items()
            if name in ("Sari Wulandari", "Nurhayati Lestari", "Siti Rahmawati", "Yohana Pasulu")
        }
        linked = [await mother_link.may_see(session, p, child) for p in who.values() if p is not None]
    # Her Posyandu's cadre and the coordinator of Kutai Kartanegara (64.02) do; a cadre of another
    # Posyandu and the coordinator of Balikpapan (64.71) do not.
    assert seen == {
        "Sari Wulandari": True,
        "Nurhayati Lestari": False,
        "Siti Rahmawati": True,
        "Yohana Pasulu": False,
    }
    assert sorted(linked) == [False, True]  # her mother yes, Citra's mother no


def test_the_chart_is_a_png_with_the_childs_points_in_place() -> None:
    from PIL import Image

    points = [Point(30, 4.2), Point(183, 7.0), Point(365, 8.9), Point(730, 11.5)]
    fig = figure("f", points, Labels("KMS", "Umur (bulan)", "Berat badan (kg)"))
    [ax] = fig.axes
    [child] = [line for line in ax.get_lines() if line.get_gid() == CHILD_GID]
    assert list(child.get_xdata()) == [p.age_days / 30.4375 for p in points]
    assert list(child.get_ydata()) == [4.2, 7.0, 8.9, 11.5]
    # The WHO median for girls at 12 months is 8.9 kg (WHO weight-for-age tables): the 0 SD curve.
    months, median = curves("f")[0]
    at_year = min(range(len(months)), key=lambda i: abs(months[i] - 12))
    assert abs(median[at_year] - 8.9) < 0.05
    image = Image.open(io.BytesIO(png(fig))).convert("RGB")
    assert image.size == (800, 560)
    height = image.size[1]
    for p in points:  # a black marker where each weighing belongs
        x, y = ax.transData.transform((p.months, p.weight_kg))
        assert image.getpixel((round(x), round(height - y))) == (0, 0, 0), p
    x, y = ax.transData.transform((40, 4.0))  # no point there: the band colour
    assert image.getpixel((round(x), round(height - y))) != (0, 0, 0)


def test_reminder_dates_for_a_given_day() -> None:
    born = dt.date(2025, 5, 3)
    assert next_dose(born, dt.date(2026, 11, 3)) == (schedule()[-1], dt.date(2026, 11, 3))  # the day itself
    assert next_dose(born, dt.date(2026, 11, 4)) is None  # 18 months passed: the schedule is done
    assert next_dose(born, dt.date(2025, 7, 1)) == (schedule()[2], dt.date(2025, 7, 3))  # 2 months
    assert next_dose(dt.date(2025, 1, 31), dt.date(2025, 2, 1)) == (schedule()[1], dt.date(2025, 2, 28))
    assert vitamin_a_capsule(born, dt.date(2026, 2, 1)) == "blue"  # 8 months
    assert vitamin_a_capsule(born, dt.date(2026, 8, 1)) == "red"  # 14 months
    assert vitamin_a_capsule(dt.date(2026, 1, 10), dt.date(2026, 2, 1)) is None  # under 6 months


async def test_reminders_planned_sent_and_muted(kaderbot: KaderBot, clock: Clock) -> None:
    sari = Chat(kaderbot.core, "sari")
    clock.now = wita(2027, 1, 31, 10, 0)  # planned 8 days ahead: until 8 February 10:00
    await add_child(sari, "Dewi Anggun", born="2 Februari 2026")  # 9 months on 2 November 2026
    await add_child(sari, "Eka Putra", sex="Laki-laki", born="3 Desember 2026")  # 2 months on 3 Feb 2027
    mother = await mother_on_console(kaderbot)
    for name in ("Dewi Anggun", "Eka Putra"):
        code = await code_for(sari, name)
        await mother.say("/anakku")
        if "Anak mana" in mother.text or "Ada lagi" in mother.text:
            await mother.press("Tambah anak dengan kode")
        await mother.say(code)
        await mother.press("Setuju")
    dispatcher = Dispatcher(kaderbot.db, kaderbot.settings.zone, clock=clock)
    await dispatcher.plan()
    async with kaderbot.db.sessions() as session:
        planned = list(
            (
                await session.execute(
                    select(Reminder).where(Reminder.kind.like("child_%")).order_by(Reminder.due_at)
                )
            ).scalars()
        )
    got = {(r.kind, r.due_at, r.message_key) for r in planned}
    assert got == {
        # Posyandu Melati 1 meets on the 8th: the afternoon before, both children in one message.
        ("child_posyandu_day", wita(2027, 2, 7, 16, 0), "reminder.child_posyandu_day"),
        # Vitamin A month: Dewi is 11 months on 1 February (blue capsule); Eka is too young.
        ("child_vitamin_a", wita(2027, 2, 1, 9, 0), "reminder.child_vitamin_a.blue"),
        # Eka is 2 months old on 3 February: DPT-HB-Hib 1 and polio 2.
        ("child_immunisation", wita(2027, 2, 3, 9, 0), "reminder.child_immunisation"),
    }
    [day_before] = [r for r in planned if r.kind == "child_posyandu_day"]
    assert day_before.params["children"] == "Dewi Anggun, Eka Putra"

    # She mutes vitamin A in /pengingat; the other two still go out.
    await mother.say("/pengingat")
    assert "Pengingat tentang anak Ibu" in mother.text
    assert [label.split(":")[0] for label in mother.labels[:3]] == [
        "🔔 Hari Posyandu anak", "🔔 Vitamin A anak", "🔔 Imunisasi anak",
    ]  # fmt: skip
    await mother.press("Vitamin A anak")
    assert "🔕 Vitamin A anak: mati" in mother.labels
    for moment in (wita(2027, 2, 1, 9, 5), wita(2027, 2, 3, 9, 5), wita(2027, 2, 7, 16, 5)):
        clock.now = moment
        await dispatcher.dispatch()
    async with kaderbot.db.sessions() as session:
        settled = {
            r.kind: (r.status, r.reason)
            for r in (await session.execute(select(Reminder).where(Reminder.kind.like("child_%")))).scalars()
        }
        sent = {
            r.message_key: r.params
            for r in (await session.execute(select(OutboxMessage))).scalars()
            if r.message_key.startswith("reminder.child")
        }
    assert settled == {
        "child_posyandu_day": ("sent", None),
        "child_vitamin_a": ("skipped", "muted"),
        "child_immunisation": ("sent", None),
    }
    assert sent["reminder.child_immunisation"]["child"] == "Eka Putra"
    assert sent["reminder.child_immunisation"]["vaccines"] == {"key": "mothers.vaccines.m2"}


async def test_a_resident_without_a_child_has_no_reminder_screen(kaderbot: KaderBot) -> None:
    joko = Chat(kaderbot.core, "joko")
    await joko.say("/pengingat")
    assert "Pengingat tentang anak" not in joko.text


async def test_erasure_removes_the_link_and_on_request_anonymises_the_child(
    kaderbot: KaderBot, clock: Clock
) -> None:
    sari = await aisyah_weighed_twice(kaderbot, clock, phone="0812-3456-7001")
    mother = Chat(kaderbot.core, MOTHER_WA, channel="whatsapp")
    await onboard(mother, role="Saya warga")
    await mother.say("/anakku")
    await mother.press("Setuju")
    await add_child(sari, "Bayu Pratama", born="1 Juni 2024", phone="0812-3456-7001")
    await mother.say("/anakku")
    await mother.press("Setuju")  # Bayu, found by her number too

    await mother.say("/hapusdata")
    assert "Sebagai ibu" in mother.text
    await mother.press("Ya")
    assert "data anak juga" in mother.question
    await mother.press("Hapus data anak juga")
    await mother.say("HAPUS")
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(MotherLink))).first() is None
        kids = {c.id: c for c in (await session.execute(select(Child))).scalars()}
        weighed = list((await session.execute(select(ChildMeasurement))).scalars())
    assert {c.full_name for c in kids.values()} == {f"Anonim {i}" for i in kids}
    assert all(
        c.status == "erased" and c.mother_phone is None and c.mother_name == "-" for c in kids.values()
    )
    assert len(weighed) == 2  # Aisyah's two weighings stay for the Posyandu's statistics
    await sari.say("/balita")
    assert "0 anak aktif" in sari.text


async def test_erasing_only_her_data_keeps_the_child_on_the_register(
    kaderbot: KaderBot, clock: Clock
) -> None:
    await aisyah_weighed_twice(kaderbot, clock, phone="0812-3456-7001")
    mother = Chat(kaderbot.core, MOTHER_WA, channel="whatsapp")
    await onboard(mother, role="Saya warga")
    await mother.say("/anakku")
    await mother.press("Setuju")
    await mother.say("/hapusdata")
    await mother.press("Ya")
    await mother.press("Hanya data saya")
    await mother.say("HAPUS")
    aisyah = await child_named(kaderbot, "Aisyah Putri")
    assert aisyah.status == "active" and aisyah.mother_name == "Rina Marlina"
    assert aisyah.mother_phone is None  # her number was there to link her
    async with kaderbot.db.sessions() as session:
        assert (await session.execute(select(MotherLink))).first() is None
        assert len(list((await session.execute(select(ChildMeasurement))).scalars())) == 2
