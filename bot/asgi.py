"""Plain ASGI for the few routes on every update's way: a platform's webhook is served ahead of the
FastAPI app, without its middleware stack, routing and dependency resolution.

Measured on the Telegram webhook (issue #19, benchmarks/bench_telegram.py): FastAPI's route and
middleware took about 0.15 ms of CPU per request, a fifth of the Telegram side's own cost. Every other
route (health, metrics, the dashboard, WhatsApp's webhook) stays on FastAPI. The request body limit
(bot/body_limit.py) guards these routes as it guards the rest.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from bot.body_limit import BodyLimit


class ClientGone(Exception):
    """The client went away (or its body was refused as too large) before the body was read."""


class FastPaths:
    """`app`, except that a POST or other request to one of `paths` goes straight to its endpoint."""

    def __init__(self, app: ASGIApp, paths: Mapping[str, ASGIApp], *, max_bytes: int) -> None:
        self.app = app
        self.paths = {path: BodyLimit(endpoint, max_bytes=max_bytes) for path, endpoint in paths.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.paths.get(scope["path"])
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        await self.app(scope, receive, send)


def header(scope: Scope, name: bytes) -> bytes:
    """A request header's value (`name` in lower case), or b"" when it is absent."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


async def read_body(receive: Receive) -> bytes:
    """The whole request body. Raises ClientGone when the client disconnects first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientGone
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def respond(
    send: Send,
    status: int,
    body: bytes = b"",
    *,
    content_type: bytes | None = None,
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    """A whole answer, its headers as Starlette's `Response` sends them (no content type without
    `content_type`)."""
    head = [(b"content-length", str(len(body)).encode())]
    if content_type is not None:
        head.append((b"content-type", content_type))
    await send({"type": "http.response.start", "status": status, "headers": [*head, *headers]})
    await send({"type": "http.response.body", "body": body})
