"""The DPMD's verification of a Posyandu 6 SPM (issue 16, point 5).

- `posyandu_submit` (/ajukanverifikasi, or "Ajukan verifikasi" in /posyandu): the ketua submits
  the institution once the computed checklist items hold, giving a reason for each SPM field not
  served; otherwise they are shown what is missing.
- `coordinator_posyandu_verify` (/verifposyandu): a coordinator sees the institutions submitted in
  their regions, opens one (the checklist, recomputed now), ticks what they judge (the structure
  document is legible), and verifies it or returns it with a reason. The ketua is told through the
  outbox either way; every step goes into the audit log.
- `posyandu_recap`: registered / submitted / returned / verified against the deadline, per child
  region, with a chart (opened from /rekap).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from handlers.access import require_posyandu, require_region
from handlers.flows.base import Flow
from handlers.flows.coordinator_common import MENU, CoordinatorFlow, scope_roots
from handlers.flows.posyandu_documents import open_media
from handlers.posyandu import verification_recap
from handlers.posyandu.institution import institution_of
from handlers.posyandu.verification import (
    DEFAULT_DEADLINE,
    Checklist,
    checklist,
    is_ketua,
    ketua_ids,
    lines,
    structure_documents,
)
from handlers.scheduling.formats import moment
from handlers.turn import BACK, Input, Turn
from handlers.types import File
from storage.models import Cadre, Person, Posyandu, Region
from storage.models_posyandu_verification import SUBMITTED, VERIFIED
from storage.models_structure import KETUA, PosyanduPosition
from storage.repositories import audit, outbox, regions
from storage.repositories import posyandu_verification as verifications

CANCEL = "cancel"
FIELD_REASONS = ("no_cadre", "other_body", "not_needed")
RETURN_REASONS = ("illegible", "structure", "data_mismatch")
REASON_MIN, REASON_MAX = 3, 200


def _reason(turn: Turn, inp: Input, presets: tuple[str, ...], prefix: str) -> str | None:
    """A preset reason's words, or the typed reason when it has a sensible length; None otherwise."""
    if inp.value in presets:
        return turn.t(f"{prefix}.{inp.value}")
    typed = " ".join((inp.text or "").split())
    return typed if REASON_MIN <= len(typed) <= REASON_MAX else None


async def own_institution(turn: Turn) -> Posyandu | None:
    """The institution of the person's Posyandu: where they are a cadre, or else ketua by position."""
    posyandu_id = await turn.session.scalar(
        select(Cadre.posyandu_id).where(Cadre.person_id == turn.person.id, Cadre.verification != "rejected")
    )
    if posyandu_id is None:
        posyandu_id = await turn.session.scalar(
            select(PosyanduPosition.posyandu_id)
            .where(PosyanduPosition.person_id == turn.person.id, PosyanduPosition.role == KETUA)
            .limit(1)
        )
    posyandu = await turn.session.get(Posyandu, posyandu_id) if posyandu_id is not None else None
    return await institution_of(turn.session, posyandu) if posyandu is not None else None


