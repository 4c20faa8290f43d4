"""Assembly in one place: settings → storage → core. Channels take the assembled bot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.settings import Settings
from handlers.core import Core, utcnow
from handlers.flows.registry import build_flows
from handlers.i18n import Catalogues
from storage.db import Database, open_database


@dataclass
class KaderBot:
    settings: Settings
    db: Database
    catalogues: Catalogues
    core: Core

    async def close(self) -> None:
        await self.db.dispose()


def build(
    settings: Settings, *, clock: Callable[[], dt.datetime] = utcnow, strict_messages: bool = False
) -> KaderBot:
    db = open_database(settings.database_url)
    catalogues = Catalogues.load(
        settings.locales_dir, default_language=settings.default_language, strict=strict_messages
    )
    core = Core(db=db, catalogues=catalogues, flows=build_flows(), zone=settings.zone, clock=clock)
    return KaderBot(settings=settings, db=db, catalogues=catalogues, core=core)
