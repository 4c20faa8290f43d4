"""Approved WhatsApp templates for out-of-window messages, read from a data file, checked at load."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pywa_async.types.templates import TemplateLanguage

from bot.channels.whatsapp_render import shorten
from handlers.i18n import LANGUAGES

log = logging.getLogger("kaderbot.whatsapp")

DEFAULT_TEMPLATES_FILE = Path(__file__).resolve().parent / "whatsapp_templates.yaml"
PARAMETER_SOURCES = frozenset({"name", "text"})
# Checked against the list itself: pywa 4.5's TemplateLanguage("xx") raises TypeError, not ValueError.
_TEMPLATE_LANGUAGES = frozenset(str(member.value) for member in TemplateLanguage)


class TemplateConfigError(ValueError):
    """The template data file is malformed; the message says where."""


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    kind: str
    name: str
    languages: Mapping[str, str]  # our language → the template's language code
    body: tuple[str, ...]  # parameter sources, in order ({{1}}, {{2}}, …)

    def language(self, lang: str | None) -> TemplateLanguage:
        return TemplateLanguage(self.languages.get(lang or "", self.languages[LANGUAGES[0]]))

    def parameters(self, *, name: str, text: str, max_length: int) -> list[str]:
        """Body parameters. WhatsApp refuses newlines, tabs and long runs of spaces inside them."""
        values = {"name": one_line(name, 60), "text": one_line(text, max_length)}
        return [values[source] or "-" for source in self.body]


@dataclass(frozen=True, slots=True)
class TemplateBook:
    kinds: Mapping[str, TemplateSpec]
    default_kind: str
    text_max_length: int

    @classmethod
    def load(cls, path: Path = DEFAULT_TEMPLATES_FILE) -> TemplateBook:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise TemplateConfigError(f"{path}: {exc}") from exc
        return cls.from_data(data, source=str(path))

    @classmethod
    def from_data(cls, data: Any, *, source: str = "templates") -> TemplateBook:
        if not isinstance(data, dict) or not isinstance(data.get("kinds"), dict) or not data["kinds"]:
            raise TemplateConfigError(f"{source}: needs a 'kinds' mapping")
        kinds = {str(kind): _spec(str(kind), raw, source) for kind, raw in data["kinds"].items()}
        default_kind = str(data.get("default_kind", "notification"))
        if default_kind not in kinds:
            raise TemplateConfigError(f"{source}: default_kind {default_kind!r} is not among the kinds")
        max_length = data.get("text_max_length", 700)
        if not isinstance(max_length, int) or not 20 <= max_length <= 1000:
            raise TemplateConfigError(f"{source}: text_max_length must be a whole number from 20 to 1000")
        return cls(kinds, default_kind, max_length)

    def for_kind(self, kind: str) -> TemplateSpec:
        spec = self.kinds.get(kind)
        if spec is None:
            log.warning("no WhatsApp template for kind %r; using %r", kind, self.default_kind)
            spec = self.kinds[self.default_kind]
        return spec


def _spec(kind: str, raw: Any, source: str) -> TemplateSpec:
    where = f"{source}: kinds.{kind}"
    if not isinstance(raw, dict):
        raise TemplateConfigError(f"{where}: must be a mapping")
    name = raw.get("template")
    if not isinstance(name, str) or not name.strip():
        raise TemplateConfigError(f"{where}.template: the approved template's name is required")
    languages = raw.get("languages")
    if not isinstance(languages, dict) or set(LANGUAGES) - set(languages):
        raise TemplateConfigError(f"{where}.languages: give a template language for each of {LANGUAGES}")
    for lang, code in languages.items():
        if str(code) not in _TEMPLATE_LANGUAGES:
            raise TemplateConfigError(f"{where}.languages.{lang}: unknown language code {code!r}")
    body = raw.get("body", [])
    if not isinstance(body, list) or any(source_ not in PARAMETER_SOURCES for source_ in body):
        raise TemplateConfigError(f"{where}.body: a list of {sorted(PARAMETER_SOURCES)}")
    return TemplateSpec(kind, name.strip(), {str(k): str(v) for k, v in languages.items()}, tuple(body))


def one_line(text: str, limit: int) -> str:
    return shorten(" ".join(text.split()), limit)
