"""The core's replies as WhatsApp messages, within WhatsApp's limits. Pure: no I/O, no pywa.

Up to 3 options become reply buttons, 4–10 a list message, more a list paged by "Lainnya…" /
"◀ Sebelumnya" rows that carry the core's page payloads. Numbered options keep their absolute
number in the row title, so typing "12" works as well as tapping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from handlers.types import Choice, ClearOptions, File, Option, Reply, Text

TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024  # reply buttons; lists allow more, but one rule keeps screens short
CAPTION_LIMIT = 1024
BUTTONS_MAX = 3
BUTTON_TITLE_LIMIT = 20
LIST_ROWS_MAX = 10
LIST_BUTTON_LIMIT = 20
SECTION_TITLE_LIMIT = 24
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Labels:
    """The few words the renderer adds itself, already in the person's language."""

    list_button: str  # opens the list ("Pilih")
    section: str  # title of a one-page list ("Pilihan")
    more: str  # next-page row ("Lainnya…")
    previous: str  # previous-page row ("◀ Sebelumnya")
    prompt: str  # short body of an interactive message sent after a long text
    page: Callable[[int, int], str]  # section title of a paged list: (page, pages) → "Halaman 2/3"
    span: Callable[[int, int, int], str]  # (first, last, total) → "Pilihan 10–17 dari 20"
    number: Callable[[int], str]  # how to type an option whose title has no room for it → "Ketik 12"

    @classmethod
    def from_translator(cls, t: Callable[..., str]) -> Labels:
        """The words from the `whatsapp.list.*` catalogue messages of one language."""
        return cls(
            list_button=t("whatsapp.list.button"),
            section=t("whatsapp.list.section"),
            more=t("whatsapp.list.more"),
            previous=t("whatsapp.list.previous"),
            prompt=t("whatsapp.list.prompt"),
            page=lambda page, pages: t("whatsapp.list.page", page=page, pages=pages),
            span=lambda first, last, total: t("whatsapp.list.span", first=first, last=last, total=total),
            number=lambda number: t("whatsapp.list.number", number=number),
        )


@dataclass(frozen=True, slots=True)
class WaText:
    body: str


@dataclass(frozen=True, slots=True)
class WaButton:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class WaButtons:
    body: str
    buttons: tuple[WaButton, ...]


@dataclass(frozen=True, slots=True)
class WaRow:
    id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class WaList:
    body: str
    button: str
    section: str
    rows: tuple[WaRow, ...]


@dataclass(frozen=True, slots=True)
class WaMedia:
    kind: Literal["image", "document"]
    data: bytes
    filename: str
    caption: str | None
    mime_type: str | None


WaMessage = WaText | WaButtons | WaList | WaMedia


def render(replies: Iterable[Reply], labels: Labels) -> list[WaMessage]:
    """Replies → WhatsApp messages. Texts just before a question join its body (one screen)."""
    out: list[WaMessage] = []
    pending: list[str] = []  # texts not yet sent, waiting to join the next message if they fit

    def flush() -> None:
        if pending:
            out.extend(WaText(part) for part in split_text("\n\n".join(pending)))
            pending.clear()

    for reply in replies:
        if isinstance(reply, Text):
            if not reply.text.strip():
                continue
            if pending and len("\n\n".join([*pending, reply.text])) > TEXT_LIMIT:
                flush()
            pending.append(reply.text)
        elif isinstance(reply, Choice):
            if not reply.options:
                pending.append(reply.text)
                continue
            joined = "\n\n".join([*pending, reply.text])
            if len(joined) <= INTERACTIVE_BODY_LIMIT:
                pending.clear()
                out.extend(render_choice(reply, labels, body=joined))
            else:
                flush()
                out.extend(render_choice(reply, labels))
        elif isinstance(reply, File):
            flush()
            out.extend(_render_file(reply))
        elif isinstance(reply, ClearOptions):
            continue  # WhatsApp cannot take back buttons already shown; stale taps are handled by the core
    flush()
    return out


def render_choice(choice: Choice, labels: Labels, *, body: str | None = None) -> list[WaMessage]:
    """One question with options: buttons, a list, or one page of a paged list."""
    text = body if body is not None else choice.text
    if len(choice.options) <= BUTTONS_MAX:
        return _buttons(text, choice, labels)
    return _list(text, choice, labels)


def _buttons(text: str, choice: Choice, labels: Labels) -> list[WaMessage]:
    titles, cut = unique_titles([o.label for o in choice.options], BUTTON_TITLE_LIMIT)
    if any(cut):
        # A shortened title loses words; the full labels go into the body so nothing is hidden.
        marks = [f"{n}." if choice.numbered else "•" for n in range(1, len(choice.options) + 1)]
        text += "\n\n" + "\n".join(f"{m} {o.label}" for m, o in zip(marks, choice.options, strict=True))
    buttons = tuple(WaButton(o.payload, t) for o, t in zip(choice.options, titles, strict=True))
    return _interactive(text, labels, lambda body: WaButtons(body, buttons))


