"""The web app shared by every channel: webhooks, health, metrics. Channels start inside its
lifespan, so they run on the server's own event loop."""

from __future__ import annotations

import asyncio
import gc
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

import orjson
from sqlalchemy import text

from bot.app import KaderBot
from bot.asgi import FastPaths, header, respond
from bot.body_limit import BodyLimit
from bot.channels.base import PlatformChannel
from bot.metrics import CONTENT_TYPE
from storage.health import write_probe

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("kaderbot.web")

PROBE_EVERY = 5.0  # seconds between two write probes of /healthz

# A loop that runs beside the channels (the outbox sender, the scheduler) until the
# event is set at shutdown.
BackgroundLoop = Callable[[asyncio.Event], Awaitable[None]]


def create_web_app(
    kaderbot: KaderBot, channels: Sequence[PlatformChannel], *, background: Sequence[BackgroundLoop] = ()
) -> ASGIApp:
    """The web app: health, metrics, the dashboard, routers of the channels, behind the plain ASGI
    webhooks of the channels when there are any (bot/asgi.py)."""
    app = KaderBotWeb(kaderbot, channels, background)
    endpoints: dict[str, ASGIApp] = {}
    for channel in channels:
        endpoints.update(getattr(channel, "endpoints", dict)())
    if not endpoints:
        return app
    # A webhook taken on every update is served as plain ASGI in front of the rest, its middleware
    # stack included (Starlette's error handler, FastAPI's telemetry and body limit): the webhook's own
    # BodyLimit guards it (issue #19: measured by cProfile over the benchmark, those layers were about
    # a fifth of what the webhook costs beyond polling).
    return FastPaths(app, paths=endpoints, max_bytes=kaderbot.settings.web_max_body_bytes)


class KaderBotWeb:
    """The web app as plain ASGI: its lifespan (the channels and background loops), /healthz and
    /metrics are answered here; the FastAPI app (the dashboard, the channels' routers) is built on the
    first request for anything else. A bot that only takes Telegram updates never imports FastAPI,
    Jinja2 or the dashboard (issue #19: 9 MB of idle memory; the first dashboard request pays about
    a quarter of a second once)."""

    def __init__(
        self, kaderbot: KaderBot, channels: Sequence[PlatformChannel], background: Sequence[BackgroundLoop]
    ) -> None:
        self.kaderbot = kaderbot
        self.channels = tuple(channels)
        self.background = tuple(background)
        self.writes = WriteProbe(kaderbot)
        self._full: ASGIApp | None = None
        self._stop = asyncio.Event()
        self._loops: list[asyncio.Task[None]] = []
        self._started: list[PlatformChannel] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind == "http" and scope["method"] == "GET":
            path = scope["path"]
            if path == "/healthz":
                await self._healthz(send)
                return
            if path == "/metrics":
                await self._metrics(scope, send)
                return
        await self.full_app()(scope, receive, send)

    def full_app(self) -> ASGIApp:
        if self._full is None:
            self._full = _full_app(self.kaderbot, self.channels)
        return self._full

    # -- lifespan ------------------------------------------------------------------------------------
    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "lifespan.startup":  # pragma: no cover - the ASGI spec starts with it
            return
        try:
            await self._start()
        except BaseException as exc:
            await self._shutdown(served=False)
            await send({"type": "lifespan.startup.failed", "message": repr(exc)})
            if not isinstance(exc, Exception):
                raise
            log.error("kaderbot did not start: %r", exc)
            return
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await self._shutdown(served=True)
        await send({"type": "lifespan.shutdown.complete"})

    async def _start(self) -> None:
        for channel in self.channels:
            await channel.start()
            self._started.append(channel)
            log.info("channel %s started", channel.name)
        self._loops = [asyncio.create_task(loop(self._stop)) for loop in self.background]
        # What start-up built (flows, catalogues, the safety model, imported modules) lives as long as
        # the process: frozen out of the collector's sight, a full collection no longer walks it in the
        # middle of a turn (issue #19: polling 1.85 → 1.73 ms of CPU per update).
        gc.freeze()

    async def _shutdown(self, *, served: bool) -> None:
        self._stop.set()
        clean = True
        for task in self._loops:
            try:
                await asyncio.wait_for(task, timeout=10)
            except Exception:
                clean = False
                log.exception("background loop did not stop cleanly")
        for channel in reversed(self._started):
            try:
                await channel.stop()
                log.info("channel %s stopped", channel.name)
            except Exception as exc:
                clean = False
                log.warning("channel %s did not stop cleanly: %r", channel.name, exc)
        await self.kaderbot.close()
        if not served:
            log.info("kaderbot did not start; what had started is stopped")
        elif clean:
            log.info("kaderbot stopped in order")
        else:
            log.warning("kaderbot stopped, not cleanly (see above)")

    # -- health and metrics --------------------------------------------------------------------------
    async def _healthz(self, send: Send) -> None:
        database = True
        try:
            async with self.kaderbot.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            database = False
        # Reads are not enough: a full disk or a read-only standby still answers SELECT 1.
        status = {"database": database and await self.writes.ok()}
        for channel in self.channels:
            try:
                status[channel.name] = await channel.healthy()
            except Exception:  # a health check must answer, whatever state the channel is in
                log.exception("health check of channel %s failed", channel.name)
                status[channel.name] = False
        ok = all(status.values())
        body = orjson.dumps({"ok": ok, **status})
        await respond(send, 200 if ok else 503, body, content_type=b"application/json")

    async def _metrics(self, scope: Scope, send: Send) -> None:
        # Prometheus text format. Counts only, no personal data; still, keep it off the public
        # internet (see deploy/nginx.conf), and set METRICS_TOKEN where it cannot be.
        token = self.kaderbot.settings.metrics_token
        if token and not _bearer_matches(header(scope, b"authorization").decode("latin-1"), token):
            await respond(send, 401, b"Unauthorized", headers=((b"www-authenticate", b"Bearer"),))
            return
        kaderbot = self.kaderbot
        await kaderbot.metrics.refresh_outbox_depth(kaderbot.db, [channel.name for channel in self.channels])
        await respond(send, 200, kaderbot.metrics.render(), content_type=CONTENT_TYPE.encode())


