"""/dasbor: a coordinator's one-time link to the web dashboard (issue #18). The link is valid for
LINK_VALID, opens one browser session, and belongs to this person only; the web side
(bot/dashboard) checks the role and the regions again on every page, as the chat does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from handlers.flows.coordinator_common import MENU, CoordinatorFlow
from handlers.turn import Turn
from storage.repositories import dashboard

LINK_VALID = dt.timedelta(minutes=10)
LOGIN_PATH = "/dasbor/masuk/"


class DashboardLinkFlow(CoordinatorFlow):
    name = "coordinator_dashboard"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    async def start(self, turn: Turn, **args: Any) -> None:
        token = await dashboard.issue_link(turn.session, turn.person.id, now=turn.now, valid=LINK_VALID)
        minutes = int(LINK_VALID.total_seconds() // 60)
        turn.say("dashboard.link", url=f"{self.base_url}{LOGIN_PATH}{token}", minutes=minutes)
        await turn.goto(MENU)
