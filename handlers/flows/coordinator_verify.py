"""/verifikasi: cadres waiting for verification in the coordinator's regions; approve, or reject with
a reason. The cadre is told through the outbox; the decision goes into the audit log.

A name that mixes scripts, or looks like the name of another cadre of the same Posyandu, is shown
with a warning; a Posyandu the cadre proposed is shown with its details and decided with them."""

from __future__ import annotations

from typing import Any

from babel.dates import format_date

from handlers import cadre_verification
from handlers.access import require_cadre
from handlers.cadre_verification import REASON_MAX, REASON_MIN, REASONS, typed_reason
from handlers.flows.coordinator_common import MENU, CoordinatorFlow
from handlers.flows.privacy_audit import LISTED, VIEWED, personal_data_seen
from handlers.forms.answers import say_which_one
from handlers.forms.names import mixes_scripts
from handlers.turn import BACK, Input, Turn
from storage.models import Cadre, Person, Posyandu
from storage.repositories import regions, verification


class VerifyFlow(CoordinatorFlow):
    name = "coordinator_verify"

    async def start(self, turn: Turn, **args: Any) -> None:
        await self._list(turn)

    async def step(self, turn: Turn, inp: Input) -> None:
        step = turn.state.data.get("step")
        if step == "cadre":
            await self._on_cadre(turn, inp)
        elif step == "reason":
            await self._on_reason(turn, inp)
        else:
            await self._on_list(turn, inp)

    # -- the list ---------------------------------------------------------------------------

    async def _list(self, turn: Turn) -> None:
        scope = await self.scope(turn)
        waiting = await verification.pending(turn.session, roots=scope.sql_roots)
        if not waiting:
            turn.say("coordinator.verify.none")
            await turn.goto(MENU)
            return
        turn.state.data = {"step": "list"}
        await personal_data_seen(turn, LISTED, "verify", what="verify", count=len(waiting))
        rows: list[tuple[str, str, str | None]] = [(f"c{c.cadre_id}", _row(turn, c), c.desa) for c in waiting]
        rows.append((MENU, turn.t("coordinator.nav.menu"), None))
        # choice: a name typed picks its cadre, and one fitting several asks which (forms.err.which_one)
        turn.ask(turn.t("coordinator.verify.list", count=len(waiting)), rows, choice=True)

    async def _on_list(self, turn: Turn, inp: Input) -> None:
        if inp.value == MENU:
            await turn.goto(MENU)
            return
        cadre_id = _id(inp.value, "c")
        if cadre_id is None:
            if not say_which_one(turn, inp):
                turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        cadre = await require_cadre(turn.session, await self.scope(turn), cadre_id)
        await self._show(turn, cadre)

    # -- one cadre --------------------------------------------------------------------------

    async def _show(self, turn: Turn, cadre: Cadre) -> None:
        if cadre.verification != "pending":
            turn.say("coordinator.verify.already")
            await self._list(turn)
            return
        person = await turn.session.get(Person, cadre.person_id)
        place = await regions.place(turn.session, cadre.posyandu_id)
        assert person is not None and place is not None
        turn.state.data = {"step": "cadre", "cadre": cadre.id}
        await personal_data_seen(turn, VIEWED, f"cadre {cadre.id}", what="verify", cadre_id=cadre.id)
        text = turn.t(
            "coordinator.verify.details",
            name=person.full_name or "-",
            phone=person.phone or "-",
            position=turn.t(f"registration.position.{cadre.position}"),
            posyandu=place.name,
            desa=place.desa,
            kecamatan=place.kecamatan,
            kabupaten=place.kabupaten,
            registered=format_date(
                cadre.registered_at.astimezone(turn.zone).date(), "d MMM yyyy", locale=turn.lang
            ),
        )
        notes = await cadre_verification.notes(turn.session, turn.t, cadre, person.full_name or "")
        if notes:
            text = "\n\n".join([text, *notes])
        turn.ask(
            text,
            [
                ("approve", turn.t("coordinator.verify.approve")),
                ("reject", turn.t("coordinator.verify.reject")),
                (BACK, turn.t("nav.back")),
            ],
        )

    async def _cadre(self, turn: Turn) -> Cadre:
        """The cadre this step is about, checked against the scope again."""
        return await require_cadre(turn.session, await self.scope(turn), turn.state.data.get("cadre"))

    async def _on_cadre(self, turn: Turn, inp: Input) -> None:
        cadre = await self._cadre(turn)
        if inp.is_back:
            await self._list(turn)
        elif cadre.verification != "pending":
            turn.say("coordinator.verify.already")
            await self._list(turn)
        elif inp.value == "approve":
            await self._decide(turn, cadre, approve=True, reason=None)
        elif inp.value == "reject":
            turn.state.data["step"] = "reason"
            rows = [(r, turn.t(f"coordinator.verify.reason.{r}")) for r in REASONS]
            rows.append((BACK, turn.t("nav.back")))
            turn.ask(turn.t("coordinator.verify.ask_reason"), rows)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    async def _on_reason(self, turn: Turn, inp: Input) -> None:
        cadre = await self._cadre(turn)
        if inp.is_back:
            await self._show(turn, cadre)
            return
        if cadre.verification != "pending":
            turn.say("coordinator.verify.already")
            await self._list(turn)
            return
        if inp.value in REASONS:
            reason = turn.t(f"coordinator.verify.reason.{inp.value}")
        else:
            reason = typed_reason(inp.text)
            if reason is None:
                turn.say("coordinator.verify.reason_length", min=REASON_MIN, max=REASON_MAX)
                turn.show_prompt()
                return
        await self._decide(turn, cadre, approve=False, reason=reason)

    async def _decide(self, turn: Turn, cadre: Cadre, *, approve: bool, reason: str | None) -> None:
        person = await turn.session.get(Person, cadre.person_id)
        assert person is not None
        told = await cadre_verification.decide(
            turn.session, cadre, actor=turn.person, approve=approve, reason=reason, now=turn.now
        )
        name = person.full_name or "-"
        turn.say("coordinator.verify.approved" if approve else "coordinator.verify.rejected", name=name)
        turn.say("coordinator.verify.told" if told else "coordinator.verify.not_told", name=name)
        await self._list(turn)


def _row(turn: Turn, cadre: verification.PendingCadre) -> str:
    key = "verify.row.proposed" if cadre.posyandu_status == regions.PROPOSED else "coordinator.verify.row"
    label = turn.t(key, name=cadre.name, posyandu=cadre.posyandu)
    return turn.t("verify.row.warning", row=label) if mixes_scripts(cadre.name) else label


def _proposal(turn: Turn, posyandu: Posyandu) -> str:
    day = (
        turn.t("verify.proposal.day", day=posyandu.usual_day)
        if posyandu.usual_day
        else turn.t("verify.proposal.no_day")
    )
    place = "verify.proposal.fixed" if posyandu.has_fixed_place else "verify.proposal.not_fixed"
    return turn.t("verify.proposal", posyandu=posyandu.name, place=turn.t(place), day=day)


def _id(value: str | None, prefix: str) -> int | None:
    if value is None or not value.startswith(prefix) or not value[len(prefix) :].isdigit():
        return None
    return int(value[len(prefix) :])
