"""The structure of a Posyandu 6 SPM as a tree: pengurus, then per field it serves a koordinator and
its kader. Read for /struktur, and flattened into rows for the office's workbook and `kaderbot export`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator
from handlers.posyandu.spm import ordered
from handlers.spreadsheet import append_row, format_table
from storage.models import Posyandu
from storage.models_structure import KADER, KOORDINATOR, PENGURUS_ROLES
from storage.repositories import structure as repo
from storage.repositories.structure import ExportRow, Holder

if TYPE_CHECKING:  # openpyxl loads with the first workbook, not when KaderBot starts (issue #19)
    from openpyxl import Workbook

PAGE_LINES = 30  # one chat screen; a longer tree is shown in pages


@dataclass
class Structure:
    """Who holds what in one institution; `fields` in SPM order, the fields it serves first."""

    institution_id: int
    name: str
    pengurus: dict[str, list[Holder]] = field(default_factory=dict)
    fields: dict[str, dict[str, list[Holder]]] = field(default_factory=dict)

    def places_of(self, person_id: int) -> int:
        count = sum(1 for hs in self.pengurus.values() for h in hs if h.person_id == person_id)
        for roles in self.fields.values():
            count += sum(1 for hs in roles.values() for h in hs if h.person_id == person_id)
        return count


async def load(session: AsyncSession, institution: Posyandu, *, now: dt.datetime) -> Structure:
    """The institution's structure. Fields it serves always appear (empty ones too); a place in a
    field it no longer serves is still shown, so nothing silently disappears."""
    await repo.adopt_pengurus(session, now=now, institution_id=institution.id)
    found = await repo.holders(session, institution.id)
    served = ordered(institution.spm_fields or [])
    extra = ordered({h.field for h in found if h.field and h.field not in served})
    result = Structure(institution.id, institution.name)
    result.pengurus = {
        role: [h for h in found if h.field is None and h.role == role] for role in PENGURUS_ROLES
    }
    for code in [*served, *extra]:
        result.fields[code] = {
            role: [h for h in found if h.field == code and h.role == role] for role in (KOORDINATOR, KADER)
        }
    return result


def render(t: Translator, structure: Structure) -> list[str]:
    """The tree, one line per node, for a chat screen."""
    lines = [t("structure.tree.title", posyandu=structure.name), t("structure.tree.pengurus")]
    for role, holders in structure.pengurus.items():
        lines.append(t("structure.tree.role", role=t(f"structure.role.{role}"), names=_names(t, holders)))
    for code, roles in structure.fields.items():
        lines.append(t("structure.tree.field", field=t(f"spm.field.{code}")))
        lines.append(
            t(
                "structure.tree.leaf",
                role=t("structure.role.koordinator"),
                names=_names(t, roles[KOORDINATOR]),
            )
        )
        lines.append(
            t("structure.tree.leaf_last", role=t("structure.role.kader"), names=_names(t, roles[KADER]))
        )
    if not structure.fields:
        lines.append(t("structure.tree.no_fields"))
    return lines


def pages(lines: Sequence[str], size: int = PAGE_LINES) -> list[str]:
    """Lines cut into screens, never splitting a field from its koordinator and kader."""
    blocks: list[list[str]] = []
    for line in lines:
        if not blocks or (not line.startswith(" ") and not line.startswith("│") and not line.startswith("└")):
            blocks.append([line])
        else:
            blocks[-1].append(line)
    screens: list[list[str]] = [[]]
    for block in blocks:
        if screens[-1] and len(screens[-1]) + len(block) > size:
            screens.append([])
        screens[-1].extend(block)
    return ["\n".join(screen) for screen in screens]


def _names(t: Translator, holders: list[Holder]) -> str:
    if not holders:
        return t("structure.tree.vacant")
    return ", ".join(
        h.name if h.verification == "verified" else t("structure.tree.pending_name", name=h.name)
        for h in holders
    )


# -- export ------------------------------------------------------------------------------------

COLUMNS = (
    "code",
    "posyandu",
    "status",
    "desa",
    "kecamatan",
    "kabupaten",
    "field",
    "role",
    "name",
    "verification",
)


def _roots(scope: Any) -> tuple[str, ...] | None:
    """A coordinator's Scope (its sql_roots), a region code, several codes, or None for everywhere."""
    if scope is None:
        return None
    if isinstance(scope, str):
        return (scope,)
    if hasattr(scope, "sql_roots"):
        return scope.sql_roots  # type: ignore[no-any-return]
    return tuple(scope)


async def structure_rows(
    session: AsyncSession, scope: Any, *, now: dt.datetime | None = None
) -> list[ExportRow]:
    """One row per place held, for every Posyandu in `scope` (see `_roots`)."""
    roots = _roots(scope)
    if roots is not None and not roots:
        return []
    await repo.adopt_pengurus(session, now=now or dt.datetime.now(dt.UTC))
    return await repo.export_rows(session, roots=roots)


def row_values(t: Translator, row: ExportRow) -> list[Any]:
    return [
        row.code,
        row.posyandu,
        t(f"structure.status.{row.status}"),
        row.desa,
        row.kecamatan,
        row.kabupaten,
        t(f"spm.field.{row.field}") if row.field else t("structure.tree.pengurus_plain"),
        t(f"structure.role.{row.role}"),
        row.name or "-",
        t(f"structure.verification.{row.verification}"),
    ]


def titles(t: Translator) -> list[str]:
    return [t(f"structure.xlsx.col.{key}") for key in COLUMNS]


def add_sheet(book: Workbook, t: Translator, rows: Sequence[ExportRow]) -> None:
    """The structure sheet of the office's workbook: one filterable row per place held."""
    sheet = book.create_sheet(t("structure.xlsx.sheet")[:31])
    append_row(sheet, titles(t))
    for row in rows:
        append_row(sheet, row_values(t, row))
    format_table(sheet)
