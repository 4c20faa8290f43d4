"""The `kaderbot` command line."""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys
from typing import Annotated

import typer

from bot.settings import Settings, SettingsError, load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="KaderBot: Posyandu and social services.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(f"kaderbot: {exc}", err=True)
        raise typer.Exit(2) from None
    logging.basicConfig(
        level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    return settings


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (creates it when empty)."""
    from storage.migrate import current_revision, upgrade

    settings = _settings()
    upgrade(settings.database_url)
    typer.echo(f"database at revision {current_revision(settings.database_url)}")


@app.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Load the demo regions, Posyandu and people.")] = False,
) -> None:
    """Load data. Running it again changes nothing."""
    if not demo:
        typer.echo("kaderbot seed: nothing to do (use --demo)", err=True)
        raise typer.Exit(2)
    from storage.db import open_database
    from storage.seed import seed_demo

    settings = _settings()

    async def _run() -> None:
        db = open_database(settings.database_url)
        try:
            result = await seed_demo(db)
        finally:
            await db.dispose()
        typer.echo(
            f"demo data: {result.regions} regions, {result.posyandu} Posyandu, {result.people} people added"
        )

    asyncio.run(_run())


async def _chat(settings: Settings, handle: str) -> None:
    from bot.app import build
    from bot.channels.console import ConsoleChannel

    kaderbot = build(settings)
    try:
        await ConsoleChannel(kaderbot.core, handle).run(sys.stdin)
    finally:
        await kaderbot.close()


def _default_handle() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "tamu"


@app.command()
def chat(
    as_: Annotated[str | None, typer.Option("--as", help="Who you are on the console (e.g. sari).")] = None,
) -> None:
    """Talk to KaderBot in the terminal (or pipe a script of lines into it)."""
    settings = _settings()
    asyncio.run(_chat(settings, as_ or _default_handle()))


@app.command()
def run(
    as_: Annotated[
        str | None, typer.Option("--as", help="Console identity when no channel is configured.")
    ] = None,
) -> None:
    """Start KaderBot: Telegram when TELEGRAM_BOT_TOKEN is set, otherwise the console chat."""
    settings = _settings()
    if settings.telegram_enabled or settings.whatsapp_enabled:
        from bot.runner import serve

        asyncio.run(serve(settings))
        return
    typer.echo("TELEGRAM_BOT_TOKEN is not set: starting the console chat (Ctrl-D to leave).", err=True)
    asyncio.run(_chat(settings, as_ or _default_handle()))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
