"""Logging for every entry point: text or one JSON object per line (`LOG_FORMAT`), personal
numbers and secrets masked on the way out.

People type their phone number or NIK into free text, and that text reaches log lines (an error
while handling it, a library quoting a request). UU 27/2022 asks us not to spread such data, so one
filter on the handler masks Indonesian phone numbers and 16-digit NIK-like numbers in the message,
its arguments, the exception and stack text, and string extra fields: whatever a record carries.

The same filter masks every configured secret (Settings.secrets: the bot token, the webhook secret,
WhatsApp's token, app secret and verify token, METRICS_TOKEN) and anything shaped like a Telegram
bot token, at any level and from any logger: the Bot API URL carries the token, setWebhook the
secret. The HTTP libraries' own loggers stay at LOG_LEVEL_LIBRARIES (WARNING) unless asked.

In the text format a record is one line: control characters in the message (a newline in a signed
WhatsApp field, an ESC) are written escaped, and the lines of a traceback are indented, so nothing a
person or a platform sends can start a line that looks like a record of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import urllib.parse
from collections.abc import Iterable
from typing import Any, TextIO

from bot.settings import Settings

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
# Loggers of the HTTP libraries: they quote request URLs (the Bot API's carry the token) and bodies.
# apscheduler too: its INFO lines ("Added job …") would fill the console chat a newcomer starts with.
LIBRARY_LOGGERS = (
    "telegram",
    "httpx",
    "httpcore",
    "aiohttp",
    "hpack",
    "pywa",
    "pywa_async",
    "urllib3",
    "apscheduler",
)
SECRET_MASK = "***"
# A Telegram bot token: the bot id, a colon, 35 letters, digits, '_' or '-' (any token, ours or not).
_BOT_TOKEN = re.compile(r"(?<![\w-])\d{5,12}(?::|%3A)[A-Za-z0-9_-]{30,}")
# Control characters (C0 and C1, DEL) and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

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


class Secrets:
    """Masks the configured secrets, as written and percent-encoded, and any bot-token-shaped text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        forms = {f for secret in secrets if secret for f in (secret, urllib.parse.quote(secret, safe=""))}
        # Longest first, so a secret containing another is masked whole.
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(f) for f in ordered)) if ordered else None

    def mask(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(SECRET_MASK, text)
        return _BOT_TOKEN.sub(SECRET_MASK, text)


def escape_controls(text: str) -> str:
    """`text` on one line: control characters as escapes (newline → \\n, ESC → \\x1b)."""
    return _CONTROL.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    char = found[0]
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


# What every LogRecord has; anything else on a record came from `extra=` (JSON shows it).
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class MaskingFilter(logging.Filter):
    """Masks a record in place before any formatter sees it: the message with its arguments
    merged in, the exception and stack text, string extras. Always lets the record through."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = Secrets(secrets)

    def _mask(self, text: str) -> str:
        return mask(self._secrets.mask(text))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad arguments: leave the record for logging's own error report
            record.msg, record.args = self._mask(str(record.msg)), None
            return True
        record.msg, record.args = self._mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self._mask(record.stack_info)
        for key, field in list(vars(record).items()):
            if key not in _STANDARD and isinstance(field, str):
                setattr(record, key, self._mask(field))
        return True


class TextFormatter(logging.Formatter):
    """`LEVEL logger: message` on one line, control characters escaped; a traceback or stack
    follows on lines indented by two spaces (its own control characters escaped as well)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indented(stack_info)

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_text and not record.exc_text.startswith("  "):
            record.exc_text = _indented(record.exc_text)  # the masking filter rendered it already
        return super().format(record)


def _indented(text: str) -> str:
    return "\n".join("  " + escape_controls(line) for line in text.splitlines())


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


def make_handler(
    log_format: str, stream: TextIO | None = None, *, secrets: Iterable[str] = ()
) -> logging.Handler:
    handler = _OurHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(MaskingFilter(secrets))
    return handler


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> None:
    """The root logger writes to stderr (or `stream`) at LOG_LEVEL in LOG_FORMAT, masked. Calling
    it again replaces the handler it installed (no line printed twice); others are left alone."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(make_handler(settings.log_format, stream, secrets=settings.secrets))
    root.setLevel(settings.log_level)
    # httpx logs every request URL at INFO, PTB every Bot API call at DEBUG: quiet unless asked.
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(settings.log_level_libraries)
