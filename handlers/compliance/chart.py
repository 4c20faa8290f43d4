"""The reporting-rate chart: one horizontal bar per child region, as a PNG.

Drawn on a bare `Figure` with the Agg canvas: no pyplot, so no global figure state shared between
turns, and no display needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from handlers.compliance.recap import Rate

BAR_HEIGHT_INCHES = 0.38
WIDTH_INCHES = 8.0
DPI = 110
GOOD = 0.8  # at or above this share of Posyandu reporting a bar is green
COLOURS = {"good": "#2e7d32", "fair": "#f9a825", "poor": "#c62828"}


def figure(title: str, rates: Sequence[Rate], *, axis_label: str) -> Figure:
    fig = Figure(figsize=(WIDTH_INCHES, 1.6 + BAR_HEIGHT_INCHES * max(1, len(rates))), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    names = [f"{r.name} ({r.reported}/{r.total})" for r in rates]
    values = [100 * r.rate for r in rates]
    colours = [COLOURS["good" if r.rate >= GOOD else "fair" if r.rate >= GOOD / 2 else "poor"] for r in rates]
    positions = list(range(len(rates)))
    ax.barh(positions, values, color=colours)
    ax.set_yticks(positions, names)
    ax.invert_yaxis()  # first region on top, as in the message
    ax.set_xlim(0, 100)
    ax.set_xlabel(axis_label)
    ax.set_title(title)
    for position, value in zip(positions, values, strict=True):
        ax.text(min(value + 1, 88), position, f"{value:.0f}%", va="center")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def reporting_chart(title: str, rates: Sequence[Rate], *, axis_label: str) -> bytes:
    """What /rekap sends: the PNG of `figure`."""
    return png(figure(title, rates, axis_label=axis_label))
