"""The growth recap's chart (issue #17, point 7): per child region (or Posyandu), three horizontal
bars — stunting, wasting, underweight, the share of the children weighed with a valid z-score who are
below −2 SD — as a PNG. Drawn like the reporting chart (handlers/compliance/chart.py: a bare Figure on
the Agg canvas, matplotlib imported with the first chart). Unlike that chart, a longer bar is worse,
so the colours name the indicator, not a verdict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from handlers.compliance.chart import DPI, WIDTH_INCHES, png
from storage.repositories.growth_recap import INDICATORS, GrowthCount

if TYPE_CHECKING:
    from matplotlib.figure import Figure

COLOURS = {"stunting": "#6a1b9a", "wasting": "#ef6c00", "underweight": "#1565c0"}
GROUP_HEIGHT_INCHES = 0.75  # three bars and a gap per area
BAR = 0.26


def percent(count: GrowthCount, indicator: str) -> float | None:
    found = count.indicator(indicator)
    return 100 * found.below2 / found.valid if found.valid else None


MAX_AREAS = 20  # a bigger region's chart shows its first areas (the message lists them all, paged)


def figure(
    title: str, areas: Sequence[tuple[str, GrowthCount]], labels: dict[str, str], *, axis_label: str
) -> Figure:
    """`areas`: (name, counts) first on top; `labels`: the indicators' names in the person's language.
    An area with no valid z-score for an indicator gets no bar for it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_INCHES, 1.9 + GROUP_HEIGHT_INCHES * max(1, len(areas))), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    top = 0.0
    for k, indicator in enumerate(INDICATORS):
        ys, values = [], []
        for i, (_, count) in enumerate(areas):
            value = percent(count, indicator)
            if value is not None:
                ys.append(i + (k - 1) * BAR)
                values.append(value)
        ax.barh(ys, values, height=BAR, color=COLOURS[indicator], label=labels[indicator])
        for y, value in zip(ys, values, strict=True):
            ax.text(value + 0.5, y, f"{value:.0f}%", va="center", fontsize=7)
        top = max([top, *values])
    ax.set_yticks(list(range(len(areas))), [name for name, _ in areas])
    ax.invert_yaxis()
    ax.set_xlim(0, max(10.0, min(100.0, top * 1.2 + 5)))
    ax.set_xlabel(axis_label)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def prevalence_chart(
    title: str, areas: Sequence[tuple[str, GrowthCount]], labels: dict[str, str], *, axis_label: str
) -> bytes:
    """What the growth recap sends: the PNG of `figure` (at most MAX_AREAS areas)."""
    return png(figure(title, areas[:MAX_AREAS], labels, axis_label=axis_label))
