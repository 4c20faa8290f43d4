"""The DPMD's checklist for a Posyandu 6 SPM institution (issue 16, point 5).

Computed from the data, every time it is shown:
  - `document`: the structure decree (a posyandu_document of type sk_struktur) is kept;
  - `fields`: the six SPM fields are served, or the ketua gave a reason for each one not served;
  - `pengurus`: ketua, sekretaris and bendahara are known (posyandu_position rows, or cadres who
    registered in those positions at the institution or its pos pelayanan);
  - `cadres`: every cadre of the institution and its pos pelayanan is verified (and there is one).
Judged by the verifier, ticked in the coordinator's screen:
  - `legible`: the structure document can be read and is the right one.
The ketua may submit once the computed items hold; a coordinator verifies once all items hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator
from handlers.posyandu.institution import institution_of, rows_of
from handlers.posyandu.spm import SPM_FIELDS, ordered
from storage.models import Cadre, Posyandu
from storage.models_media import PosyanduDocument
from storage.models_posyandu_verification import RETURNED, SUBMITTED
from storage.models_structure import KETUA, PENGURUS_ROLES, PosyanduPosition
from storage.repositories import posyandu_verification as verifications

COMPUTED = ("document", "fields", "pengurus", "cadres")
JUDGED = ("legible",)
ITEMS = (*COMPUTED, *JUDGED)
STRUCTURE_DOCUMENT = "sk_struktur"
# Kukar aimed to register every Posyandu 6 SPM by 30 June 2025; POSYANDU_VERIFICATION_DEADLINE.
DEFAULT_DEADLINE = dt.date(2025, 6, 30)


@dataclass(frozen=True, slots=True)
class Checklist:
    document: bool
    served: tuple[str, ...]
    reasons: dict[str, str]  # SPM field not served → the ketua's reason
    pengurus: tuple[str, ...]  # the pengurus roles filled
    cadres_verified: int
    cadres_waiting: int  # registered, not yet verified (rejected ones do not count)
    ticked: frozenset[str] = field(default_factory=frozenset)

    @property
    def unserved(self) -> tuple[str, ...]:
        return tuple(code for code in SPM_FIELDS if code not in self.served)

    @property
    def without_reason(self) -> tuple[str, ...]:
        return tuple(code for code in self.unserved if not self.reasons.get(code))

    @property
    def items(self) -> dict[str, bool]:
        return {
            "document": self.document,
            "fields": not self.without_reason,
            "pengurus": all(role in self.pengurus for role in PENGURUS_ROLES),
            "cadres": self.cadres_verified > 0 and self.cadres_waiting == 0,
            **{item: item in self.ticked for item in JUDGED},
        }

    @property
    def missing(self) -> list[str]:
        """Computed items that do not hold, in order."""
        return [item for item in COMPUTED if not self.items[item]]

    @property
    def complete(self) -> bool:
        return all(self.items.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "served": list(self.served),
            "reasons": dict(self.reasons),
            "pengurus": list(self.pengurus),
            "cadres_verified": self.cadres_verified,
            "cadres_waiting": self.cadres_waiting,
        }


async def checklist(
    session: AsyncSession,
    institution: Posyandu,
    *,
    reasons: Mapping[str, str] | None = None,
    ticked: frozenset[str] = frozenset(),
) -> Checklist:
    """The checklist of `institution` (a lembaga) now. `reasons`: the ketua's reason per field not
    served (kept with the submission); `ticked`: the judged items the verifier ticked."""
    rows = await rows_of(session, institution)
    row_ids = [row.id for row in rows]
    document = await session.scalar(
        select(PosyanduDocument.id)
        .where(
            PosyanduDocument.posyandu_id == institution.id,
            PosyanduDocument.doc_type == STRUCTURE_DOCUMENT,
        )
        .limit(1)
    )
    positions = await session.scalars(
        select(PosyanduPosition.role).where(
            PosyanduPosition.posyandu_id == institution.id,
            PosyanduPosition.field.is_(None),
            PosyanduPosition.role.in_(PENGURUS_ROLES),
        )
    )
    cadres = (
        await session.execute(
            select(Cadre.position, Cadre.verification).where(
                Cadre.posyandu_id.in_(row_ids), Cadre.verification != "rejected"
            )
        )
    ).all()
    roles = set(positions) | {position for position, _ in cadres if position in PENGURUS_ROLES}
    served = tuple(ordered(institution.spm_fields or []))
    kept = {code: text for code, text in (reasons or {}).items() if code not in served and text}
    return Checklist(
        document=document is not None,
        served=served,
        reasons=kept,
        pengurus=tuple(role for role in PENGURUS_ROLES if role in roles),
        cadres_verified=sum(1 for _, state in cadres if state == "verified"),
        cadres_waiting=sum(1 for _, state in cadres if state != "verified"),
        ticked=frozenset(ticked) & frozenset(JUDGED),
    )


async def is_ketua(session: AsyncSession, person_id: int, institution: Posyandu) -> bool:
    """The ketua of `institution`: a ketua position row, or a cadre registered there as ketua."""
    row_ids = [row.id for row in await rows_of(session, institution)]
    position = await session.scalar(
        select(PosyanduPosition.id)
        .where(
            PosyanduPosition.posyandu_id == institution.id,
            PosyanduPosition.person_id == person_id,
            PosyanduPosition.field.is_(None),
            PosyanduPosition.role == KETUA,
        )
        .limit(1)
    )
    if position is not None:
        return True
    cadre = await session.scalar(
        select(Cadre.id).where(
            Cadre.person_id == person_id,
            Cadre.posyandu_id.in_(row_ids),
            Cadre.position == KETUA,
            Cadre.verification != "rejected",
        )
    )
    return cadre is not None


async def ketua_ids(session: AsyncSession, institution: Posyandu) -> list[int]:
    """Everyone who is ketua of `institution`, to be told of a decision."""
    row_ids = [row.id for row in await rows_of(session, institution)]
    by_position = await session.scalars(
        select(PosyanduPosition.person_id).where(
            PosyanduPosition.posyandu_id == institution.id,
            PosyanduPosition.field.is_(None),
            PosyanduPosition.role == KETUA,
        )
    )
    by_cadre = await session.scalars(
        select(Cadre.person_id).where(
            Cadre.posyandu_id.in_(row_ids), Cadre.position == KETUA, Cadre.verification != "rejected"
        )
    )
    return sorted(set(by_position) | set(by_cadre))


MARK = {True: "✅", False: "❌"}


def lines(t: Translator, found: Checklist, *, judged: bool = False) -> list[str]:
    """The checklist as lines of text: each item with ✅/❌ and, when it fails, what is missing.
    `judged`: also the verifier's items (the ketua sees the computed ones only)."""
    items = found.items
    out = [
        t(
            "posyandu_verify.item.document",
            mark=MARK[items["document"]],
        ),
        _fields_line(t, found),
        _pengurus_line(t, found),
        t(
            "posyandu_verify.item.cadres",
            mark=MARK[items["cadres"]],
            verified=found.cadres_verified,
            waiting=found.cadres_waiting,
        ),
    ]
    if judged:
        out.append(t("posyandu_verify.item.legible", mark=MARK[items["legible"]]))
    return out


