"""Sekolah Rakyat pre-check: ages follow the published rules per level (kept as data with their
basis in `locales/sekolah_rakyat_ages.yaml`); an age outside them is refused with the reason, never
answered "mungkin termasuk sasaran". Driven through the real chat core, in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from handlers.flows.resident_sr_check import AGE_RULES, AGE_RULES_FILE, load_age_rules
from tests.chat import Chat
from tests.flows import onboard

WORDS = {
    "id": {
        "language": "Indonesia",
        "role": "warga",
        "start": "Cek syarat Sekolah Rakyat",
        "yes": "Ya",
        "no": "Tidak",
        "send": "Kirim",
        "levels": {"sd": "SD", "smp": "SMP", "sma": "SMA"},
        "young": "belum memenuhi aturan usia",
        "old": "melewati batas usia",
        "basis": "Dasar:",
        "likely": "kemungkinan besar termasuk sasaran",
        "maybe": "termasuk sasaran",
        "next": "Paket A/B/C",
        "final": "Keputusan akhir",
    },
    "en": {
        "language": "English",
        "role": "resident",
        "start": "Sekolah Rakyat pre-check",
        "yes": "Yes",
        "no": "No",
        "send": "Send",
        "levels": {"sd": "SD", "smp": "SMP", "sma": "SMA"},
        "young": "does not yet meet the age rule",
        "old": "above the age limit",
        "basis": "Basis:",
        "likely": "likely among the priority targets",
        "maybe": "among the targets",
        "next": "Paket A/B/C",
        "final": "final selection",
    },
}


async def _precheck(chat: Chat, lang: str, *, age: int, level: str, desil: str = "Desil 1") -> str:
    words = WORDS[lang]
    await chat.press(words["start"])
    await chat.say(str(age))
    await chat.press(words["levels"][level])
    await chat.press(words["yes"])  # listed in DTSEN
    await chat.press(desil)
    await chat.press(words["no"])  # not out of school
    await chat.press(words["send"])
    return chat.text


def test_the_published_bounds_are_the_ones_in_force() -> None:
    """SPMB (Permendikdasmen No. 3 Tahun 2025): SD from 6, SMP up to 15, SMA up to 21."""
    assert (AGE_RULES["sd"].minimum, AGE_RULES["smp"].maximum, AGE_RULES["sma"].maximum) == (6, 15, 21)
    for rule in AGE_RULES.values():
        for basis in (rule.min_basis, rule.max_basis):
            assert "No. 3 Tahun 2025" in basis["id"] or "UU No. 20 Tahun 2003" in basis["id"]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("level", ["sd", "smp", "sma"])
async def test_an_age_outside_the_rules_is_refused_with_the_reason(chat: Chat, lang: str, level: str) -> None:
    words = WORDS[lang]
    rule = AGE_RULES[level]
    await onboard(chat, role=words["role"], language=words["language"])
    for age, key, bound, basis in (
        (rule.minimum - 1, "young", rule.minimum, rule.min_basis[lang]),
        (rule.maximum + 1, "old", rule.maximum, rule.max_basis[lang]),
    ):
        if not 3 <= age <= 25:  # the form's own range refuses it earlier
            continue
        text = await _precheck(chat, lang, age=age, level=level)
        assert words[key] in text, text
        assert f"{words['basis']} {basis}" in text and str(bound) in text and str(age) in text
        assert words["maybe"] not in text  # never "mungkin termasuk sasaran", even for desil 1
        assert words["next"] in text and words["final"] in text


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_bounds_themselves_are_accepted(chat: Chat, lang: str) -> None:
    words = WORDS[lang]
    await onboard(chat, role=words["role"], language=words["language"])
    for level, rule in AGE_RULES.items():
        for age in (rule.minimum, rule.maximum):
            text = await _precheck(chat, lang, age=age, level=level)
            assert words["likely"] in text, f"{level} {age}: {text}"
            assert words["young"] not in text and words["old"] not in text


async def test_a_seventeen_year_old_for_smp_is_refused_even_if_not_sure_about_dtsen(chat: Chat) -> None:
    """Before, an unusual age turned "likely" into "possibly"; now the rule decides first."""
    await onboard(chat, role="warga")
    await chat.press("Cek syarat Sekolah Rakyat")
    await chat.say("17")
    await chat.press("SMP")
    await chat.press("Tidak tahu")
    await chat.press("Ya")
    await chat.press("Kirim")
    assert "melewati batas usia jenjang SMP" in chat.text and "paling tinggi 15 tahun" in chat.text
    assert "Pasal 12" in chat.text
    assert "mungkin termasuk sasaran" not in chat.text


def _write(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(AGE_RULES_FILE.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "ages.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_rules_without_a_level_or_a_basis_are_refused(tmp_path: Path) -> None:
    assert load_age_rules(_write(tmp_path, lambda raw: None)) == AGE_RULES
    with pytest.raises(ValueError, match="levels"):
        load_age_rules(_write(tmp_path, lambda raw: raw["levels"].pop("sma")))
    with pytest.raises(ValueError, match="max_basis"):
        load_age_rules(_write(tmp_path, lambda raw: raw["levels"]["smp"]["max_basis"].pop("en")))
    with pytest.raises(ValueError, match="min"):
        load_age_rules(_write(tmp_path, lambda raw: raw["levels"]["sd"].update(min=30)))
