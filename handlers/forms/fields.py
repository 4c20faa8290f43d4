"""Field kinds for forms. A field asks one question and turns an answer into a value or a reason."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import phonenumbers

from handlers.forms.answers import NumberProblem, is_skip_word, read_number
from handlers.i18n import Translator
from handlers.turn import Input, Turn
from storage.media import PICTURE_TYPES
from storage.repositories import media as media_repo

Answers = Mapping[str, Any]
OptionRow = tuple[str, str] | tuple[str, str, str | None]


class Invalid(Exception):
    """An answer was refused; `key` names the localized reason."""

    def __init__(self, key: str, /, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True, slots=True)
class Accept:
    value: Any
    prefill: Mapping[str, Any] | None = None  # answers to fill in at once (e.g. when revising)


@dataclass(frozen=True, slots=True)
class Stay:
    """The field needs more input (it moved to an inner step); ask it again."""


@dataclass
class FieldContext:
    turn: Turn
    answers: dict[str, Any]
    local: dict[str, Any]  # the field's own scratch space, kept until the field is answered
    context: dict[str, Any]  # form-wide facts fixed at the start (e.g. the cadre's Posyandu)

    @property
    def t(self) -> Translator:
        return self.turn.t


@dataclass(frozen=True, kw_only=True)
class Field:
    name: str
    prompt: str
    label: str
    optional: bool = False
    when: Callable[[Answers], bool] | None = None
    params: Callable[[FieldContext], dict[str, object]] | None = None

    numbered: ClassVar[bool] = True

    def active(self, answers: Answers) -> bool:
        return self.when is None or bool(self.when(answers))

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        params = self.params(fc) if self.params else {}
        return fc.t(self.prompt, **params), await self.choices(fc), self.numbered

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        return []

    async def accept(self, fc: FieldContext, inp: Input) -> Accept | Stay:
        raise NotImplementedError

    def show(self, t: Translator, value: Any) -> str:
        return "-" if value is None else str(value)

    def back(self, fc: FieldContext) -> bool:
        """Handle 'kembali' inside the field (e.g. one level up a tree). False: let the form go back."""
        return False

    def message_keys(self) -> list[str]:
        return [self.prompt, self.label]


def _typed(inp: Input) -> str:
    if inp.text is None or not inp.text.strip():
        raise Invalid("form.err.need_text")
    return inp.text.strip()


@dataclass(frozen=True, kw_only=True)
class IntField(Field):
    """A whole number within sane bounds (counts of people, visits, doses).

    Read as people type it: '40', '40 anak', 'umur 14 tahun', '1.250', 'tidak ada' (0)."""

    minimum: int = 0
    maximum: int = 1000
    numbered: ClassVar[bool] = False

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        try:
            read = read_number(_typed(inp), fc.t.lang)
        except NumberProblem as problem:
            raise Invalid(problem.key) from None
        value = read.value
        if (value is None and read.negative) or (value is not None and value < self.minimum):
            raise Invalid(
                "form.err.negative" if self.minimum == 0 else "form.err.too_small", min=self.minimum
            )
        if value is None or value > self.maximum:
            raise Invalid("form.err.too_large", max=self.maximum)
        return Accept(value)


@dataclass(frozen=True, kw_only=True)
class TextField(Field):
    """Free text, optionally with ready-made answers offered as options."""

    min_length: int = 2
    max_length: int = 500
    suggestions: tuple[tuple[str, str], ...] = ()  # (value, message key of the label)
    needs_letters: bool = False

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        return [(value, fc.t(key)) for value, key in self.suggestions]

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        if inp.value is not None:
            for value, key in self.suggestions:
                if value == inp.value:
                    return Accept(fc.t(key))
        text = " ".join(_typed(inp).split())
        if is_skip_word(text, fc.t.lang):  # 'Lewati'/'skip' typed: no place called 'Lewati'
            if self.optional:
                return Accept(None)
            raise Invalid("forms.err.cannot_skip")
        if len(text) < self.min_length:
            raise Invalid("form.err.too_short", min=self.min_length)
        if len(text) > self.max_length:
            raise Invalid("form.err.too_long", max=self.max_length)
        if self.needs_letters and not re.search(r"[^\W\d_]{2}", text):
            raise Invalid("form.err.need_letters")
        return Accept(text)

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "forms.err.cannot_skip", *(key for _, key in self.suggestions)]


@dataclass(frozen=True, kw_only=True)
class ChoiceField(Field):
    """One of a fixed set of answers, declared once: (value, message key of the label)."""

    choices_: tuple[tuple[str, str], ...] = field(default=())

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        return [(value, fc.t(key)) for value, key in self.choices_]

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        if inp.value is not None and any(inp.value == value for value, _ in self.choices_):
            return Accept(inp.value)
        raise Invalid("form.err.pick_option")

    def show(self, t: Translator, value: Any) -> str:
        for option, key in self.choices_:
            if option == value:
                return t(key)
        return "-"

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), *(key for _, key in self.choices_)]


@dataclass(frozen=True, kw_only=True)
class PhoneField(Field):
    """An Indonesian mobile number (0812…, +62812…, 62812…), stored as E.164."""

    numbered: ClassVar[bool] = False

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        raw = _typed(inp)
        if not re.fullmatch(r"[+\d][\d\s().-]{6,20}", raw):
            raise Invalid("form.err.phone")
        try:
            number = phonenumbers.parse(raw, "ID")
        except phonenumbers.NumberParseException:
            raise Invalid("form.err.phone") from None
        mobile = phonenumbers.number_type(number) in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
        if number.country_code != 62 or not phonenumbers.is_valid_number(number) or not mobile:
            raise Invalid("form.err.phone")
        return Accept(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@dataclass(frozen=True, kw_only=True)
class PhotosField(Field):
    """Zero or more photos; the person taps 'Selesai' when done (or 'Lewati' to send none)."""

    max_photos: int = 5
    # What the photos are in the media store (storage/repositories/media.py): 'report_photo',
    # 'ticket_photo' (personal: erased with /hapusdata); None leaves them as received.
    media_kind: str | None = None

    async def choices(self, fc: FieldContext) -> list[OptionRow]:
        taken = fc.local.get("photos", [])
        return [("done", fc.t("form.photos.done", count=len(taken)))] if taken else []

    async def accept(self, fc: FieldContext, inp: Input) -> Accept | Stay:
        photos: list[dict[str, Any]] = fc.local.setdefault("photos", [])
        if inp.value == "done" and photos:
            return Accept(list(photos))
        pictures = [
            a
            for a in inp.attachments
            if a.kind == "photo" or (a.kind == "document" and (a.mime_type or "") in PICTURE_TYPES)
        ]
        if not pictures:
            raise Invalid("form.err.need_photo")
        for attachment in pictures:
            if len(photos) >= self.max_photos:
                raise Invalid("form.err.too_many_photos", max=self.max_photos)
            photo: dict[str, Any] = {"ref": attachment.ref, "mime_type": attachment.mime_type or ""}
            if attachment.media_id is not None:  # kept in the media store on arrival (bot/media_intake.py)
                photo["media_id"] = attachment.media_id
                if self.media_kind is not None:
                    await media_repo.claim(fc.turn.session, [attachment.media_id], kind=self.media_kind)
            photos.append(photo)
        fc.turn.say("form.photos.received", count=len(photos), max=self.max_photos)
        if len(photos) >= self.max_photos:
            return Accept(list(photos))
        return Stay()

    def show(self, t: Translator, value: Any) -> str:
        return t("form.photos.count", count=len(value or []))

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "form.photos.done", "form.photos.received", "form.photos.count"]
