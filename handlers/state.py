"""Conversation state: a plain JSON-serialisable value, saved after every turn."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Prompt:
    """The question on screen: its text, its options as (value, label), and how typed answers map."""

    text: str
    options: list[list[str]] = field(default_factory=list)  # [value, label] or [value, label, description]
    numbered: bool = True
    page: int = 0
    choice: bool = False  # its options are its only answers (not a text question with buttons)

    def to_json(self) -> dict[str, Any]:
        # Not dataclasses.asdict: that deep-copies every option list on every turn.
        raw = {"text": self.text, "options": self.options, "numbered": self.numbered, "page": self.page}
        if self.choice:
            raw["choice"] = True
        return raw


@dataclass(slots=True)
class ConversationState:
    flow: str = "welcome"
    data: dict[str, Any] = field(default_factory=dict)
    turn: int = 0
    prompt: Prompt | None = None
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    resume_to: dict[str, Any] | None = None  # where an interruption (/bahasa) returns to
    after_consent: dict[str, Any] | None = None  # {"flow", "args"} chosen before consent, opened after it

    def to_json(self) -> dict[str, Any]:
        # Shallow on purpose: everything inside is already plain JSON, and the database layer
        # serialises it at once; this runs on every turn.
        prompt = self.prompt
        return {
            "flow": self.flow,
            "data": self.data,
            "turn": self.turn,
            "prompt": None if prompt is None else prompt.to_json(),
            "drafts": self.drafts,
            "resume_to": self.resume_to,
            "after_consent": self.after_consent,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> ConversationState:
        """`raw` must be a fresh value (as the database returns it): it is used, not copied."""
        if not raw:
            return cls()
        prompt = raw.get("prompt")
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__ and k != "prompt"}
        state = cls(**known)
        state.prompt = Prompt(**prompt) if prompt else None
        return state

    def snapshot(self) -> dict[str, Any]:
        return {"flow": self.flow, "data": copy.deepcopy(self.data)}
