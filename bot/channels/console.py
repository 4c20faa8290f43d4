"""The console channel: a chat in the terminal, or a piped script of lines for demos and tests.

Options show as numbered lines; type the number or the label. `!foto PATH` sends a photo.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from handlers.core import Core
from handlers.types import Attachment, Choice, ClearOptions, File, Identity, IncomingEvent, Reply, Text

ATTACH_PREFIXES = {"!foto": "photo", "!photo": "photo", "!dokumen": "document", "!document": "document"}
QUIT_WORDS = frozenset({"/keluar", "/quit", "/exit"})


def render(replies: Iterable[Reply]) -> str:
    """Replies as terminal text: options become numbered lines (or bracketed labels for typed answers)."""
    blocks: list[str] = []
    for reply in replies:
        if isinstance(reply, Text):
            blocks.append(reply.text)
        elif isinstance(reply, Choice):
            lines = [reply.text]
            for number, option in enumerate(reply.options, 1):
                lines.append(f"  {number}. {option.label}" if reply.numbered else f"  [{option.label}]")
            blocks.append("\n".join(lines))
        elif isinstance(reply, File):
            caption = f" {reply.caption}" if reply.caption else ""
            blocks.append(f"[{reply.kind}: {reply.filename}]{caption}")
        elif isinstance(reply, ClearOptions):
            continue
    return "\n\n".join(blocks)


def event_from_line(handle: str, line: str) -> IncomingEvent:
    identity = Identity("console", handle)
    word, _, rest = line.strip().partition(" ")
    kind = ATTACH_PREFIXES.get(word.casefold())
    if kind is not None:
        path = Path(rest.strip()).expanduser()
        attachment = Attachment(kind=kind, ref=str(path.resolve()), filename=path.name)  # type: ignore[arg-type]
        return IncomingEvent(identity=identity, attachments=(attachment,))
    return IncomingEvent(identity=identity, text=line)


@dataclass
class ConsoleChannel:
    core: Core
    handle: str
    out: TextIO = sys.stdout
    # The console cannot push: notices (outbox rows) waiting for this person are shown at their next turn.
    notices: Callable[[str], Awaitable[list[str]]] | None = None

    async def send(self, line: str) -> str:
        outcome = await self.core.handle(event_from_line(self.handle, line))
        waiting = await self.notices(self.handle) if self.notices is not None else []
        return "\n\n".join([*waiting, render(outcome.replies)]) if waiting else render(outcome.replies)

    async def run(self, source: TextIO = sys.stdin, *, echo: bool | None = None) -> None:
        """Interactive on a terminal; otherwise a script, echoed so the transcript reads well."""
        interactive = source.isatty()
        echo = (not interactive) if echo is None else echo
        if interactive:
            self._print(await self.send("/start"))
        while True:
            if interactive:
                self.out.write("\n> ")
                self.out.flush()
            line = source.readline()
            if not line:
                break
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.strip().casefold() in QUIT_WORDS:
                break
            if echo:
                self.out.write(f"\n> {line}\n")
            self._print(await self.send(line))

    def _print(self, text: str) -> None:
        if text:
            self.out.write(text + "\n")
            self.out.flush()
