"""Idle memory (issue #19, point 3): what `kaderbot run` imports to serve Telegram and WhatsApp leaves
out the heavy modules a person rarely needs. matplotlib (~30 MB) and openpyxl load with the first
chart or workbook, the programme matcher (numpy) with the first question; a fresh interpreter proves
it, since this test process has imported everything.
The figure itself (idle RSS against 120 MB) is a benchmark: `python -m benchmarks memory`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
