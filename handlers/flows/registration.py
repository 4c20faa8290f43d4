"""Cadre registration: name, mobile number, Posyandu, position → waiting for verification."""

from __future__ import annotations

from typing import Any

from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import ChoiceField, PhoneField, TextField
from handlers.forms.posyandu_field import PosyanduField
from handlers.turn import Turn
from storage.repositories import cadres

POSITIONS = ("ketua", "sekretaris", "bendahara", "anggota")

REGISTRATION_FORM = FormSpec(
    name="registration",
    title="registration.title",
    fields=(
        TextField(
            name="full_name",
            prompt="registration.ask.full_name",
            label="registration.label.full_name",
            min_length=3,
            max_length=80,
            needs_letters=True,
        ),
        PhoneField(name="phone", prompt="registration.ask.phone", label="registration.label.phone"),
        PosyanduField(
            name="posyandu", prompt="registration.ask.posyandu", label="registration.label.posyandu"
        ),
        ChoiceField(
            name="position",
            prompt="registration.ask.position",
            label="registration.label.position",
            choices_=tuple((p, f"registration.position.{p}") for p in POSITIONS),
        ),
    ),
)


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
        await cadres.register(
            turn.session,
            turn.person,
            full_name=answers["full_name"],
            phone=answers["phone"],
            posyandu_id=int(answers["posyandu"]["id"]),
            position=answers["position"],
            now=turn.now,
        )
        turn.say("registration.done", posyandu=answers["posyandu"]["label"])
        turn.state.data = {}
        await turn.goto("menu")
