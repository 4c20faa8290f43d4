"""The monthly report's sections per SPM field other than kesehatan, read from
`locales/report_fields.yaml` (questions, types, bounds, sources). Kesehatan keeps the health
questions of the report form itself. Pure data: no form engine, no storage, so the safety net, the
recap and the workbook can all read it."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from handlers.posyandu.spm import SPM_FIELDS

DATA = Path(__file__).resolve().parents[1] / "locales" / "report_fields.yaml"
HEALTH = "kesehatan"
DEFAULT_FIELDS: tuple[str, ...] = (HEALTH,)  # a Posyandu (or an old draft) that names no field
KINDS = ("count", "yes_no", "text")
SEPARATOR = "__"  # form field name = field code + SEPARATOR + question key


@dataclass(frozen=True)
class Question:
    field: str  # SPM field code
    key: str
    kind: str  # count | yes_no | text
    maximum: int = 1000
    optional: bool = False
    only_if: str | None = None  # asked only when this count of the same field is above 0
    record: bool = False  # free text about the past: the safety net's "record" context

    @property
    def name(self) -> str:
        """The form field's name (also its option value in 'edit which answer'; short on purpose)."""
        return f"{self.field}{SEPARATOR}{self.key}"

    @property
    def prompt(self) -> str:
        return f"report.{self.field}.ask.{self.key}"

    @property
    def label(self) -> str:
        return f"report.{self.field}.label.{self.key}"


@dataclass(frozen=True)
class Section:
    field: str
    questions: tuple[Question, ...]
    checks: tuple[tuple[str, str], ...]  # (smaller, larger) question keys
    sources: tuple[str, ...]

    def question(self, key: str) -> Question:
        return next(q for q in self.questions if q.key == key)


def _question(code: str, key: str, raw: Mapping[str, Any]) -> Question:
    kind = str(raw["type"])
    if kind not in KINDS:
        raise ValueError(f"report_fields.yaml: {code}.{key}: unknown type {kind!r}")
    context = raw.get("context")
    if kind == "text" and context != "record":
        raise ValueError(f"report_fields.yaml: {code}.{key}: free text must be context: record")
    return Question(
        field=code,
        key=str(key),
        kind=kind,
        maximum=int(raw.get("max", 1000)),
        optional=bool(raw.get("optional", False)),
        only_if=str(raw["only_if"]) if raw.get("only_if") else None,
        record=context == "record",
    )


def parse(raw: Mapping[str, Any]) -> dict[str, Section]:
    """The sections in SPM order; refuses unknown fields, types, and checks or conditions naming
    questions that do not exist."""
    fields = raw.get("fields") or {}
    unknown = set(fields) - set(SPM_FIELDS)
    if unknown or HEALTH in fields:
        raise ValueError(
            f"report_fields.yaml: unexpected fields {sorted(unknown | ({HEALTH} & set(fields)))}"
        )
    sections: dict[str, Section] = {}
    for code in SPM_FIELDS:
        if code not in fields:
            continue
        spec = fields[code]
        questions = tuple(_question(code, key, q) for key, q in spec["questions"].items())
        keys = {q.key for q in questions}
        counts = {q.key for q in questions if q.kind == "count"}
        for q in questions:
            if q.only_if is not None and q.only_if not in counts:
                raise ValueError(f"report_fields.yaml: {code}.{q.key}: only_if names no count")
        checks = tuple((str(a), str(b)) for a, b in spec.get("checks") or ())
        for pair in checks:
            if not set(pair) <= counts:
                raise ValueError(f"report_fields.yaml: {code}: check {pair} names no counts")
        if len(keys) != len(questions):
            raise ValueError(f"report_fields.yaml: {code}: duplicate questions")
        sections[code] = Section(code, questions, checks, tuple(spec.get("sources") or ()))
    return sections


@functools.cache
def sections() -> dict[str, Section]:
    with DATA.open(encoding="utf-8") as handle:
        return parse(yaml.safe_load(handle))


def served(fields: Any) -> tuple[str, ...]:
    """A Posyandu's SPM fields as stored, cleaned and in SPM order; none stored means kesehatan."""
    chosen = {str(f) for f in fields or ()}
    ordered = tuple(code for code in SPM_FIELDS if code in chosen)
    return ordered or DEFAULT_FIELDS


def record_field_names() -> frozenset[str]:
    """Form field names of free text about the past (read by the safety net as records)."""
    return frozenset(q.name for s in sections().values() for q in s.questions if q.record)


def show_value(t: Any, question: Question, value: Any) -> str:
    """An answer as a person reads it (summary, /laporanku, /rekap, workbook cells use raw values)."""
    if value is None:
        return "-"
    if question.kind == "yes_no":
        return t("report_fields.yes") if value else t("report_fields.no")
    return str(value)
