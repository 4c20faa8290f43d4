"""/posyandu: a cadre's Posyandu profile; its ketua changes it one thing at a time (audited).

A change to what the DPMD's checklist looks at (name, fields served) sends a verified Posyandu back
to re-verification (handlers/posyandu/profile.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from handlers.flows.base import Flow
from handlers.flows.registration import posyandu_name
from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import (
    Accept,
    Answers,
    ChoiceField,
    FieldContext,
    Invalid,
    Stay,
    TextField,
)
from handlers.forms.names import NameField
from handlers.forms.region_field import RegionField
from handlers.posyandu import profile
from handlers.posyandu.fields import SpmFieldsField, usual_day_fields
from handlers.posyandu.spm import SPM_FIELDS, short_labels
from handlers.turn import Input, Turn
from storage.models import Posyandu
from storage.models_posyandu_verification import SUBMITTED, VERIFIED, PosyanduVerification
from storage.repositories import regions, tickets
from storage.repositories import structure as positions

EDIT, STRUCTURE, MENU = "edit", "structure", "menu"
# The Posyandu's other screens, reached from its profile (the cadre's menu has one row for all of them).
CHILDREN, DOCUMENTS = "children", "documents"
SUBMIT = "submit_verification"  # the ketua submits the Posyandu to the DPMD (flows/posyandu_verify.py)
SCHEDULE_KINDS = ("date", "week", "none")


@dataclass(frozen=True, kw_only=True)
class DesaField(RegionField):
    """The desa or kelurahan a Posyandu moves to: a kecamatan alone is not enough here."""

    async def accept(self, fc: FieldContext, inp: Input) -> Accept | Stay:
        result = await super().accept(fc, inp)
        if isinstance(result, Accept):
            region = await regions.get(fc.turn.session, result.value["code"])
            if region is None or region.level not in regions.VILLAGE_LEVELS:
                fc.local.clear()
                raise Invalid("posyandu.edit.err.need_desa")
        return result

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "posyandu.edit.err.need_desa"]


class ProfileFlow(Flow):
    name = "posyandu_profile"
    needs_consent = True
    roles = frozenset({"cadre"})

    async def begin(self, turn: Turn, **args: Any) -> None:
        found = await profile.mine(turn.session, turn.person)
        if found is None:
            turn.say("posyandu.profile.not_cadre")
            await turn.goto("menu")
            return
        dpmd = await _dpmd_status(turn, found)
        turn.ask(await _card(turn, found, dpmd), _buttons(turn, found, dpmd))

    async def handle(self, turn: Turn, inp: Input) -> None:
        found = await profile.mine(turn.session, turn.person)
        if found is None or inp.value == MENU:
            await turn.goto("menu")
        elif inp.value == EDIT and found.is_ketua:
            await turn.goto("posyandu_edit")
        elif inp.value == STRUCTURE:
            await turn.goto("posyandu_structure")
        elif inp.value == CHILDREN:
            await turn.goto("children")
        elif inp.value == DOCUMENTS:
            await turn.goto("posyandu_documents")
        elif inp.value == SUBMIT and found.is_ketua:
            await turn.goto("posyandu_submit")
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()


async def _dpmd_status(turn: Turn, found: profile.Mine) -> str | None:
    """Where the DPMD's verification of the institution stands (None: never submitted)."""
    return await turn.session.scalar(
        select(PosyanduVerification.status).where(PosyanduVerification.posyandu_id == found.institution.id)
    )


def _buttons(turn: Turn, found: profile.Mine, dpmd: str | None) -> list[tuple[str, str]]:
    rows = [(EDIT, turn.t("posyandu.profile.edit"))] if found.is_ketua else []
    # Submitting is offered only while there is something to submit: not while the DPMD has it, nor after.
    can_submit = found.is_ketua and dpmd not in (SUBMITTED, VERIFIED)
    rows += [(SUBMIT, turn.t("posyandu_verify.profile.submit"))] if can_submit else []
    rows += [
        (STRUCTURE, turn.t("posyandu.profile.structure")),
        (CHILDREN, turn.t("posyandu.profile.children")),
        (DOCUMENTS, turn.t("posyandu.profile.documents")),
        (MENU, turn.t("posyandu.profile.menu")),
    ]
    return rows


async def _card(turn: Turn, found: profile.Mine, dpmd: str | None) -> str:
    t, posyandu, institution = turn.t, found.posyandu, found.institution
    members = await positions.members(turn.session, institution.id)
    ketua = [m.name for m in members if m.position == "ketua"]
    kind = (
        t("posyandu.profile.kind.pos", lembaga=institution.name)
        if institution.id != posyandu.id
        else t("posyandu.profile.kind.lembaga")
    )
    lines = [
        t(
            "posyandu.profile.card",
            posyandu=posyandu.name,
            kind=kind,
            desa=await tickets.region_label(turn.session, posyandu.region_code),
            address=posyandu.address or "-",
            place=profile.place_text(t, posyandu),
            day=profile.schedule_text(t, posyandu),
            fields=short_labels(t, posyandu.spm_fields or []) or "-",
            ketua=", ".join(ketua) or "-",
            cadres=len(members),
            status=t(f"posyandu.profile.status.{posyandu.status}"),
            dpmd=t(f"posyandu.profile.dpmd.{dpmd or 'none'}"),
        )
    ]
    if not found.is_ketua:
        lines.append(t("posyandu.profile.ketua_only"))
    return "\n\n".join(lines)


