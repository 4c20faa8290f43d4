"""The web app shared by every channel: webhooks, health, metrics. Channels start inside its
lifespan, so they run on the server's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from bot.app import KaderBot
from bot.channels.base import PlatformChannel
from bot.metrics import CONTENT_TYPE

log = logging.getLogger("kaderbot.web")

# A loop that runs beside the channels (the outbox sender, the scheduler) until the
# event is set at shutdown.
BackgroundLoop = Callable[[asyncio.Event], Awaitable[None]]


def create_web_app(
    kaderbot: KaderBot, channels: Sequence[PlatformChannel], *, background: Sequence[BackgroundLoop] = ()
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        started: list[PlatformChannel] = []
        stop = asyncio.Event()
        loops: list[asyncio.Task[None]] = []
        try:
            for channel in channels:
                await channel.start()
                started.append(channel)
                log.info("channel %s started", channel.name)
            loops = [asyncio.create_task(loop(stop)) for loop in background]
            yield
        finally:
            stop.set()
            for task in loops:
                try:
                    await asyncio.wait_for(task, timeout=10)
                except Exception:
                    log.exception("background loop did not stop cleanly")
            for channel in reversed(started):
                with contextlib.suppress(Exception):
                    await channel.stop()
            await kaderbot.close()

    app = FastAPI(title="KaderBot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        database = True
        try:
            async with kaderbot.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            database = False
        status = {"database": database}
        for channel in channels:
            try:
                status[channel.name] = await channel.healthy()
            except Exception:  # a health check must answer, whatever state the channel is in
                log.exception("health check of channel %s failed", channel.name)
                status[channel.name] = False
        ok = all(status.values())
        return JSONResponse({"ok": ok, **status}, status_code=200 if ok else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        # Prometheus text format. Counts only, no personal data; still, keep it off the public
        # internet (see deploy/nginx.conf).
        await kaderbot.metrics.refresh_outbox_depth(kaderbot.db, [channel.name for channel in channels])
        return Response(kaderbot.metrics.render(), media_type=CONTENT_TYPE)

    for channel in channels:
        router = channel.router()
        if router is not None:
            app.include_router(router)
    return app
