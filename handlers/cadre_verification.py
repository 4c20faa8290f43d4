"""A coordinator's decision on a cadre waiting for verification, wherever it is taken (the chat's
/verifikasi, the dashboard's /dasbor/kader): the decision itself (a Posyandu the cadre proposed is
decided with them), its audit entry, and the cadre's notice through the outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.forms.names import mixes_scripts, scripts, skeleton
from handlers.i18n import Translator
from handlers.posyandu.profile import proposal_note
from storage.models import Cadre, Person, Posyandu
from storage.repositories import audit, outbox, regions, verification

PENDING = "pending"
REASONS = ("not_cadre", "wrong_posyandu", "data_mismatch")  # coordinator.verify.reason.<reason>
REASON_MIN, REASON_MAX = 3, 200
KNOWN_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARABIC", "CJK")


def typed_reason(text: str | None) -> str | None:
    """A reason typed by the coordinator, spaces tidied; None when too short or too long."""
    reason = " ".join((text or "").split())
    return reason if REASON_MIN <= len(reason) <= REASON_MAX else None


async def decide(
    session: AsyncSession,
    cadre: Cadre,
    *,
    actor: Person,
    approve: bool,
    reason: str | None,
    now: dt.datetime,
) -> bool:
    """Verify or reject `cadre` (checked in scope and still pending by the caller); True when the
    cadre can be told (their notice is queued), False when no channel reaches them."""
    person = await session.get(Person, cadre.person_id)
    place = await regions.place(session, cadre.posyandu_id)
    assert person is not None and place is not None
    await verification.decide(session, cadre, approve=approve, by=actor.id, reason=reason, now=now)
    await audit.record(
        session,
        actor=actor,
        action="cadre.verify" if approve else "cadre.reject",
        target=f"cadre {cadre.id} {person.full_name or ''}".strip(),
        details={"cadre_id": cadre.id, "person_id": person.id, "posyandu_id": place.id, "reason": reason},
        now=now,
    )
    told = await outbox.notify_person(
        session,
        person.id,
        key="coordinator.notice.cadre_verified" if approve else "coordinator.notice.cadre_rejected",
        params={"posyandu": place.name, "reason": reason or "-"},
        now=now,
    )
    return told is not None


async def notes(session: AsyncSession, t: Translator, cadre: Cadre, name: str) -> list[str]:
    """What deserves a second look before deciding: a name that mixes scripts or looks like a
    colleague's, and the details of a Posyandu the cadre proposed (decided with them)."""
    found = []
    if mixes_scripts(name):
        used = ", ".join(_script_name(t, s) for s in scripts(name))
        found.append(t("verify.warn.mixed_scripts", scripts=used))
    look = skeleton(name)
    twins = [n for n in await verification.colleagues(session, cadre) if skeleton(n) == look]
    if twins:
        found.append(t("verify.warn.same_name", names=", ".join(twins)))
    proposed = await verification.proposal(session, cadre.posyandu_id)
    if proposed is not None:
        parent = await session.get(Posyandu, proposed.parent_id) if proposed.parent_id else None
        found.append(proposal_note(t, proposed, parent))  # issue 16: address, schedule, fields
    return found


def _script_name(t: Translator, script: str) -> str:
    key = script.lower() if script in KNOWN_SCRIPTS else "other"
    return t(f"verify.script.{key}")