# -- the ketua's edit: one thing at a time ---------------------------------------------------------


def _editing(column: str):  # type: ignore[no-untyped-def]
    return lambda answers: answers.get("what") == column


def _schedule(kind: str):  # type: ignore[no-untyped-def]
    return lambda answers: answers.get("what") == "schedule" and answers.get("schedule") == kind


def _current(column: str):  # type: ignore[no-untyped-def]
    return lambda fc: {"current": fc.context["current"][column]}


async def _all_fields(fc: FieldContext) -> list[str]:
    return list(SPM_FIELDS)


EDIT_FORM = FormSpec(
    name="posyandu_edit",
    title="posyandu.edit.title",
    fields=(
        ChoiceField(
            name="what",
            prompt="posyandu.edit.ask.what",
            label="posyandu.edit.label.what",
            choices_=tuple((column, f"posyandu.edit.what.{column}") for column in profile.EDITABLE),
        ),
        NameField(
            name="name",
            prompt="posyandu.edit.ask.name",
            label="posyandu.edit.what.name",
            min_length=3,
            max_length=80,
            params=_current("name"),
            when=_editing("name"),
        ),
        DesaField(
            name="region_code",
            prompt="posyandu.edit.ask.region_code",
            label="posyandu.edit.what.region_code",
            when=_editing("region_code"),
        ),
        TextField(
            name="address",
            prompt="posyandu.edit.ask.address",
            label="posyandu.edit.what.address",
            min_length=5,
            max_length=240,
            needs_letters=True,
            params=_current("address"),
            when=_editing("address"),
        ),
        ChoiceField(
            name="has_fixed_place",
            prompt="registration.new.ask.fixed_place",
            label="posyandu.edit.what.has_fixed_place",
            choices_=(("yes", "registration.new.fixed_place.yes"), ("no", "registration.new.fixed_place.no")),
            when=_editing("has_fixed_place"),
        ),
        ChoiceField(
            name="schedule",
            prompt="posyandu.edit.ask.schedule",
            label="posyandu.edit.what.schedule",
            choices_=tuple((kind, f"posyandu.register.schedule.{kind}") for kind in SCHEDULE_KINDS),
            params=_current("schedule"),
            when=_editing("schedule"),
        ),
        *usual_day_fields("", _schedule),
        SpmFieldsField(
            name="spm_fields",
            prompt="posyandu.edit.ask.spm_fields",
            label="posyandu.edit.what.spm_fields",
            offered=_all_fields,
            initial=lambda fc: fc.context["fields"],
            params=_current("spm_fields"),
            when=_editing("spm_fields"),
        ),
    ),
)


def _new_value(answers: Answers) -> Any:
    column = answers["what"]
    if column == "name":
        return posyandu_name(answers["name"])
    if column == "region_code":
        return answers["region_code"]["code"]
    if column == "has_fixed_place":
        return answers["has_fixed_place"] == "yes"
    if column == "schedule":
        kind = answers["schedule"]
        return {
            "usual_day": answers.get("usual_day") if kind == "date" else None,
            "usual_week": int(answers["usual_week"]) if kind == "week" else None,
            "usual_weekday": int(answers["usual_weekday"]) if kind == "week" else None,
        }
    return answers[column]


class ProfileEditFlow(FormFlow):
    name = "posyandu_edit"
    spec = EDIT_FORM
    needs_consent = True
    roles = frozenset({"cadre"})
    keeps_draft = False

    async def context(self, turn: Turn, **args: Any) -> dict[str, Any] | None:
        found = await profile.mine(turn.session, turn.person)
        if found is None or not found.is_ketua:
            turn.say("posyandu.profile.ketua_only")
            await turn.goto("menu")
            return None
        p, t = found.posyandu, turn.t
        current = {
            "name": p.name,
            "address": p.address or "-",
            "schedule": profile.schedule_text(t, p),
            "spm_fields": short_labels(t, p.spm_fields or []) or "-",
        }
        return {"posyandu_id": p.id, "current": current, "fields": list(p.spm_fields or [])}

    async def submit(self, turn: Turn, answers: dict[str, Any], context: dict[str, Any]) -> None:
        found = await profile.mine(turn.session, turn.person)
        if found is None or not found.is_ketua or found.posyandu.id != context["posyandu_id"]:
            turn.say("posyandu.profile.ketua_only")
            await turn.goto("menu")
            return
        posyandu: Posyandu = found.posyandu
        change = await profile.apply_change(
            turn.session,
            posyandu,
            actor=turn.person,
            column=answers["what"],
            value=_new_value(answers),
            now=turn.now,
        )
        turn.state.data = {}
        if change is None:
            turn.say("posyandu.edit.unchanged")
        else:
            turn.say("posyandu.edit.saved", what=turn.t(f"posyandu.edit.what.{change.column}"))
            if change.reverify:
                turn.say("posyandu.edit.reverify")
        await turn.goto("posyandu_profile")
