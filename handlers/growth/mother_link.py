"""How a mother is linked to her child, and who may see a child's growth data (issue #17 point 6).

Linked by her phone: the child's `mother_phone` (typed by the cadre, E.164) equals a number the
mother has *proved* is hers — the number she writes from on WhatsApp (its wa_id). The phone a person
typed into a form (`Person.phone`) proves nothing and is not used; KaderBot's Telegram channel does
not take shared contacts, so on Telegram (and the console) a mother links with a code.

Linked by a code: a cadre of the child's Posyandu opens the child in /balita and taps "Kode untuk
ibu". The code is 6 characters from 32 that cannot be mixed up when read aloud or written down (no
O/0, I/1): about 10⁹ codes, of which a handful are valid at a time. It is valid for
`CODE_VALID_DAYS` days, works once, and a new code for the same child ends the earlier one. Only its
SHA-256 is stored, so the codes do not sit readable in the database (a code this short could be found
again from its hash by trying them all, but whoever holds a dump already holds what a code opens). A
mother gets `MAX_TRIES` tries per /anakku.

Either way, nothing is shown before the mother has read what is shown and agreed (the link records
when); and it is the core that checks every view (`may_see`), whoever asks and however.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.access import scope_of
from handlers.scheduling import kinds
from storage.models import Person, Posyandu
from storage.models_growth import Child
from storage.repositories import cadres, mother_links, people

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
CODE_VALID_DAYS = 7
MAX_TRIES = 5


def normalise_code(typed: str) -> str:
    """'k7m 2qx', 'K7M-2QX' → 'K7M2QX'."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())


def looks_like_code(typed: str) -> bool:
    code = normalise_code(typed)
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedCode:
    code: str
    expires_at: dt.datetime


async def issue_code(
    session: AsyncSession, child: Child, *, cadre_person_id: int, now: dt.datetime
) -> IssuedCode:
    """A new code for the child (the caller has checked that the cadre may)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not await mother_links.code_in_use(session, code_hash(code)):
            break
    expires_at = now + dt.timedelta(days=CODE_VALID_DAYS)
    await mother_links.add_code(
        session,
        child_id=child.id,
        code_hash=code_hash(code),
        expires_at=expires_at,
        created_by=cadre_person_id,
        now=now,
    )
    return IssuedCode(code, expires_at)


async def child_for_code(session: AsyncSession, typed: str, now: dt.datetime) -> Child | None:
    """The child a valid code stands for (not yet used: that happens on consent, `link_by_code`)."""
    if not looks_like_code(typed):
        return None
    found = await mother_links.valid_code(session, code_hash(typed), now)
    return None if found is None else await session.get(Child, found.child_id)


async def link_by_code(session: AsyncSession, person_id: int, typed: str, now: dt.datetime) -> Child | None:
    """Use the code and link; None when it is no longer valid (used or expired meanwhile)."""
    found = await mother_links.valid_code(session, code_hash(typed), now) if looks_like_code(typed) else None
    if found is None or not await mother_links.use_code(session, found.id, now):
        return None
    await mother_links.link(session, person_id=person_id, child_id=found.child_id, way="code", now=now)
    return await session.get(Child, found.child_id)


def e164(wa_id: str) -> str | None:
    digits = wa_id.lstrip("+")
    return "+" + digits if digits.isdigit() and 8 <= len(digits) <= 15 else None


async def verified_phones(session: AsyncSession, person_id: int) -> list[str]:
    """Numbers the person has shown to be theirs (WhatsApp), in E.164."""
    return [p for p in (e164(a) for a in await mother_links.whatsapp_numbers(session, person_id)) if p]


async def children_by_phone(session: AsyncSession, person_id: int) -> list[Child]:
    """Children on a register under one of the person's verified numbers, not linked yet."""
    found = await mother_links.children_with_phone(session, await verified_phones(session, person_id))
    linked = {c.id for c in await mother_links.linked_children(session, person_id)}
    return [c for c in found if c.id not in linked]


async def may_see(session: AsyncSession, person: Person, child: Child) -> bool:
    """Only the child's linked mother, the cadres of its Posyandu, and the coordinators whose regions
    cover that Posyandu (an admin everywhere) see a child's data."""
    if await mother_links.is_linked(session, person.id, child.id):
        return True
    cadre = await cadres.standing(session, person.id)
    if cadre is not None and cadre.verification != "rejected" and cadre.posyandu_id == child.posyandu_id:
        return True
    if person.role in ("coordinator", "admin"):
        posyandu = await session.get(Posyandu, child.posyandu_id)
        return posyandu is not None and (await scope_of(session, person)).covers(posyandu.region_code)
    return False


async def reminder_kinds(session: AsyncSession, person: Person) -> tuple[str, ...]:
    """The kinds of reminder this person may switch on or off in /pengingat: a cadre's, and a
    linked mother's."""
    shown: list[str] = []
    staff_cadre = person.role in ("coordinator", "admin") and await people.is_cadre(session, person.id)
    if person.role == "cadre" or staff_cadre:
        shown += kinds.MUTABLE
    if await mother_links.has_links(session, person.id):
        shown += kinds.MOTHER_KINDS
    return tuple(shown)
