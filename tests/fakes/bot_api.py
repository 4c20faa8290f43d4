"""A fake Telegram Bot API server for tests.

``FakeBotAPI`` is a small *real* HTTP server on 127.0.0.1 (random free port) that
python-telegram-bot talks to when built with ``base_url=fake.base_url`` and
``base_file_url=fake.base_file_url``. uvicorn serves it from a background thread, so sync
tests, async tests and bots running in a subprocess can all use it.

Test-side API, in short:

* simulate the user: ``push_text``, ``push_callback``, ``push_photo``, ``push_document``,
  ``push_update`` (updates go to ``getUpdates`` long polls, or to a webhook through
  ``post_to_webhook`` / ``apost_to_webhook``);
* inspect what the bot did: ``calls``, ``sent_texts``, ``wait_for``, ``wait_for_text``,
  ``wait_for_call``, ``mark``, ``file_bytes``, ``webhook``, ``commands``;
* inject faults: ``fail_next``, ``block_chat``, ``delay_next``; extend with ``on``.

Example::

    with FakeBotAPI() as fake:
        bot = telegram.Bot(**fake.bot_kwargs())
        fake.push_text(42, "/start")
        ...  # run the bot
        fake.wait_for_text(42, "Halo")

How python-telegram-bot encodes requests (22.x): always ``POST``; without files the body is
``application/x-www-form-urlencoded``, with files ``multipart/form-data``. Every value that
is a ``str`` is sent as-is, everything else (ints, bools, lists, dicts) is JSON-encoded.
So ``text="123"`` and ``chat_id=123`` look identical on the wire; the fake therefore keeps
known string parameters as strings and JSON-decodes the rest. Uploaded bytes without a
file name arrive as ``application.octet-stream`` with MIME ``application/octet-stream``.
PTB picks its exception from the HTTP status code (403 → Forbidden, 401/404 →
InvalidToken, 400 → BadRequest, 409 → Conflict, else NetworkError), except that any
error carrying ``parameters.retry_after`` becomes ``RetryAfter``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import enum
import html.parser
import itertools
import json
import re
import secrets
import socket
import struct
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.light_http import LightRequest, LightServer

__all__ = [
    "DEFAULT_TOKEN",
    "TINY_JPEG",
    "ApiError",
    "Call",
    "FakeBotAPI",
    "StoredFile",
    "Upload",
    "WebhookConfig",
    "running_fake_bot_api",
]

DEFAULT_TOKEN = "123456789:AAFakeTokenForKaderBotTests_0123456789"

# A real, decodable 16x12 grayscale JPEG (161 bytes) for photo tests.
TINY_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERX"
    "RTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/wAALCAAMABABAREA/8QAFQABAQAAAAAAAAAAAAAAAAAAAAP/xAAUEAEA"
    "AAAAAAAAAAAAAAAAAAAA/9oACAEBAAA/AJgP/9k="
)

# Method names as Telegram documents them; lookups are case-insensitive like Telegram's.
_KNOWN_METHODS = (
    "getMe",
    "logOut",
    "close",
    "getUpdates",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "sendPhoto",
    "sendDocument",
    "sendChatAction",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "getFile",
)
_CANONICAL = {name.lower(): name for name in _KNOWN_METHODS}

# Parameters PTB sends as raw strings (never JSON-encoded); everything else is JSON-decoded.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
        "url",
        "secret_token",
        "ip_address",
        "file_id",
        "language_code",
        "action",
        "photo",
        "document",
        "thumbnail",
        "title",
        "description",
        "short_description",
        "name",
        "emoji",
        "query",
        "address",
        "payload",
        "question",
        "explanation",
        "start_parameter",
        "currency",
        "provider_token",
        "invite_link",
        "custom_title",
        "sticker",
    }
)

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

_ERROR_DESCRIPTIONS = {
    400: "Bad Request: injected error",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

_BLOCKED = "Forbidden: bot was blocked by the user"
_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_MAX_DOWNLOAD = 20 * 1024 * 1024


class _Unset(enum.Enum):
    """Sentinel type for "use the registered value"."""

    UNSET = enum.auto()


_UNSET = _Unset.UNSET


class ApiError(Exception):
    """An error answer of the Bot API; custom handlers (see ``FakeBotAPI.on``) may raise it."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram would answer."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class Upload:
    """A file that arrived as a multipart part (PTB uploads bytes and file objects so)."""

    field: str
    filename: str
    mime_type: str
    data: bytes = field(repr=False)
    file_id: str | None = None  # set once a send method stored it

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)


@dataclass
class StoredFile:
    """A file the fake can serve through getFile and the file download URL."""

    file_id: str
    file_unique_id: str
    data: bytes = field(repr=False)
    file_path: str
    mime_type: str
    file_name: str | None = None
    # For photos: the whole PhotoSize list; for documents: the Document dict.
    descriptor: Any = field(default=None, repr=False)


@dataclass
class Call:
    """One request the bot made. ``params`` are decoded (JSON fields back to Python objects,
    uploads as ``Upload``). ``at`` is ``time.monotonic()`` at arrival. ``answered_error`` is the
    HTTP status of an error answer (None on success); ``result`` is the ``result`` answered
    (for getUpdates it is filled in when the long poll ends)."""

    method: str
    params: dict[str, Any]
    at: float
    token: str = ""
    answered_error: int | None = None
    result: Any = None
    index: int = -1

    @property
    def chat_id(self) -> Any:
        """The ``chat_id`` parameter, if any."""
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """The ``text`` (or ``caption``) parameter as sent, if any."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def ok(self) -> bool:
        """Whether the call was answered successfully."""
        return self.answered_error is None

    def describe(self, origin: float | None = None) -> str:
        """One line for failure dumps."""
        shown = {k: v for k, v in self.params.items() if k != "reply_markup"}
        if "reply_markup" in self.params:
            shown["reply_markup"] = "…"
        when = f"+{self.at - origin:.3f}s " if origin is not None else ""
        outcome = f" -> error {self.answered_error}" if self.answered_error else ""
        return f"#{self.index} {when}{self.method} {shown!r}{outcome}"


@dataclass
class WebhookConfig:
    """Parameters of a setWebhook call."""

    url: str
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int | None = None
    ip_address: str | None = None
    drop_pending_updates: bool = False
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Fault:
    method: str  # lower case
    chat_id: Any
    remaining: int
    error: ApiError


@dataclass
class _Delay:
    method: str  # lower case
    chat_id: Any
    remaining: int
    seconds: float


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _same_chat(a: Any, b: Any) -> bool:
    return a is not None and b is not None and str(a).strip() == str(b).strip()


def _copied(value: Any) -> Any:
    """A deep copy of JSON-shaped data (what the fake stores and answers), several times quicker
    than copy.deepcopy on it; anything else still goes through copy.deepcopy."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if value is None or isinstance(value, str | int | float):
        return value
    return copy.deepcopy(value)


