"""The console channel: a chat in the terminal, or a piped script of lines for demos and tests.

Options show as numbered lines; type the number or the label. Lines the console itself understands:
`!foto PATH` (or `!dokumen PATH`) sends a photo or document; `!as NAME` (`!sebagai NAME`) goes on as
another console person, so one script can play a cadre, a resident and a coordinator in turn.

The console cannot be pushed to: notices and broadcasts for a console person wait in the outbox and
are shown before their next turn — or at once, while they are the one typing at a terminal (`watch`).
Every picture and document the bot sends is saved under `files` and its path printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.media_intake import MediaIntake
from handlers.core import Core
from handlers.types import Attachment, Choice, ClearOptions, File, Identity, IncomingEvent, Reply, Text

ATTACH_PREFIXES = {"!foto": "photo", "!photo": "photo", "!dokumen": "document", "!document": "document"}
SWITCH_WORDS = frozenset({"!as", "!sebagai"})
QUIT_WORDS = frozenset({"/keluar", "/quit", "/exit"})
_UNSAFE = re.compile(r"[^\w.\-]+")


def render(replies: Iterable[Reply], *, describe: Callable[[File], str] | None = None) -> str:
    """Replies as terminal text: options become numbered lines (or bracketed labels for typed answers);
    a file is described by `describe` (by default `[kind: name]`)."""
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
            if describe is None:
                blocks.append(
                    f"[{reply.kind}: {reply.filename}]" + (f" {reply.caption}" if reply.caption else "")
                )
            else:
                blocks.append("\n".join(filter(None, [describe(reply), reply.caption])))
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


async def _read_file(ref: str) -> bytes:
    return await asyncio.to_thread(Path(ref).read_bytes)


def switch_target(line: str) -> str | None:
    """The console name in `!as NAME`, or None when the line is not a switch."""
    word, _, rest = line.strip().partition(" ")
    if word.casefold() not in SWITCH_WORDS:
        return None
    return rest.strip() or None


def save_file(folder: Path, file: File) -> Path:
    """Write a file the bot sent into `folder` (created when missing); a name already there with other
    content gets a numbered sibling, so nothing saved earlier in a session is overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    name = _UNSAFE.sub("_", Path(file.filename).name).strip("._") or file.kind
    target = folder / name
    stem, suffix = target.stem, target.suffix
    number = 1
    while target.exists() and target.read_bytes() != file.data:
        number += 1
        target = folder / f"{stem}-{number}{suffix}"
    target.write_bytes(file.data)
    return target


@dataclass
class ConsoleChannel:
    core: Core
    handle: str
    out: TextIO = sys.stdout
    # The console cannot push: notices (outbox rows) waiting for this person are shown at their next turn.
    notices: Callable[[str], Awaitable[list[str]]] | None = None
    # Where pictures and documents the bot sends are saved (None: only named, as `[photo: name]`).
    files: Path | None = None
    # Seconds between looks for notices while a person types at a terminal (0: only at their turns).
    watch: float = 0.0
    _printing: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    async def send(self, line: str) -> str:
        target = switch_target(line)
        if target is not None:
            return await self.switch(target)
        event = event_from_line(self.handle, line)
        if event.attachments and self.core.media is not None:  # kept in the media store, as on the platforms
            event = await MediaIntake(self.core.db, self.core.media).receive(event, _read_file)
        outcome = await self.core.handle(event)
        waiting = await self._waiting()
        shown = render(outcome.replies, describe=lambda f: self._describe(f, outcome.language))
        return "\n\n".join([*waiting, shown]) if waiting else shown

    async def switch(self, handle: str) -> str:
        """Go on as another console person; what waits for them is shown at once."""
        self.handle = handle
        header = self._t(self.core.catalogues.default_language, "console.switched", handle=handle)
        return "\n\n".join([header, *await self._waiting()])

    async def run(self, source: TextIO = sys.stdin, *, echo: bool | None = None) -> None:
        """Interactive on a terminal; otherwise a script, echoed so the transcript reads well. Lines
        are read off the event loop, so background work (the scheduler, the outbox) goes on meanwhile."""
        interactive = source.isatty()
        echo = (not interactive) if echo is None else echo
        watcher = (
            asyncio.create_task(self._watch(), name="console-notices")
            if interactive and self.watch > 0 and self.notices is not None
            else None
        )
        try:
            if interactive:
                await self._print(
                    self._t(self.core.catalogues.default_language, "console.started", handle=self.handle)
                )
                await self._print(await self.send("/start"))
            while True:
                if interactive:
                    self.out.write("\n> ")
                    self.out.flush()
                line = await asyncio.to_thread(source.readline)
                if not line:
                    break
                line = line.rstrip("\n")
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                if line.strip().casefold() in QUIT_WORDS:
                    break
                if echo:
                    self.out.write(f"\n> {line}\n")
                async with self._printing:
                    text = await self.send(line)
                await self._print(text)
        finally:
            if watcher is not None:
                watcher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watcher

    async def _watch(self) -> None:
        """While someone types at the terminal, what reaches them meanwhile is shown at once."""
        while True:
            await asyncio.sleep(self.watch)
            try:
                async with self._printing:
                    waiting = await self._waiting()
                    if waiting:
                        self.out.write("\n" + "\n\n".join(waiting) + "\n\n> ")
                        self.out.flush()
            except asyncio.CancelledError:
                raise
            except Exception:  # a busy database now and then: the next look, or the next turn, shows it
                continue

    async def _waiting(self) -> list[str]:
        return await self.notices(self.handle) if self.notices is not None else []

    def _describe(self, file: File, lang: str) -> str:
        if self.files is None:
            return f"[{file.kind}: {file.filename}]"
        path = save_file(self.files, file)
        return self._t(lang, f"console.file.{file.kind}", path=str(path))

    def _t(self, lang: str, key: str, **params: object) -> str:
        return self.core.catalogues.text(lang, key, **params)

    async def _print(self, text: str) -> None:
        if text:
            self.out.write(text + "\n")
            self.out.flush()
