"""CSRF protection of the dashboard's forms. Signed in, every form carries its session's token
(stored with the session, storage/models_dashboard.py); before that, the login form carries a
random token also set as a cookie (double submit). A POST whose token is missing or wrong is
refused with 403 before anything else happens."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs

from fastapi import Request

FIELD = "csrf_token"
LOGIN_COOKIE = "kb_dasbor_masuk"


class CsrfRefused(Exception):
    """The form's token is missing or does not match."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


async def form(request: Request) -> dict[str, str]:
    """The fields of an application/x-www-form-urlencoded body (the only kind the pages send); the
    body's size is already capped by bot/body_limit.py."""
    if (
        request.headers.get("content-type", "").split(";", 1)[0].strip()
        != "application/x-www-form-urlencoded"
    ):
        return {}
    body = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}


def check(expected: str | None, fields: dict[str, str]) -> None:
    given = fields.get(FIELD, "")
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise CsrfRefused