def _light_json(status: int, payload: dict[str, Any]) -> tuple[int, str, bytes]:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return status, "application/json", body


def _decode_param(name: str, raw: str) -> Any:
    """Undo PTB's encoding: strings are sent raw, everything else JSON-encoded."""
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a JPEG/PNG/GIF/WebP image, or None if it is not one."""
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            (seg_len,) = struct.unpack(">H", data[i + 2 : i + 4])
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + seg_len
        return (800, 600)  # JPEG without a readable frame header: still an image
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return (512, 512)
    return None


def _scaled(width: int, height: int, side: int) -> tuple[int, int]:
    factor = side / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))


# ---------------------------------------------------------------------------------------------
# Formatting (parse_mode) checks, close enough to Telegram to catch the usual escaping bugs.

_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "span", "tg-spoiler", "tg-emoji", "blockquote",
    }
)  # fmt: skip
_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _TelegramHtml(html.parser.HTMLParser):
    """Parses Telegram's HTML subset into plain text + entities, collecting the first error."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]
        self.parts: list[str] = []
        self.length = 0  # UTF-16 code units so far
        self.stack: list[tuple[str, dict[str, str | None], int]] = []
        self.entities: list[dict[str, Any]] = []
        self.error: str | None = None

    def _byte_offset(self) -> int:
        line, col = self.getpos()
        return len(self._source[: self._line_starts[line - 1] + col].encode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.error:
            return
        attributes = dict(attrs)
        if tag not in _HTML_TAGS or (tag == "span" and attributes.get("class") != "tg-spoiler"):
            self.error = f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}'
            return
        self.stack.append((tag, attributes, self.length))

    def handle_endtag(self, tag: str) -> None:
        if self.error:
            return
        if not self.stack:
            self.error = f"Unexpected end tag at byte offset {self._byte_offset()}"
            return
        open_tag, attributes, start = self.stack.pop()
        if open_tag != tag:
            self.error = (
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
            return
        if self.length > start and not (tag == "code" and any(t == "pre" for t, _, _ in self.stack)):
            entity: dict[str, Any] = {
                "type": _HTML_ENTITY_TYPES[tag],
                "offset": start,
                "length": self.length - start,
            }
            if tag == "a":
                entity["url"] = attributes.get("href") or ""
            if tag == "blockquote" and "expandable" in attributes:
                entity["type"] = "expandable_blockquote"
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += _utf16_len(data)


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    # Telegram wants every literal "<" escaped; "<" must start a tag name or "</".
    for match in re.finditer(r"<(?![A-Za-z/])", text):
        offset = len(text[: match.start()].encode())
        raise _bad_request(f'can\'t parse entities: Unsupported start tag "" at byte offset {offset}')
    parser = _TelegramHtml(text)
    parser.feed(text)
    parser.close()
    if parser.error is None and parser.stack:
        parser.error = f"Can't find end tag corresponding to start tag {parser.stack[-1][0]}"
    if parser.error:
        raise _bad_request(f"can't parse entities: {parser.error}")
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities


_MDV2_MARK_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
}


def _parse_markdown_v2(text: str) -> str:
    """Validate MarkdownV2 like Telegram (reserved characters, unclosed entities); return a
    plain-text approximation."""

    def byte_offset(index: int) -> int:
        return len(text[:index].encode())

    def fail(detail: str) -> ApiError:
        return _bad_request(f"can't parse entities: {detail}")

    def reserved(ch: str) -> ApiError:
        return fail(f"Character '{ch}' is reserved and must be escaped with the preceding '\\'")

    out: list[str] = []
    open_marks: dict[str, int] = {}
    link_starts: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            out.append(text[i + 1] if i + 1 < n else ch)
            i += 2
            continue
        if ch == "`":
            fence = "```" if text.startswith("```", i) else "`"
            j = i + len(fence)
            if fence == "```":
                # Optional language name on the opening line.
                newline = text.find("\n", j)
                if newline != -1 and re.fullmatch(r"[^\s`]*", text[j:newline]):
                    j = newline + 1
            buf: list[str] = []
            while j < n and not text.startswith(fence, j):
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(text[j])
                j += 1
            if j >= n:
                name = "Pre" if fence == "```" else "Code"
                raise fail(f"Can't find end of {name} entity at byte offset {byte_offset(i)}")
            out.extend(buf)
            i = j + len(fence)
            continue
        if ch == "!" and text.startswith("![", i):
            link_starts.append(i)
            i += 2
            continue
        if ch == "[":
            link_starts.append(i)
            i += 1
            continue
        if ch == "]":
            if not link_starts:
                raise reserved(ch)
            link_starts.pop()
            if not text.startswith("(", i + 1):
                raise fail(f"Can't find end of a URL at byte offset {byte_offset(i)}")
            j = i + 2
            while j < n and text[j] != ")":
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                raise fail(f"Can't find end of a URL at byte offset {byte_offset(i + 1)}")
            i = j + 1
            continue
        if ch == "|":
            if not text.startswith("||", i):
                raise reserved(ch)
            ch = "||"
        elif ch == "_" and text.startswith("__", i):
            ch = "__"
        if ch in _MDV2_MARK_NAMES:
            if ch in open_marks:
                del open_marks[ch]
            else:
                open_marks[ch] = i
            i += len(ch)
            continue
        if ch == ">":
            line_start = text.rfind("\n", 0, i) + 1
            if text[line_start:i].strip("*") == "":
                i += 1  # blockquote marker
                continue
            raise reserved(ch)
        if ch in "#+-={}.!()":
            raise reserved(ch)
        out.append(ch)
        i += 1
    if link_starts:
        raise fail(f"Can't find end of TextUrl entity at byte offset {byte_offset(link_starts[0])}")
    if open_marks:
        mark, index = min(open_marks.items(), key=lambda item: item[1])
        raise fail(f"Can't find end of {_MDV2_MARK_NAMES[mark]} entity at byte offset {byte_offset(index)}")
    return "".join(out)


