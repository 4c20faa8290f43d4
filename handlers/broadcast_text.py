"""How a broadcast reads to its coordinator: progress lines, counts, the audience in words.

Shared by the /siaran flows (in a turn) and the outbox sender (live progress, the summary), so a
coordinator sees the same words in both places.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal

from handlers.i18n import Translator
from storage.repositories.outbox import SENT, UNCONFIRMED, UNREACHABLE, Counts

BAR_WIDTH = 10


def number(value: int, lang: str) -> str:
    """3400 → '3.400' in Indonesian, '3,400' in English."""
    return format_decimal(value, locale=lang)


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * done / total) if total else width
    return "▓" * filled + "░" * (width - filled)


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 100


def progress(t: Translator, broadcast_id: int, counts: Counts) -> str:
    """'Siaran #12 — terkirim 3.400/10.000 ▓▓▓░░░░░░░ 34% · gagal 12'."""
    total = counts.total
    handled = total - counts.open
    return t(
        "coordinator.progress",
        number=broadcast_id,
        sent=number(counts[SENT], t.lang),
        total=number(total, t.lang),
        bar=bar(handled, total),
        percent=percent(handled, total),
        failed=number(counts.failed, t.lang),
    )


def summary_params(lang: str, broadcast_id: int, counts: Counts) -> dict[str, Any]:
    """Parameters of the end-of-broadcast notice, numbers written the coordinator's way."""
    return {
        "number": broadcast_id,
        "total": number(counts.total, lang),
        "sent": number(counts[SENT], lang),
        "unreachable": number(counts[UNREACHABLE], lang),
        "unconfirmed": number(counts[UNCONFIRMED], lang),
        "failed": number(counts.failed - counts[UNREACHABLE] - counts[UNCONFIRMED], lang),
    }


def audience_label(t: Translator, who: str, place: str) -> str:
    """'Kader di Tenggarong', 'Kader Posyandu Melati 1', …"""
    return t(f"coordinator.audience.in.{who}", place=place)
