"""The deployment files agree with the code: what the Dockerfile copies exists and is not ignored,
its command and health check are the CLI's and the web app's, the systemd units start `kaderbot
run`, and the reverse proxy publishes exactly the channels' webhook paths. (No Docker engine runs
here, so the image itself is not built.)"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from pathlib import Path

import typer.main

from bot.channels.telegram import WEBHOOK_PATH as TELEGRAM_WEBHOOK
from bot.channels.whatsapp_webhook import WEBHOOK_PATH as WHATSAPP_WEBHOOK
from bot.cli import app as cli_app
from bot.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
DEPLOY = ROOT / "deploy"


def instructions(name: str) -> list[str]:
    """The arguments of every `name` instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(f"{name} ")]


def ignored(path: str) -> bool:
    verdict = False
    for pattern in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = pattern.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        if fnmatch.fnmatch(path, pattern.lstrip("!")) or path.startswith(pattern.lstrip("!") + "/"):
            verdict = not negated
    return verdict


def cli_commands() -> set[str]:
    group = typer.main.get_command(cli_app)
    return set(group.commands)  # type: ignore[attr-defined]


def test_dockerfile_copies_files_that_exist_and_are_not_ignored() -> None:
    copied = []
    for args in instructions("COPY"):
        *sources, _target = shlex.split(args)
        copied.extend(sources)
    for source in copied:
        assert (ROOT / source).exists(), source
        assert not ignored(source), f"{source} is excluded by .dockerignore"
    # Everything the installed package and its settings need: the packages, the catalogues.
    assert {"pyproject.toml", "README.md", "bot", "handlers", "storage", "locales", "alembic.ini"} <= set(
        copied
    )
    for secret in (".env", ".venv", "data", "data/kaderbot.sqlite3", ".git"):
        assert ignored(secret), secret


def test_dockerfile_runs_the_cli_and_checks_the_health_route() -> None:
    [cmd] = instructions("CMD")
    assert json.loads(cmd) == ["kaderbot", "run"]
    assert "run" in cli_commands()
    [health] = instructions("HEALTHCHECK")
    assert "/healthz" in health
    # The environment it sets are real settings with valid values.
    [env] = instructions("ENV")
    values = dict(pair.split("=", 1) for pair in shlex.split(env))
    settings = load_settings(
        **{k.lower(): v for k, v in values.items() if k.lower() in Settings.model_fields}
    )
    assert (settings.web_host, settings.web_port, settings.log_format) == ("0.0.0.0", 8080, "json")


def test_systemd_units_start_kaderbot_run() -> None:
    for unit in ("kaderbot.service", "kaderbot@.service"):
        text = (DEPLOY / unit).read_text()
        exec_start = re.search(r"^ExecStart=(.+)$", text, re.M)
        assert exec_start is not None, unit
        program, *args = [word for word in shlex.split(exec_start[1]) if not re.match(r"\w+=", word)]
        if Path(program).name == "env":  # `/usr/bin/env WEB_PORT=%i …` in the workers' template
            program, *args = args
        assert Path(program).name == "kaderbot" and args == ["run"], unit
        assert args[0] in cli_commands()
        for name in re.findall(r"^Environment=(\w+)=", text, re.M):
            assert name.lower() in Settings.model_fields or name == "MPLCONFIGDIR", name
    pre = re.search(r"^ExecStartPre=(.+)$", (DEPLOY / "kaderbot.service").read_text(), re.M)
    assert pre is not None and shlex.split(pre[1])[1:] == ["db", "upgrade"]
    # Workers must not each migrate (two migrations could race): the template has no ExecStartPre.
    assert "ExecStartPre" not in (DEPLOY / "kaderbot@.service").read_text()


def test_reverse_proxy_publishes_the_webhooks_and_keeps_health_and_metrics_internal() -> None:
    text = (DEPLOY / "nginx.conf").read_text()
    locations = dict(re.findall(r"location = (\S+) \{(.*?)\}", text, re.S))
    assert set(locations) == {TELEGRAM_WEBHOOK, WHATSAPP_WEBHOOK, "/healthz", "/metrics"}
    for public in (TELEGRAM_WEBHOOK, WHATSAPP_WEBHOOK):
        assert "deny" not in locations[public]
    for internal in ("/healthz", "/metrics"):
        assert "deny all;" in locations[internal]
