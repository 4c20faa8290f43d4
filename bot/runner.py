"""`kaderbot run` with platform channels: one process, one event loop, the web app in front."""

from __future__ import annotations

import asyncio
import logging

import uvicorn

from bot.app import KaderBot, build
from bot.channels.base import PlatformChannel
from bot.outbox import run_outbox
from bot.scheduler import scheduler_loop
from bot.settings import Settings
from bot.web import BackgroundLoop, create_web_app


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


async def serve(settings: Settings) -> None:
    # httpx logs every request URL at INFO, and Bot API URLs carry the bot token.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    kaderbot = build(settings)
    channels = configured_channels(kaderbot, settings)
    app = create_web_app(kaderbot, channels, background=background_loops(kaderbot, channels))
    # log_config=None: uvicorn's own lines go through our handler too (LOG_FORMAT, masking).
    config = uvicorn.Config(
        app, host=settings.web_host, port=settings.web_port, log_level="warning", log_config=None
    )
    await uvicorn.Server(config).serve()
