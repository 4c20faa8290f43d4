"""The safety floor: wherever KaderBot says it did not understand, or that a question is outside its
services, it adds one short line with 112 and the way to the urgent TRC report (a button where the
reply has buttons, the /darurat command where it has none). A message about danger that the detector
missed is then never left without a way out."""

from __future__ import annotations

from collections.abc import Callable

TRC_FLOW = "resident_trc"
BUTTON = "floor_trc"  # the option value of the floor's button, in the flows that offer it


def with_floor(t: Callable[..., str], text: str, *, button: bool) -> str:
    """`text` and, on its own line, the floor (naming the button, or the command)."""
    return f"{text}\n{t('safety.floor' if button else 'safety.floor.text')}"


def floor_option(t: Callable[..., str]) -> tuple[str, str]:
    return (BUTTON, t("safety.floor.button"))
