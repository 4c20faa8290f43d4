"""A fake WhatsApp Cloud API (Meta Graph API) for tests.

``FakeGraphAPI`` is a real HTTP server on 127.0.0.1 (uvicorn + Starlette in a background
thread) that answers the endpoints pywa 4.5 calls:

* ``POST /vNN.N/{phone_id}/messages`` - send a message (returns a ``wamid``), or mark a
  message as read / show a typing indicator (``{"status": "read", ...}``).
* ``POST /vNN.N/{phone_id}/media`` - multipart upload, returns ``{"id": "<digits>"}``.
* ``GET /vNN.N/{media_id}`` - media URL info; ``DELETE /vNN.N/{media_id}`` - delete media.
* ``GET /whatsapp_business/attachments/?mid=...`` - the media download URL (needs the
  ``Authorization`` header, like Meta's lookaside host).

pywa pins its httpx session's ``base_url`` to ``https://graph.facebook.com/v{api_version}``,
so use :func:`rewrite_to` to get an ``httpx.AsyncClient`` whose transport sends every
request to the fake::

    with FakeGraphAPI(token="TEST_TOKEN") as fake:
        wa = pywa_async.WhatsApp(phone_id="106540352242922", token="TEST_TOKEN",
                                 session=rewrite_to(fake.base_url), server=None)
        await wa.send_message(to="6281234567890", text="Halo")
        assert fake.sent_messages(to="6281234567890")[0]["text"]["body"] == "Halo"
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = [
    "ERROR_TEXTS",
    "Call",
    "FakeGraphAPI",
    "MediaItem",
    "graph_error",
    "rewrite_to",
]

# Paths pywa builds look like "/v26.0/<id>/<edge>"; the version is not checked.
_VERSION_RE = re.compile(r"^/v\d+(?:\.\d+)?(?=/)")
_ATTACHMENTS_PATH = "/whatsapp_business/attachments/"
_DEFAULT_MEDIA_HOST = "https://lookaside.fbsbx.com"

# (title, details) Meta uses for the error codes the bot must handle.
ERROR_TEXTS: dict[int, tuple[str, str]] = {
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer "
        "last replied to this number.",
    ),
    130429: ("Rate limit hit", "Cloud API message throughput has been reached."),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from the sender phone number to the same recipient phone "
        "number in a short period of time.",
    ),
    131026: ("Message Undeliverable", "Unable to deliver message."),
    131009: ("Parameter value is not valid", "Parameter value is not valid."),
    131000: ("Something went wrong", "Message failed to send due to an unknown error."),
    100: ("Invalid parameter", "Invalid parameter."),
    190: ("Invalid OAuth access token - Cannot parse access token", ""),
}


def graph_error(code: int, message: str | None = None, details: str | None = None) -> dict[str, Any]:
    """Build a Graph API error body ``{"error": {...}}`` exactly as Meta returns it."""
    title, default_details = ERROR_TEXTS.get(code, ("Unknown error", ""))
    error: dict[str, Any] = {
        "message": message if message is not None else f"(#{code}) {title}",
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "A" + secrets.token_urlsafe(16),
    }
    details = details if details is not None else default_details
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request received by the fake (and what it answered)."""

    method: str
    path: str  # full path as received, e.g. "/v26.0/106540352242922/messages"
    json_body: Any | None  # decoded JSON body, if the request had one
    form: dict[str, Any] | None  # multipart fields (files as {"filename", "content_type", "data"})
    headers: dict[str, str]  # lower-cased header names
    at: float  # time.time() when received
    query: dict[str, str] = field(default_factory=dict)
    status_code: int = 200
    response: Any = None  # JSON answered (or a short description for binary responses)

    @property
    def endpoint(self) -> str:
        """The path without the Graph API version prefix, e.g. "/106540352242922/messages"."""
        return _VERSION_RE.sub("", self.path, count=1)

    @property
    def ok(self) -> bool:
        """Whether the fake answered with a 2xx status."""
        return 200 <= self.status_code < 300

    @property
    def recipient(self) -> str | None:
        """``to`` (phone/wa_id/group) or ``recipient`` (BSUID) of a send, else None."""
        if not isinstance(self.json_body, dict):
            return None
        return self.json_body.get("to") or self.json_body.get("recipient")

    @property
    def is_send(self) -> bool:
        """Whether this is a POST /{phone_id}/messages that sends a message (not a read receipt)."""
        return (
            self.method == "POST"
            and self.endpoint.endswith("/messages")
            and isinstance(self.json_body, dict)
            and "status" not in self.json_body
        )


