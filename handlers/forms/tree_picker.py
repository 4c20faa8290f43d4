"""What every 'walk the region tree or type a name' field shares: its inner steps and how 'kembali'
walks back through them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.forms.fields import Field, FieldContext
from handlers.i18n import Translator


@dataclass(frozen=True, kw_only=True)
class TreePickerField(Field):
    """Local state: `path` (region codes walked so far), `candidates` (a list of name matches) or
    `confirm` (one match to confirm). The answer is a dict with at least a `label`."""

    def back(self, fc: FieldContext) -> bool:
        local = fc.local
        for key in ("confirm", "candidates"):
            if key in local:
                local.pop(key)
                return True
        if local.get("path"):
            local["path"].pop()
            return True
        return False

    def show(self, t: Translator, value: Any) -> str:
        return str(value["label"]) if value else "-"