def _list(text: str, choice: Choice, labels: Labels) -> list[WaMessage]:
    spans = page_spans(len(choice.options))
    page = min(max(choice.page, 0), len(spans) - 1)
    first, last = spans[page]
    rows: list[WaRow] = []
    if page > 0:
        before = spans[page - 1]
        rows.append(_nav_row(choice.page_payload(page - 1), labels.previous, labels.span, before, choice))
    rows.extend(_option_rows(choice.options[first:last], first, choice.numbered, labels))
    if page < len(spans) - 1:
        after = spans[page + 1]
        rows.append(_nav_row(choice.page_payload(page + 1), labels.more, labels.span, after, choice))
    section = labels.page(page + 1, len(spans)) if len(spans) > 1 else labels.section
    button = shorten(labels.list_button, LIST_BUTTON_LIMIT)
    return _interactive(
        text, labels, lambda body: WaList(body, button, shorten(section, SECTION_TITLE_LIMIT), tuple(rows))
    )


def _option_rows(options: Sequence[Option], offset: int, numbered: bool, labels: Labels) -> list[WaRow]:
    """Rows titled "12. Label". When the number would push a label that fits over the limit, the
    title keeps the whole label and the number moves to the description ("Ketik 12")."""
    wanted: list[str] = []
    hints: list[str | None] = []
    for number, option in enumerate(options, offset + 1):
        with_number = f"{number}. {option.label}"
        if not numbered:
            wanted.append(option.label)
            hints.append(None)
        elif len(with_number) <= ROW_TITLE_LIMIT or len(option.label) > ROW_TITLE_LIMIT:
            wanted.append(with_number)
            hints.append(None)
        else:
            wanted.append(option.label)
            hints.append(labels.number(number))
    titles, cut = unique_titles(wanted, ROW_TITLE_LIMIT)
    rows = []
    for option, title, was_cut, hint in zip(options, titles, cut, hints, strict=True):
        parts = [p for p in (hint, option.label if was_cut else None, option.description) if p]
        description = shorten(" · ".join(parts), ROW_DESCRIPTION_LIMIT) if parts else None
        rows.append(WaRow(option.payload, title, description))
    return rows


def _nav_row(
    payload: str, title: str, span: Callable[[int, int, int], str], bounds: tuple[int, int], choice: Choice
) -> WaRow:
    description = span(bounds[0] + 1, bounds[1], len(choice.options))
    return WaRow(payload, shorten(title, ROW_TITLE_LIMIT), shorten(description, ROW_DESCRIPTION_LIMIT))


def _interactive(text: str, labels: Labels, build: Callable[[str], WaMessage]) -> list[WaMessage]:
    """An interactive body is short: a long question goes first as text, then a short prompt."""
    if text.strip() and len(text) <= INTERACTIVE_BODY_LIMIT:
        return [build(text)]
    before: list[WaMessage] = [WaText(part) for part in split_text(text)]
    return [*before, build(shorten(labels.prompt, INTERACTIVE_BODY_LIMIT))]


def _render_file(reply: File) -> list[WaMessage]:
    kind: Literal["image", "document"] = "image" if reply.kind == "photo" else "document"
    caption = reply.caption.strip() if reply.caption else None
    if caption and len(caption) > CAPTION_LIMIT:
        media = WaMedia(kind, reply.data, reply.filename, None, reply.mime_type)
        return [media, *(WaText(part) for part in split_text(caption))]
    return [WaMedia(kind, reply.data, reply.filename, caption or None, reply.mime_type)]


def page_spans(count: int) -> list[tuple[int, int]]:
    """Option index ranges per list page. Ten rows at most: navigation rows take room on each page."""
    if count <= LIST_ROWS_MAX:
        return [(0, count)]
    spans = [(0, LIST_ROWS_MAX - 1)]  # first page: 9 options + "Lainnya…"
    start = LIST_ROWS_MAX - 1
    while count - start > LIST_ROWS_MAX - 1:  # a middle page: "◀ Sebelumnya" + 8 + "Lainnya…"
        spans.append((start, start + LIST_ROWS_MAX - 2))
        start += LIST_ROWS_MAX - 2
    spans.append((start, count))  # last page: "◀ Sebelumnya" + the rest (≤ 9)
    return spans


def shorten(text: str, limit: int) -> str:
    """Fit `text` in `limit` characters, cutting at a word boundary and marking the cut with '…'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    space = text.rfind(" ", 0, room + 1)
    head = text[:space] if space >= room // 2 else text[:room]
    return head.rstrip(" ,.;:-—–(/") + ELLIPSIS


def unique_titles(labels: Sequence[str], limit: int) -> tuple[list[str], list[bool]]:
    """Shortened titles, made unique (WhatsApp refuses twins) by a ' (2)' suffix; and which were cut."""
    titles: list[str] = []
    cut: list[bool] = []
    seen: set[str] = set()
    for label in labels:
        title = shorten(label, limit)
        number = 2
        while title.casefold() in seen:
            suffix = f" ({number})"
            title = shorten(label, limit - len(suffix)) + suffix
            number += 1
        seen.add(title.casefold())
        titles.append(title)
        cut.append(title != " ".join(label.split()))
    return titles, cut


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split a long text under `limit` characters, preferring paragraph, then line, then word breaks."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        cut = _cut_point(text, limit)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


def _cut_point(text: str, limit: int) -> int:
    for separator in ("\n\n", "\n", " "):
        index = text.rfind(separator, 0, limit)
        if index >= limit // 2:
            return index
    return limit
