"""What the fuzzed conversations send: odd and plausible texts, commands in every casing, forged
button values; and the people who send them, put in the database as an admin would have."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st
from sqlalchemy import select

from handlers.commands import COMMANDS
from storage.db import Database
from storage.models import Cadre, ChannelIdentity, CoordinatorScope, Person, Posyandu, Region
from tests.fuzz_checks import never_shown

# Everything but surrogates and NUL (PostgreSQL refuses NUL in text; no platform sends one).
_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
_ODD = [
    "\u202e",  # right-to-left override
    "\u200f",
    "\u200b",  # zero width space
    "\u200d",
    "\ufeff",
    "\u2028",
    "\u0301",  # a combining accent with nothing to sit on
    "\x01",
    "\x1b[31m",
    "\x7f",
    "\t",
    "\r\n",
    "👨‍👩‍👧‍👦",
    "🇮🇩",
    "مرحبا بكم",
    "שלום",
    "ﷺ",
    "İstanbul",
    "ß",
    "٣",  # Arabic-Indic three
    "１２",  # full-width digits
    "½",
    "Ⅻ",
    "𝟙𝟚",
    "' OR 1=1 --",
    "<b>tebal</b>",
    "*tebal* _miring_ `kode`",
    "%s %d {0} {x} {{}}",
    "\\",
]
_PLAUSIBLE = [
    "0",
    "1",
    "2",
    "3",
    "5",
    "9",
    "12",
    "28",
    "31",
    "32",
    "35",
    "40",
    "100",
    "999",
    "1000",
    "1001",
    "1.000",
    "3,5",
    "2.5",
    "-1",
    "-40",
    "+7",
    "1e3",
    "0x10",
    "12/11",
    "12-11-2026",
    "2026-11-12",
    "31-02-2026",
    "29/02/2028",
    "12 Nov",
    "12 nopember 2026",
    "11/2026",
    "2026-11",
    "nov 2026",
    "Desember",
    "13/13",
    "00/00/0000",
    "0812-3456-7890",
    "+62 812 3456 7890",
    "6281234567890",
    "08123",
    "021-555-1234",
    "Budi Santoso",
    "Ibu Ani",
    "x",
    "kembali",
    "Kembali",
    "back",
    "ya",
    "tidak",
    "Selesai",
    "Kirim",
    "Lewati",
    "Setuju",
    "Indonesia",
    "English",
    "gmn cara daftar sekolah rakyat?",
    "sy blm dpt bansos knp ya",
    "pkh kapan cair",
    "nenek di rumah sebelah tinggal sendiri tidak ada yang urus",
    "RT 07 dekat masjid",
    "KB-2026-000001",
    "kb 2026 1",
    "NIK saya 6402011234567890",
    "/",
    "/ lapor",
    "//lapor",
    " ",
    "",
]


# Answers a willing person types when no buttons are shown: counts (mostly small, so N ≤ D ≤ S holds
# often enough), a name, a mobile number, a day, a few words.
COOPERATIVE = [str(i) for i in range(0, 41)] + [
    "Budi Santoso",
    "0812-3456-7890",
    "12",
    "1",
    "Penimbangan lancar",
    "Nenek di rumah sebelah tinggal sendiri",
    "RT 07 dekat masjid Al-Ikhlas",
    "Pelatihan kader gizi",
    "Balai desa Melayu",
    "2026-12-05 09:00",
    "05/12/2026",
    "20",
    "Mohon bantuan data DTSEN",
    "KB-2026-000001",
]


def _huge(base: str, size: int) -> str:
    return ((base or "a") * (size // max(len(base), 1) + 1))[:size]


# What a person might type: plausible answers most often, then anything at all. Built once: building
# strategies for every draw costs more than the conversation.
TEXTS: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(_PLAUSIBLE),
    st.sampled_from(_PLAUSIBLE),
    st.integers(-(10**6), 10**7).map(str),
    st.text(_CHARS, max_size=16),
    st.lists(st.sampled_from(_ODD + _PLAUSIBLE), min_size=1, max_size=4).map(" ".join),
    # Very long input, built by repetition (drawing 5,000 characters one by one would be slow).
    st.builds(
        _huge, st.sampled_from(["a", "9", "ab ", "é", "😀", "\u200b", "Posyandu "]), st.integers(400, 6000)
    ),
).filter(never_shown)


def command_texts() -> st.SearchStrategy[str]:
    """Every command, in random casing, sometimes addressed to a bot, sometimes with an argument."""
    words = [*sorted(COMMANDS), "tidakada", "x", "LAPOR2", "start@", "hapus"]
    arguments = st.one_of(
        st.just(""),
        st.sampled_from(["2026-11", "11/2026", "nov", "KB-2026-000001", "999", "-1", "abc"]),
        st.text(_CHARS, max_size=20),
        st.builds(_huge, st.just("9"), st.integers(100, 5000)),
    ).filter(never_shown)
    return st.builds(
        _command,
        st.sampled_from(words),
        st.integers(0, 2**20 - 1),  # which letters are upper case
        st.sampled_from(["", "", "@KaderBot", "@kaderbot", "@bot_lain", "@"]),
        arguments,
        st.sampled_from([" ", "  ", "\n", "\t"]),
    )


def _command(word: str, upper: int, bot: str, argument: str, gap: str) -> str:
    cased = "".join(c.upper() if upper >> i & 1 else c for i, c in enumerate(word))
    return f"/{cased}{bot}" + (f"{gap}{argument}" if argument else "")


# Values buttons carry in one flow or another, offered to the wrong question by a forger.
FORGED_VALUES = [
    "submit",
    "edit",
    "cancel",
    "_back",
    "_skip",
    "continue",
    "restart",
    "accept",
    "decline",
    "cadre",
    "resident",
    "id",
    "en",
    "fr",
    "report",
    "verify",
    "broadcast",
    "export",
    "recap",
    "tickets",
    "training_admin",
    "incentive_admin",
    "consent",
    "today",
    "done",
    "revise",
    "other",
    "2026-11",
    "2026-11-12",
    "1999-01-01",
    "9999-12-31",
    "2026-13",
    "usual_place",
    "not_held",
    "ketua",
    "1",
    "0",
    "-1",
    "",
    ".",
    "~",
    "64.02",
    "PY-6402-0001",
]


# --- people to talk as ----------------------------------------------------------------------------

KINDS = ("fresh", "cadre", "coordinator", "resident")


@dataclass(frozen=True)
class Cast:
    """One example's people: who they are and what the database holds for them."""

    kind: str
    channel: str
    address: str
    language: str
    verification: str = "verified"
    place: int = 0  # index into the Posyandu or the coordinators' regions

    @property
    def name(self) -> str:
        return f"Uji {self.kind} {self.address}"