@dataclass(frozen=True, slots=True)
class MediaItem:
    """A media object known to the fake (added by the test or uploaded by the client)."""

    media_id: str
    data: bytes
    mime_type: str
    filename: str | None = None

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes (what Meta reports in ``sha256``)."""
        return hashlib.sha256(self.data).hexdigest()


@dataclass(slots=True)
class _FailRule:
    code: int
    remaining: int
    to: str | None
    http_status: int
    message: str | None
    details: str | None


class FakeGraphAPI:
    """A thread-backed fake of the WhatsApp Cloud API that records every call."""

    def __init__(
        self,
        *,
        token: str | None = None,
        strict: bool = True,
        media_host: str | None = _DEFAULT_MEDIA_HOST,
    ) -> None:
        """Create the fake (call :meth:`start` or use it as a context manager).

        Args:
            token: Bearer token to require; ``None`` accepts any non-empty bearer token.
            strict: Reject sends that break Meta's documented limits (button/list sizes,
                text lengths...) with error 131009, like the real API does.
            media_host: Scheme+host used in media URLs returned by ``GET /{media_id}``.
                The default mimics Meta (``https://lookaside.fbsbx.com``), which only works
                through :func:`rewrite_to`; ``None`` uses the fake's own ``base_url``.
        """
        self._token = token
        self._strict = strict
        self._media_host = media_host
        # Re-entrant, so predicates passed to wait_for() may call the accessors below.
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._media: dict[str, MediaItem] = {}
        self._rules: list[_FailRule] = []
        self._msg_counter = itertools.count(1)
        self._media_counter = itertools.count(1)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._sock: socket.socket | None = None
        self.app = Starlette(
            routes=[
                Route("/{path:path}", self._handle, methods=["GET", "POST", "DELETE"]),
            ]
        )

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server."""
        if self._port is None:
            raise RuntimeError("FakeGraphAPI is not started")
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> FakeGraphAPI:
        """Start the server on a free port in a daemon thread and wait until it accepts."""
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        self._sock = sock
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", log_config=None
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="FakeGraphAPI", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("FakeGraphAPI failed to start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop the server and join its thread (idempotent)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        self._server = None
        self._thread = None
        self._sock = None

    def __enter__(self) -> FakeGraphAPI:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ test API

    def reset(self) -> None:
        """Forget recorded calls, media and pending failures."""
        with self._cond:
            self._calls.clear()
            self._media.clear()
            self._rules.clear()

    def calls(self) -> list[Call]:
        """All recorded calls in arrival order (a copy)."""
        with self._lock:
            return list(self._calls)

    def sent_messages(self, to: str | None = None, *, include_failed: bool = False) -> list[dict[str, Any]]:
        """JSON bodies of message sends, in order (read receipts/typing indicators excluded).

        Args:
            to: Only sends whose ``to`` (or BSUID ``recipient``) equals this.
            include_failed: Also include sends the fake rejected (e.g. via :meth:`fail_next`).
        """
        with self._lock:
            return [c.json_body for c in self._calls if self._is_matching_send(c, to, include_failed)]

    def failed_sends(self, to: str | None = None) -> list[Call]:
        """Send attempts answered with an error (injected or validation), in order."""
        with self._lock:
            return [c for c in self._calls if c.is_send and not c.ok and (to is None or c.recipient == to)]

    def marked_as_read(self) -> list[str]:
        """Message ids the client marked as read (including via typing indicators)."""
        with self._lock:
            return [
                c.json_body["message_id"]
                for c in self._calls
                if c.method == "POST"
                and c.endpoint.endswith("/messages")
                and isinstance(c.json_body, dict)
                and c.json_body.get("status") == "read"
            ]

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0) -> Call:
        """Block until a recorded call satisfies ``predicate``; return it.

        Blocks the calling thread: from async tests whose bot runs on the same event loop
        use :meth:`wait_for_async` instead.

        Raises:
            TimeoutError: No such call within ``timeout`` seconds.
        """
        return self._wait(lambda: next((c for c in self._calls if predicate(c)), None), timeout)

    def wait_for_message(
        self,
        to: str,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
        *,
        start: int = 0,
    ) -> dict[str, Any]:
        """Block until a successful send to ``to`` matches ``predicate``; return its JSON body.

        Args:
            to: Recipient (``to`` or BSUID ``recipient``).
            predicate: Test on the JSON body; ``None`` accepts any message.
            timeout: Seconds to wait.
            start: Skip the first ``start`` messages to ``to`` (e.g. ``len(sent_messages(to))``
                taken before triggering the bot).
        """
        return self._wait(lambda: self._find_message(to, predicate, start), timeout).json_body

    async def wait_for_async(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> Call:
        """Async twin of :meth:`wait_for` that keeps the event loop running while waiting."""
        return await self._wait_async(lambda: next((c for c in self._calls if predicate(c)), None), timeout)

    async def wait_for_message_async(
        self,
        to: str,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - polling keeps the loop free; mirrors wait_for_message
        *,
        start: int = 0,
    ) -> dict[str, Any]:
        """Async twin of :meth:`wait_for_message`."""
        call = await self._wait_async(lambda: self._find_message(to, predicate, start), timeout)
        return call.json_body

    def add_media(
        self, media_id: str, data: bytes, mime_type: str, *, filename: str | None = None
    ) -> MediaItem:
        """Make ``media_id`` downloadable (GET /{media_id} then GET its url).

        pywa only treats all-digit strings as media ids, so prefer ids like "1234567890".
        """
        item = MediaItem(media_id=str(media_id), data=data, mime_type=mime_type, filename=filename)
        with self._cond:
            self._media[item.media_id] = item
        return item

    def media(self, media_id: str) -> MediaItem | None:
        """The media stored under ``media_id`` (added or uploaded), if any."""
        with self._lock:
            return self._media.get(str(media_id))

    def uploads(self) -> list[MediaItem]:
        """Media uploaded through POST /{phone_id}/media, in order."""
        with self._lock:
            ids = [
                c.response["id"]
                for c in self._calls
                if c.ok and c.method == "POST" and c.endpoint.endswith("/media")
            ]
            return [self._media[i] for i in ids if i in self._media]

    def fail_next(
        self,
        *,
        code: int,
        count: int = 1,
        to: str | None = None,
        http_status: int = 400,
        message: str | None = None,
        details: str | None = None,
    ) -> None:
        """Answer the next ``count`` sends (optionally only to ``to``) with Graph error ``code``.

        Typical codes: 131047 (24h window closed), 130429 (throughput rate limit),
        131056 (pair rate limit), 131026 (undeliverable). Rules are consumed in the order
        they were added; the failed attempts are still recorded (see :meth:`failed_sends`).
        """
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._cond:
            self._rules.append(
                _FailRule(
                    code=code,
                    remaining=count,
                    to=to,
                    http_status=http_status,
                    message=message,
                    details=details,
                )
            )

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _is_matching_send(call: Call, to: str | None, include_failed: bool) -> bool:
        return call.is_send and (include_failed or call.ok) and (to is None or call.recipient == to)

    def _find_message(
        self, to: str, predicate: Callable[[dict[str, Any]], bool] | None, start: int
    ) -> Call | None:
        """First successful send to ``to`` (from position ``start``) matching ``predicate`` (lock held)."""
        sends = [c for c in self._calls if self._is_matching_send(c, to, False)]
        return next((c for c in sends[start:] if predicate is None or predicate(c.json_body)), None)

    def _wait(self, find: Callable[[], Call | None], timeout: float) -> Call:
        """Block on the condition until ``find()`` (called with the lock held) returns a call."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (found := find()) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no matching Graph API call within {timeout}s; got {self._summary()}")
                self._cond.wait(remaining)
            return found

    async def _wait_async(self, find: Callable[[], Call | None], timeout: float) -> Call:  # noqa: ASYNC109
        """Poll ``find()`` without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = find()
                summary = self._summary()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no matching Graph API call within {timeout}s; got {summary}")
            await asyncio.sleep(0.01)

    def _summary(self) -> str:
        """Short description of the recorded calls for timeout messages (lock held)."""
        parts = [f"{c.method} {c.path} -> {c.status_code}" for c in self._calls[-20:]]
        return "[" + "; ".join(parts) + "]" if parts else "no calls"

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _take_failure(self, recipient: str | None) -> _FailRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.to is None or rule.to == recipient:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._rules.remove(rule)
                    return rule
        return None

    def _authorized(self, headers: dict[str, str]) -> bool:
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[len("Bearer ") :].strip():
            return False
        return self._token is None or auth == f"Bearer {self._token}"

    async def _handle(self, request: Request) -> Response:
        """Single catch-all endpoint: parse, dispatch, record."""
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = dict(request.query_params)
        json_body: Any = None
        form: dict[str, Any] | None = None
        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            form = {}
            async with request.form() as parsed:
                for key, value in parsed.multi_items():
                    if isinstance(value, UploadFile):
                        form[key] = {
                            "filename": value.filename,
                            "content_type": value.content_type,
                            "data": await value.read(),
                        }
                    else:
                        form[key] = value
        else:
            raw = await request.body()
            if raw:
                try:
                    json_body = json.loads(raw)
                except ValueError:
                    json_body = raw.decode("utf-8", "replace")

        path = request.url.path
        status, payload, binary = self._dispatch(request.method, path, query, headers, json_body, form)
        self._record(
            Call(
                method=request.method,
                path=path,
                json_body=json_body,
                form=form,
                headers=headers,
                at=time.time(),
                query=query,
                status_code=status,
                response=payload if binary is None else f"<{len(binary[0])} bytes>",
            )
        )
        if binary is not None:
            data, mime_type, filename = binary
            resp_headers = {"Content-Length": str(len(data))}
            if filename:
                resp_headers["Content-Disposition"] = f'attachment; filename="{filename}"'
            return Response(content=data, status_code=status, media_type=mime_type, headers=resp_headers)
        return JSONResponse(payload, status_code=status)

    def _dispatch(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        json_body: Any,
        form: dict[str, Any] | None,
    ) -> tuple[int, Any, tuple[bytes, str, str | None] | None]:
        """Return (status, json payload, optional (bytes, mime, filename)) for a request."""
        if path == _ATTACHMENTS_PATH or path == _ATTACHMENTS_PATH.rstrip("/"):
            return self._download(method, query, headers)
        if not self._authorized(headers):
            return (
                401,
                graph_error(190, message="Invalid OAuth access token - Cannot parse access token"),
                None,
            )
        endpoint = _VERSION_RE.sub("", path, count=1)
        parts = [p for p in endpoint.split("/") if p]
        if method == "POST" and len(parts) == 2 and parts[1] == "messages":
            return (*self._messages(json_body), None)
        if method == "POST" and len(parts) == 2 and parts[1] == "media":
            return (*self._upload(form), None)
        if len(parts) == 1 and method in ("GET", "DELETE"):
            return (*self._media_object(method, parts[0]), None)
        return (
            400,
            graph_error(100, message=f"Unsupported {method.lower()} request (fake Graph API: {path})"),
            None,
        )

    def _messages(self, body: Any) -> tuple[int, Any]:
        """POST /{phone_id}/messages: a send, or a read receipt / typing indicator."""
        if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
            return 400, graph_error(100, details="messaging_product must be 'whatsapp'")
        if body.get("status") == "read":
            if not body.get("message_id"):
                return 400, graph_error(100, details="message_id is required")
            return 200, {"success": True}
        recipient = body.get("to") or body.get("recipient")
        typ = body.get("type", "text")
        if not recipient:
            return 400, graph_error(100, details="The parameter 'to' is required.")
        if typ not in body:
            return 400, graph_error(100, details=f"The parameter '{typ}' is required.")
        if self._strict and (problem := _validate_send(typ, body[typ])):
            return 400, graph_error(131009, details=problem)
        if (rule := self._take_failure(recipient)) is not None:
            return rule.http_status, graph_error(rule.code, rule.message, rule.details)
        n = next(self._msg_counter)
        raw_id = f"{recipient}:{n}:{secrets.token_hex(6)}".encode()
        message: dict[str, Any] = {"id": "wamid." + base64.b64encode(raw_id).decode()}
        if typ == "template":
            message["message_status"] = "accepted"
        if body.get("to"):
            contact = {"input": body["to"], "wa_id": re.sub(r"\D", "", body["to"]) or body["to"]}
        else:
            contact = {"input": recipient, "user_id": recipient}
        return 200, {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}

    def _upload(self, form: dict[str, Any] | None) -> tuple[int, Any]:
        """POST /{phone_id}/media (multipart with file, messaging_product, type)."""
        if not form or not isinstance(form.get("file"), dict):
            return 400, graph_error(100, details="The parameter 'file' is required.")
        if form.get("messaging_product") != "whatsapp":
            return 400, graph_error(100, details="messaging_product must be 'whatsapp'")
        file = form["file"]
        mime_type = form.get("type") or file.get("content_type") or "application/octet-stream"
        media_id = str(1_000_000_000_000_000 + next(self._media_counter))
        with self._lock:
            self._media[media_id] = MediaItem(
                media_id=media_id, data=file["data"], mime_type=mime_type, filename=file.get("filename")
            )
        return 200, {"id": media_id}

    def _media_object(self, method: str, media_id: str) -> tuple[int, Any]:
        """GET /{media_id} (url info) or DELETE /{media_id}."""
        with self._lock:
            item = self._media.get(media_id)
            if item is not None and method == "DELETE":
                del self._media[media_id]
        if item is None:
            return 400, graph_error(
                100,
                message=f"Unsupported {method.lower()} request. Object with ID '{media_id}' does not exist, "
                "cannot be loaded due to missing permissions, or does not support this operation.",
                details="",
            )
        if method == "DELETE":
            return 200, {"success": True}
        host = self._media_host or self.base_url
        params = urlencode({"mid": media_id, "ext": int(time.time()), "hash": secrets.token_urlsafe(12)})
        return 200, {
            "url": f"{host}{_ATTACHMENTS_PATH}?{params}",
            "mime_type": item.mime_type,
            "sha256": item.sha256,
            "file_size": len(item.data),
            "id": media_id,
            "messaging_product": "whatsapp",
        }

    def _download(
        self, method: str, query: dict[str, str], headers: dict[str, str]
    ) -> tuple[int, Any, tuple[bytes, str, str | None] | None]:
        """GET /whatsapp_business/attachments/?mid=... (needs the bearer token)."""
        if method != "GET":
            return 405, {"error": "method not allowed"}, None
        if not self._authorized(headers):
            return 401, graph_error(190), None
        item = self.media(query.get("mid", ""))
        if item is None:
            return 404, {"error": "media not found"}, None
        return 200, None, (item.data, item.mime_type, item.filename)


# ---------------------------------------------------------------------- validation

_MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")


def _validate_send(typ: str, obj: Any) -> str | None:
    """Return a description of the first violated Cloud API limit, or None."""
    if not isinstance(obj, dict):
        return f"'{typ}' must be an object"
    if typ == "text":
        text = obj.get("body")
        if not isinstance(text, str) or not text.strip():
            return "text.body is required"
        if len(text) > 4096:
            return "text.body is longer than 4096 characters"
    elif typ in _MEDIA_TYPES:
        if ("id" in obj) == ("link" in obj):
            return f"{typ} needs exactly one of 'id' or 'link'"
        if len(obj.get("caption") or "") > 1024:
            return f"{typ}.caption is longer than 1024 characters"
    elif typ == "interactive":
        return _validate_interactive(obj)
    elif typ == "template":
        if not obj.get("name") or not isinstance(obj.get("language"), dict):
            return "template.name and template.language are required"
    return None


def _validate_interactive(obj: dict[str, Any]) -> str | None:
    """Limits of reply-button and list messages."""
    kind = obj.get("type")
    header = obj.get("header") or {}
    if header.get("type") == "text" and len(header.get("text") or "") > 60:
        return "interactive.header.text is longer than 60 characters"
    if len((obj.get("footer") or {}).get("text") or "") > 60:
        return "interactive.footer.text is longer than 60 characters"
    body = (obj.get("body") or {}).get("text") or ""
    action = obj.get("action") or {}
    if kind == "button":
        if not body or len(body) > 1024:
            return "interactive.body.text must be 1-1024 characters"
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            return "interactive.action.buttons must have 1-3 buttons"
        ids = [b.get("reply", {}).get("id") for b in buttons]
        if len(set(ids)) != len(ids):
            return "button ids must be unique"
        for b in buttons:
            reply = b.get("reply") or {}
            if not 1 <= len(reply.get("title") or "") <= 20:
                return "button title must be 1-20 characters"
            if not 1 <= len(reply.get("id") or "") <= 256:
                return "button id must be 1-256 characters"
    elif kind == "list":
        if not body or len(body) > 4096:
            return "interactive.body.text must be 1-4096 characters"
        if not 1 <= len(action.get("button") or "") <= 20:
            return "interactive.action.button must be 1-20 characters"
        sections = action.get("sections") or []
        if not 1 <= len(sections) <= 10:
            return "interactive.action.sections must have 1-10 sections"
        rows = [r for s in sections for r in s.get("rows") or []]
        if not 1 <= len(rows) <= 10:
            return "a list message can have at most 10 rows in total"
        ids = [r.get("id") for r in rows]
        if len(set(ids)) != len(ids):
            return "row ids must be unique"
        for s in sections:
            if len(sections) > 1 and not s.get("title"):
                return "section title is required when there is more than one section"
            if len(s.get("title") or "") > 24:
                return "section title is longer than 24 characters"
        for r in rows:
            if not 1 <= len(r.get("title") or "") <= 24:
                return "row title must be 1-24 characters"
            if len(r.get("description") or "") > 72:
                return "row description is longer than 72 characters"
            if not 1 <= len(r.get("id") or "") <= 200:
                return "row id must be 1-200 characters"
    return None


# ---------------------------------------------------------------------- client side


class _RewriteTransport(httpx.AsyncBaseTransport):
    """Send every request to ``target`` (scheme/host/port, optional path prefix), keeping path+query."""

    def __init__(self, target: httpx.URL, inner: httpx.AsyncBaseTransport) -> None:
        self._target = target
        self._prefix = target.path.rstrip("/")
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url.copy_with(
            scheme=self._target.scheme,
            host=self._target.host,
            port=self._target.port,
            path=self._prefix + request.url.path,
        )
        request.url = url
        request.headers["Host"] = url.netloc.decode("ascii")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def rewrite_to(fake_base_url: str, *, timeout: float = 10.0) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` that sends every request (any host) to ``fake_base_url``.

    Pass it as ``pywa_async.WhatsApp(session=...)``. pywa overwrites ``base_url`` with
    ``https://graph.facebook.com/v{api_version}`` and adds the ``Authorization`` header, so
    the rewrite happens in the transport: path and query are kept, only scheme/host/port
    change. Media download URLs (``https://lookaside.fbsbx.com/...``) are rewritten too.
    ``trust_env=False`` so proxy environment variables cannot bypass the transport.
    One client per WhatsApp instance (pywa refuses a session that already has auth).
    """
    target = httpx.URL(fake_base_url)
    transport = _RewriteTransport(target, httpx.AsyncHTTPTransport(trust_env=False))
    return httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False)
