"""Cadre registration: name, mobile number, Posyandu, position, the fields served → waiting for
verification.

A cadre or ketua whose Posyandu is not listed registers it (issue 16): its name, address, whether
it has a fixed place, its usual day (a date, or a week and weekday), the SPM fields it serves and,
when it is a pos pelayanan, the lembaga it belongs to. The cadre is registered to it, and the
desa's or kabupaten's coordinator verifies both at once in /verifikasi (until then it is
'proposed'). A cadre also says which fields they serve; they can join more later (/struktur)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import (
    Accept,
    Answers,
    ChoiceField,
    FieldContext,
    Invalid,
    PhoneField,
    Stay,
    TextField,
)
from handlers.forms.names import NameField, normalize_name, skeleton
from handlers.forms.posyandu_field import PosyanduField
from handlers.posyandu.fields import ParentField, SpmFieldsField, usual_day_fields
from handlers.posyandu.institution import LEMBAGA, POS, institution_id_of
from handlers.posyandu.spm import ordered
from handlers.turn import Input, Turn
from storage.models import Posyandu
from storage.models_structure import KADER, PENGURUS_ROLES
from storage.repositories import cadres, regions, reports
from storage.repositories import structure as positions

POSITIONS = ("ketua", "sekretaris", "bendahara", "anggota")
POSYANDU_WORD = "Posyandu"
SCHEDULE_KINDS = ("date", "week", "none")


def _proposing(answers: Answers) -> bool:
    return bool((answers.get("posyandu") or {}).get("new"))


def _schedule(kind: str):  # type: ignore[no-untyped-def]
    return lambda answers: _proposing(answers) and answers.get("new_posyandu_schedule") == kind


def _fields_served(answers: Answers) -> list[str]:
    """The SPM fields of the Posyandu chosen (or proposed) so far."""
    if _proposing(answers):
        return list(answers.get("new_posyandu_fields") or [])
    return list((answers.get("posyandu") or {}).get("spm_fields") or [])


def _asks_cadre_fields(answers: Answers) -> bool:
    return len(_fields_served(answers)) > 1


async def _offered_to_cadre(fc: FieldContext) -> list[str]:
    return _fields_served(fc.answers)


@dataclass(frozen=True, kw_only=True)
class RegistrationPosyanduField(PosyanduField):
    """The Posyandu picker, remembering which SPM fields a listed Posyandu serves."""

    async def accept(self, fc: FieldContext, inp: Input) -> Accept | Stay:
        result = await super().accept(fc, inp)
        if isinstance(result, Accept) and result.value and not result.value.get("new"):
            # A plain read, not an entity (issue #19): [] for a Posyandu not found, as before.
            fields = ordered(await reports.spm_fields(fc.turn.session, int(result.value["id"])))
            return Accept({**result.value, "spm_fields": fields})
        return result


@dataclass(frozen=True, kw_only=True)
class NewPosyanduNameField(NameField):
    """The name of a proposed Posyandu; one already listed in that desa is to be chosen, not proposed."""

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        accepted = await super().accept(fc, inp)
        desa = (fc.answers.get("posyandu") or {}).get("desa")
        wanted = skeleton(posyandu_name(str(accepted.value)))
        for listed in await regions.posyandu_in(fc.turn.session, desa) if desa else []:
            if skeleton(listed.name) == wanted:
                raise Invalid("registration.new.err.listed", posyandu=listed.name)
        return accepted

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "registration.new.err.listed"]


REGISTRATION_FORM = FormSpec(
    name="registration",
    title="registration.title",
    fields=(
        NameField(
            name="full_name",
            prompt="registration.ask.full_name",
            label="registration.label.full_name",
            min_length=3,
            max_length=80,
        ),
        PhoneField(name="phone", prompt="registration.ask.phone", label="registration.label.phone"),
        RegistrationPosyanduField(
            name="posyandu", prompt="registration.ask.posyandu", label="registration.label.posyandu"
        ),
        NewPosyanduNameField(
            name="new_posyandu_name",
            prompt="registration.new.ask.name",
            label="registration.new.label.name",
            min_length=3,
            max_length=80,
            when=_proposing,
        ),
        TextField(
            name="new_posyandu_address",
            prompt="posyandu.register.ask.address",
            label="posyandu.register.label.address",
            min_length=5,
            max_length=240,
            needs_letters=True,
            optional=True,
            when=_proposing,
        ),
        ChoiceField(
            name="new_posyandu_fixed_place",
            prompt="registration.new.ask.fixed_place",
            label="registration.new.label.fixed_place",
            choices_=(("yes", "registration.new.fixed_place.yes"), ("no", "registration.new.fixed_place.no")),
            when=_proposing,
        ),
        ChoiceField(
            name="new_posyandu_schedule",
            prompt="posyandu.register.ask.schedule",
            label="posyandu.register.label.schedule",
            choices_=tuple((kind, f"posyandu.register.schedule.{kind}") for kind in SCHEDULE_KINDS),
            when=_proposing,
        ),
        *usual_day_fields("new_posyandu_", _schedule),
        SpmFieldsField(
            name="new_posyandu_fields",
            prompt="posyandu.register.ask.fields",
            label="posyandu.register.label.fields",
            when=_proposing,
        ),
        ParentField(
            name="new_posyandu_parent",
            prompt="posyandu.register.ask.parent",
            label="posyandu.register.label.parent",
            desa=lambda fc: (fc.answers.get("posyandu") or {}).get("desa"),
            when=_proposing,
        ),
        ChoiceField(
            name="position",
            prompt="registration.ask.position",
            label="registration.label.position",
            choices_=tuple((p, f"registration.position.{p}") for p in POSITIONS),
        ),
        SpmFieldsField(
            name="cadre_fields",
            prompt="posyandu.register.ask.cadre_fields",
            label="posyandu.register.label.cadre_fields",
            offered=_offered_to_cadre,
            optional=True,
            when=_asks_cadre_fields,
        ),
    ),
    typical={"posyandu": {"id": 0}},  # count steps as for a listed Posyandu until one is proposed
)


def posyandu_name(typed: str) -> str:
    """'anyelir' → 'Posyandu anyelir'; a name already starting with the word is kept."""
    name = normalize_name(typed)
    return name if name.casefold().startswith(POSYANDU_WORD.casefold()) else f"{POSYANDU_WORD} {name}"


class RegistrationFlow(FormFlow):
    name = "registration"
    spec = REGISTRATION_FORM
    needs_consent = True
    roles = frozenset({"resident", "cadre"})

    async def context(self, turn: Turn, **args: Any) -> dict[str, Any] | None:
        cadre = await cadres.standing(turn.session, turn.identity.person_id)
        if cadre is not None and cadre.verification == "verified":
            turn.say("registration.already_verified")
            await turn.goto("menu")
            return None
        turn.say("registration.intro")
        return {}

    async def submit(self, turn: Turn, answers: dict[str, Any], context: dict[str, Any]) -> None:
        chosen = answers["posyandu"]
        if chosen.get("new"):
            name = posyandu_name(answers["new_posyandu_name"])
            posyandu_id = await _propose(turn, answers, name=name, desa=chosen["desa"])
        else:
            posyandu_id = int(chosen["id"])
        await cadres.register(
            turn.session,
            turn.person,
            full_name=answers["full_name"],
            phone=answers["phone"],
            posyandu_id=posyandu_id,
            position=answers["position"],
            now=turn.now,
        )
        await _take_places(turn, posyandu_id, answers)
        if chosen.get("new"):
            turn.say("registration.new.done", posyandu=name, desa=chosen["desa_label"])
        else:
            turn.say("registration.done", posyandu=chosen["label"])
        turn.state.data = {}
        await turn.goto("menu")


async def _propose(turn: Turn, answers: dict[str, Any], *, name: str, desa: str) -> int:
    """The proposed Posyandu, pending until a coordinator verifies it with its cadre."""
    kind = answers.get("new_posyandu_schedule")
    posyandu_id = await regions.propose(
        turn.session,
        region_code=desa,
        name=name,
        has_fixed_place=answers["new_posyandu_fixed_place"] == "yes",
        usual_day=answers.get("new_posyandu_usual_day") if kind == "date" else None,
        proposed_by=turn.person.id,
        now=turn.now,
    )
    posyandu = await turn.session.get(Posyandu, posyandu_id)
    assert posyandu is not None
    posyandu.address = answers.get("new_posyandu_address")
    if kind == "week":
        posyandu.usual_week = int(answers["new_posyandu_usual_week"])
        posyandu.usual_weekday = int(answers["new_posyandu_usual_weekday"])
    posyandu.spm_fields = ordered(answers["new_posyandu_fields"])
    parent = answers.get("new_posyandu_parent")
    posyandu.kind = POS if parent else LEMBAGA
    posyandu.parent_id = int(parent["id"]) if parent else None
    await turn.session.flush()
    return posyandu_id


async def _take_places(turn: Turn, posyandu_id: int, answers: dict[str, Any]) -> None:
    """The registrant's places in the structure: their pengurus role if it is free, and the fields
    they serve (the only field, for an anggota of a Posyandu serving one)."""
    session, person_id = turn.session, turn.person.id
    institution_id = await institution_id_of(session, posyandu_id)
    await positions.clear_elsewhere(session, person_id=person_id, keep_institution_id=institution_id)
    await positions.leave_pengurus(session, institution_id=institution_id, person_id=person_id)
    position = answers["position"]
    if position in PENGURUS_ROLES:
        await positions.place(
            session,
            institution_id=institution_id,
            person_id=person_id,
            field=None,
            role=position,
            now=turn.now,
            replace=False,
        )
    served = _fields_served(answers)
    joined = answers.get("cadre_fields") or []
    if not joined and len(served) == 1 and position == "anggota":
        joined = served
    for code in ordered(joined):
        await positions.place(
            session, institution_id=institution_id, person_id=person_id, field=code, role=KADER, now=turn.now
        )