async def enrol(
    db: Database, people: Sequence[Cast], *, now: dt.datetime, posyandu: Sequence[int], regions: Sequence[str]
) -> None:
    """Put people in the database as an admin or a past registration would have (a fresh one writes first)."""
    async with db.sessions() as session, session.begin():
        for cast in people:
            if cast.kind == "fresh":
                continue
            person = Person(
                full_name=cast.name, language=cast.language, role=cast.kind, consent_at=now, created_at=now
            )
            session.add(person)
            await session.flush()
            session.add(
                ChannelIdentity(
                    channel=cast.channel, address=cast.address, person_id=person.id, created_at=now
                )
            )
            if cast.kind == "cadre":
                session.add(
                    Cadre(
                        person_id=person.id,
                        posyandu_id=posyandu[cast.place % len(posyandu)],
                        position="anggota",
                        verification=cast.verification,
                        verified_at=now if cast.verification == "verified" else None,
                        registered_at=now,
                    )
                )
            elif cast.kind == "coordinator":
                session.add(
                    CoordinatorScope(person_id=person.id, region_code=regions[cast.place % len(regions)])
                )


async def places(db: Database) -> tuple[list[int], list[str]]:
    """The demo Posyandu (cadres belong to one) and the regions coordinators look after."""
    async with db.sessions() as session:
        posyandu = list((await session.execute(select(Posyandu.id).order_by(Posyandu.id))).scalars())
        regions = list(
            (
                await session.execute(
                    select(Region.code).where(Region.level.in_(("kabupaten", "kota"))).order_by(Region.code)
                )
            ).scalars()
        )
    return posyandu, regions
