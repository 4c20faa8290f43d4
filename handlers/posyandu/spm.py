"""The six fields of the minimum service standards (SPM, PP 2/2018) a Posyandu 6 SPM serves.

Codes are stable identifiers stored in the database (`posyandu.spm_fields`, report sections, positions);
everything a person reads comes from the catalogue keys `spm.field.<code>` (full name) and
`spm.short.<code>` (button-sized label).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.i18n import Translator

SPM_FIELDS: tuple[str, ...] = (
    "pendidikan",
    "kesehatan",
    "pekerjaan_umum",
    "perumahan_rakyat",
    "trantibumlinmas",
    "sosial",
)

# What people type for a field, compacted (lower case, letters and digits only).
_ALIASES: dict[str, tuple[str, ...]] = {
    "pendidikan": ("pendidikan", "pend", "pdk", "didik", "paud", "education", "edu"),
    "kesehatan": ("kesehatan", "kes", "sehat", "kesehatn", "health"),
    "pekerjaan_umum": ("pekerjaanumum", "pu", "pupr", "pekerjaan", "publicworks", "pekum"),
    "perumahan_rakyat": (
        "perumahanrakyat",
        "perumahan",
        "perkim",
        "rumah",
        "pr",
        "housing",
        "perumahandankawasanpermukiman",
        "perumahanrakyatdankawasanpermukiman",
    ),
    "trantibumlinmas": (
        "trantibumlinmas",
        "trantibum",
        "trantib",
        "linmas",
        "keamanan",
        "ketertibanumum",
        "pelindunganmasyarakat",
        "perlindunganmasyarakat",
        "publicorder",
        "security",
    ),
    "sosial": ("sosial", "sos", "social"),
}
_LOOKUP: dict[str, str] = {alias: code for code, aliases in _ALIASES.items() for alias in aliases}
_LOOKUP.update({code.replace("_", ""): code for code in SPM_FIELDS})
# Long official wording ("ketenteraman dan ketertiban umum serta pelindungan masyarakat") by its start.
_PREFIXES: tuple[tuple[str, str], ...] = (
    ("ketent", "trantibumlinmas"),
    ("ketert", "trantibumlinmas"),
    ("trantib", "trantibumlinmas"),
    ("pelindungan", "trantibumlinmas"),
    ("perlindungan", "trantibumlinmas"),
    ("pendidik", "pendidikan"),
    ("kesehat", "kesehatan"),
    ("pekerjaanumum", "pekerjaan_umum"),
    ("perumahan", "perumahan_rakyat"),
)
_ALL = {"semua", "semuanya", "all", "6spm", "spm", "lengkap", "semuabidang", "6bidang", "enam"}
_SEPARATORS = re.compile(r"[,;/+&|\n]+|\s+dan\s+|\s+and\s+|\s+serta\s+")
_RANGE = re.compile(r"^([1-6])\s*[-–]\s*([1-6])$")


class SpmFieldError(ValueError):
    """Text names something that is not one of the six fields; `token` is the part not understood."""

    def __init__(self, token: str) -> None:
        super().__init__(f"unknown SPM field: {token!r}")
        self.token = token


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _one(word: str) -> str | None:
    compact = _compact(word)
    if not compact:
        return None
    if compact in _LOOKUP:
        return _LOOKUP[compact]
    if compact.isdigit() and len(compact) == 1 and 1 <= int(compact) <= 6:
        return SPM_FIELDS[int(compact) - 1]
    if len(word.split()) == 1:
        for prefix, code in _PREFIXES:
            if compact.startswith(prefix):
                return code
    return None


def _token(token: str) -> list[str]:
    """One comma-separated part: a field, a number, a range "1-3", or several fields by spaces."""
    token = token.strip()
    if not _compact(token):
        return []
    single = _one(token)
    if single:
        return [single]
    ranged = _RANGE.match(token)
    if ranged:
        low, high = sorted((int(ranged.group(1)), int(ranged.group(2))))
        return list(SPM_FIELDS[low - 1 : high])
    words = token.split()
    found: list[str] = []
    i = 0
    while i < len(words):
        # The longest run of words that names a field ("pekerjaan umum", "perumahan rakyat").
        for j in range(len(words), i, -1):
            code = _one(" ".join(words[i:j]))
            if code:
                found.append(code)
                i = j
                break
        else:
            if _compact(words[i]) in {"bidang", "dan", "serta", "umum", "rakyat", "masyarakat"}:
                i += 1
                continue
            raise SpmFieldError(words[i])
    return found


def parse_spm_fields(text: str) -> list[str]:
    """The field codes named in `text`, unique and in SPM_FIELDS order.

    Understands "kesehatan, sosial", "1,2,6", "1-3", "semua", codes, full names and abbreviations
    (PU, perkim, trantib, linmas). Empty text gives []. Raises SpmFieldError for anything else.
    """
    if _compact(text) in _ALL:
        return list(SPM_FIELDS)
    chosen: set[str] = set()
    for token in _SEPARATORS.split(text.strip()):
        if _compact(token) in _ALL:
            return list(SPM_FIELDS)
        chosen.update(_token(token))
    return [code for code in SPM_FIELDS if code in chosen]


def ordered(codes: Iterable[str]) -> list[str]:
    """Known codes from `codes`, unique and in SPM_FIELDS order (unknown ones dropped)."""
    wanted = set(codes)
    return [code for code in SPM_FIELDS if code in wanted]


def field_label(t: Translator, code: str) -> str:
    return t(f"spm.field.{code}")


def short_label(t: Translator, code: str) -> str:
    return t(f"spm.short.{code}")


def short_labels(t: Translator, codes: Iterable[str]) -> str:
    """ "Kesehatan, Sosial" — the fields served, in order, for one line of text."""
    return ", ".join(short_label(t, code) for code in ordered(codes))
