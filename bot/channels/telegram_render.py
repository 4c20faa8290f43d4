"""The core's replies as Telegram messages: text within 4096 characters, options as inline keyboards.

Pure functions: they build what to send, the channel sends it. Consecutive texts and the question
that follows them go out as one message, so a turn costs one send (Telegram allows about one
message a second per chat) and the buttons sit under the words that explain them. A keyboard is
the Bot API's own JSON (`{"inline_keyboard": [[{"text", "callback_data"}, …], …]}`), sent as it is
(telegram_http.LightCalls).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from handlers.turn import BACK
from handlers.types import PAYLOAD_LIMIT, Choice, ClearOptions, File, Option, Reply, Text

TEXT_LIMIT = 4096  # Telegram counts UTF-16 code units
CAPTION_LIMIT = 1024
PAGE_SIZE = 8  # options per keyboard page; a longer list gets ◀ ▶ controls
SHORT_LABEL = 16  # labels up to this many characters sit two to a row


class Translate(Protocol):
    """A message catalogue bound to the person's language (handlers.i18n.Translator)."""

    def __call__(self, key: str, /, **params: object) -> str: ...


Button = dict[str, str]  # {"text": label, "callback_data": payload}
Keyboard = dict[str, Any]  # {"inline_keyboard": rows of buttons}


@dataclass(frozen=True, slots=True)
class OutMessage:
    text: str
    keyboard: Keyboard | None = None


@dataclass(frozen=True, slots=True)
class OutFile:
    file: File
    caption: str | None


Outgoing = OutMessage | OutFile


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def render(replies: Iterable[Reply], t: Translate) -> list[Outgoing]:
    """Replies → messages in order. `t` translates the channel's own labels (page controls)."""
    out: list[Outgoing] = []
    pending: list[str] = []

    def flush(markup: Keyboard | None = None) -> None:
        if not pending and markup is None:
            return
        chunks = split_text("\n\n".join(pending))
        pending.clear()
        out.extend(OutMessage(chunk) for chunk in chunks[:-1])
        out.append(OutMessage(chunks[-1], markup))  # buttons go under the last piece

    for reply in replies:
        if isinstance(reply, Text):
            pending.append(reply.text)
        elif isinstance(reply, Choice):
            pending.append(choice_text(reply))
            flush(keyboard(reply, t))
        elif isinstance(reply, File):
            flush()
            caption = reply.caption
            if caption is not None and utf16_len(caption) > CAPTION_LIMIT:
                out.extend(OutMessage(chunk) for chunk in split_text(caption))
                caption = None
            out.append(OutFile(reply, caption))
        elif isinstance(reply, ClearOptions):
            continue  # inline keyboards belong to their message; nothing stays on screen to clear
    flush()
    return out


def choice_text(choice: Choice) -> str:
    """The question, plus option descriptions when there are any (buttons cannot show them)."""
    described = [o for o in choice.options if o.description]
    if not described:
        return choice.text
    lines = [choice.text, ""] + [f"• {o.label} — {o.description}" for o in described]
    return "\n".join(lines)


def keyboard(choice: Choice, t: Translate) -> Keyboard:
    """One page of options as buttons. 'Back' stays on every page; ◀ ▶ move between pages."""
    pinned = [o for o in choice.options if _value(o) == BACK]
    listed = [o for o in choice.options if _value(o) != BACK]
    pages = max(1, math.ceil(len(listed) / PAGE_SIZE))
    page = min(max(choice.page, 0), pages - 1)
    shown = listed[page * PAGE_SIZE : (page + 1) * PAGE_SIZE] if pages > 1 else listed
    rows = _rows([b for b in (_button(o) for o in shown) if b is not None])
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(_page_button(t("telegram.page.prev"), choice, page - 1))
        if page < pages - 1:
            nav.append(_page_button(t("telegram.page.next"), choice, page + 1))
        rows.append(nav)
    rows.extend([b] for b in (_button(o) for o in pinned) if b is not None)
    return {"inline_keyboard": rows}


def is_page_payload(data: str) -> bool:
    """'<turn>~<page>' is a request for another page of the same question."""
    token, sep, rest = data.partition("~")
    return bool(sep) and "." not in token and rest.isdigit()


def pressed_label(rows: Sequence[Any] | None, data: str) -> str | None:
    """The text of the button that carried `data` on a message (`rows`: its inline keyboard, the
    Bot API's JSON as Telegram sent it back)."""
    for row in rows or ():
        for button in row if isinstance(row, list) else ():
            if isinstance(button, dict) and button.get("callback_data") == data:
                text = button.get("text")
                return text if isinstance(text, str) else None
    return None


def with_choice(text: str, mark: str) -> str | None:
    """A question's text with the chosen answer under it, or None when that would be too long."""
    combined = f"{text}\n\n{mark}"
    return combined if utf16_len(combined) <= TEXT_LIMIT else None


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units, cut at paragraph or line breaks where possible."""
    if utf16_len(text) <= limit:
        return [text if text.strip() else "…"]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while utf16_len(line) > limit:
            head = _cut(line, limit)
            pieces.append(head)
            line = line[len(head) :]
        current = line
    if current:
        pieces.append(current)
    return [p for p in (piece.strip("\n") for piece in pieces) if p.strip()] or ["…"]


def _cut(line: str, limit: int) -> str:
    """The longest head of `line` within `limit` UTF-16 units, at a space if one is near the end."""
    used = 0
    end = 0
    for index, char in enumerate(line):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            break
        end = index + 1
    space = line.rfind(" ", 0, end)
    return line[: space + 1] if space > end // 2 else line[:end]


def _value(option: Option) -> str:
    return option.payload.partition(".")[2]


def _button(option: Option) -> Button | None:
    # The core keeps payloads within the limit; a longer one would make Telegram refuse the whole
    # message, so it is left out rather than cut (a cut payload would be a stale button).
    if len(option.payload.encode()) > PAYLOAD_LIMIT:
        return None
    return {"text": option.label, "callback_data": option.payload}


def _page_button(label: str, choice: Choice, page: int) -> Button:
    return {"text": label, "callback_data": choice.page_payload(page)}


def _rows(buttons: Sequence[Button]) -> list[list[Button]]:
    if buttons and all(len(b["text"]) <= SHORT_LABEL for b in buttons):
        return [list(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    return [[b] for b in buttons]