class PosyanduSubmitFlow(Flow):
    name = "posyandu_submit"
    needs_consent = True
    roles = frozenset({"cadre"})

    async def begin(self, turn: Turn, **args: Any) -> None:
        institution = await own_institution(turn)
        if institution is None:
            turn.say("report.not_cadre")
            await turn.goto("menu")
            return
        if not await is_ketua(turn.session, turn.person.id, institution):
            turn.say("posyandu_verify.submit.not_ketua", posyandu=institution.name)
            await turn.goto("menu")
            return
        row = await verifications.of(turn.session, institution.id)
        if row is not None and row.status == SUBMITTED:
            sent = moment(row.submitted_at, turn.lang, turn.zone) if row.submitted_at else "-"
            turn.say("posyandu_verify.submit.waiting", posyandu=institution.name, sent=sent)
            await turn.goto("menu")
            return
        if row is not None and row.status == VERIFIED:
            turn.say("posyandu_verify.submit.verified", posyandu=institution.name)
            await turn.goto("menu")
            return
        kept = (row.checklist or {}).get("reasons", {}) if row is not None else {}
        found = await checklist(turn.session, institution, reasons=kept)
        if [item for item in found.missing if item != "fields"]:
            self._missing(turn, institution, found)
            await turn.goto("menu")
            return
        turn.state.data = {"posyandu": institution.id, "reasons": dict(found.reasons)}
        await self._next(turn, institution)

    @staticmethod
    def _missing(turn: Turn, institution: Posyandu, found: Checklist) -> None:
        text = turn.t("posyandu_verify.submit.missing", posyandu=institution.name)
        turn.say_text("\n".join([text, *lines(turn.t, found)]))

    async def _next(self, turn: Turn, institution: Posyandu) -> None:
        """Ask the reason for the next field not served, or else confirm the submission."""
        found = await checklist(turn.session, institution, reasons=turn.state.data.get("reasons", {}))
        cancel = (CANCEL, turn.t("posyandu_verify.cancel"))
        if found.without_reason:
            code = found.without_reason[0]
            turn.state.data.update(step="reason", field=code)
            rows = [(r, turn.t(f"posyandu_verify.field_reason.{r}")) for r in FIELD_REASONS]
            turn.ask(
                turn.t("posyandu_verify.submit.ask_reason", field=turn.t(f"spm.field.{code}")),
                [*rows, cancel],
            )
            return
        turn.state.data["step"] = "confirm"
        text = turn.t("posyandu_verify.submit.confirm", posyandu=institution.name)
        turn.ask(
            "\n".join([text, *lines(turn.t, found)]),
            [("submit", turn.t("posyandu_verify.submit.send")), cancel],
        )

    async def handle(self, turn: Turn, inp: Input) -> None:
        posyandu_id = turn.state.data.get("posyandu")
        institution = await turn.session.get(Posyandu, posyandu_id) if posyandu_id else None
        if institution is None or inp.value == CANCEL:
            turn.say("posyandu_verify.submit.cancelled")
            await turn.goto("menu")
            return
        step = turn.state.data.get("step")
        if step == "reason":
            reason = _reason(turn, inp, FIELD_REASONS, "posyandu_verify.field_reason")
            if reason is None:
                turn.say("posyandu_verify.reason_length", min=REASON_MIN, max=REASON_MAX)
                turn.show_prompt()
                return
            turn.state.data.setdefault("reasons", {})[turn.state.data["field"]] = reason
            await self._next(turn, institution)
        elif step == "confirm" and inp.value == "submit":
            await self._submit(turn, institution)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    async def _submit(self, turn: Turn, institution: Posyandu) -> None:
        if not await is_ketua(turn.session, turn.person.id, institution):
            turn.say("posyandu_verify.submit.not_ketua", posyandu=institution.name)
            await turn.goto("menu")
            return
        row = await verifications.of(turn.session, institution.id)
        if row is not None and row.status in (SUBMITTED, VERIFIED):  # sent meanwhile, from elsewhere
            turn.say("posyandu_verify.queue.already", posyandu=institution.name)
            await turn.goto("menu")
            return
        found = await checklist(turn.session, institution, reasons=turn.state.data.get("reasons", {}))
        if found.missing:  # something changed meanwhile (a cadre rejected, a document removed)
            self._missing(turn, institution, found)
            await turn.goto("menu")
            return
        await verifications.submit(
            turn.session, institution.id, by=turn.person.id, checklist=found.as_json(), now=turn.now
        )
        await audit.record(
            turn.session,
            actor=turn.person,
            action="posyandu.submit",
            target=f"posyandu {institution.id} {institution.name}",
            details={"posyandu_id": institution.id, "checklist": found.as_json()},
            now=turn.now,
        )
        turn.say("posyandu_verify.submit.sent", posyandu=institution.name)
        await turn.goto("menu")


