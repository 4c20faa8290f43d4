"""Building python-telegram-bot's Application for KaderBot, and the '/' command menu."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand
from telegram.ext import AIORateLimiter, Application, BaseRateLimiter

from bot.channels.telegram_http import AiohttpBotApi
from bot.settings import Settings
from handlers.access import COORDINATOR_COMMANDS
from handlers.commands import COMMANDS
from handlers.i18n import Catalogues

CONNECTION_POOL = 16  # Bot API calls in flight at once (getUpdates has its own connection)
READ_TIMEOUT = 5.0  # seconds, PTB's default for a Bot API answer
RETRY_AFTER_RETRIES = 3  # AIORateLimiter waits retry_after, then tries again this many times

# The command menu per language. The words are the ones handlers/commands.py understands.
MENU_COMMANDS: dict[str, tuple[str, ...]] = {
    "id": ("start", "menu", "lapor", "laporanku", "daftar", "bahasa", "bantuan", "batal", "privasi"),
    "en": ("start", "menu", "report", "myreports", "register", "language", "help", "cancel", "privacy"),
}


def file_base_url(settings: Settings) -> str:
    """TELEGRAM_FILE_BASE_URL, or the one belonging to TELEGRAM_API_BASE_URL (…/bot → …/file/bot)."""
    if settings.telegram_file_base_url:
        return settings.telegram_file_base_url
    head, _, tail = settings.telegram_api_base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


def default_rate_limiter(settings: Settings) -> AIORateLimiter:
    """TELEGRAM_RATE_LIMIT messages a second in all; a 429 waits its retry_after and tries again."""
    return AIORateLimiter(overall_max_rate=settings.telegram_rate_limit, max_retries=RETRY_AFTER_RETRIES)


def build_application(settings: Settings, rate_limiter: BaseRateLimiter[Any]) -> Application:  # type: ignore[type-arg]
    """The bot and its HTTP pools. No `Updater`: PTB's confirms updates before they are handled, so
    long polling is our own loop (telegram_updates.LongPolling), and webhooks come through our web app."""
    return (
        Application.builder()
        .token(settings.telegram_bot_token or "")
        .base_url(settings.telegram_api_base_url)
        .base_file_url(file_base_url(settings))
        .rate_limiter(rate_limiter)
        .request(AiohttpBotApi(CONNECTION_POOL))
        .get_updates_request(AiohttpBotApi(1))  # the long poll, on aiohttp too (one connection)
        .job_queue(None)
        .updater(None)
        .build()
    )


def staff_menu(catalogues: Catalogues, lang: str) -> list[BotCommand]:
    """A coordinator's own '/' menu (set per chat): the usual commands and the coordinators' ones."""
    lang = catalogues.language(lang)
    base = command_menus(catalogues)[lang]
    extra = [
        BotCommand(word, catalogues.text(lang, f"coordinator.command.{name}"))
        for word, name in COORDINATOR_COMMANDS.get(lang, COORDINATOR_COMMANDS["id"])
    ]
    return [*base, *extra]


def command_menus(catalogues: Catalogues) -> dict[str | None, list[BotCommand]]:
    """setMyCommands' lists by language_code; None (every other language) gets the default language."""
    menus: dict[str | None, str] = {
        **{lang: lang for lang in MENU_COMMANDS},
        None: catalogues.default_language,
    }
    return {
        code: [
            BotCommand(word, catalogues.text(lang, f"telegram.command.{COMMANDS[word][0]}"))
            for word in MENU_COMMANDS[lang]
        ]
        for code, lang in menus.items()
    }
