"""Money, dates and times as a person reads them, in their language and the local zone.

Reminder rows keep raw values ({"date": "2026-12-05"}, {"rupiah": 250000}, …) and are formatted
when they become a notification, in the recipient's language at that moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal

from handlers.forms.dates import month_name

ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_label(zone: ZoneInfo) -> str:
    return ZONE_NAMES.get(zone.key, zone.key)


def rupiah(amount: int, lang: str) -> str:
    """Rp250.000 (id) / Rp250,000 (en)."""
    return "Rp" + format_decimal(amount, format="#,##0", locale=lang)


def day(value: dt.date, lang: str) -> str:
    return format_date(value, "d MMMM yyyy", locale=lang)


def weekday(value: dt.date, lang: str) -> str:
    return format_date(value, "EEEE, d MMMM yyyy", locale=lang)


def clock(value: dt.datetime | dt.time | str) -> str:
    """A time of day as every screen shows it, in every language: '16.03' (PUEBI's hour.minute).
    A datetime must be local already; a string is the stored 'HH:MM'."""
    if isinstance(value, str):
        hour, minute = (int(part) for part in value.split(":"))
        return f"{hour:02d}.{minute:02d}"
    return f"{value:%H.%M}"


def date_time(value: dt.datetime, lang: str, zone: ZoneInfo, *, date_format: str = "d MMM yyyy") -> str:
    """'20 Nov 2026 16.03': a moment in the local zone, the date by a babel pattern, the time by `clock`."""
    local = value.astimezone(zone)
    return f"{format_date(local.date(), date_format, locale=lang)} {clock(local)}"


def moment(value: dt.datetime, lang: str, zone: ZoneInfo) -> str:
    """'5 Desember 2026 23.59 WITA'."""
    return f"{date_time(value, lang, zone, date_format='d MMMM yyyy')} {zone_label(zone)}"


def clock_time(value: dt.datetime, zone: ZoneInfo) -> str:
    return f"{clock(value.astimezone(zone))} {zone_label(zone)}"


def month(value: dt.date, lang: str) -> str:
    return month_name(value, lang)


def render_params(params: Mapping[str, Any], lang: str, zone: ZoneInfo) -> dict[str, Any]:
    """Raw reminder parameters → text. {"key": …} is left for the outbox sender to translate."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, dict) and len(value) == 1:
            ((tag, raw),) = value.items()
            if tag == "date":
                out[name] = day(dt.date.fromisoformat(raw), lang)
                continue
            if tag == "weekday":
                out[name] = weekday(dt.date.fromisoformat(raw), lang)
                continue
            if tag == "moment":
                out[name] = moment(dt.datetime.fromisoformat(raw), lang, zone)
                continue
            if tag == "time":
                out[name] = clock_time(dt.datetime.fromisoformat(raw), zone)
                continue
            if tag == "month":
                out[name] = month(dt.date.fromisoformat(raw), lang)
                continue
            if tag == "rupiah":
                out[name] = rupiah(int(raw), lang)
                continue
        out[name] = value
    return out
