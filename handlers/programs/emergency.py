"""Emergency numbers shown by the urgent (TRC) flow, per region, kept as data in
`locales/emergency_numbers.yaml`. The most specific region with an entry wins; 112 otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from handlers.programs.library import DEFAULT_LOCALES

FILE_NAME = "emergency_numbers.yaml"


@dataclass(frozen=True, slots=True)
class EmergencyNumber:
    number: str
    labels: Mapping[str, str]  # language → what the number is for

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or next(iter(self.labels.values()), "")


FALLBACK = (EmergencyNumber("112", {"id": "Layanan darurat", "en": "Emergency services"}),)


@dataclass(frozen=True)
class EmergencyNumbers:
    default: tuple[EmergencyNumber, ...] = FALLBACK
    regions: Mapping[str, tuple[EmergencyNumber, ...]] = field(default_factory=dict)

    def for_region(self, region_code: str | None) -> tuple[EmergencyNumber, ...]:
        """Numbers for a region: its own entry, or the nearest region above it with one, or the default."""
        code = region_code or ""
        while code:
            if code in self.regions:
                return self.regions[code]
            code = code.rpartition(".")[0]
        return self.default

    def lines(self, region_code: str | None, lang: str) -> str:
        return "\n".join(f"☎ {n.number} — {n.label(lang)}" for n in self.for_region(region_code))

    @classmethod
    def load(cls, locales_dir: Path = DEFAULT_LOCALES) -> EmergencyNumbers:
        path = locales_dir / FILE_NAME
        if not path.exists():
            return cls()
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        default = _numbers(path, raw.get("default")) or FALLBACK
        regions = {str(code): _numbers(path, rows) for code, rows in (raw.get("regions") or {}).items()}
        return cls(default=default, regions={code: rows for code, rows in regions.items() if rows})


def _numbers(path: Path, rows: object) -> tuple[EmergencyNumber, ...]:
    if rows is None:
        return ()
    if not isinstance(rows, list):
        raise ValueError(f"{path}: expected a list of numbers")
    found = []
    for row in rows:
        if not isinstance(row, dict) or not str(row.get("number", "")).strip():
            raise ValueError(f"{path}: every entry needs a 'number'")
        labels = row.get("label") or {}
        if not isinstance(labels, dict) or not labels:
            raise ValueError(f"{path}: number {row['number']} needs a label per language")
        found.append(EmergencyNumber(str(row["number"]).strip(), {str(k): str(v) for k, v in labels.items()}))
    return tuple(found)
