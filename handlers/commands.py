"""Slash commands, declared once. They work in every state of every conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    flow: str = ""
    args: dict[str, Any] = field(default_factory=dict)


# typed word → (command name, flow it opens). Indonesian first, English aliases beside them.
COMMANDS: dict[str, tuple[str, str]] = {
    "start": ("start", "welcome"),
    "mulai": ("start", "welcome"),
    "menu": ("menu", "menu"),
    "bantuan": ("help", ""),
    "help": ("help", ""),
    "batal": ("cancel", ""),
    "cancel": ("cancel", ""),
    "bahasa": ("language", ""),
    "language": ("language", ""),
    "daftar": ("register", "registration"),
    "register": ("register", "registration"),
    "lapor": ("report", "report"),
    "report": ("report", "report"),
    "laporanku": ("my_reports", "my_reports"),
    "myreports": ("my_reports", "my_reports"),
}


def parse_command(text: str | None) -> Command | None:
    """'/lapor', '/Lapor@KaderBot' → a command; ordinary text → None; an unknown '/x' → 'unknown'."""
    if not text:
        return None
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    word = stripped[1:].split(maxsplit=1)[0].split("@", 1)[0].casefold()
    name, flow = COMMANDS.get(word, ("unknown", "unknown_command"))
    return Command(name, flow)
