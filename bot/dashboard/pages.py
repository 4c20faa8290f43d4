"""Rendering: the Jinja2 templates of bot/dashboard/templates with the person's catalogue, and the
headers every dashboard page carries (no caching, no framing, no referrer: a login link's token
must not travel on in a Referer header)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_timedelta
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from handlers.broadcast_text import number
from handlers.forms.dates import month_name
from handlers.i18n import Translator
from handlers.skdn import percent

TEMPLATES = Path(__file__).resolve().parent / "templates"

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
        "img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(t: Translator, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    lang = t.lang

    def num(value: int) -> str:
        return number(value, lang)

    def month(value: dt.date) -> str:
        return month_name(value, lang)

    def month_short(value: dt.date) -> str:
        return format_date(value, "MMM", locale=lang)

    def age(value: dt.timedelta) -> str:
        return format_timedelta(value, threshold=1, locale=lang)

    html = _environment.get_template(template).render(
        t=t, lang=lang, num=num, pct=percent, month_name=month, month_short=month_short, age=age, **context
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)
