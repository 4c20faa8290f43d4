"""Emergency numbers, kept as data in `locales/emergency_numbers.yaml`: the numbers shown everywhere
(112), the national lines per kind of danger (SAPA 129, 119, …) and each region's own contacts.
Every number carries its public source and the date it was checked.

The urgent (TRC) flow shows `lines(region)`: the default numbers, then the region's own (the most
specific region with entries). The safety net (handlers/safety) shows `for_danger(kinds, region)`:
the default numbers, the national lines for those kinds, and the region's contacts for them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from handlers.programs.library import DEFAULT_LOCALES

FILE_NAME = "emergency_numbers.yaml"


@dataclass(frozen=True, slots=True)
class EmergencyNumber:
    number: str
    labels: Mapping[str, str]  # language → what the number is for
    source: str = ""  # the public source that states the number
    checked: str = ""  # when it was last checked (ISO date)
    kinds: frozenset[str] = frozenset()  # kinds of danger it is for; empty: every kind

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or next(iter(self.labels.values()), "")

    def line(self, lang: str) -> str:
        mark = "☎" if self.number[:1].isdigit() else "🌐"  # a phone number, or a web address
        return f"{mark} {self.number} — {self.label(lang)}"


FALLBACK = (EmergencyNumber("112", {"id": "Layanan darurat", "en": "Emergency services"}),)


@dataclass(frozen=True)
class EmergencyNumbers:
    default: tuple[EmergencyNumber, ...] = FALLBACK
    regions: Mapping[str, tuple[EmergencyNumber, ...]] = field(default_factory=dict)
    national: Mapping[str, EmergencyNumber] = field(default_factory=dict)  # line id → number
    kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # kind of danger → line ids

    def regional(self, region_code: str | None) -> tuple[EmergencyNumber, ...]:
        """The region's own contacts: its entry, or that of the nearest region above it with one."""
        code = region_code or ""
        while code:
            if code in self.regions:
                return self.regions[code]
            code = code.rpartition(".")[0]
        return ()

    def for_region(self, region_code: str | None) -> tuple[EmergencyNumber, ...]:
        """The default numbers, then the region's own."""
        return _unique((*self.default, *self.regional(region_code)))

    def lines(self, region_code: str | None, lang: str) -> str:
        return "\n".join(n.line(lang) for n in self.for_region(region_code))

    def for_danger(self, kinds: Iterable[str], region_code: str | None) -> tuple[EmergencyNumber, ...]:
        """For the safety net: the default numbers, the national lines and the region's contacts for
        these kinds of danger (the most pressing kind first)."""
        wanted = list(dict.fromkeys(kinds))
        found = list(self.default)
        for kind in wanted:
            found.extend(self.national[line] for line in self.kinds.get(kind, ()) if line in self.national)
        found.extend(n for n in self.regional(region_code) if not n.kinds or n.kinds.intersection(wanted))
        return _unique(found)

    @classmethod
    def load(cls, locales_dir: Path = DEFAULT_LOCALES) -> EmergencyNumbers:
        path = locales_dir / FILE_NAME
        if not path.exists():
            return cls()
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        default = _numbers(path, raw.get("default")) or FALLBACK
        regions = {str(code): _numbers(path, rows) for code, rows in (raw.get("regions") or {}).items()}
        national = {}
        for line_id, row in (raw.get("lines") or {}).items():
            (national[str(line_id)],) = _numbers(path, [row])
        kinds = {str(kind): tuple(str(x) for x in ids) for kind, ids in (raw.get("kinds") or {}).items()}
        for kind, ids in kinds.items():
            unknown = set(ids) - set(national)
            if unknown:
                raise ValueError(f"{path}: kind {kind} names unknown lines {sorted(unknown)}")
        return cls(
            default=default,
            regions={code: rows for code, rows in regions.items() if rows},
            national=national,
            kinds=kinds,
        )


def _unique(numbers: Iterable[EmergencyNumber]) -> tuple[EmergencyNumber, ...]:
    seen: set[str] = set()
    out = []
    for n in numbers:
        if n.number not in seen:
            seen.add(n.number)
            out.append(n)
    return tuple(out)


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
        found.append(
            EmergencyNumber(
                str(row["number"]).strip(),
                {str(k): str(v) for k, v in labels.items()},
                source=str(row.get("source") or ""),
                checked=str(row.get("checked") or ""),
                kinds=frozenset(str(k) for k in row.get("kinds") or ()),
            )
        )
    return tuple(found)