def _fields_line(t: Translator, found: Checklist) -> str:
    mark = MARK[found.items["fields"]]
    if not found.unserved:
        return t("posyandu_verify.item.fields_all", mark=mark)
    parts = [
        t(
            "posyandu_verify.item.field_reason",
            field=t(f"spm.short.{code}"),
            reason=found.reasons.get(code) or t("posyandu_verify.item.no_reason"),
        )
        for code in found.unserved
    ]
    return t("posyandu_verify.item.fields", mark=mark, served=len(found.served), unserved="; ".join(parts))


def _pengurus_line(t: Translator, found: Checklist) -> str:
    missing = [role for role in PENGURUS_ROLES if role not in found.pengurus]
    if not missing:
        return t("posyandu_verify.item.pengurus_all", mark=MARK[True])
    names = ", ".join(t(f"posyandu_verify.role.{role}") for role in missing)
    return t("posyandu_verify.item.pengurus", mark=MARK[False], missing=names)


async def waiting_note(session: AsyncSession, t: Translator, posyandu_id: int) -> list[str]:
    """What /insentif says when incentives wait on the DPMD's verification of the cadre's Posyandu:
    under review, or what is still missing (the checklist items), or ready for the ketua to submit."""
    posyandu = await session.get(Posyandu, posyandu_id)
    if posyandu is None:
        return []
    institution = await institution_of(session, posyandu)
    row = await verifications.of(session, institution.id)
    if row is not None and row.status == SUBMITTED:
        return [t("incentive.posyandu_submitted", posyandu=institution.name)]
    found = await checklist(
        session, institution, reasons=(row.checklist or {}).get("reasons") if row else None
    )
    out = []
    if found.missing:
        out.append(t("incentive.posyandu_pending", posyandu=institution.name))
        out.extend(lines(t, found))
    else:
        out.append(t("incentive.posyandu_ready", posyandu=institution.name))
    if row is not None and row.status == RETURNED and row.reason:
        out.append(t("incentive.posyandu_returned", reason=row.reason))
    return out


async def structure_documents(session: AsyncSession, institution_id: int) -> list[int]:
    """The media ids of the institution's structure documents, oldest first (to open them)."""
    found = await session.scalars(
        select(PosyanduDocument.media_id)
        .where(
            PosyanduDocument.posyandu_id == institution_id,
            PosyanduDocument.doc_type == STRUCTURE_DOCUMENT,
        )
        .order_by(PosyanduDocument.uploaded_at, PosyanduDocument.id)
    )
    return list(found)
