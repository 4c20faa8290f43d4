"""The web app shared by every channel: webhooks, health, metrics. Channels start inside its
lifespan, so they run on the server's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from starlette.types import ASGIApp

from bot.app import KaderBot
from bot.asgi import FastPaths
from bot.body_limit import BodyLimit
from bot.channels.base import PlatformChannel
from bot.dashboard.routes import dashboard_router
from bot.metrics import CONTENT_TYPE
from storage.health import write_probe

log = logging.getLogger("kaderbot.web")

PROBE_EVERY = 5.0  # seconds between two write probes of /healthz

# A loop that runs beside the channels (the outbox sender, the scheduler) until the
# event is set at shutdown.
BackgroundLoop = Callable[[asyncio.Event], Awaitable[None]]


def create_web_app(
    kaderbot: KaderBot, channels: Sequence[PlatformChannel], *, background: Sequence[BackgroundLoop] = ()
) -> ASGIApp:
    """The FastAPI app (health, metrics, the dashboard, routers of the channels), behind the plain
    ASGI webhooks of the channels when there are any (bot/asgi.py)."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started: list[PlatformChannel] = []
        stop = asyncio.Event()
        loops: list[asyncio.Task[None]] = []
        served = False
        try:
            for channel in channels:
                await channel.start()
                started.append(channel)
                log.info("channel %s started", channel.name)
            loops = [asyncio.create_task(loop(stop)) for loop in background]
            served = True
            # What start-up built (flows, catalogues, the safety model, imported modules) lives as long
            # as the process: frozen out of the collector's sight, a full collection no longer walks
            # it in the middle of a turn (issue #19: polling 1.85 → 1.73 ms of CPU per update).
            gc.freeze()
            yield
        finally:
            stop.set()
            clean = True
            for task in loops:
                try:
                    await asyncio.wait_for(task, timeout=10)
                except Exception:
                    clean = False
                    log.exception("background loop did not stop cleanly")
            for channel in reversed(started):
                try:
                    await channel.stop()
                    log.info("channel %s stopped", channel.name)
                except Exception as exc:
                    clean = False
                    log.warning("channel %s did not stop cleanly: %r", channel.name, exc)
            await kaderbot.close()
            if not served:
                log.info("kaderbot did not start; what had started is stopped")
            elif clean:
                log.info("kaderbot stopped in order")
            else:
                log.warning("kaderbot stopped, not cleanly (see above)")

    app = FastAPI(title="KaderBot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    settings = kaderbot.settings
    app.add_middleware(BodyLimit, max_bytes=settings.web_max_body_bytes)
    writes = WriteProbe(kaderbot)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        database = True
        try:
            async with kaderbot.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            database = False
        # Reads are not enough: a full disk or a read-only standby still answers SELECT 1.
        status = {"database": database and await writes.ok()}
        for channel in channels:
            try:
                status[channel.name] = await channel.healthy()
            except Exception:  # a health check must answer, whatever state the channel is in
                log.exception("health check of channel %s failed", channel.name)
                status[channel.name] = False
        ok = all(status.values())
        return JSONResponse({"ok": ok, **status}, status_code=200 if ok else 503)

    @app.get("/metrics")
    async def metrics(request: Request) -> Response:
        # Prometheus text format. Counts only, no personal data; still, keep it off the public
        # internet (see deploy/nginx.conf), and set METRICS_TOKEN where it cannot be.
        if settings.metrics_token and not _bearer_matches(request, settings.metrics_token):
            return Response("Unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        await kaderbot.metrics.refresh_outbox_depth(kaderbot.db, [channel.name for channel in channels])
        return Response(kaderbot.metrics.render(), media_type=CONTENT_TYPE)

    # The coordinators' web dashboard (issue #18), on the same core and access rules as the chat.
    app.include_router(dashboard_router(kaderbot))

    endpoints: dict[str, ASGIApp] = {}
    for channel in channels:
        router = channel.router()
        if router is not None:
            app.include_router(router)
        endpoints.update(getattr(channel, "endpoints", dict)())
    if not endpoints:
        return app
    # A webhook taken on every update is served as plain ASGI in front of the whole FastAPI app, its
    # middleware stack included (Starlette's error handler, FastAPI's telemetry and body limit): the
    # webhook's own BodyLimit guards it (issue #19: measured by cProfile over the benchmark, those
    # layers were about a fifth of what the webhook costs beyond polling).
    return FastPaths(app, paths=endpoints, max_bytes=settings.web_max_body_bytes)


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
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
