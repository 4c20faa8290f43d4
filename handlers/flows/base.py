"""What every flow offers the core."""

from __future__ import annotations

from typing import Any, ClassVar

from handlers.turn import Input, Turn
from storage.repositories import people


class Flow:
    """A conversation flow. State lives in `turn.state.data`, never on the instance."""

    name: ClassVar[str]
    needs_consent: ClassVar[bool] = False
    roles: ClassVar[frozenset[str] | None] = None  # None: anyone
    keeps_draft: ClassVar[bool] = False  # unfinished work is parked, not dropped, when the person leaves

    async def refusal(self, turn: Turn) -> str | None:
        """The message key explaining why this person may not use the flow, or None."""
        if self.needs_consent and turn.person.consent_at is None:
            return "access.need_consent"
        if self.roles is not None and turn.person.role not in self.roles:
            # A coordinator who is also a registered cadre keeps the cadre's flows (issue 15).
            staff = turn.person.role in ("coordinator", "admin")
            if not (staff and "cadre" in self.roles and await people.is_cadre(turn.session, turn.person.id)):
                return "access.role"
        return None

    async def begin(self, turn: Turn, **args: Any) -> None:
        raise NotImplementedError

    async def handle(self, turn: Turn, inp: Input) -> None:
        raise NotImplementedError

    async def resume(self, turn: Turn) -> None:
        """Show the current question again (after /bantuan, a language change, a stale button)."""
        if turn.state.prompt is not None:
            turn.show_prompt()
        else:
            await self.begin(turn)
