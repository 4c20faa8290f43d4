"""A Posyandu's profile: how it is shown, how its ketua changes it, and when a change sends a
verified Posyandu back to the DPMD for re-verification.

The DPMD's checklist (handlers/posyandu/verification.py) looks at the institution's name, its
desa and the SPM fields it serves: a change to any of those reopens a verified institution.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator
from handlers.posyandu.institution import institution_of
from handlers.posyandu.spm import ordered, short_labels
from storage.models import Cadre, Person, Posyandu
from storage.models_posyandu_verification import SUBMITTED, VERIFIED, PosyanduVerification
from storage.models_structure import KETUA, PosyanduPosition
from storage.repositories import audit

# Posyandu columns the DPMD checklist depends on.
REVERIFY_FIELDS = frozenset({"name", "region_code", "spm_fields"})
# Columns a ketua may change in chat, in the order they are offered.
EDITABLE = ("name", "region_code", "address", "has_fixed_place", "schedule", "spm_fields")
SCHEDULE_COLUMNS = ("usual_day", "usual_week", "usual_weekday")


def needs_reverification(changed_fields: Iterable[str]) -> bool:
    """Whether changing these Posyandu columns sends a verified Posyandu back to re-verification."""
    return any(name in REVERIFY_FIELDS for name in changed_fields)


def schedule_text(t: Translator, posyandu: Any) -> str:
    """'tanggal 12', 'minggu ke-2, hari Selasa' or 'tidak tentu' (any object with the three columns)."""
    week, weekday = getattr(posyandu, "usual_week", None), getattr(posyandu, "usual_weekday", None)
    if week and weekday is not None:
        return t("posyandu.schedule.week", week=week, weekday=t(f"posyandu.weekday.{weekday}"))
    if getattr(posyandu, "usual_day", None):
        return t("posyandu.schedule.day", day=posyandu.usual_day)
    return t("posyandu.schedule.none")


def place_text(t: Translator, posyandu: Posyandu) -> str:
    kind = "posyandu.place.fixed" if posyandu.has_fixed_place else "posyandu.place.not_fixed"
    return t(kind)


def proposal_note(t: Translator, posyandu: Posyandu, parent: Posyandu | None) -> str:
    """What a coordinator reads about a Posyandu proposed by its people, in /verifikasi."""
    return t(
        "posyandu.proposal.note",
        posyandu=posyandu.name,
        address=posyandu.address or "-",
        place=place_text(t, posyandu),
        day=schedule_text(t, posyandu),
        fields=short_labels(t, posyandu.spm_fields or []) or "-",
        parent=parent.name if parent is not None else t("posyandu.proposal.no_parent"),
    )


@dataclass(frozen=True, slots=True)
class Change:
    column: str
    old: Any
    new: Any
    reverify: bool  # a verified institution went back to re-verification


def _value(posyandu: Posyandu, column: str) -> Any:
    if column == "schedule":
        return {c: getattr(posyandu, c) for c in SCHEDULE_COLUMNS}
    if column == "spm_fields":
        return list(posyandu.spm_fields or [])
    return getattr(posyandu, column)


async def apply_change(
    session: AsyncSession, posyandu: Posyandu, *, actor: Person, column: str, value: Any, now: dt.datetime
) -> Change | None:
    """Change one thing about a Posyandu, audited; None when nothing changed. `column` is one of
    EDITABLE ('schedule' sets usual_day/usual_week/usual_weekday from a dict)."""
    if column not in EDITABLE:
        raise ValueError(f"not editable: {column}")
    if column == "spm_fields":
        value = ordered(value)
    old = _value(posyandu, column)
    if column == "schedule":
        for name in SCHEDULE_COLUMNS:
            setattr(posyandu, name, value.get(name))
    else:
        setattr(posyandu, column, value)
    new = _value(posyandu, column)
    if new == old:
        return None
    reverify = needs_reverification([column]) and await reopen_verification(session, posyandu, now=now)
    await audit.record(
        session,
        actor=actor,
        action="posyandu.edit",
        target=f"posyandu {posyandu.id} {posyandu.name}",
        details={"posyandu_id": posyandu.id, "field": column, "old": old, "new": new, "reverify": reverify},
        now=now,
    )
    await session.flush()
    return Change(column, old, new, reverify)


async def reopen_verification(session: AsyncSession, posyandu: Posyandu, *, now: dt.datetime) -> bool:
    """A verified institution goes back to the DPMD's queue (status 'submitted'); True if it did.
    A pos pelayanan's change reopens its lembaga, whose verification it shares."""
    institution_id = posyandu.parent_id or posyandu.id
    found = (
        await session.execute(
            select(PosyanduVerification).where(PosyanduVerification.posyandu_id == institution_id)
        )
    ).scalar_one_or_none()
    if found is None or found.status != VERIFIED:
        return False
    found.status = SUBMITTED
    found.reason = None
    found.decided_by = None
    found.decided_at = None
    found.submitted_at = now
    await session.flush()
    return True


@dataclass(frozen=True, slots=True)
class Mine:
    """A cadre's own Posyandu row, its institution, and whether they may change them (its ketua)."""

    cadre: Cadre
    posyandu: Posyandu
    institution: Posyandu
    is_ketua: bool


async def mine(session: AsyncSession, person: Person) -> Mine | None:
    """The Posyandu of a cadre who is not rejected; None for anyone else.

    Its ketua — registered as ketua, or holding the institution's ketua place — may edit it once
    verified by a coordinator, or before that when they proposed it themselves."""
    cadre = (await session.execute(select(Cadre).where(Cadre.person_id == person.id))).scalar_one_or_none()
    if cadre is None or cadre.verification == "rejected":
        return None
    posyandu = await session.get(Posyandu, cadre.posyandu_id)
    assert posyandu is not None
    institution = await institution_of(session, posyandu)
    holds = await session.scalar(
        select(PosyanduPosition.id).where(
            PosyanduPosition.posyandu_id == institution.id,
            PosyanduPosition.person_id == person.id,
            PosyanduPosition.field.is_(None),
            PosyanduPosition.role == KETUA,
        )
    )
    ketua = cadre.position == KETUA or holds is not None
    trusted = cadre.verification == "verified" or posyandu.proposed_by == person.id
    return Mine(cadre, posyandu, institution, ketua and trusted)
