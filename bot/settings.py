"""Typed settings read from the environment and an optional `.env` file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/kaderbot.sqlite3"


class SettingsError(Exception):
    """A setting has a bad value; the message names the variable in one line."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    timezone: str = "Asia/Makassar"
    default_language: Literal["id", "en"] = "id"
    locales_dir: Path = PROJECT_ROOT / "locales"
    # Where the console chat saves the pictures and documents the bot sends (recaps, workbooks);
    # unset: `console/` beside the SQLite database file, or ./data/console with PostgreSQL.
    console_dir: Path | None = None

    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=1, le=65535)
    # The largest request body any route reads (webhooks); a larger one is refused with 413 while
    # it arrives, chunked or not (bot/body_limit.py). Meta's and Telegram's bodies are a few KB.
    web_max_body_bytes: int = Field(default=1_000_000, ge=1024)
    # When set, GET /metrics answers only requests with `Authorization: Bearer <METRICS_TOKEN>`.
    metrics_token: str | None = None
    # The public base of the coordinators' web dashboard, for the login links /dasbor gives (issue
    # #18); unset: http://WEB_HOST:WEB_PORT. With https:// its session cookie is sent over HTTPS only.
    dashboard_base_url: str | None = None

    telegram_bot_token: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_file_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    # Messages per second to Telegram in all (its limit for a bot is about 30); 0 lifts the cap,
    # e.g. for a local Bot API server. A 429 is honoured either way.
    telegram_rate_limit: float = Field(default=30, ge=0)

    whatsapp_phone_number_id: str | None = None
    whatsapp_token: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None
    whatsapp_api_base_url: str = "https://graph.facebook.com"
    # Approved templates for messages outside WhatsApp's 24-hour window (names, languages, parameters).
    whatsapp_templates_file: Path = PROJECT_ROOT / "bot" / "channels" / "whatsapp_templates.yaml"

    # The media store (storage/media.py): every photo and document received is kept in MEDIA_DIR, or
    # in an S3-compatible bucket when MEDIA_S3_URL (s3://bucket/prefix) is set; larger files are refused.
    media_dir: Path = Path("./data/media")
    media_s3_url: str | None = None
    media_s3_endpoint_url: str | None = None
    media_s3_access_key_id: str | None = None
    media_s3_secret_access_key: str | None = None
    media_s3_region: str | None = None
    media_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    # The outbox sender (bot/outbox.py): messages per second and the gap in seconds between two
    # messages to one chat, per platform (0 lifts a limit); sends in flight per channel; retries for
    # errors other than 429; seconds before a claimed row no sender finished counts as unconfirmed.
    outbox_telegram_rate: float = Field(default=30, ge=0)
    outbox_telegram_chat_interval: float = Field(default=1.0, ge=0)
    outbox_whatsapp_rate: float = Field(default=80, ge=0)
    outbox_whatsapp_chat_interval: float = Field(default=6.0, ge=0)
    outbox_slots: int = Field(default=4, ge=1, le=64)
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_idle_poll: float = Field(default=1.0, gt=0)
    outbox_in_doubt_after: float = Field(default=60.0, gt=0)
    outbox_progress_every: float = Field(default=3.0, gt=0)

    # The scheduler lease (bot/scheduler.py): seconds a lease lasts, and between two renewals. Only
    # the holder plans and sends reminders; when it dies, another worker takes over at most
    # TTL + RENEW seconds later (50 s by default).
    scheduler_lease_ttl: float = Field(default=40.0, gt=0)
    scheduler_renew_every: float = Field(default=10.0, gt=0)

    # Retention (handlers/retention.py, run daily by the scheduler): inbound message ids and WhatsApp
    # delivery records older than RETENTION_INBOUND_DAYS are deleted; unfinished forms idle for
    # RETENTION_DRAFT_DAYS are dropped.
    retention_inbound_days: int = Field(default=30, ge=1)
    retention_draft_days: int = Field(default=90, ge=1)
    # The date by which every Posyandu 6 SPM should be verified by the DPMD (the recap counts
    # against it); Kukar aimed at 30 June 2025. POSYANDU_VERIFICATION_DEADLINE=YYYY-MM-DD.
    posyandu_verification_deadline: dt.date = dt.date(2025, 6, 30)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # The level of the HTTP libraries' own loggers (python-telegram-bot, httpx, httpcore, aiohttp,
    # pywa): WARNING unless asked, as they quote request URLs and bodies. Secrets are masked anyway.
    log_level_libraries: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # Accept the common libpq spelling and use the async driver the stack decided on.
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER:PASS@HOST/DB")
        return value

    @field_validator("scheduler_renew_every")
    @classmethod
    def _renew_within_lease(cls, value: float, info: ValidationInfo) -> float:
        ttl = info.data.get("scheduler_lease_ttl")
        if ttl is not None and value >= ttl:
            raise ValueError("must be shorter than SCHEDULER_LEASE_TTL, or the lease lapses between renewals")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone (try Asia/Makassar, Asia/Jakarta, Asia/Jayapura)") from exc
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_charset(cls, value: str | None) -> str | None:
        # Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and - only.
        if value is not None and (
            not 1 <= len(value) <= 256 or not all(c.isalnum() or c in "_-" for c in value)
        ):
            raise ValueError("1-256 characters of letters, digits, '_' or '-'")
        return value

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every configured secret, for the log filter that masks them (bot/logging_setup.py)."""
        values = (
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            self.whatsapp_token,
            self.whatsapp_app_secret,
            self.whatsapp_verify_token,
            self.metrics_token,
            self.media_s3_secret_access_key,
        )
        return tuple(v for v in values if v)

    @property
    def dashboard_url(self) -> str:
        return (self.dashboard_base_url or f"http://{self.web_host}:{self.web_port}").rstrip("/")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def telegram_enabled(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def whatsapp_enabled(self) -> bool:
        return bool(self.whatsapp_phone_number_id and self.whatsapp_token)

    def check_channels(self) -> None:
        """Refuse half-configured channels: a webhook needs its secret, WhatsApp its app secret."""
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET: required when TELEGRAM_WEBHOOK_URL is set")
        if self.whatsapp_enabled and not self.whatsapp_app_secret:
            raise SettingsError("WHATSAPP_APP_SECRET: required to verify WhatsApp webhook signatures")
        if self.whatsapp_enabled and not self.whatsapp_verify_token:
            raise SettingsError("WHATSAPP_VERIFY_TOKEN: required for the WhatsApp webhook handshake")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's report into one line that names the variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "SETTINGS"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
    settings.check_channels()
    return settings