class PosyanduVerifyFlow(CoordinatorFlow):
    name = "coordinator_posyandu_verify"

    async def start(self, turn: Turn, **args: Any) -> None:
        await self._list(turn)

    async def step(self, turn: Turn, inp: Input) -> None:
        step = turn.state.data.get("step")
        if inp.value == MENU:
            await turn.goto(MENU)
        elif step == "one":
            await self._on_one(turn, inp)
        elif step == "reason":
            await self._on_reason(turn, inp)
        else:
            await self._on_list(turn, inp)

    async def _list(self, turn: Turn) -> None:
        scope = await self.scope(turn)
        waiting = await verifications.queue(turn.session, roots=scope.sql_roots)
        if not waiting:
            turn.say("posyandu_verify.queue.none")
            await turn.goto(MENU)
            return
        turn.state.data = {"step": "list"}
        rows: list[tuple[str, str]] = []
        for item in waiting:
            desa = await regions.get(turn.session, item.region_code)
            label = turn.t("posyandu_verify.queue.row", posyandu=item.name, desa=desa.name if desa else "-")
            rows.append((f"p{item.posyandu_id}", label))
        rows.append((MENU, turn.t("coordinator.nav.menu")))
        turn.ask(turn.t("posyandu_verify.queue.title", count=len(waiting)), rows)

    async def _on_list(self, turn: Turn, inp: Input) -> None:
        value = inp.value or ""
        if not value.startswith("p") or not value[1:].isdigit():
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        institution = await require_posyandu(turn.session, await self.scope(turn), int(value[1:]))
        turn.state.data = {"step": "one", "posyandu": institution.id, "ticked": []}
        await self._show(turn, institution)

    async def _institution(self, turn: Turn) -> Posyandu:
        """The institution this step is about, checked against the scope again."""
        return await require_posyandu(turn.session, await self.scope(turn), turn.state.data.get("posyandu"))

    async def _found(self, turn: Turn, institution: Posyandu) -> Checklist | None:
        """The checklist now, when the institution is still waiting; else None (and back to the list)."""
        row = await verifications.of(turn.session, institution.id)
        if row is None or row.status != SUBMITTED:
            turn.say("posyandu_verify.queue.already", posyandu=institution.name)
            await self._list(turn)
            return None
        reasons = (row.checklist or {}).get("reasons", {})
        ticked = frozenset(turn.state.data.get("ticked", []))
        return await checklist(turn.session, institution, reasons=reasons, ticked=ticked)

    async def _show(self, turn: Turn, institution: Posyandu) -> None:
        found = await self._found(turn, institution)
        if found is None:
            return
        row = await verifications.of(turn.session, institution.id)
        assert row is not None
        place = await regions.place(turn.session, institution.id)
        submitter = await turn.session.get(Person, row.submitted_by) if row.submitted_by else None
        turn.state.data["step"] = "one"
        text = turn.t(
            "posyandu_verify.details",
            posyandu=institution.name,
            desa=place.desa if place else "-",
            kecamatan=place.kecamatan if place else "-",
            by=(submitter.full_name if submitter else None) or "-",
            sent=moment(row.submitted_at, turn.lang, turn.zone) if row.submitted_at else "-",
        )
        legible = "legible" in found.ticked
        options = [("docs", turn.t("posyandu_verify.open_documents"))] if found.document else []
        options += [
            (
                "untick" if legible else "tick",
                turn.t("posyandu_verify.untick" if legible else "posyandu_verify.tick"),
            ),
            ("approve", turn.t("posyandu_verify.approve")),
            ("return", turn.t("posyandu_verify.return")),
            (BACK, turn.t("nav.back")),
        ]
        turn.ask("\n".join([text, *lines(turn.t, found, judged=True)]), options)

    async def _on_one(self, turn: Turn, inp: Input) -> None:
        institution = await self._institution(turn)
        if inp.is_back:
            await self._list(turn)
            return
        found = await self._found(turn, institution)
        if found is None:
            return
        if inp.value == "docs":  # sent back from the media store (flows/posyandu_documents.py)
            media_ids = await structure_documents(turn.session, institution.id)
            await open_media(turn, media_ids, stem="sk-struktur", caption=institution.name)
            await self._show(turn, institution)
        elif inp.value in ("tick", "untick"):
            turn.state.data["ticked"] = ["legible"] if inp.value == "tick" else []
            await self._show(turn, institution)
        elif inp.value == "approve":
            if not found.complete:
                missing = [item for item, holds in found.items.items() if not holds]
                names = ", ".join(turn.t(f"posyandu_verify.short.{item}") for item in missing)
                turn.say("posyandu_verify.cannot_approve", missing=names)
                await self._show(turn, institution)
                return
            await self._decide(turn, institution, found, verified=True, reason=None)
        elif inp.value == "return":
            turn.state.data["step"] = "reason"
            rows = [(r, turn.t(f"posyandu_verify.return_reason.{r}")) for r in RETURN_REASONS]
            turn.ask(turn.t("posyandu_verify.ask_return_reason"), [*rows, (BACK, turn.t("nav.back"))])
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    async def _on_reason(self, turn: Turn, inp: Input) -> None:
        institution = await self._institution(turn)
        if inp.is_back:
            await self._show(turn, institution)
            return
        found = await self._found(turn, institution)
        if found is None:
            return
        reason = _reason(turn, inp, RETURN_REASONS, "posyandu_verify.return_reason")
        if reason is None:
            turn.say("posyandu_verify.reason_length", min=REASON_MIN, max=REASON_MAX)
            turn.show_prompt()
            return
        await self._decide(turn, institution, found, verified=False, reason=reason)

    async def _decide(
        self, turn: Turn, institution: Posyandu, found: Checklist, *, verified: bool, reason: str | None
    ) -> None:
        session = turn.session
        row = await verifications.of(session, institution.id)
        assert row is not None
        await verifications.decide(
            session,
            row,
            verified=verified,
            by=turn.person.id,
            reason=reason,
            checklist=found.as_json(),
            now=turn.now,
        )
        await audit.record(
            session,
            actor=turn.person,
            action="posyandu.verify" if verified else "posyandu.return",
            target=f"posyandu {institution.id} {institution.name}",
            details={"posyandu_id": institution.id, "reason": reason, "checklist": found.as_json()},
            now=turn.now,
        )
        told = 0
        recipients = set(await ketua_ids(session, institution))
        if row.submitted_by is not None:
            recipients.add(row.submitted_by)
        for person_id in sorted(recipients):
            sent = await outbox.notify_person(
                session,
                person_id,
                key="posyandu_verify.notice.verified" if verified else "posyandu_verify.notice.returned",
                params={"posyandu": institution.name, "reason": reason or "-"},
                now=turn.now,
            )
            told += sent is not None
        turn.say(
            "posyandu_verify.verified" if verified else "posyandu_verify.returned",
            posyandu=institution.name,
        )
        turn.say("posyandu_verify.told" if told else "posyandu_verify.not_told")
        await self._list(turn)


