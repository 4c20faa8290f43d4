"""A minimal HTTP/1.1 server on asyncio streams, for fakes that must answer many small requests fast.

uvicorn + Starlette cost about a millisecond of CPU per request (ASGI scopes, routing, a thread
per handler call); a benchmark that shares two cores between the client and the fake then measures
the fake. This server parses just enough HTTP for an API client such as httpx: a request line,
headers, a body of Content-Length bytes (no chunked uploads), keep-alive connections, one request
at a time per connection. The handler is a coroutine; it returns the status, content type and body.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

MAX_HEAD = 64 * 1024
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           409: "Conflict", 413: "Payload Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 501: "Not Implemented"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class LightRequest:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # names in lower case
    body: bytes


Handler = Callable[[LightRequest], Awaitable[tuple[int, str, bytes]]]


class LightServer:
    """Serves `handler` on an already bound socket from a thread of its own (like uvicorn's
    `Server.run(sockets=…)`): `start()` returns once it accepts, `stop()` closes it."""

    def __init__(self, handler: Handler, sock: socket.socket) -> None:
        self.handler = handler
        self.sock = sock
        self.started = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def run(self) -> None:
        asyncio.run(self._serve())

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stop.set)

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        connections: set[asyncio.Task[None]] = set()

        async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            connections.add(task)
            try:
                await self._connection(reader, writer)
            except asyncio.CancelledError:
                pass  # the server is stopping; asyncio would log a cancelled connection as an error
            finally:
                connections.discard(task)

        server = await asyncio.start_server(accepted, sock=self.sock, limit=MAX_HEAD)
        self.started.set()
        try:
            await self._stop.wait()
        finally:
            server.close()
            for task in list(connections):
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._requests(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # the client went away, or sent something this server does not speak
        finally:
            with contextlib.suppress(ConnectionError, RuntimeError):
                writer.close()

    async def _requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, *lines = head[:-4].decode("latin-1").split("\r\n")
            method, target, version = request_line.split(" ", 2)
            headers = {}
            for line in lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if headers.get("transfer-encoding", "").lower() == "chunked":
                writer.write(_response(501, "application/json", b'{"ok":false}', close=True))
                return
            length = int(headers.get("content-length") or 0)
            body = await reader.readexactly(length) if length else b""
            status, content_type, payload = await self.handler(LightRequest(method, target, headers, body))
            close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
            writer.write(_response(status, content_type, payload, close=close))
            if close:
                await writer.drain()
                return
            if writer.transport.get_write_buffer_size() > MAX_HEAD:
                await writer.drain()


def _response(status: int, content_type: str, body: bytes, *, close: bool = False) -> bytes:
    head = (
        f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}\r\n"
        f"content-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
        f"connection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    return head.encode("latin-1") + body
