"""The mother's KMS-style growth chart (issue #17 point 6): weight-for-age from birth to 60 months,
the WHO Child Growth Standards curves at −3, −2, 0, +2 and +3 SD for the child's sex (from the LMS
table handlers/growth/data/weianthro.txt, as the z-scores), bands coloured as on the KMS in the Buku
KIA (green between −2 and +2 SD, yellow towards ±3 SD, red beyond), and the child's weighings as
points joined by a line.

Drawn on a bare `Figure` with the Agg canvas like the coordinators' chart (handlers/compliance/
chart.py): no pyplot state, and matplotlib is imported with the first chart, not at start-up.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from handlers.growth.zscore import DAYS_PER_MONTH, MAX_AGE_DAYS, tables

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CURVE_SDS = (-3, -2, 0, 2, 3)
MONTHS = 60
STEP_DAYS = 7  # the curves are drawn from one LMS row a week
WIDTH_INCHES, HEIGHT_INCHES, DPI = 8.0, 5.6, 100
SEX_COLOUR = {"m": "#1565c0", "f": "#c2185b"}  # the KMS's blue for boys, pink for girls
BANDS = ((-5.0, -3.0, "#ffcdd2"), (-3.0, -2.0, "#fff59d"), (-2.0, 2.0, "#c8e6c9"), (2.0, 3.0, "#fff59d"))
ABOVE = "#ffe0b2"  # beyond +3 SD: pale orange, not alarm red
POINT_COLOUR = "#000000"
CHILD_GID = "child"
PNG_COMPRESSION = 1


@dataclass(frozen=True, slots=True)
class Point:
    age_days: int
    weight_kg: float

    @property
    def months(self) -> float:
        return self.age_days / DAYS_PER_MONTH


@dataclass(frozen=True, slots=True)
class Labels:
    title: str
    x_axis: str
    y_axis: str


def sd_weight(lms: tuple[float, float, float], z: float) -> float:
    """The weight at `z` SD for an LMS row (the inverse of the LMS z-score)."""
    l, m, s = lms  # noqa: E741
    return m * (1 + l * s * z) ** (1 / l)


def curves(sex: str) -> dict[int, tuple[list[float], list[float]]]:
    """SD → (ages in months, weights in kg), from birth to 60 months."""
    rows = tables().wfa[sex]
    days = [*range(0, MAX_AGE_DAYS, STEP_DAYS), MAX_AGE_DAYS]
    months = [d / DAYS_PER_MONTH for d in days]
    return {z: (months, [sd_weight(rows[d], z) for d in days]) for z in CURVE_SDS}


def figure(sex: str, points: Sequence[Point], labels: Labels) -> Figure:
    # matplotlib (~30 MB) loads with the first chart, not when KaderBot starts (issue #19).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    lines = curves(sex)
    months = lines[0][0]
    top = max(lines[3][1]) + 1
    below = [0.0] * len(months)
    ax.fill_between(months, below, lines[-3][1], color=BANDS[0][2], linewidth=0)
    for low, high, colour in BANDS[1:]:
        ax.fill_between(months, lines[int(low)][1], lines[int(high)][1], color=colour, linewidth=0)
    ax.fill_between(months, lines[3][1], [top] * len(months), color=ABOVE, linewidth=0)
    for z in CURVE_SDS:
        xs, ys = lines[z]
        ax.plot(xs, ys, color=SEX_COLOUR[sex], linewidth=2.0 if z == 0 else 1.0)
        ax.annotate(f"{z:+d}" if z else "0", (xs[-1], ys[-1]), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8, color=SEX_COLOUR[sex])  # fmt: skip
    shown = [p for p in points if 0 <= p.age_days <= MAX_AGE_DAYS]
    if shown:
        ax.plot(
            [p.months for p in shown],
            [p.weight_kg for p in shown],
            color=POINT_COLOUR,
            marker="o",
            markersize=6,
            linewidth=1.2,
            gid=CHILD_GID,
            zorder=5,
        )
    ax.set_xlim(0, MONTHS)
    ax.set_ylim(0, top)
    ax.set_xticks(range(0, MONTHS + 1, 6))
    ax.grid(alpha=0.35)
    ax.set_xlabel(labels.x_axis)
    ax.set_ylabel(labels.y_axis)
    ax.set_title(labels.title, color=SEX_COLOUR[sex])
    fig.subplots_adjust(left=0.08, right=0.95, bottom=0.1, top=0.92)
    return fig


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": PNG_COMPRESSION})
    return buffer.getvalue()


def growth_chart(sex: str, points: Sequence[Point], labels: Labels) -> bytes:
    """What /anakku sends: the PNG of `figure`."""
    return png(figure(sex, points, labels))
