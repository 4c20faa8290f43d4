"""SKDN coverage figures as coordinators read them: D/S (weighing coverage) and N/D (weight gain)."""

from __future__ import annotations


def percent(part: int | None, whole: int | None) -> str:
    """'80%', or '-' when there is nothing to divide by."""
    if part is None or not whole:
        return "-"
    return f"{round(100 * part / whole)}%"
