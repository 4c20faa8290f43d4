"""`kaderbot run`: with platform channels one process, one event loop, the web app in front; without
them (and for `kaderbot chat`) the console chat, with the same scheduler and outbox sender beside it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import uvicorn
from sqlalchemy.engine import make_url

from bot.app import KaderBot, build
from bot.channels.base import PlatformChannel
from bot.outbox import run_outbox
from bot.scheduler import SchedulerHandle, scheduler_loop, start_scheduler
from bot.settings import Settings
from bot.web import BackgroundLoop, create_web_app

log = logging.getLogger("kaderbot.runner")


def configured_channels(kaderbot: object, settings: Settings) -> list[PlatformChannel]:
    channels: list[PlatformChannel] = []
    if settings.telegram_enabled:
        from bot.channels.telegram import TelegramChannel

        channels.append(TelegramChannel(kaderbot, settings))  # type: ignore[arg-type]
    if settings.whatsapp_enabled:
        from bot.channels.whatsapp import WhatsAppChannel

        channels.append(WhatsAppChannel(kaderbot, settings))  # type: ignore[arg-type]
    return channels


def background_loops(kaderbot: KaderBot, channels: list[PlatformChannel]) -> list[BackgroundLoop]:
    """What runs beside the channels in the same process: the outbox sender, which delivers every
    message the bot starts by itself (broadcasts, reminders, ticket news), and the scheduler (which
    holds a database lease, so only one process plans and dispatches reminders)."""

    async def outbox(stop: asyncio.Event) -> None:
        await run_outbox(kaderbot, channels, stop_event=stop)

    return [outbox, scheduler_loop(kaderbot, clock=kaderbot.core.clock)]


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


def console_files(settings: Settings) -> Path:
    """Where the console saves what the bot sends: CONSOLE_DIR, else `console/` beside the SQLite file
    (./data/console for the default database), else ./data/console."""
    if settings.console_dir is not None:
        return settings.console_dir
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / "console"
    return Path("data") / "console"


async def console(
    settings: Settings, handle: str, *, source: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> None:
    """The console chat. Without a platform channel configured this process is the whole bot: the
    scheduler plans and dispatches reminders (its first pass done before the first line is read) and
    the outbox sender keeps broadcasts' books, while console people see what reaches them at their
    next turn, or at once while they are the one typing. With platform channels configured, the
    server (`kaderbot run`) does that work and the console only chats."""
    from bot.channels.console import ConsoleChannel
    from bot.notifier import ConsoleNotices

    kaderbot = build(settings)
    notices = ConsoleNotices(kaderbot.db, kaderbot.catalogues, clock=kaderbot.core.clock)
    channel = ConsoleChannel(
        kaderbot.core, handle, out=out, notices=notices, files=console_files(settings), watch=2.0
    )
    stop = asyncio.Event()
    scheduler: SchedulerHandle | None = None
    sender: asyncio.Task[None] | None = None
    try:
        if not (settings.telegram_enabled or settings.whatsapp_enabled):
            scheduler = await start_scheduler(kaderbot, clock=kaderbot.core.clock, catch_up=True)
            sender = asyncio.create_task(run_outbox(kaderbot, [], stop_event=stop), name="outbox")
        await channel.run(source)
    finally:
        stop.set()
        if sender is not None:
            with contextlib.suppress(Exception):
                await sender
        if scheduler is not None:
            await scheduler.stop()
        await kaderbot.close()
