"""Idle memory (issue #19, point 3): what `kaderbot run` imports to serve Telegram and WhatsApp leaves
out the heavy modules a person rarely needs. matplotlib (~30 MB) and openpyxl load with the first
chart or workbook, the programme matcher (numpy) with the first question; a fresh interpreter proves
it, since this test process has imported everything. python-telegram-bot comes without the optional
modules it would take only because they are installed (Passport's cryptography, httpx's CLI: see
bot/lean_imports.py), and the console chat without the web server and app. The real `kaderbot run`
process lists its modules when it exits (a `sitecustomize` on its PYTHONPATH).
The figure itself (idle RSS against 120 MB) is a benchmark: `python -m benchmarks memory`."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import KaderBot
from handlers.programs.library import Programs
from tests.chat import Chat
from tests.fakes.bot_api import FakeBotAPI, running_fake_bot_api
from tests.flows import onboard
from tests.kaderbot_process import KADERBOT
from tests.telegram_support import BotProcess

ROOT = Path(__file__).resolve().parent.parent
LAZY = ("matplotlib", "openpyxl", "PIL")
# Built by the first question (handlers/programs/library.py): the programme matcher's numpy; and only
# on PostgreSQL, SQLAlchemy's PostgreSQL dialect (storage/repositories/conversations.py).
LAZY_MODULES = ("numpy", "sqlalchemy.dialects.postgresql")

# What `kaderbot run` imports and builds before it serves: the CLI, the runner, both channels and the
# assembled bot with every flow (build() loads the flows, their catalogues and the programme answers).
RUN = """
import json, sys
import bot.cli, bot.runner, bot.web, bot.channels.telegram, bot.channels.whatsapp
from bot.app import build
from bot.settings import load_settings

build(load_settings())
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} | set(sys.modules))))
"""


def loaded_packages(code: str, tmp_path: Path) -> set[str]:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'idle.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_kaderbot_run_imports_no_chart_or_workbook_library(tmp_path: Path) -> None:
    loaded = loaded_packages(RUN, tmp_path)
    assert "telegram" in loaded and "fastapi" in loaded  # the check would see them if they were there
    assert not loaded & set(LAZY), sorted(loaded & set(LAZY))
    assert "sqlalchemy.dialects.sqlite" in loaded  # module names are listed too
    assert not loaded & set(LAZY_MODULES), sorted(loaded & set(LAZY_MODULES))


# A resident's first question, through the core, in a bot that has not built the matcher yet.
FIRST_QUESTION = """
import asyncio, json, sys
from bot.app import build
from bot.settings import load_settings
from storage.migrate import upgrade
from tests.chat import Chat
from tests.flows import onboard

settings = load_settings()
upgrade(settings.database_url)


async def main():
    kaderbot = build(settings)
    chat = Chat(kaderbot.core, "sari")
    await onboard(chat, role="warga")
    before = "numpy" in sys.modules
    await chat.say("gmn cara daftar sekolah rakyat")
    first = chat.text
    await chat.say("sy blm dpt bansos knp ya")
    print(json.dumps([before, "numpy" in sys.modules, first, chat.text]))
    await kaderbot.close()


asyncio.run(main())
"""


def test_the_first_question_builds_the_matcher_and_is_answered(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'first.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "-c", FIRST_QUESTION], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    before, after, first, second = json.loads(done.stdout.strip().splitlines()[-1])
    assert not before and after
    assert first.startswith("Sekolah Rakyat") and "Langkah berikutnya:" in first
    assert second.startswith("DTSEN")


def test_the_first_chart_and_workbook_load_them(tmp_path: Path) -> None:
    """The lazy imports still work: drawing a chart and writing a workbook bring them in."""
    code = """
import json, sys
from handlers.compliance.chart import reporting_chart
from handlers.compliance.recap import Rate
from handlers.spreadsheet import append_row, format_table
assert "matplotlib" not in sys.modules and "openpyxl" not in sys.modules
png = reporting_chart("t", [Rate("64.02", "Kukar", 4, 3)], axis_label="%")
assert png.startswith(b"\\x89PNG")
from openpyxl import Workbook
sheet = Workbook().active
append_row(sheet, ["=1+1", "x"])
format_table(sheet)
assert sheet["A1"].data_type == "s" and sheet["A1"].font.bold
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""
    assert {"matplotlib", "openpyxl"} <= loaded_packages(code, tmp_path)


