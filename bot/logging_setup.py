"""Logging for every entry point: text or one JSON object per line (`LOG_FORMAT`), and personal
numbers masked on the way out.

People type their phone number or NIK into free text, and that text reaches log lines (an error
while handling it, a library quoting a request). UU 27/2022 asks us not to spread such data, so one
filter on the handler masks Indonesian phone numbers and 16-digit NIK-like numbers in the message,
its arguments, the exception and stack text, and string extra fields: whatever a record carries.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import Any, TextIO

from bot.settings import Settings

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"

# A NIK: 16 digits, not part of a longer run of digits.
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
# Indonesian phone numbers, with optional spaces or dashes between digit groups: +62 and 8-12
# digits; 628 or 08 and 8-11 more (mobile numbers are 10-13 digits written with 0). Bare `62` needs
# the mobile `8` and the full length, so shorter numbers (Telegram ids, amounts) are left alone.
_S = r"[ \-]?"
_PHONE = re.compile(rf"(?<![\d+])(?:\+62(?:{_S}\d){{8,12}}|(?:62{_S}8|08)(?:{_S}\d){{8,11}})(?!\d)")
KEEP_HEAD, KEEP_TAIL = 4, 4  # digits left visible in a phone number: 0812****7890
NIK_HEAD, NIK_TAIL = 4, 2  # and in a NIK: 6402**********01


def _mask_digits(found: str, head: int, tail: int) -> str:
    """Replace the digits of `found` by '*' except the first `head` and last `tail`; other
    characters (+, spaces, dashes) stay."""
    total = sum(c.isdigit() for c in found)
    seen = 0
    out = []
    for char in found:
        if char.isdigit():
            seen += 1
            out.append(char if seen <= head or seen > total - tail else "*")
        else:
            out.append(char)
    return "".join(out)


def mask(text: str) -> str:
    """`text` with NIK-like numbers and Indonesian phone numbers masked."""
    if not any(c.isdigit() for c in text):
        return text
    text = _NIK.sub(lambda m: _mask_digits(m[0], NIK_HEAD, NIK_TAIL), text)
    return _PHONE.sub(lambda m: _mask_digits(m[0], KEEP_HEAD, KEEP_TAIL), text)


# What every LogRecord has; anything else on a record came from `extra=` (JSON shows it).
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class MaskingFilter(logging.Filter):
    """Masks a record in place before any formatter sees it: the message with its arguments
    merged in, the exception and stack text, string extras. Always lets the record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad arguments: leave the record for logging's own error report
            return True
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        for key, field in list(vars(record).items()):
            if key not in _STANDARD and isinstance(field, str):
                setattr(record, key, mask(field))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: time (UTC, ISO 8601), level, logger, message, the
    extra fields given with `extra=`, and the exception or stack as one string."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, field in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = field
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler configure_logging installed, so a second call replaces only it."""


def make_handler(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    handler = _OurHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(MaskingFilter())
    return handler


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> None:
    """The root logger writes to stderr (or `stream`) at LOG_LEVEL in LOG_FORMAT, masked. Calling
    it again replaces the handler it installed (no line printed twice); others are left alone."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(make_handler(settings.log_format, stream))
    root.setLevel(settings.log_level)
    # httpx logs every request URL at INFO, and Bot API URLs carry the bot token.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
