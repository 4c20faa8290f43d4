"""The `kaderbot` command line."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.logging_setup import configure_logging
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
    configure_logging(settings)
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
    demo: Annotated[
        bool, typer.Option("--demo", help="Also load invented demo Posyandu and people (console handles).")
    ] = False,
) -> None:
    """Load the region tree (real kode wilayah of the pilot kabupaten/kota); with --demo also demo
    Posyandu and people. Real Posyandu come from `kaderbot admin import-posyandu`. Running it again
    changes nothing."""
    from storage.db import open_database
    from storage.seed import seed_demo, seed_regions

    settings = _settings()
    if not demo:
        from handlers.i18n import Catalogues

        async def _regions_only() -> int:
            db = open_database(settings.database_url)
            try:
                return await seed_regions(db)
            finally:
                await db.dispose()

        added = asyncio.run(_regions_only())
        t = Catalogues.load(settings.locales_dir, default_language=settings.default_language).translator(
            settings.default_language
        )
        typer.echo(t("posyandu.seed.regions", count=added))
        return

    async def _run() -> None:
        db = open_database(settings.database_url)
        try:
            result = await seed_demo(db, at_console=True)  # broadcasts reach the demo people there
        finally:
            await db.dispose()
        typer.echo(
            f"demo data: {result.regions} regions, {result.posyandu} Posyandu, {result.people} people added"
        )

    asyncio.run(_run())


async def _chat(settings: Settings, handle: str) -> None:
    from bot.runner import console

    await console(settings, handle, source=sys.stdin, out=sys.stdout)


def _default_handle() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "tamu"


@app.command()
def chat(
    as_: Annotated[str | None, typer.Option("--as", help="Who you are on the console (e.g. sari).")] = None,
) -> None:
    """Talk to KaderBot in the terminal (or pipe a script of lines into it, e.g. examples/tour.txt).

    Without a Telegram or WhatsApp channel configured, the scheduler and the outbox sender run too."""
    settings = _settings()
    asyncio.run(_chat(settings, as_ or _default_handle()))


@app.command()
def run(
    as_: Annotated[
        str | None, typer.Option("--as", help="Console identity when no channel is configured.")
    ] = None,
) -> None:
    """Start KaderBot: Telegram/WhatsApp when configured, otherwise the console chat; either way with
    the scheduler (reminders) and the outbox sender (broadcasts, notices)."""
    settings = _settings()
    if settings.telegram_enabled or settings.whatsapp_enabled:
        from bot.runner import run_server

        run_server(settings)
        return
    typer.echo(
        "TELEGRAM_BOT_TOKEN is not set: starting the console chat with the scheduler and the outbox "
        "(Ctrl-D to leave; try --as siti, --as sari or --as budi).",
        err=True,
    )
    asyncio.run(_chat(settings, as_ or _default_handle()))


@app.command()
def ask(
    question: Annotated[
        str | None, typer.Argument(help="The question, in everyday Indonesian or English.")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the answer: id or en.")] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help='One JSON object: {"topic", "score", "answer", "emergency"}.'),
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


@app.command()
def zscore(
    batch: Annotated[bool, typer.Option("--batch", help="Read one JSON object per line from stdin.")] = False,
    sex: Annotated[str | None, typer.Option("--sex", help="m or f.")] = None,
    age_days: Annotated[int | None, typer.Option("--age-days", help="Age in days.")] = None,
    dob: Annotated[str | None, typer.Option("--dob", help="Date of birth, YYYY-MM-DD.")] = None,
    measured: Annotated[str | None, typer.Option("--measured", help="Date measured, YYYY-MM-DD.")] = None,
    weight: Annotated[float | None, typer.Option("--weight", help="Weight in kg.")] = None,
    height: Annotated[float | None, typer.Option("--height", help="Length/height in cm.")] = None,
    lying: Annotated[bool | None, typer.Option("--lying/--standing", help="Lying or standing.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Language of the classes: id or en.")] = None,
) -> None:
    """WHO z-scores and Permenkes 2/2020 classes for children under five (no database needed)."""
    from handlers.growth.batch import command
    from handlers.i18n import Catalogues

    settings = _settings()
    catalogues = Catalogues.load(settings.locales_dir, default_language="id")
    t = catalogues.translator(lang or "id")
    if lang not in (None, "id", "en"):
        typer.echo(t("growth.error.lang"), err=True)
        raise typer.Exit(2)
    code = command(
        batch=batch, sex=sex, age_days=age_days, dob=dob, measured=measured, weight_kg=weight,
        height_cm=height, lying=lying, t=t, stdin=sys.stdin.buffer, out=sys.stdout, err=sys.stderr,
    )  # fmt: skip
    raise typer.Exit(code)


# -- kaderbot admin: incentives and BPJS Ketenagakerjaan (issue #7) ---------------------------

admin_app = typer.Typer(no_args_is_help=True, help="Administration: incentive rules, bulk imports.")
app.add_typer(admin_app, name="admin")

ByOption = Annotated[
    str | None,
    typer.Option(
        "--by", help="Phone number of the coordinator importing; rows outside their regions are refused."
    ),
]
LangOption = Annotated[str | None, typer.Option("--lang", help="Language of the report: id or en.")]


def _import(path: Path, kind: str, by: str | None, lang: str | None) -> None:
    """Run one all-or-nothing XLSX import and print its report (exit 1 when nothing was changed)."""
    settings = _settings()
    if not path.is_file():
        typer.echo(f"kaderbot admin: no such file: {path}", err=True)
        raise typer.Exit(2)
    ok, lines = asyncio.run(_run_import(settings, path.read_bytes(), kind, by, lang, filename=path.name))
    for line in lines:
        typer.echo(line)
    if not ok:
        raise typer.Exit(1)


async def _run_import(
    settings: Settings, data: bytes, kind: str, by: str | None, lang: str | None, *, filename: str = ""
) -> tuple[bool, list[str]]:
    import phonenumbers

    from handlers import bpjs
    from handlers.access import Scope, scope_of
    from handlers.core import utcnow
    from handlers.i18n import Catalogues
    from handlers.incentive_import import import_paid
    from storage.db import open_database
    from storage.repositories import scopes

    catalogues = Catalogues.load(settings.locales_dir, default_language=settings.default_language)
    t = catalogues.translator(lang or settings.default_language)
    db = open_database(settings.database_url)
    try:
        async with db.sessions() as session, session.begin():
            actor, scope = None, Scope(everything=True)
            if by is not None:
                try:
                    phone = phonenumbers.format_number(
                        phonenumbers.parse(by, "ID"), phonenumbers.PhoneNumberFormat.E164
                    )
                except phonenumbers.NumberParseException:
                    phone = by
                actor = await scopes.find_person(session, phone=phone)
                if actor is None or actor.role not in scopes.STAFF_ROLES:
                    return False, [t("admin.err.not_staff", who=by)]
                scope = await scope_of(session, actor)
            now = utcnow()
            if kind == "posyandu":
                from handlers.posyandu import master_list

                if not master_list.may_import(actor, scope):
                    return False, [t("posyandu.import.not_allowed")]
                result = await master_list.import_posyandu(
                    session, data, filename=filename, scope=scope, actor=actor, now=now
                )
                return result.ok, result.lines(t)
            if kind == "paid":
                report = await import_paid(
                    session, data, scope=scope, actor=actor, now=now, zone=settings.zone
                )
            else:
                report = await bpjs.import_statuses(session, data, scope=scope, actor=actor, now=now)
            return report.ok, report.lines(t, f"import.{kind}.done")
    finally:
        await db.dispose()


@admin_app.command("import-paid")
def admin_import_paid(
    path: Annotated[Path, typer.Argument(help="XLSX: telepon, bulan, tanggal bayar [, jumlah, nama].")],
    by: ByOption = None,
    lang: LangOption = None,
) -> None:
    """Mark cadres' incentives paid from the payment office's list. Any bad row: nothing changes."""
    _import(path, "paid", by, lang)


@admin_app.command("import-bpjs")
def admin_import_bpjs(
    path: Annotated[Path, typer.Argument(help="XLSX: telepon, status [, nomor kartu, nama].")],
    by: ByOption = None,
    lang: LangOption = None,
) -> None:
    """Update cadres' BPJS Ketenagakerjaan status (card numbers kept as their last 4 digits)."""
    _import(path, "bpjs", by, lang)


