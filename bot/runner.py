"""`kaderbot run`: with platform channels one process, one event loop, the web app in front
(bot/server.py); without them (and for `kaderbot chat`) the console chat, with the same scheduler and
outbox sender beside it. The console imports neither the web server nor the web app (FastAPI, the
dashboard's templates): 108.6 → 97.6 MB idle (issue #19)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.engine import make_url

from bot.app import KaderBot, build
from bot.channels.base import PlatformChannel
from bot.lean_imports import HTTPX_CLI, optional_modules_absent
from bot.outbox import run_outbox
from bot.scheduler import SchedulerHandle, scheduler_loop, start_scheduler
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.web import BackgroundLoop

log = logging.getLogger("kaderbot.runner")


def configured_channels(kaderbot: object, settings: Settings) -> list[PlatformChannel]:
    channels: list[PlatformChannel] = []
    if settings.telegram_enabled:
        with optional_modules_absent():  # Passport's cryptography, httpx's CLI: unused (lean_imports.py)
            from bot.channels.telegram import TelegramChannel

        channels.append(TelegramChannel(kaderbot, settings))  # type: ignore[arg-type]
    if settings.whatsapp_enabled:
        with optional_modules_absent(HTTPX_CLI):
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
    """`kaderbot run` with platform channels: the web server and the channels (bot/server.py)."""
    from bot.server import run_server as run

    run(settings)


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
