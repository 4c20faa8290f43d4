"""Every message exists in Indonesian and English, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from handlers.flows.registry import build_flows
from handlers.forms.engine import FormFlow
from handlers.i18n import Catalogues, placeholders

LOCALES = PROJECT_ROOT / "locales"
catalogues = Catalogues.load(LOCALES, strict=True)


class _NoRepeatedKeys(yaml.SafeLoader):
    """YAML keeps the last of two equal keys without a word; here the second one is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            assert key not in seen, f"{node.start_mark.name}:{line}: {key!r} again (first: line {seen[key]})"
            seen[key] = line
        return super().construct_mapping(node, deep)


@pytest.mark.parametrize("path", sorted(LOCALES.rglob("*.yaml")), ids=lambda p: str(p.relative_to(LOCALES)))
def test_no_locale_file_says_one_key_twice(path: Path) -> None:
    with path.open(encoding="utf-8") as handle:
        assert yaml.load(handle, Loader=_NoRepeatedKeys) is not None


def test_both_languages_have_the_same_messages() -> None:
    ids, ens = set(catalogues.messages["id"]), set(catalogues.messages["en"])
    assert ids - ens == set(), "missing in en"
    assert ens - ids == set(), "missing in id"
    assert len(ids) > 100


@pytest.mark.parametrize("key", sorted(catalogues.messages["id"]))
def test_placeholders_match(key: str) -> None:
    assert placeholders(catalogues.messages["id"][key]) == placeholders(catalogues.messages["en"][key])


def test_no_dtks_except_as_merged_into_dtsen() -> None:
    for lang, table in catalogues.messages.items():
        for key, text in table.items():
            if "DTKS" in text:
                assert "DTSEN" in text, f"{lang}:{key} says DTKS without DTSEN"


def test_every_form_message_exists() -> None:
    for flow in build_flows().values():
        if isinstance(flow, FormFlow):
            for key in flow.spec.message_keys():
                assert catalogues.has(key), f"{flow.name}: {key}"


KEY_CALL = re.compile(r"""(?:\bt|\.say|turn\.t|fc\.t|\.t)\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""")


def _source_keys() -> set[str]:
    found: set[str] = set()
    for folder in ("handlers", "bot"):
        for path in Path(PROJECT_ROOT, folder).rglob("*.py"):
            found.update(KEY_CALL.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_key_used_in_code_exists() -> None:
    keys = _source_keys()
    assert len(keys) > 50
    missing = sorted(k for k in keys if not catalogues.has(k))
    assert missing == []