@admin_app.command("import-posyandu")
def admin_import_posyandu(
    path: Annotated[
        Path,
        typer.Argument(
            help="XLSX or CSV: kode, nama, kode wilayah desa/kelurahan, alamat, latitude, longitude, "
            "tempat tetap, minggu ke, hari, bidang SPM, kode induk (see `posyandu-template`)."
        ),
    ],
    by: ByOption = None,
    lang: LangOption = None,
) -> None:
    """Add or update the Posyandu master list, matched by kode. Any bad row: nothing changes."""
    _import(path, "posyandu", by, lang)


TEMPLATE_OUT = Path("posyandu-template.xlsx")


@admin_app.command("posyandu-template")
def admin_posyandu_template(
    out: Annotated[Path, typer.Argument(help="Where to write the workbook.")] = TEMPLATE_OUT,
    lang: LangOption = None,
) -> None:
    """Write the workbook to fill in for `import-posyandu`: columns, an example row, a guide sheet."""
    from handlers.posyandu.master_template import template

    _write_template(out, lang, template, "posyandu.template.written")


def _write_template(out: Path, lang: str | None, build: Callable[[Any], bytes], written: str) -> None:
    """A template workbook built in the person's language, written to `out`, and said so."""
    from handlers.i18n import Catalogues

    settings = _settings()
    t = Catalogues.load(settings.locales_dir, default_language=settings.default_language).translator(
        lang or settings.default_language
    )
    out.write_bytes(build(t))
    typer.echo(t(written, path=str(out)))