def _format(text: str, parse_mode: Any, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode``; returns (plain text, entities)."""
    if not parse_mode:
        return text, list(entities) if isinstance(entities, list) else []
    mode = str(parse_mode).lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text), []
    if mode == "markdown":
        return text, []
    raise _bad_request("unsupported parse_mode")


def _check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """Validate reply_markup like Telegram; return it as a dict (or None)."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for button in itertools.chain.from_iterable(rows):
            if not isinstance(button, dict) or not button.get("text"):
                raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
            if not any(key in button for key in _INLINE_BUTTON_ACTIONS):
                raise _bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                    raise _bad_request("BUTTON_DATA_INVALID")
    return markup


def _inline_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Telegram echoes only inline keyboards back in the sent Message."""
    return markup if markup and "inline_keyboard" in markup else None


def _update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


# ---------------------------------------------------------------------------------------------


class FakeBotAPI:
    """A fake Telegram Bot API server; see the module docstring.

    Args:
        token: if given, only this token is accepted (others get 401 Unauthorized); otherwise
            any token is accepted (and recorded in ``Call.token``).
        bot_username / bot_first_name: what getMe answers.
        host: interface to listen on.
        strict_edits: answer "message is not modified" for no-op edits, like Telegram.
        http: "uvicorn" (the default: everything, uploads and file downloads included) or
            "light" (tests/fakes/light_http.py: the Bot API methods with query, form or JSON
            parameters, no multipart uploads or file downloads). The light server answers a
            sendMessage with a fraction of the CPU, so a benchmark sharing two cores with the fake
            measures the bot rather than the fake. Calls are recorded the same way in both.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_username: str = "kader_test_bot",
        bot_first_name: str = "KaderBot",
        host: str = "127.0.0.1",
        strict_edits: bool = True,
        http: str = "uvicorn",
    ) -> None:
        if http not in ("uvicorn", "light"):
            raise ValueError(f"unknown http server {http!r}")
        self.http = http
        self._required_token = token
        self._token = token or DEFAULT_TOKEN
        prefix = self._token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 123456789
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.host = host
        self.strict_edits = strict_edits

        self._cond = threading.Condition(threading.RLock())
        self._stop_event = threading.Event()
        self._server: uvicorn.Server | LightServer | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self._port: int | None = None
        self._origin = time.monotonic()

        # Recorded requests and fault injection.
        self._calls: list[Call] = []
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._blocked: set[str] = set()
        self._custom: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {}

        # Updates.
        self._queue: list[dict[str, Any]] = []
        self._all_updates: dict[int, dict[str, Any]] = {}
        self._next_update_id = 100_000_001
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0

        # Chats, messages, files, commands, webhook.
        self._users: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_message_id: dict[int, int] = {}
        self._callback_ids: set[str] = set()
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._webhook: WebhookConfig | None = None
        self._last_set_webhook: WebhookConfig | None = None

        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getme": lambda params: self._bot_user(full=True),
            "logout": lambda params: True,
            "close": lambda params: True,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
            "sendchataction": self._send_chat_action,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "getfile": self._get_file,
        }
        self._app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api_endpoint, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._file_endpoint, methods=["GET"]),
            ]
        )

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeBotAPI:
        """Start serving in a background thread (a restart after ``stop`` keeps the port and
        all state, to simulate a Telegram outage)."""
        if self._thread is not None:
            raise RuntimeError("FakeBotAPI is already running")
        self._stop_event.clear()
        # IPPROTO_TCP, not the default 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
        # without it Nagle + delayed ACK add ~40 ms to every answer (uvicorn writes head and body apart).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._port or 0))
        self._port = sock.getsockname()[1]
        if self.http == "light":
            return self._start_light(sock)
        config = uvicorn.Config(
            self._app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"FakeBotAPI:{self._port}", daemon=True
        )
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("FakeBotAPI failed to start")
            time.sleep(0.005)
        return self

    def _start_light(self, sock: socket.socket) -> FakeBotAPI:
        light = LightServer(self._light_endpoint, sock)
        thread = threading.Thread(target=light.run, name=f"FakeBotAPI:{self._port}", daemon=True)
        self._server, self._thread, self._socket = light, thread, sock
        thread.start()
        if not light.started.wait(10):
            self.stop()
            raise RuntimeError("FakeBotAPI failed to start")
        return self

    def stop(self) -> None:
        """Stop serving; pending long polls answer an empty list first."""
        self._stop_event.set()
        with self._cond:
            self._cond.notify_all()
        if isinstance(self._server, LightServer):
            self._server.stop()
        elif self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<FakeBotAPI {self.base_url if self._port else '(not started)'} calls={len(self._calls)}>"

    @property
    def port(self) -> int:
        """The TCP port (known once started)."""
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``telegram.Bot(base_url=...)``."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``telegram.Bot(base_file_url=...)``."""
        return f"http://{self.host}:{self.port}/file/bot"

    @property
    def token(self) -> str:
        """The required token, or a valid-looking default token to use with this fake."""
        return self._token

    def bot_kwargs(self) -> dict[str, str]:
        """Keyword arguments for ``telegram.Bot(**fake.bot_kwargs())``."""
        return {"token": self.token, "base_url": self.base_url, "base_file_url": self.base_file_url}

    # -- simulated user -----------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (an ``update_id`` is assigned if missing); returns the update_id."""
        with self._cond:
            update = _copied(update)
            given = update.get("update_id")
            if given is None:
                update = {"update_id": self._next_update_id, **update}
            elif int(given) < self._next_update_id:
                raise ValueError(f"update_id {given} is not above the last one ({self._next_update_id - 1})")
            update_id = int(update["update_id"])
            self._next_update_id = update_id + 1
            self._register_update_objects(update)
            self._queue.append(update)
            self._all_updates[update_id] = update
            self._cond.notify_all()
            return update_id

    def push_text(
        self,
        chat_id: int,
        text: str,
        *,
        first_name: str = "Sari",
        language_code: str | None = "id",
        reply_to_message_id: int | None = None,
    ) -> int:
        """The user writes ``text`` in their private chat; returns the update_id."""
        with self._cond:
            user = self._remember_user(chat_id, first_name, language_code)
            fields: dict[str, Any] = {"text": text}
            command = re.match(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]+)?", text)
            if command:
                fields["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": _utf16_len(command.group())}
                ]
            if reply_to_message_id is not None:
                replied = self._messages.get((chat_id, reply_to_message_id))
                if replied is None:
                    raise LookupError(f"no message {reply_to_message_id} in chat {chat_id}")
                fields["reply_to_message"] = self._without_reply(replied)
            message = self._new_message(chat_id, user, fields)
            return self.push_update({"message": message})

    def push_callback(
        self, chat_id: int, data: str, *, message_id: int | None = None, first_name: str | None = None
    ) -> int:
        """The user presses an inline button with ``data`` on bot message ``message_id`` (by
        default the newest bot message in the chat that has such a button); returns update_id."""
        with self._cond:
            user = self._remember_user(chat_id, first_name, None)
            if message_id is None:
                message = self._find_message_with_button(chat_id, data)
            else:
                message = self._messages.get((chat_id, message_id))
                if message is None:
                    raise LookupError(
                        f"no message {message_id} in chat {chat_id}; {self._bot_messages_hint(chat_id)}"
                    )
            query_id = str(secrets.randbits(62))
            query = {
                "id": query_id,
                "from": user,
                "message": _copied(message),
                "chat_instance": str(abs(chat_id) * 31 + 7),
                "data": data,
            }
            return self.push_update({"callback_query": query})

    def push_photo(self, chat_id: int, jpeg_bytes: bytes, caption: str | None = None) -> int:
        """The user sends a photo; its PhotoSize file_ids can be fetched via getFile."""
        with self._cond:
            user = self._remember_user(chat_id, None, None)
            sizes = self._store_photo(jpeg_bytes)
            fields: dict[str, Any] = {"photo": sizes}
            if caption is not None:
                fields["caption"] = caption
            return self.push_update({"message": self._new_message(chat_id, user, fields)})

    def push_document(
        self,
        chat_id: int,
        data: bytes,
        filename: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> int:
        """The user sends a file as a document."""
        with self._cond:
            user = self._remember_user(chat_id, None, None)
            document = self._store_document(data, filename, mime_type)
            fields: dict[str, Any] = {"document": document}
            if caption is not None:
                fields["caption"] = caption
            return self.push_update({"message": self._new_message(chat_id, user, fields)})

    def update(self, update_id: int) -> dict[str, Any]:
        """A copy of a pushed update."""
        with self._cond:
            return _copied(self._all_updates[update_id])

    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset (or a successful webhook post)."""
        with self._cond:
            return _copied(self._queue)

    # -- webhook delivery ---------------------------------------------------------------------

    def post_to_webhook(
        self,
        update: dict[str, Any] | int,
        *,
        url: str | None = None,
        secret_token: str | _Unset | None = _UNSET,
        http_timeout: float = 10.0,
    ) -> int:
        """POST an update (a dict, or the update_id of a pushed one) like Telegram does; ``url``
        and ``secret_token`` default to the registered webhook's. Returns the HTTP status; a
        2xx answer confirms a pushed update (it leaves the queue)."""
        body, target, headers = self._webhook_request(update, url, secret_token)
        with httpx.Client(trust_env=False, timeout=http_timeout) as client:
            status = client.post(target, content=body, headers=headers).status_code
        self._webhook_delivered(update, status)
        return status

    async def apost_to_webhook(
        self,
        update: dict[str, Any] | int,
        *,
        url: str | None = None,
        secret_token: str | _Unset | None = _UNSET,
        http_timeout: float = 10.0,
    ) -> int:
        """Async variant of ``post_to_webhook`` (use it when the webhook app shares your loop)."""
        body, target, headers = self._webhook_request(update, url, secret_token)
        async with httpx.AsyncClient(trust_env=False, timeout=http_timeout) as client:
            status = (await client.post(target, content=body, headers=headers)).status_code
        self._webhook_delivered(update, status)
        return status

    @property
    def webhook(self) -> WebhookConfig | None:
        """The active webhook (None after deleteWebhook or before any setWebhook)."""
        with self._cond:
            return _copied(self._webhook)

    @property
    def last_set_webhook(self) -> WebhookConfig | None:
        """Parameters of the last successful setWebhook, even if deleted since."""
        with self._cond:
            return _copied(self._last_set_webhook)

    # -- inspection ---------------------------------------------------------------------------

    def calls(self, method: str | None = None, chat_id: Any = None) -> list[Call]:
        """Recorded calls, oldest first, optionally filtered (method case-insensitively)."""
        with self._cond:
            return [call for call in self._calls if self._matches(call, method, chat_id)]

    def mark(self) -> int:
        """The current number of recorded calls; pass it as ``after=`` to the wait methods."""
        with self._cond:
            return len(self._calls)

    def clear_calls(self) -> None:
        """Forget recorded calls (not chats, messages or updates)."""
        with self._cond:
            self._calls.clear()

    def sent_texts(self, chat_id: Any) -> list[str]:
        """Texts (as sent, markup included) of successful sendMessage and editMessageText."""
        with self._cond:
            return [
                call.params["text"]
                for call in self._calls
                if call.ok
                and call.method in ("sendMessage", "editMessageText")
                and _same_chat(call.chat_id, chat_id)
                and isinstance(call.params.get("text"), str)
            ]

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0, *, after: int = 0) -> Call:
        """Block until a recorded call (index >= ``after``) satisfies ``predicate``; raises
        TimeoutError with a dump of recent calls. Predicate lookup errors count as False."""
        deadline = time.monotonic() + timeout
        with self._cond:
            index = after
            while True:
                while index < len(self._calls):
                    call = self._calls[index]
                    index += 1
                    try:
                        if predicate(call):
                            return call
                    except (LookupError, TypeError, AttributeError):
                        pass
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no matching Bot API call within {timeout}s\n{self.dump()}")
                self._cond.wait(remaining)

    def wait_for_call(
        self, method: str, chat_id: Any = None, timeout: float = 10.0, *, after: int = 0
    ) -> Call:
        """Wait for a call of ``method`` (optionally to ``chat_id``)."""
        return self.wait_for(lambda call: self._matches(call, method, chat_id), timeout, after=after)

    def wait_for_text(self, chat_id: Any, substring: str, timeout: float = 10.0, *, after: int = 0) -> Call:
        """Wait for a successful sendMessage/editMessageText to ``chat_id`` containing ``substring``."""

        def predicate(call: Call) -> bool:
            return (
                call.ok
                and call.method in ("sendMessage", "editMessageText")
                and _same_chat(call.chat_id, chat_id)
                and substring in (call.params.get("text") or "")
            )

        return self.wait_for(predicate, timeout, after=after)

    def dump(self, last: int = 20) -> str:
        """Human-readable recent calls (getUpdates polls summarised)."""
        with self._cond:
            polls = sum(1 for call in self._calls if call.method == "getUpdates")
            others = [call for call in self._calls if call.method != "getUpdates"][-last:]
            lines = [f"recorded calls: {len(self._calls)} ({polls} getUpdates); last {len(others)} others:"]
            lines += ["  " + call.describe(self._origin) for call in others] or ["  (none)"]
            lines.append(f"pending updates: {len(self._queue)}")
            return "\n".join(lines)

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A copy of a stored message (sent by the bot or pushed as the user)."""
        with self._cond:
            found = self._messages.get((chat_id, message_id))
            return _copied(found)

    def last_bot_message(self, chat_id: int) -> dict[str, Any] | None:
        """The newest message the bot sent to ``chat_id`` (edits applied)."""
        with self._cond:
            mine = [
                m
                for (chat, _), m in self._messages.items()
                if chat == chat_id and m.get("from", {}).get("id") == self.bot_id
            ]
            return _copied(max(mine, key=lambda m: m["message_id"])) if mine else None

    def file_bytes(self, file_id: str) -> bytes:
        """Bytes of a stored file (uploaded by the bot or pushed as the user)."""
        with self._cond:
            return self._files[file_id].data

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[dict[str, Any]]:
        """Commands set with setMyCommands for a scope/language."""
        with self._cond:
            return _copied(self._commands.get(self._commands_key(scope, language_code), []))

    # -- fault injection ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 429,
        retry_after: int = 1,
        count: int = 1,
        chat_id: Any = None,
        description: str | None = None,
    ) -> None:
        """The next ``count`` calls of ``method`` (optionally only to ``chat_id``) answer the
        error. A 429 carries ``parameters.retry_after`` (PTB raises RetryAfter only if it is
        non-zero)."""
        if error_code == 429:
            error = ApiError(
                429,
                description or f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        else:
            error = ApiError(error_code, description or _ERROR_DESCRIPTIONS.get(error_code, "Injected error"))
        with self._cond:
            self._faults.append(_Fault(method.lower(), chat_id, count, error))

    def delay_next(self, method: str, seconds: float, *, count: int = 1, chat_id: Any = None) -> None:
        """Delay the answer to the next ``count`` calls of ``method`` (to provoke client timeouts)."""
        with self._cond:
            self._delays.append(_Delay(method.lower(), chat_id, count, seconds))

    def block_chat(self, chat_id: Any) -> None:
        """From now on, sends/edits to ``chat_id`` answer 403 "bot was blocked by the user"."""
        with self._cond:
            self._blocked.add(str(chat_id).strip())

    def unblock_chat(self, chat_id: Any) -> None:
        """Undo ``block_chat``."""
        with self._cond:
            self._blocked.discard(str(chat_id).strip())

    def on(self, method: str, handler: Callable[[dict[str, Any]], Any]) -> None:
        """Serve (or override) ``method`` with ``handler(params) -> result``; it runs under the
        fake's lock and may raise ``ApiError``."""
        with self._cond:
            self._custom[method.lower()] = (method, handler)

    # -- HTTP layer ---------------------------------------------------------------------------

    async def _api_endpoint(self, request: Request) -> Response:
        token = request.path_params["token"]
        raw_method = request.path_params["method"]
        at = time.monotonic()
        params: dict[str, Any] = {
            key: _decode_param(key, value) for key, value in request.query_params.multi_items()
        }
        try:
            await self._read_body(request, params)
        except ValueError as exc:
            return JSONResponse(_bad_request(f"can't parse request: {exc}").payload(), status_code=400)
        status, payload = await run_in_threadpool(self._process, token, raw_method, params, at)
        return JSONResponse(payload, status_code=status)

    async def _light_endpoint(self, request: LightRequest) -> tuple[int, str, bytes]:
        """The light server's whole routing: /bot<token>/<method> only."""
        at = time.monotonic()
        path, _, query = request.target.partition("?")
        token, _, raw_method = path.removeprefix("/bot").partition("/")
        if not path.startswith("/bot") or not raw_method or "/" in raw_method:
            return _light_json(404, ApiError(404, "Not Found").payload())
        params: dict[str, Any] = {
            key: _decode_param(key, value) for key, value in parse_qsl(query, keep_blank_values=True)
        }
        content_type = request.headers.get("content-type", "")
        try:
            if content_type.startswith("application/json") and request.body:
                decoded = json.loads(request.body)
                if not isinstance(decoded, dict):
                    raise ValueError("JSON body must be an object")
                params.update(decoded)
            elif content_type.startswith("application/x-www-form-urlencoded"):
                for key, value in parse_qsl(request.body.decode(), keep_blank_values=True):
                    params[key] = _decode_param(key, value)
            elif content_type.startswith("multipart/form-data"):
                return _light_json(400, _bad_request("uploads need FakeBotAPI(http='uvicorn')").payload())
        except ValueError as exc:
            return _light_json(400, _bad_request(f"can't parse request: {exc}").payload())
        if raw_method.lower() == "getupdates" or self._delays:  # these wait: not on the server's loop
            loop = asyncio.get_running_loop()
            status, payload = await loop.run_in_executor(None, self._process, token, raw_method, params, at)
        else:
            status, payload = self._process(token, raw_method, params, at)
        return _light_json(status, payload)

    @staticmethod
    async def _read_body(request: Request, params: dict[str, Any]) -> None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            body = await request.body()
            if body:
                decoded = json.loads(body)
                if not isinstance(decoded, dict):
                    raise ValueError("JSON body must be an object")
                params.update(decoded)
            return
        if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            return
        async with request.form(max_part_size=64 * 1024 * 1024) as form:
            uploads: list[Upload] = []
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read()
                    uploads.append(
                        Upload(
                            key, value.filename or key, value.content_type or "application/octet-stream", data
                        )
                    )
                else:
                    params[key] = _decode_param(key, value)
        for upload in uploads:
            # A direct upload (e.g. sendPhoto's "photo") fills its parameter; "attach://name"
            # references get resolved to the named part.
            params.setdefault(upload.field, upload)
            for key, value in list(params.items()):
                if value == f"attach://{upload.field}":
                    params[key] = upload

    async def _file_endpoint(self, request: Request) -> Response:
        token = request.path_params["token"]
        file_path = request.path_params["file_path"]
        at = time.monotonic()
        status, payload, stored = await run_in_threadpool(self._process_download, token, file_path, at)
        if stored is None:
            return JSONResponse(payload, status_code=status)
        return Response(stored.data, media_type=stored.mime_type)

    def _process_download(
        self, token: str, file_path: str, at: float
    ) -> tuple[int, dict[str, Any], StoredFile | None]:
        with self._cond:
            call = Call("downloadFile", {"file_path": file_path}, at, token)
            stored = self._files_by_path.get(file_path)
            error: ApiError | None = None
            if self._required_token is not None and token != self._required_token:
                error = ApiError(401, "Unauthorized")
            elif stored is None:
                error = ApiError(404, "Not Found")
            if error is not None:
                call.answered_error = error.code
                self._record(call)
                return error.code, error.payload(), None
            call.result = {"file_id": stored.file_id, "size": len(stored.data)}
            self._record(call)
            return 200, {}, stored

    def _process(
        self, token: str, raw_method: str, params: dict[str, Any], at: float
    ) -> tuple[int, dict[str, Any]]:
        """Answer one API request (runs in a worker thread)."""
        lower = raw_method.lower()
        delay = self._take_delay(lower, params)
        if delay:
            self._stop_event.wait(delay)
        with self._cond:
            custom = self._custom.get(lower)
            method = custom[0] if custom else _CANONICAL.get(lower, raw_method)
            call = Call(method, params, at, token)
            try:
                self._precheck(call, lower)
                if lower == "getupdates" and not custom:
                    poll = self._start_poll(params)
                else:
                    handler = custom[1] if custom else self._handlers.get(lower)
                    if handler is None:
                        raise ApiError(
                            404, f"Not Found: method {raw_method!r} is not implemented by FakeBotAPI"
                        )
                    try:
                        result = handler(params)
                    except ApiError:
                        raise
                    except Exception as exc:  # a bug in the fake or a custom handler
                        call.result = traceback.format_exc()
                        raise ApiError(500, f"Internal Server Error: FakeBotAPI failed: {exc!r}") from exc
                    call.result = _copied(result)
                    self._record(call)
                    return 200, {"ok": True, "result": result}
            except ApiError as error:
                call.answered_error = error.code
                self._record(call)
                return error.code, error.payload()
            # getUpdates: recorded at arrival, answered when updates arrive or time runs out.
            self._record(call)
            try:
                updates = self._long_poll(*poll)
            except ApiError as error:
                call.answered_error = error.code
                self._cond.notify_all()
                return error.code, error.payload()
            call.result = _copied(updates)
            self._cond.notify_all()
            return 200, {"ok": True, "result": updates}

    def _precheck(self, call: Call, lower: str) -> None:
        """Token, injected faults and blocked chats."""
        if self._required_token is not None and call.token != self._required_token:
            raise ApiError(401, "Unauthorized")
        for fault in self._faults:
            if (
                fault.remaining > 0
                and fault.method == lower
                and (fault.chat_id is None or _same_chat(fault.chat_id, call.chat_id))
            ):
                fault.remaining -= 1
                error = fault.error
                raise ApiError(error.code, error.description, error.parameters)
        self._faults = [fault for fault in self._faults if fault.remaining > 0]
        if (
            lower.startswith(("send", "edit", "copy", "forward"))
            and str(call.chat_id).strip() in self._blocked
        ):
            raise ApiError(403, _BLOCKED)

    def _take_delay(self, lower: str, params: dict[str, Any]) -> float:
        with self._cond:
            for delay in self._delays:
                if (
                    delay.remaining > 0
                    and delay.method == lower
                    and (delay.chat_id is None or _same_chat(delay.chat_id, params.get("chat_id")))
                ):
                    delay.remaining -= 1
                    seconds = delay.seconds
                    self._delays = [d for d in self._delays if d.remaining > 0]
                    return seconds
        return 0.0

    def _record(self, call: Call) -> None:
        call.index = len(self._calls)
        self._calls.append(call)
        self._cond.notify_all()

    @staticmethod
    def _matches(call: Call, method: str | None, chat_id: Any) -> bool:
        if method is not None and call.method.lower() != method.lower():
            return False
        return chat_id is None or _same_chat(call.chat_id, chat_id)

    # -- getUpdates ---------------------------------------------------------------------------

    def _start_poll(self, params: dict[str, Any]) -> tuple[int, float, int, int | None]:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        limit = params.get("limit") or 100
        timeout = params.get("timeout") or 0
        if not isinstance(limit, int) or not isinstance(timeout, int | float):
            raise _bad_request("wrong parameter in getUpdates")
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self._allowed_updates = list(allowed) if isinstance(allowed, list) and allowed else None
        self._poll_generation += 1
        self._cond.notify_all()  # an older poll now ends with 409, like Telegram
        return self._poll_generation, time.monotonic() + float(timeout), max(1, min(limit, 100)), offset

    def _long_poll(
        self, generation: int, deadline: float, limit: int, offset: int | None
    ) -> list[dict[str, Any]]:
        """Wait (lock held, released while waiting) for updates."""
        self._confirm(offset)
        while True:
            if self._stop_event.is_set():
                return []
            if generation != self._poll_generation:
                raise ApiError(409, _ERROR_DESCRIPTIONS[409])
            if self._allowed_updates:
                self._queue = [u for u in self._queue if _update_type(u) in self._allowed_updates]
            if self._queue:
                return _copied(self._queue[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(remaining)

    def _confirm(self, offset: Any) -> None:
        if not isinstance(offset, int) or isinstance(offset, bool):
            return
        if offset < 0:
            self._queue = self._queue[offset:]
        else:
            self._queue = [u for u in self._queue if u["update_id"] >= offset]

    # -- chats and messages -------------------------------------------------------------------

    def _bot_user(self, full: bool = False) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }
        if full:
            user.update(
                can_join_groups=True,
                can_read_all_group_messages=False,
                supports_inline_queries=False,
                can_connect_to_business=False,
                has_main_web_app=False,
            )
        return user

    def _remember_user(
        self, chat_id: int, first_name: str | None, language_code: str | None
    ) -> dict[str, Any]:
        if not isinstance(chat_id, int) or chat_id <= 0:
            raise ValueError("the simulated user needs a private chat: a positive int chat_id")
        user = self._users.get(chat_id) or {
            "id": chat_id,
            "is_bot": False,
            "first_name": "Sari",
            "language_code": "id",
        }
        if first_name is not None:
            user["first_name"] = first_name
        if language_code is not None:
            user["language_code"] = language_code
        self._users[chat_id] = user
        return _copied(user)

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            user = self._users.get(chat_id, {})
            return {"id": chat_id, "type": "private", "first_name": user.get("first_name", "Sari")}
        kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
        return {"id": chat_id, "type": kind, "title": "Test group"}

    @staticmethod
    def _chat_key(params: dict[str, Any]) -> int:
        value = params.get("chat_id")
        if value is None or value == "":
            raise _bad_request("chat_id is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise _bad_request("chat not found") from None

    def _new_message(self, chat_id: int, sender: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **fields,
        }
        self._messages[(chat_id, message_id)] = message
        return _copied(message)

    @staticmethod
    def _without_reply(message: dict[str, Any]) -> dict[str, Any]:
        return _copied({k: v for k, v in message.items() if k != "reply_to_message"})

    def _register_update_objects(self, update: dict[str, Any]) -> None:
        """Remember callback ids and messages of raw updates."""
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._callback_ids.add(str(query["id"]))
        message = update.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            chat_id, message_id = message["chat"].get("id"), message.get("message_id")
            if isinstance(chat_id, int) and isinstance(message_id, int):
                self._messages.setdefault((chat_id, message_id), _copied(message))
                self._last_message_id[chat_id] = max(self._last_message_id.get(chat_id, 0), message_id)

    def _find_message_with_button(self, chat_id: int, data: str) -> dict[str, Any]:
        candidates = sorted(
            (m for (chat, _), m in self._messages.items() if chat == chat_id),
            key=lambda m: m["message_id"],
            reverse=True,
        )
        for message in candidates:
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            if any(button.get("callback_data") == data for button in itertools.chain.from_iterable(rows)):
                return message
        raise LookupError(
            f"no bot message in chat {chat_id} has an inline button with callback_data={data!r}; "
            + self._bot_messages_hint(chat_id)
        )

    def _bot_messages_hint(self, chat_id: int) -> str:
        ids = sorted(
            mid
            for (chat, mid), m in self._messages.items()
            if chat == chat_id and m.get("from", {}).get("id") == self.bot_id
        )
        return f"bot message ids in that chat: {ids}"

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        reply = params.get("reply_parameters")
        target = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
        if target is None:
            return {}
        replied = self._messages.get((chat_id, target))
        if replied is None:
            allow = (reply or {}).get("allow_sending_without_reply") if isinstance(reply, dict) else None
            if allow or params.get("allow_sending_without_reply"):
                return {}
            raise _bad_request("message to be replied not found")
        return {"reply_to_message": self._without_reply(replied)}

    def _editable(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """The stored message an edit targets; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        chat_id = self._chat_key(params)
        message = self._messages.get((chat_id, params.get("message_id")))  # type: ignore[arg-type]
        if message is None:
            raise _bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise _bad_request("message can't be edited")
        return chat_id, message

    # -- method handlers ----------------------------------------------------------------------

    def _formatted(self, text: Any, params: dict[str, Any], *, caption: bool) -> dict[str, Any]:
        """Text/caption fields of a Message after parse_mode, with Telegram's length checks."""
        key = "caption" if caption else "text"
        entities_key = "caption_entities" if caption else "entities"
        plain, entities = _format(str(text), params.get("parse_mode"), params.get(entities_key))
        if not caption and not plain.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(plain) > (_MAX_CAPTION if caption else _MAX_TEXT):
            raise _bad_request("message caption is too long" if caption else "message is too long")
        if caption and not plain:
            return {}
        fields: dict[str, Any] = {key: plain}
        if entities:
            fields[entities_key] = entities
        return fields

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_key(params)
        text = params.get("text")
        if text is None or text == "":
            raise _bad_request("message text is empty")
        fields = self._formatted(text, params, caption=False)
        markup = _inline_markup(_check_reply_markup(params.get("reply_markup")))
        if markup:
            fields["reply_markup"] = markup
        fields.update(self._reply_to(chat_id, params))
        return self._new_message(chat_id, self._bot_user(), fields)

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        text = params.get("text")
        if text is None or text == "":
            raise _bad_request("message text is empty")
        fields = self._formatted(text, params, caption=False)
        markup = _inline_markup(_check_reply_markup(params.get("reply_markup")))
        target = self._editable(params)
        if target is None:
            return True
        _, message = target
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        if self.strict_edits and message["text"] == fields["text"] and message.get("reply_markup") == markup:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        message.pop("entities", None)
        message.pop("reply_markup", None)
        message.update(fields)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return _copied(message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        markup = _inline_markup(_check_reply_markup(params.get("reply_markup")))
        target = self._editable(params)
        if target is None:
            return True
        _, message = target
        if self.strict_edits and message.get("reply_markup") == markup:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup are exactly "
                "the same as a current content and reply markup of the message"
            )
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = int(time.time())
        return _copied(message)

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_key(params)
        if self._messages.pop((chat_id, params.get("message_id")), None) is None:  # type: ignore[arg-type]
            raise _bad_request("message to delete not found")
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        if str(params.get("callback_query_id")) not in self._callback_ids:
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        return True

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._chat_key(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _media_fields(self, params: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        if params.get("caption") not in (None, ""):
            fields.update(self._formatted(params["caption"], params, caption=True))
        markup = _inline_markup(_check_reply_markup(params.get("reply_markup")))
        if markup:
            fields["reply_markup"] = markup
        return fields

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_key(params)
        photo = params.get("photo")
        if isinstance(photo, Upload):
            if _image_size(photo.data) is None:
                raise _bad_request("IMAGE_PROCESS_FAILED")
            sizes = self._store_photo(photo.data)
            photo.file_id = sizes[-1]["file_id"]
        elif (
            isinstance(photo, str)
            and photo in self._files
            and isinstance(self._files[photo].descriptor, list)
        ):
            sizes = _copied(self._files[photo].descriptor)
        elif isinstance(photo, str) and photo.startswith(("http://", "https://")):
            sizes = self._store_photo(b"", size=(800, 600))
        else:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        fields = {"photo": sizes, **self._media_fields(params)}
        fields.update(self._reply_to(chat_id, params))
        return self._new_message(chat_id, self._bot_user(), fields)

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_key(params)
        document = params.get("document")
        if isinstance(document, Upload):
            descriptor = self._store_document(document.data, document.filename, document.mime_type)
            document.file_id = descriptor["file_id"]
        elif (
            isinstance(document, str)
            and document in self._files
            and isinstance(self._files[document].descriptor, dict)
        ):
            descriptor = _copied(self._files[document].descriptor)
        elif isinstance(document, str) and document.startswith(("http://", "https://")):
            name = document.rstrip("/").rsplit("/", 1)[-1] or "file"
            descriptor = self._store_document(b"", name, "application/octet-stream")
        else:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        fields = {"document": descriptor, **self._media_fields(params)}
        fields.update(self._reply_to(chat_id, params))
        return self._new_message(chat_id, self._bot_user(), fields)

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise _bad_request("invalid file_id")
        if len(stored.data) > _MAX_DOWNLOAD:
            raise _bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        return json.dumps(scope or {"type": "default"}, sort_keys=True), str(language_code or "")

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        if commands:
            self._commands[key] = _copied(commands)
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return _copied(self._commands.get(key, []))

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self._commands.pop(self._commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        if not url:
            return self._delete_webhook(params)
        allowed = params.get("allowed_updates")
        config = WebhookConfig(
            url=str(url),
            secret_token=params.get("secret_token"),
            allowed_updates=list(allowed) if isinstance(allowed, list) else None,
            max_connections=params.get("max_connections"),
            ip_address=params.get("ip_address"),
            drop_pending_updates=bool(params.get("drop_pending_updates")),
            params={k: v for k, v in params.items() if not isinstance(v, Upload)},
        )
        if config.drop_pending_updates:
            self._queue.clear()
        if config.allowed_updates:
            self._allowed_updates = config.allowed_updates
        self._webhook = config
        self._last_set_webhook = _copied(config)
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self._webhook = None
        if params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook.url if self._webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }
        if self._webhook:
            if self._webhook.max_connections:
                info["max_connections"] = self._webhook.max_connections
            if self._webhook.ip_address:
                info["ip_address"] = self._webhook.ip_address
            if self._webhook.allowed_updates:
                info["allowed_updates"] = self._webhook.allowed_updates
        return info

    # -- files ----------------------------------------------------------------------------------

    def _store_file(
        self,
        data: bytes,
        file_id_prefix: str,
        directory: str,
        suffix: str,
        mime_type: str,
        file_name: str | None,
    ) -> StoredFile:
        number = next(self._file_counter)
        stored = StoredFile(
            file_id=f"{file_id_prefix}{number}_{secrets.token_urlsafe(18)}",
            file_unique_id=f"AQAD{number}{secrets.token_urlsafe(6)}",
            data=data,
            file_path=f"{directory}/file_{number}{suffix}",
            mime_type=mime_type,
            file_name=file_name,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _store_photo(self, data: bytes, size: tuple[int, int] | None = None) -> list[dict[str, Any]]:
        """Store a photo as Telegram-like PhotoSize variants (all serve the same bytes)."""
        width, height = size or _image_size(data) or (800, 600)
        dims = [_scaled(width, height, side) for side in (90, 320) if side < max(width, height)]
        dims.append((width, height))
        sizes: list[dict[str, Any]] = []
        files: list[StoredFile] = []
        for w, h in dims:
            stored = self._store_file(data, "AgACAgIAAxkBAAI", "photos", ".jpg", "image/jpeg", None)
            files.append(stored)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": w,
                    "height": h,
                    "file_size": len(data),
                }
            )
        for stored in files:
            stored.descriptor = _copied(sizes)
        return _copied(sizes)

    def _store_document(self, data: bytes, filename: str, mime_type: str) -> dict[str, Any]:
        suffix = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
        stored = self._store_file(data, "BQACAgIAAxkBAAI", "documents", suffix, mime_type, filename)
        stored.descriptor = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return _copied(stored.descriptor)

    # -- webhook helpers ------------------------------------------------------------------------

    def _webhook_request(
        self, update: dict[str, Any] | int, url: str | None, secret_token: str | _Unset | None
    ) -> tuple[bytes, str, dict[str, str]]:
        with self._cond:
            registered = self._webhook or self._last_set_webhook
            body = self._all_updates[update] if isinstance(update, int) else update
            target = url or (registered.url if registered else None)
            if not target:
                raise ValueError("no webhook url: pass url= or let the bot call setWebhook first")
            secret = (
                (registered.secret_token if registered else None) if secret_token is _UNSET else secret_token
            )
            headers = {"Content-Type": "application/json"}
            if secret:
                headers["X-Telegram-Bot-Api-Secret-Token"] = str(secret)
            return json.dumps(body).encode(), target, headers

    def _webhook_delivered(self, update: dict[str, Any] | int, status: int) -> None:
        if isinstance(update, int) and 200 <= status < 300:
            with self._cond:
                self._queue = [u for u in self._queue if u["update_id"] != update]
                self._cond.notify_all()


@contextlib.contextmanager
def running_fake_bot_api(token: str | None = None, **kwargs: Any) -> Iterator[FakeBotAPI]:
    """Context manager for fixtures: ``with running_fake_bot_api() as fake: ...``."""
    fake = FakeBotAPI(token, **kwargs)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