# Loaded by the interpreter of `kaderbot run` itself (PYTHONPATH): at exit, its modules into a file.
SITECUSTOMIZE = """
import atexit, json, os, sys


def _write_modules():
    with open(os.environ["KADERBOT_MODULES_FILE"], "w") as out:
        json.dump(sorted(sys.modules), out)


atexit.register(_write_modules)
"""
# Optional modules python-telegram-bot and httpx import only because they are installed here.
EXTRAS = ("cryptography", "httpx._main", "rich", "pygments")
DASHBOARD = ("fastapi", "jinja2", "bot.dashboard")


def listing_env(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "listing"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return {"PYTHONPATH": str(folder), "KADERBOT_MODULES_FILE": str(tmp_path / "modules.json")}


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with running_fake_bot_api() as server:
        yield server


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_kaderbot_run_on_telegram_leaves_out_what_it_does_not_use(
    fake: FakeBotAPI, db_url: str, tmp_path: Path, mode: str
) -> None:
    bot = BotProcess(fake, db_url, tmp_path)
    bot.extra_env.update(listing_env(tmp_path))
    if mode == "webhook":
        bot.extra_env.update(
            TELEGRAM_WEBHOOK_URL=f"{bot.base_url}/telegram/webhook", TELEGRAM_WEBHOOK_SECRET="s3cret-token"
        )
    bot.start()
    assert bot.process is not None
    bot.process.send_signal(signal.SIGTERM)
    assert bot.process.wait(timeout=20) == 0, bot.log()
    loaded = set(json.loads((tmp_path / "modules.json").read_text()))
    assert {"telegram", "telegram.ext", "aiohttp", "uvicorn", "httpx"} <= loaded
    # The web app answers health, metrics and the webhook itself; FastAPI, Jinja2 and the dashboard
    # come with the first request for anything else (bot/web.py).
    left_out = {*LAZY, *LAZY_MODULES, *EXTRAS, *DASHBOARD}
    if db_url.startswith("postgresql"):  # the dialect of the database in use is imported, of course
        left_out.discard("sqlalchemy.dialects.postgresql")
    assert not loaded & left_out, sorted(loaded & left_out)


def test_the_console_run_imports_no_web_server(db_url: str, tmp_path: Path) -> None:
    """`kaderbot run` without a platform channel is the console chat: no web app, no web server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_"))}
    env.update(DATABASE_URL=db_url, CONSOLE_DIR=str(tmp_path / "console"), **listing_env(tmp_path))
    done = subprocess.run(
        [KADERBOT, "run", "--as", "siti"],
        input="/bantuan\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads((tmp_path / "modules.json").read_text()))
    assert {"handlers.core", "bot.scheduler", "bot.outbox"} <= loaded  # it did run the console
    web = {"fastapi", "starlette", "uvicorn", "jinja2", "telegram", "aiohttp"}
    assert not loaded & web, sorted(loaded & web)


async def test_another_persons_turn_goes_on_while_the_first_question_builds_the_matcher(
    kaderbot: KaderBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The matcher is built outside the first question's transaction, which holds the SQLite write
    lock: held up here until the other person's turn is done, the build then lets that question be
    answered. (Were it built inside the turn, the other turn would wait for it: the build stops
    waiting after a while and the check below fails.)"""
    started, release = threading.Event(), threading.Event()
    build = Programs._build

    def held_build(self: Programs) -> object:
        started.set()
        release.wait(timeout=5)
        return build(self)

    monkeypatch.setattr(Programs, "_build", held_build)
    asker, other = Chat(kaderbot.core, "first-asker"), Chat(kaderbot.core, "other-person")
    await onboard(asker, role="warga")
    await onboard(other, role="warga")
    asking = asyncio.create_task(asker.say("gmn cara daftar sekolah rakyat"))
    assert await asyncio.to_thread(started.wait, 10)
    await other.say("/bantuan")
    other_done_first = not asking.done()
    release.set()
    await asking
    assert other_done_first
    assert other.text and asker.text.startswith("Sekolah Rakyat")