def _full_app(kaderbot: KaderBot, channels: Sequence[PlatformChannel]) -> FastAPI:
    """The FastAPI app for every route but health, metrics and the webhooks' fast paths; its lifespan
    is KaderBotWeb's."""
    from fastapi import FastAPI

    from bot.dashboard.routes import dashboard_router

    app = FastAPI(title="KaderBot", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(BodyLimit, max_bytes=kaderbot.settings.web_max_body_bytes)
    # The coordinators' web dashboard (issue #18), on the same core and access rules as the chat.
    app.include_router(dashboard_router(kaderbot))
    for channel in channels:
        router = channel.router()
        if router is not None:
            app.include_router(router)
    return app


def _bearer_matches(authorization: str, token: str) -> bool:
    scheme, _, given = authorization.partition(" ")
    return scheme.casefold() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


class WriteProbe:
    """Whether the database takes a write (storage/health.py), probed at most every PROBE_EVERY
    seconds; callers meanwhile share the last answer. A busy database keeps the last answer."""

    def __init__(self, kaderbot: KaderBot) -> None:
        self._kaderbot = kaderbot
        self._lock = asyncio.Lock()
        self._last: bool = True
        self._at: float | None = None

    async def ok(self) -> bool:
        async with self._lock:
            now = time.monotonic()
            if self._at is not None and now - self._at < PROBE_EVERY:
                return self._last
            try:
                result = await write_probe(self._kaderbot.db, now=self._kaderbot.core.clock())
            except Exception:
                log.exception("health: the write probe failed")
                result = False
            if result is None:
                log.info("health: the database is busy; write probe not conclusive")
            else:
                if not result:
                    log.warning("health: the database refused a write")
                self._last = result
            self._at = now
            return self._last