CHILDREN_TEMPLATE_OUT = Path("balita-template.xlsx")


@admin_app.command("children-template")
def admin_children_template(
    out: Annotated[Path, typer.Argument(help="Where to write the workbook.")] = CHILDREN_TEMPLATE_OUT,
    lang: LangOption = None,
) -> None:
    """Write the workbook of a Posyandu's children list, as /balita's import reads it (issue #17)."""
    from handlers.growth.children_template import template

    _write_template(out, lang, template, "growth_recap.template.written")


@admin_app.command("incentive-rule")
def admin_incentive_rule(
    region: Annotated[str, typer.Argument(help="Kode wilayah, e.g. 64.02 (Kutai Kartanegara).")],
    amount: Annotated[int, typer.Option("--amount", min=0, help="Rupiah per cadre per month.")],
    deadline_day: Annotated[
        int, typer.Option("--deadline-day", help="Report due on this day of the next month.")
    ] = 5,
    deadline_time: Annotated[str, typer.Option("--deadline-time", help="Local time, HH:MM.")] = "23:59",
    lang: LangOption = None,
) -> None:
    """Set a region's cadre incentive: the monthly amount and the report deadline."""
    import re

    from handlers.i18n import Catalogues

    settings = _settings()
    t = Catalogues.load(settings.locales_dir, default_language=settings.default_language).translator(
        lang or settings.default_language
    )
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", deadline_time)
    if match is None or not 1 <= deadline_day <= 28 or int(match[1]) > 23 or int(match[2]) > 59:
        typer.echo(t("admin.err.rule"), err=True)
        raise typer.Exit(2)

    async def _run() -> str | None:
        from handlers.core import utcnow
        from handlers.scheduling.formats import rupiah
        from storage.db import open_database
        from storage.repositories import incentives, regions

        db = open_database(settings.database_url)
        try:
            async with db.sessions() as session, session.begin():
                place = await regions.get(session, region)
                if place is None:
                    return None
                await incentives.set_rule(
                    session,
                    region,
                    amount=amount,
                    deadline_day=deadline_day,
                    deadline_hour=int(match[1]),
                    deadline_minute=int(match[2]),
                    now=utcnow(),
                )
                return t(
                    "admin.rule.saved",
                    region=place.name,
                    amount=rupiah(amount, t.lang),
                    day=deadline_day,
                    time=f"{int(match[1]):02d}:{match[2]}",
                )
        finally:
            await db.dispose()

    saved = asyncio.run(_run())
    if saved is None:
        typer.echo(t("admin.err.unknown_region", code=region), err=True)
        raise typer.Exit(2)
    typer.echo(saved)


