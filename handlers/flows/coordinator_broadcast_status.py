"""/siaran_status: recent broadcasts in the coordinator's regions with their counts; a scheduled or
running broadcast can be cancelled (messages already claimed by the sender still go out)."""

from __future__ import annotations

from typing import Any

from handlers.broadcast_text import number, progress
from handlers.broadcasts import require_broadcast
from handlers.flows.coordinator_common import MENU, CoordinatorFlow
from handlers.flows.coordinator_fields import zone_name
from handlers.scheduling.formats import date_time
from handlers.turn import BACK, Input, Turn
from storage.models_outbox import Broadcast
from storage.repositories import audit, outbox

SHOWN = 8
CANCELLABLE = (outbox.SCHEDULED, outbox.RUNNING)


class BroadcastStatusFlow(CoordinatorFlow):
    name = "coordinator_broadcast_status"

    async def start(self, turn: Turn, **args: Any) -> None:
        await self._list(turn)

    async def step(self, turn: Turn, inp: Input) -> None:
        step = turn.state.data.get("step")
        if step == "one":
            await self._on_one(turn, inp)
        elif step == "confirm":
            await self._on_confirm(turn, inp)
        else:
            await self._on_list(turn, inp)

    async def _list(self, turn: Turn) -> None:
        scope = await self.scope(turn)
        found = await outbox.recent(turn.session, roots=scope.sql_roots, limit=SHOWN)
        if not found:
            turn.say("coordinator.status.none")
            await turn.goto(MENU)
            return
        counts = await outbox.counts(turn.session, [b.id for b in found])
        lines = [turn.t("coordinator.status.title")]
        for b in found:
            lines += ["", self._headline(turn, b), progress(turn.t, b.id, counts[b.id])]
        turn.state.data = {"step": "list"}
        rows = [(f"b{b.id}", turn.t("coordinator.status.open", number=b.id)) for b in found]
        rows.append((MENU, turn.t("coordinator.nav.menu")))
        turn.ask("\n".join(lines), rows)

    def _headline(self, turn: Turn, b: Broadcast) -> str:
        moment = b.scheduled_at or b.created_at
        when = date_time(moment, turn.lang, turn.zone, date_format="d MMM")
        return turn.t(
            "coordinator.status.headline",
            number=b.id,
            when=f"{when} {zone_name(turn.zone)}",
            audience=b.audience.get("label", "-"),
            status=turn.t(f"coordinator.status.state.{b.status}"),
        )

    async def _broadcast(self, turn: Turn, broadcast_id: int | None) -> Broadcast:
        """A broadcast the coordinator may see: its audience lies in their scope."""
        return await require_broadcast(turn.session, await self.scope(turn), broadcast_id)

    async def _on_list(self, turn: Turn, inp: Input) -> None:
        if inp.value == MENU:
            await turn.goto(MENU)
            return
        value = inp.value or ""
        if not (value.startswith("b") and value[1:].isdigit()):
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        await self._show(turn, await self._broadcast(turn, int(value[1:])))

    async def _show(self, turn: Turn, b: Broadcast) -> None:
        c = (await outbox.counts(turn.session, [b.id]))[b.id]
        lang = turn.lang
        text = "\n".join(
            [
                self._headline(turn, b),
                progress(turn.t, b.id, c),
                turn.t(
                    "coordinator.status.counts",
                    sent=number(c[outbox.SENT], lang),
                    waiting=number(c.open, lang),
                    unreachable=number(c[outbox.UNREACHABLE], lang),
                    failed=number(c[outbox.FAILED], lang),
                    unconfirmed=number(c[outbox.UNCONFIRMED], lang),
                    cancelled=number(c[outbox.CANCELLED], lang),
                ),
                "",
                turn.t("coordinator.status.text", text=_brief(b.text)),
            ]
        )
        turn.state.data = {"step": "one", "broadcast": b.id}
        rows = [("refresh", turn.t("coordinator.status.refresh"))]
        if b.status in CANCELLABLE and c[outbox.PENDING]:
            rows.insert(0, ("cancel", turn.t("coordinator.status.cancel")))
        rows.append((BACK, turn.t("nav.back")))
        turn.ask(text, rows)

    async def _on_one(self, turn: Turn, inp: Input) -> None:
        b = await self._broadcast(turn, turn.state.data.get("broadcast"))
        if inp.is_back:
            await self._list(turn)
        elif inp.value == "refresh":
            await self._show(turn, b)
        elif inp.value == "cancel" and b.status in CANCELLABLE:
            turn.state.data["step"] = "confirm"
            turn.ask(
                turn.t("coordinator.status.confirm_cancel", number=b.id),
                [
                    ("yes", turn.t("coordinator.status.cancel_yes")),
                    ("no", turn.t("coordinator.status.cancel_no")),
                ],
            )
        else:
            turn.say("form.err.pick_option")
            await self._show(turn, b)

    async def _on_confirm(self, turn: Turn, inp: Input) -> None:
        b = await self._broadcast(turn, turn.state.data.get("broadcast"))
        if inp.value == "yes" and b.status in CANCELLABLE:
            stopped = await outbox.cancel(turn.session, b, turn.now)
            await audit.record(
                turn.session,
                actor=turn.person,
                action="broadcast.cancel",
                target=f"broadcast {b.id}",
                details={"broadcast_id": b.id, "cancelled_messages": stopped},
                now=turn.now,
            )
            turn.say("coordinator.status.cancelled", number=b.id, count=number(stopped, turn.lang))
            await self._show(turn, b)
        elif inp.value in ("yes", "no") or inp.is_back:
            await self._show(turn, b)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()


def _brief(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
