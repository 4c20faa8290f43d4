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
    from bot.notifier import Notifier

    kaderbot = build(settings)
    notifier = Notifier(kaderbot.db, kaderbot.catalogues, channels={})
    try:
        await ConsoleChannel(kaderbot.core, handle, notices=notifier.console_notices).run(sys.stdin)
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


@app.command()
def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question, in everyday Indonesian or English.")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the answer: id or en.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='One JSON object: {"topic", "score", "answer"}.')
    ] = False,
    batch: Annotated[bool, typer.Option("--batch", help="Read one question per line from stdin.")] = False,
) -> None:
    """Answer a resident's programme question, as the chat would (no database needed)."""
    from handlers.programs.ask import Asker

    settings = _settings()
    language = lang or settings.default_language
    if language not in ("id", "en"):
        typer.echo("kaderbot ask: --lang must be id or en", err=True)
        raise typer.Exit(2)
    if batch == (question is not None):
        typer.echo("kaderbot ask: give one question, or --batch to read them from stdin", err=True)
        raise typer.Exit(2)
    asker = Asker.load(settings.locales_dir, language, default_language=settings.default_language)
    questions = sys.stdin if batch else [question or ""]
    out = sys.stdout
    for line in questions:
        out.write((asker.as_json(line) if as_json else asker.as_text(line, batch=batch)) + "\n")
        out.flush()  # a caller may feed questions one at a time through a pipe


def main() -> None:
    app()


if __name__ == "__main__":
    main()
