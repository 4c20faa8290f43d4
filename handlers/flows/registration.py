"""Cadre registration: name, mobile number, Posyandu, position → waiting for verification.

A cadre whose Posyandu is not listed proposes it (its name, whether it has a fixed place, the
usual day) at its desa; the cadre is registered to it, and the coordinator verifies both at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import Accept, Answers, ChoiceField, FieldContext, IntField, Invalid, PhoneField
from handlers.forms.names import NameField, normalize_name, skeleton
from handlers.forms.posyandu_field import PosyanduField
from handlers.turn import Input, Turn
from storage.repositories import cadres, regions

POSITIONS = ("ketua", "sekretaris", "bendahara", "anggota")
POSYANDU_WORD = "Posyandu"


def _proposing(answers: Answers) -> bool:
    return bool((answers.get("posyandu") or {}).get("new"))


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
        PosyanduField(
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
        ChoiceField(
            name="new_posyandu_fixed_place",
            prompt="registration.new.ask.fixed_place",
            label="registration.new.label.fixed_place",
            choices_=(("yes", "registration.new.fixed_place.yes"), ("no", "registration.new.fixed_place.no")),
            when=_proposing,
        ),
        IntField(
            name="new_posyandu_usual_day",
            prompt="registration.new.ask.usual_day",
            label="registration.new.label.usual_day",
            minimum=1,
            maximum=31,
            optional=True,
            when=_proposing,
        ),
        ChoiceField(
            name="position",
            prompt="registration.ask.position",
            label="registration.label.position",
            choices_=tuple((p, f"registration.position.{p}") for p in POSITIONS),
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
            posyandu_id = await regions.propose(
                turn.session,
                region_code=chosen["desa"],
                name=name,
                has_fixed_place=answers["new_posyandu_fixed_place"] == "yes",
                usual_day=answers.get("new_posyandu_usual_day"),
                proposed_by=turn.person.id,
                now=turn.now,
            )
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
        if chosen.get("new"):
            turn.say("registration.new.done", posyandu=name, desa=chosen["desa_label"])
        else:
            turn.say("registration.done", posyandu=chosen["label"])
        turn.state.data = {}
        await turn.goto("menu")
