"""The reporting-rate chart: one horizontal bar per child region, as a PNG.

Drawn on a bare `Figure` with the Agg canvas: no pyplot, so no global figure state shared between
turns, and no display needed. The chart is drawn inside the coordinator's turn, so it is kept cheap:
margins come from measuring the region names once instead of `tight_layout` (which draws the whole
figure an extra time), and the PNG is compressed lightly (level 1: a few per cent larger than the
default level 6 for such a picture, and about twice as fast to encode).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from handlers.compliance.recap import Rate

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BAR_HEIGHT_INCHES = 0.38
WIDTH_INCHES = 8.0
DPI = 110
GOOD = 0.8  # at or above this share of Posyandu reporting a bar is green
COLOURS = {"good": "#2e7d32", "fair": "#f9a825", "poor": "#c62828"}
# Room around the axes, in points: below for the tick labels and the axis label, above for the
# title, right for half of the last tick label ("100"), left beyond the widest region name.
BOTTOM_POINTS = 40
TOP_POINTS = 28
RIGHT_POINTS = 16
LEFT_PAD_POINTS = 12  # tick length, tick pad and a little air
PNG_COMPRESSION = 1


def figure(title: str, rates: Sequence[Rate], *, axis_label: str) -> Figure:
    # matplotlib (~30 MB) loads with the first chart, not when KaderBot starts (issue #19).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_INCHES, 1.6 + BAR_HEIGHT_INCHES * max(1, len(rates))), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
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
    # Over the whole width, not just the axes: a long region name beside long bar names still fits.
    fig.suptitle(title, y=1 - 8 / 72 / fig.get_figheight(), va="top")
    for position, value in zip(positions, values, strict=True):
        ax.text(min(value + 1, 88), position, f"{value:.0f}%", va="center")
    ax.grid(axis="x", alpha=0.3)
    renderer = canvas.get_renderer()
    widest = max((label.get_window_extent(renderer).width for label in ax.get_yticklabels()), default=0.0)
    width, height = fig.bbox.width, fig.bbox.height
    pixels = DPI / 72  # per point
    left = min(0.6, (widest + LEFT_PAD_POINTS * pixels) / width)  # very long names may be cut, not the bars
    fig.subplots_adjust(
        left=left,
        right=1 - RIGHT_POINTS * pixels / width,
        bottom=BOTTOM_POINTS * pixels / height,
        top=1 - TOP_POINTS * pixels / height,
    )
    return fig


def png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", pil_kwargs={"compress_level": PNG_COMPRESSION})
    return buffer.getvalue()


def reporting_chart(title: str, rates: Sequence[Rate], *, axis_label: str) -> bytes:
    """What /rekap sends: the PNG of `figure`."""
    return png(figure(title, rates, axis_label=axis_label))
