"""The recap of the DPMD's verification for a kabupaten or kecamatan: how many Posyandu institutions
are registered, submitted (waiting), returned and verified — on time or after the deadline — in
each child region; as text (/rekap), a chart and a workbook sheet.

The deadline is the setting POSYANDU_VERIFICATION_DEADLINE (Kukar aimed at 30 June 2025); a
Posyandu verified on the deadline's day (local time) counts as on time.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator
from handlers.scheduling.formats import day
from handlers.spreadsheet import append_row, size_columns
from storage.models_posyandu_verification import RETURNED, SUBMITTED, VERIFIED
from storage.repositories import posyandu_verification as verifications
from storage.repositories import regions

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

COLUMNS = ("registered", "not_submitted", "submitted", "returned", "verified", "verified_late")
COLOURS = {"verified": "#2e7d32", "submitted": "#1565c0", "returned": "#c62828", "not_submitted": "#bdbdbd"}


@dataclass(slots=True)
class Count:
    code: str
    name: str
    registered: int = 0
    submitted: int = 0
    returned: int = 0
    verified: int = 0
    verified_late: int = 0  # of `verified`, decided after the deadline

    @property
    def not_submitted(self) -> int:
        return self.registered - self.submitted - self.returned - self.verified

    def add(self, state: verifications.InstitutionState, deadline: dt.date, zone: ZoneInfo) -> None:
        self.registered += 1
        if state.status == SUBMITTED:
            self.submitted += 1
        elif state.status == RETURNED:
            self.returned += 1
        elif state.status == VERIFIED:
            self.verified += 1
            decided = state.decided_at.astimezone(zone).date() if state.decided_at else None
            if decided is not None and decided > deadline:
                self.verified_late += 1


@dataclass(slots=True)
class VerificationRecap:
    region_code: str
    region_name: str
    deadline: dt.date
    total: Count
    rows: list[Count] = field(default_factory=list)  # per child region, in the tree's order


async def summarise(
    session: AsyncSession, region_code: str, region_name: str, *, deadline: dt.date, zone: ZoneInfo
) -> VerificationRecap:
    states = await verifications.institutions_under(session, region_code)
    total = Count(region_code, region_name)
    rows = [Count(child.code, child.name) for child in await regions.children(session, region_code)]
    for state in states:
        total.add(state, deadline, zone)
        for row in rows:
            if state.region_code == row.code or state.region_code.startswith(row.code + "."):
                row.add(state, deadline, zone)
                break
    return VerificationRecap(region_code, region_name, deadline, total, rows)


def text(t: Translator, recap: VerificationRecap, *, today: dt.date) -> str:
    days = (recap.deadline - today).days
    if days >= 0:
        due = t("posyandu_verify.recap.deadline_ahead", deadline=day(recap.deadline, t.lang), days=days)
    else:
        due = t("posyandu_verify.recap.deadline_past", deadline=day(recap.deadline, t.lang), days=-days)
    out = [t("posyandu_verify.recap.title", region=recap.region_name), due, _line(t, recap.total, total=True)]
    shown = [row for row in recap.rows if row.registered]
    if shown:
        out.append("")
        out.extend(_line(t, row) for row in shown)
    return "\n".join(out)


def _line(t: Translator, count: Count, *, total: bool = False) -> str:
    return t(
        "posyandu_verify.recap.total" if total else "posyandu_verify.recap.row",
        name=count.name,
        registered=count.registered,
        not_submitted=count.not_submitted,
        submitted=count.submitted,
        returned=count.returned,
        verified=count.verified,
        late=count.verified_late,
    )


def chart(t: Translator, title: str, recap: VerificationRecap) -> bytes:
    """A stacked bar per child region: verified, submitted, returned, not yet submitted (PNG).
    matplotlib is imported here, when a recap is drawn, not when KaderBot starts."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = [row for row in recap.rows if row.registered] or [recap.total]
    fig = Figure(figsize=(8.0, 1.8 + 0.38 * len(rows)), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = list(range(len(rows)))
    left = [0] * len(rows)
    for part in ("verified", "submitted", "returned", "not_submitted"):
        values = [getattr(row, part) for row in rows]
        ax.barh(
            positions, values, left=left, color=COLOURS[part], label=t(f"posyandu_verify.recap.legend.{part}")
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, [f"{row.name} ({row.verified}/{row.registered})" for row in rows])
    ax.invert_yaxis()
    ax.set_xlabel(t("posyandu_verify.recap.axis"))
    ax.legend(loc="lower right", fontsize="small")
    ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def sheet(book_sheet: Worksheet, t: Translator, recap: VerificationRecap) -> None:
    """The workbook sheet: the deadline, then one row per child region and the total."""
    from openpyxl.styles import Font  # openpyxl loads with the first workbook (issue #19)

    append_row(book_sheet, [t("posyandu_verify.xlsx.deadline"), recap.deadline])
    book_sheet.cell(row=book_sheet.max_row, column=2).number_format = "yyyy-mm-dd"
    append_row(book_sheet, [])
    titles = [t("posyandu_verify.xlsx.code"), t("posyandu_verify.xlsx.region")]
    titles += [t(f"posyandu_verify.xlsx.{column}") for column in COLUMNS]
    append_row(book_sheet, titles)
    for cell in book_sheet[book_sheet.max_row]:
        cell.font = Font(bold=True)
    for row in [*recap.rows, recap.total]:
        append_row(book_sheet, [row.code, row.name, *(getattr(row, column) for column in COLUMNS)])
    for cell in book_sheet[book_sheet.max_row]:
        cell.font = Font(bold=True)
    size_columns(book_sheet)
