"""What every coordinator flow shares: the role is checked on entry *and on every step* (a
coordinator can lose the role or a region mid-flow), and anything outside the scope ends the flow
with a localized refusal instead of acting.

Subclasses write `start` (instead of `begin`) and `step` (instead of `handle`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from handlers.access import COORDINATOR_ROLES, OutOfScope, Scope, require_region, scope_of
from handlers.flows.base import Flow
from handlers.forms.dates import month_name, month_start, parse_month, shift_months
from handlers.scheduling.deadlines import DEFAULT_TERMS, closed_months, terms_for
from handlers.turn import Input, Turn
from storage.models import Region
from storage.repositories import incentives, regions, scopes

log = logging.getLogger("kaderbot.coordinators")

MENU = "menu"


class CoordinatorFlow(Flow):
    roles = COORDINATOR_ROLES
    needs_consent = True

    async def refusal(self, turn: Turn) -> str | None:
        denial = await super().refusal(turn)
        if denial is None and (await scope_of(turn.session, turn.person)).empty:
            return "coordinator.denied.no_scope"
        return denial

    async def begin(self, turn: Turn, **args: Any) -> None:
        try:
            await self.start(turn, **args)
        except OutOfScope as exc:
            await self._refuse(turn, exc)

    async def handle(self, turn: Turn, inp: Input) -> None:
        denial = await self.refusal(turn)
        if denial is not None:
            turn.say(denial)
            await turn.goto(MENU)
            return
        try:
            await self.step(turn, inp)
        except OutOfScope as exc:
            await self._refuse(turn, exc)

    async def _refuse(self, turn: Turn, exc: OutOfScope) -> None:
        log.warning("person %s refused: %s out of scope", turn.person.id, exc)
        turn.say("coordinator.denied.scope")
        turn.state.data = {}
        await turn.goto(MENU)

    async def start(self, turn: Turn, **args: Any) -> None:
        raise NotImplementedError

    async def step(self, turn: Turn, inp: Input) -> None:
        raise NotImplementedError

    @staticmethod
    async def scope(turn: Turn) -> Scope:
        return await scope_of(turn.session, turn.person)


async def scope_roots(turn: Turn, scope: Scope) -> list[Region]:
    """The regions a coordinator starts from: their own, or for an admin the top of the tree."""
    if scope.everything:
        return await scopes.top_regions(turn.session)
    found = [await regions.get(turn.session, code) for code in scope.roots]
    return [r for r in found if r is not None]


def month_argument(turn: Turn, raw: str) -> dt.date | None:
    """`/rekap 2026-11` → 1 Nov 2026; unreadable or future → None."""
    month = parse_month(raw, turn.today)
    if month is None or month > month_start(turn.today):
        return None
    return month


async def closed_month(turn: Turn, roots: list[Region]) -> dt.date:
    """The latest month whose report deadline has passed in all of `roots`: the current month is
    still being reported, so a recap of it is mostly empty."""
    rules = await incentives.rules(turn.session)
    terms = [terms_for(rules, r.code) for r in roots] or [DEFAULT_TERMS]
    return closed_months(terms, now=turn.now, zone=turn.zone, count=1)[0]


MONTHS_OFFERED = 3


def month_rows(turn: Turn, shown: dt.date, label_key: str) -> list[tuple[str, str]]:
    """Other months to open, newest first: up to the current one, and the months before `shown`."""
    this = month_start(turn.today)
    candidates = [shift_months(shown, 1), *(shift_months(shown, -i) for i in range(1, MONTHS_OFFERED))]
    return [
        (f"m{m.isoformat()}", turn.t(label_key, month=month_name(m, turn.lang)))
        for m in candidates
        if m <= this
    ]


class RegionReportFlow(CoordinatorFlow):
    """/rekap and /ekspor: a month (the command's argument, or else the latest month whose deadline
    has passed) and one region within the scope — the coordinator's own when they have one, else
    picked — then `present`. Other months are offered as buttons afterwards (`month_rows`)."""

    async def start(self, turn: Turn, *, month: str | None = None, **args: Any) -> None:
        roots = await scope_roots(turn, await self.scope(turn))
        chosen = month_argument(turn, month) if month else await closed_month(turn, roots)
        if chosen is None:
            turn.say("coordinator.recap.bad_month", example=turn.today.strftime("%Y-%m"))
            await turn.goto(MENU)
            return
        turn.state.data = {"month": chosen.isoformat()}
        if len(roots) == 1:
            await self.present(turn, roots[0], chosen)
            return
        turn.state.data["step"] = "root"
        rows = [(f"r{r.code}", r.name) for r in roots]
        rows.append((MENU, turn.t("coordinator.nav.menu")))
        turn.ask(turn.t("coordinator.tree.pick_root"), rows)

    async def step(self, turn: Turn, inp: Input) -> None:
        if inp.value == MENU:
            await turn.goto(MENU)
            return
        value = inp.value or ""
        if value.startswith("m") and "region" in turn.state.data:
            # Another month of the region just shown (offered by `month_rows`: never a future one).
            region = await require_region(turn.session, await self.scope(turn), turn.state.data["region"])
            await self.present(turn, region, dt.date.fromisoformat(value[1:]))
            return
        if not value.startswith("r") or "month" not in turn.state.data:
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        region = await require_region(turn.session, await self.scope(turn), value[1:])
        await self.present(turn, region, dt.date.fromisoformat(turn.state.data["month"]))

    async def present(self, turn: Turn, region: Region, month: dt.date) -> None:
        raise NotImplementedError