# -- kaderbot admin: coordinators and the audit log; kaderbot export (issue #6) -----------------

WhoPhone = Annotated[str | None, typer.Option("--phone", help="Phone number the person registered with.")]
WhoTelegram = Annotated[str | None, typer.Option("--telegram", help="Telegram user id (digits).")]
WhoWhatsapp = Annotated[str | None, typer.Option("--whatsapp", help="WhatsApp number (0812… or +62812…).")]
WhoConsole = Annotated[
    str | None, typer.Option("--console", help="Console name, as in `kaderbot chat --as NAME`.")
]
NameOption = Annotated[
    str | None,
    typer.Option("--name", help="Name, for someone who has not written yet (with --phone: creates them)."),
]


def _coordinator_admin(lang: str | None, work: object) -> None:
    """Run a bot.coordinator_admin function: print its lines, or its refusal (exit 2)."""
    from bot.coordinator_admin import AdminError, run

    try:
        lines = run(_settings(), lang, work)  # type: ignore[arg-type]
    except AdminError as exc:
        typer.echo(f"kaderbot: {exc}", err=True)
        raise typer.Exit(2) from None
    for line in lines:
        typer.echo(line)


@admin_app.command("add-coordinator")
def admin_add_coordinator(
    region: Annotated[str, typer.Option("--region", help="Kode wilayah: kabupaten, kecamatan or desa.")],
    phone: WhoPhone = None,
    telegram: WhoTelegram = None,
    whatsapp: WhoWhatsapp = None,
    console: WhoConsole = None,
    name: NameOption = None,
    lang: LangOption = None,
) -> None:
    """Make someone a coordinator of a region (and everything below it), creating them if new:
    --phone with --name (reached on WhatsApp at that number), --telegram, --whatsapp or --console."""
    from bot.coordinator_admin import Who, add_coordinator
    from handlers.core import utcnow

    who = Who(phone, telegram, whatsapp, console)
    _coordinator_admin(lang, lambda tools: add_coordinator(tools, who, region, name=name, now=utcnow()))


@admin_app.command("remove-coordinator")
def admin_remove_coordinator(
    phone: WhoPhone = None,
    telegram: WhoTelegram = None,
    whatsapp: WhoWhatsapp = None,
    console: WhoConsole = None,
    region: Annotated[str | None, typer.Option("--region", help="Only this region (default: all).")] = None,
    lang: LangOption = None,
) -> None:
    """Take a region (or all) away from a coordinator."""
    from bot.coordinator_admin import Who, remove_coordinator
    from handlers.core import utcnow

    who = Who(phone, telegram, whatsapp, console)
    _coordinator_admin(lang, lambda tools: remove_coordinator(tools, who, region, now=utcnow()))


@admin_app.command("roles")
def admin_roles(lang: LangOption = None) -> None:
    """List coordinators and admins with their regions and how they are reached."""
    from bot.coordinator_admin import roles

    _coordinator_admin(lang, roles)


@admin_app.command("audit")
def admin_audit(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many entries, newest first.")] = 30,
    lang: LangOption = None,
) -> None:
    """Who broadcast, verified, exported or changed roles, and when."""
    from bot.coordinator_admin import audit_lines

    _coordinator_admin(lang, lambda tools: audit_lines(tools, limit=limit))


@app.command()
def export(
    month: Annotated[str, typer.Option("--month", help="YYYY-MM.")],
    region: Annotated[str, typer.Option("--region", help="Kode wilayah, e.g. 64.02.")],
    out: Annotated[
        Path,
        typer.Option("--out", help="The file to write: .xlsx (workbook) or .csv; its folder must exist."),
    ],
    lang: LangOption = None,
) -> None:
    """Write a month's Posyandu reporting workbook for a region (as /ekspor sends it), or as CSV."""
    from bot.coordinator_admin import export as write_export
    from handlers.core import utcnow

    _coordinator_admin(
        lang, lambda tools: write_export(tools, month=month, region_code=region, out=out, now=utcnow())
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
