"""A request body limit enforced while the body is read (`WEB_MAX_BODY_BYTES`), for every route.

A declared Content-Length above the limit is refused at once. A chunked body (no Content-Length),
or one longer than it declared, is counted as it arrives: past the limit the app is told the client
went away, 413 is sent, and the connection is closed, so the rest is never read into memory. Only
this much of a body is ever held, whatever a webhook does with it.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("kaderbot.web")

TOO_LARGE = 413


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            self._log(scope, f"declared {declared} bytes")
            await _refuse(send)
            return
        received = 0
        refused = False  # our 413 went out: the app's own answer is dropped
        started = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    self._log(scope, f"more than {self.max_bytes} bytes sent")
                    if not started:
                        refused = True
                        await _refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not refused:
                raise  # the app's own failure; a refused body's "client disconnected" is not

    def _log(self, scope: Scope, what: str) -> None:
        log.warning("request body too large refused (413): %s %s, %s", scope["method"], scope["path"], what)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed length itself
    return None


async def _refuse(send: Send) -> None:
    body = b"Payload Too Large"
    await send(
        {
            "type": "http.response.start",
            "status": TOO_LARGE,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),  # the server stops reading what is still coming
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
