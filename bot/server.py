"""`kaderbot run` with platform channels: one process, one event loop, the web app (health, metrics,
the dashboard, the webhooks) served by uvicorn, the channels and the background loops started in its
lifespan (bot/web.py). Imported only by that command (bot/runner.py `run_server`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator

import uvicorn

from bot.app import build
from bot.runner import background_loops, configured_channels
from bot.settings import Settings
from bot.web import create_web_app

log = logging.getLogger("kaderbot.runner")


def run_server(settings: Settings) -> None:
    """`kaderbot run` with platform channels: `serve` on uvloop's event loop when it is installed.
    With httptools beside it (uvicorn's standard extras; uvicorn picks httptools by itself) a Telegram
    update cost about 0.16 ms of CPU less when polling and 0.4 ms less through the webhook
    (benchmarks/bench_telegram.py, issue #19)."""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve(settings))


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


async def serve(settings: Settings) -> None:
    log.debug("event loop: %s", type(asyncio.get_running_loop()).__module__)
    # httpx logs every request URL at INFO, and Bot API URLs carry the bot token.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    kaderbot = build(settings)
    channels = configured_channels(kaderbot, settings)
    app = create_web_app(kaderbot, channels, background=background_loops(kaderbot, channels))
    # log_config=None: uvicorn's own lines go through our handler too (LOG_FORMAT, masking).
    config = uvicorn.Config(
        app, host=settings.web_host, port=settings.web_port, log_level="warning", log_config=None
    )
    server = Server(config)
    await server.serve()
    if not server.started:  # a channel or the database failed at start: uvicorn logged why
        raise SystemExit(3)


class Server(uvicorn.Server):
    """uvicorn's server, except that SIGTERM/SIGINT end it like any orderly stop: uvicorn's own
    handler re-raises the signal once it has shut down, so the process died by it (status -15) after
    stopping cleanly; here it returns, and `kaderbot run` exits 0. A second Ctrl-C still forces it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        signals = (signal.SIGINT, signal.SIGTERM)
        for signum in signals:
            loop.add_signal_handler(signum, self.handle_exit, signum, None)
        try:
            yield
        finally:
            for signum in signals:
                loop.remove_signal_handler(signum)