class PosyanduRecapFlow(CoordinatorFlow):
    """Registered / submitted / returned / verified against the deadline, for a region in scope
    (the one /rekap was showing, the coordinator's own, or picked), per child region, with a chart."""

    name = "posyandu_recap"

    def __init__(self, deadline: dt.date = DEFAULT_DEADLINE) -> None:
        self.deadline = deadline

    async def start(self, turn: Turn, *, region: str | None = None, **args: Any) -> None:
        scope = await self.scope(turn)
        if region:
            await self.present(turn, await require_region(turn.session, scope, region))
            return
        roots = await scope_roots(turn, scope)
        if len(roots) == 1:
            await self.present(turn, roots[0])
            return
        turn.state.data = {"step": "root"}
        rows = [(f"r{r.code}", r.name) for r in roots]
        rows.append((MENU, turn.t("coordinator.nav.menu")))
        turn.ask(turn.t("coordinator.tree.pick_root"), rows)

    async def step(self, turn: Turn, inp: Input) -> None:
        value = inp.value or ""
        if value == MENU:
            await turn.goto(MENU)
        elif value.startswith("r"):
            await self.present(turn, await require_region(turn.session, await self.scope(turn), value[1:]))
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    async def present(self, turn: Turn, region: Region) -> None:
        found = await verification_recap.summarise(
            turn.session, region.code, region.name, deadline=self.deadline, zone=turn.zone
        )
        turn.say_text(verification_recap.text(turn.t, found, today=turn.today))
        if found.rows:
            title = turn.t("posyandu_verify.recap.chart_title", region=region.name)
            image = verification_recap.chart(turn.t, title, found)
            turn.replies.append(
                File(
                    "photo",
                    f"verifikasi-posyandu-{region.code}.png",
                    image,
                    caption=title,
                    mime_type="image/png",
                )
            )
        turn.state.data = {"step": "drill"}
        rows = [(f"r{r.code}", r.name) for r in found.rows if r.registered]
        rows.append((MENU, turn.t("coordinator.nav.menu")))
        turn.ask(
            turn.t("posyandu_verify.recap.drill" if len(rows) > 1 else "posyandu_verify.recap.done"), rows
        )


def deadline_of(turn: Turn) -> dt.date:
    """The verification deadline in force (POSYANDU_VERIFICATION_DEADLINE), for other flows."""
    flow = turn.flows.get(PosyanduRecapFlow.name)
    return flow.deadline if isinstance(flow, PosyanduRecapFlow) else DEFAULT_DEADLINE


__all__ = ["PosyanduRecapFlow", "PosyanduSubmitFlow", "PosyanduVerifyFlow", "deadline_of"]
