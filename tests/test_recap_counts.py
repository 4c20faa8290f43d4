"""/rekap counts in the database and lists only the first Posyandu still to report: a region with more
of them than a chat message holds, and a desa (no child regions: one bar per Posyandu)."""

from __future__ import annotations

import datetime as dt
import io
import re

from PIL import Image
from sqlalchemy import insert, select

from bot.app import KaderBot
from handlers.compliance import chart
from handlers.compliance.recap import MISSING_SHOWN
from handlers.types import File
from storage.models import Cadre, Person, Posyandu
from storage.repositories import reports
from tests.chat import Chat

NOVEMBER = dt.date(2026, 11, 1)
SUBMITTED = dt.datetime(2026, 11, 12, 3, 30, tzinfo=dt.UTC)
MELAYU = "64.02.06.1005"  # a desa in Tenggarong, Kutai Kartanegara
HELD = {"held": "usual_place", "held_on": dt.date(2026, 11, 12), "s": 40, "k": 35, "d": 30, "n": 20}
MISSING_LINE = re.compile(r"^• (?P<posyandu>.+) \((?P<desa>[^()]+)\) — kader: (?P<cadres>.+)$", re.MULTILINE)


async def add_posyandu(kaderbot: KaderBot, count: int) -> None:
    """`count` more Posyandu in Melayu, 'Posyandu Uji 01'…, each with one cadre who has a phone."""
    async with kaderbot.db.sessions() as session, session.begin():
        for number in range(1, count + 1):
            [posyandu_id] = (
                await session.execute(
                    insert(Posyandu).returning(Posyandu.id),
                    {
                        "code": f"PY-UJI-{number:02d}",
                        "region_code": MELAYU,
                        "name": f"Posyandu Uji {number:02d}",
                    },
                )
            ).scalars()
            [person_id] = (
                await session.execute(
                    insert(Person).returning(Person.id),
                    {
                        "full_name": f"Kader Uji {number:02d}",
                        "phone": f"+62899000000{number:02d}",
                        "role": "cadre",
                    },
                )
            ).scalars()
            await session.execute(
                insert(Cadre),
                {
                    "person_id": person_id,
                    "posyandu_id": posyandu_id,
                    "position": "anggota",
                    "verification": "verified",
                },
            )


async def report(kaderbot: KaderBot, *codes: str) -> None:
    async with kaderbot.db.sessions() as session, session.begin():
        submitter = (
            await session.execute(select(Person.id).where(Person.full_name == "Sari Wulandari"))
        ).scalar_one()
        for code in codes:
            posyandu_id = (
                await session.execute(select(Posyandu.id).where(Posyandu.code == code))
            ).scalar_one()
            await reports.submit(
                session,
                posyandu_id=posyandu_id,
                month=NOVEMBER,
                values=HELD,
                person_id=submitter,
                now=SUBMITTED,
            )


async def kukar_posyandu(kaderbot: KaderBot) -> list[tuple[str, str, str]]:
    """(region code, name, code) of every Posyandu in Kutai Kartanegara, in the recap's order."""
    async with kaderbot.db.sessions() as session:
        rows = await session.execute(
            select(Posyandu.region_code, Posyandu.name, Posyandu.code).where(
                Posyandu.region_code.like("64.02.%")
            )
        )
        return sorted(tuple(row) for row in rows.all())


async def test_a_long_list_of_missing_posyandu_shows_the_first_and_counts_the_rest(
    kaderbot: KaderBot,
) -> None:
    await add_posyandu(kaderbot, 30)
    await report(kaderbot, "PY-6402-0001", "PY-UJI-03", "PY-UJI-17")
    everyone = await kukar_posyandu(kaderbot)
    missing = [
        (region, name)
        for region, name, code in everyone
        if code not in {"PY-6402-0001", "PY-UJI-03", "PY-UJI-17"}
    ]
    assert len(missing) > MISSING_SHOWN + 5

    siti = Chat(kaderbot.core, "siti")
    await siti.say("/rekap 2026-11")

    text = siti.text
    assert f"Posyandu sudah melapor: 3/{len(everyone)} (" in text
    assert "Cakupan D/S: 75% · N/D: 67%" in text  # three reports of 40/30/20
    assert f"Belum melapor ({len(missing)}):" in text
    listed = [m["posyandu"] for m in MISSING_LINE.finditer(text)]
    assert listed == [name for _, name in missing[:MISSING_SHOWN]]  # by region, then name
    assert f"…dan {len(missing) - MISSING_SHOWN} Posyandu lainnya (lengkapnya di /ekspor)." in text
    lines = {m["posyandu"]: m for m in MISSING_LINE.finditer(text)}
    for number in (1, 2, 4):  # the test Posyandu come first in Melayu; their cadre is named with the phone
        line = lines[f"Posyandu Uji {number:02d}"]
        assert (line["desa"], line["cadres"]) == (
            "Melayu",
            f"Kader Uji {number:02d} (+62899000000{number:02d})",
        )
    assert "Posyandu Uji 03" not in text and "Posyandu Uji 17" not in text  # reported


async def test_the_recap_of_a_desa_draws_one_bar_per_posyandu(kaderbot: KaderBot) -> None:
    await add_posyandu(kaderbot, 3)
    await report(kaderbot, "PY-UJI-02")
    in_melayu = [name for region, name, _ in await kukar_posyandu(kaderbot) if region == MELAYU]

    siti = Chat(kaderbot.core, "siti")
    await siti.say("/rekap 2026-11")
    await siti.press("Tenggarong")
    await siti.press("Melayu")

    assert "📈 Rekap November 2026 — Melayu" in siti.text
    assert f"Posyandu sudah melapor: 1/{len(in_melayu)} (" in siti.text
    assert siti.question == "Pilih bulan lain, atau Menu untuk kembali."
    # Nothing below a desa: only the months around November (none still to come) and the menu.
    assert siti.labels == [
        "📅 Rekap Oktober 2026",
        "📅 Rekap September 2026",
        "🏛️ Verifikasi Posyandu 6 SPM",
        "🧒 Status gizi balita",
        "🏠 Menu",
    ]
    [picture] = [r for r in siti.replies if isinstance(r, File)]
    # The chart grows by one bar's height per bar: its height tells how many bars it has.
    height = Image.open(io.BytesIO(picture.data)).size[1]
    bars = (height / chart.DPI - 1.6) / chart.BAR_HEIGHT_INCHES
    assert round(bars) == len(in_melayu) >= 4
