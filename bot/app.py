"""Assembly in one place: settings → storage → core. Channels take the assembled bot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.metrics import Metrics
from bot.settings import Settings
from handlers.core import Core, utcnow
from handlers.flows.registry import build_flows
from handlers.i18n import Catalogues
from handlers.retention import RetentionPolicy
from storage.db import Database, open_database
from storage.media import MediaStore


@dataclass
class KaderBot:
    settings: Settings
    db: Database
    catalogues: Catalogues
    core: Core
    metrics: Metrics
    media: MediaStore | None = None

    async def close(self) -> None:
        await self.db.dispose()


def retention_policy(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy(
        inbound_days=settings.retention_inbound_days, draft_days=settings.retention_draft_days
    )


def build(
    settings: Settings, *, clock: Callable[[], dt.datetime] = utcnow, strict_messages: bool = False
) -> KaderBot:
    db = open_database(settings.database_url)
    catalogues = Catalogues.load(
        settings.locales_dir, default_language=settings.default_language, strict=strict_messages
    )
    metrics = Metrics()
    media = MediaStore.from_settings(settings)
    core = Core(
        db=db,
        catalogues=catalogues,
        flows=build_flows(
            retention=retention_policy(settings),
            posyandu_deadline=settings.posyandu_verification_deadline,
            dashboard_url=settings.dashboard_url,
        ),
        zone=settings.zone,
        clock=clock,
        observer=metrics.observe_update,
        media=media,
    )
    return KaderBot(settings=settings, db=db, catalogues=catalogues, core=core, metrics=metrics, media=media)
