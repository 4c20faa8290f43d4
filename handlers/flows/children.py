"""/balita: a cadre's child register — add a child (one short form), see the list (searchable by
name; channels page it), open a child to move them to another Posyandu or take them off the register
with a reason, and import a list (XLSX/CSV sent in chat, all rows or none). A cadre only ever reaches
the children of their own Posyandu: every step reads the child by (Posyandu, id)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from handlers import sheets
from handlers.flows.base import Flow
from handlers.forms.answers import is_skip_word
from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import Accept, ChoiceField, Field, FieldContext, Invalid, PhoneField
from handlers.forms.names import NameField
from handlers.growth import children_import, children_template, mother_link
from handlers.growth.register import (
    BirthDateProblem,
    age_months,
    nik_masked,
    parse_birth_date,
    read_nik,
)
from handlers.i18n import Translator
from handlers.turn import Input, Turn
from handlers.types import Attachment, File
from storage.models_growth import Child
from storage.repositories import cadres, child_followup, children, regions

log = logging.getLogger("kaderbot.children")

MENU = "menu"
CADRE = frozenset({"cadre"})
SEARCH_LIMIT = 20
MOTHER_CODE = "mother_code"
TEMPLATE = "template"  # the children list template, offered with the import (issue #17)


async def cadre_posyandu(turn: Turn) -> int | None:
    """The cadre's Posyandu (a rejected cadre has none); says why and returns None otherwise."""
    cadre = await cadres.standing(turn.session, turn.identity.person_id)
    if cadre is None or cadre.verification == "rejected":
        turn.say("children.not_cadre")
        return None
    return cadre.posyandu_id


async def cadre_posyandu_or_menu(turn: Turn, *, sweep: bool = False) -> int | None:
    """`cadre_posyandu`, or back to the menu (None). `sweep`: children past 60 months leave the
    register first, as every list of them starts."""
    posyandu_id = await cadre_posyandu(turn)
    if posyandu_id is None:
        await turn.goto(MENU)
        return None
    if sweep:
        await children.sweep_aged_out(turn.session, posyandu_id, turn.today)
    return posyandu_id


def match_names(kids: list[Child], typed: str) -> list[Child]:
    """Children whose name contains every typed word (case-insensitive), best first."""
    words = typed.casefold().split()
    return [c for c in kids if all(w in c.full_name.casefold() for w in words)]


def child_row(t: Translator, child: Child, today: dt.date) -> tuple[str, str]:
    return (
        f"c{child.id}",
        t("children.row", name=child.full_name, months=age_months(child.birth_date, today)),
    )


# -- the add form -----------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class BirthDateField(Field):
    numbered = False

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        try:
            born = parse_birth_date(inp.text or "", fc.turn.today, fc.t.lang)
        except BirthDateProblem as problem:
            raise Invalid(problem.key, **problem.params) from None
        return Accept(born.isoformat())

    def show(self, t: Translator, value: Any) -> str:
        return dt.date.fromisoformat(value).strftime("%d-%m-%Y") if value else "-"

    def message_keys(self) -> list[str]:
        return [
            *super().message_keys(),
            "children.err.dob_year",
            "children.err.dob_future",
            "children.err.dob_too_old",
        ]


@dataclass(frozen=True, kw_only=True)
class NikField(Field):
    """The mother's NIK, optional: turned at once into its last four digits, so the number itself is
    never kept, not even in the half-filled form. (No hash either: a NIK's structure — region, birth
    date, sequence — makes its space small enough to reverse an unkeyed or publicly keyed hash; a
    keyed hash can come with the first feature that needs to look a NIK up, its key a deployment
    secret in Settings.)"""

    numbered = False

    async def accept(self, fc: FieldContext, inp: Input) -> Accept:
        typed = (inp.text or "").strip()
        if is_skip_word(typed, fc.t.lang):
            return Accept(None)
        nik = read_nik(typed)
        if nik is None:
            raise Invalid("children.err.nik")
        return Accept({"masked": nik_masked(nik)})

    def show(self, t: Translator, value: Any) -> str:
        return value["masked"] if value else "-"

    def message_keys(self) -> list[str]:
        return [*super().message_keys(), "children.err.nik"]


YES_NO = (("yes", "children.yes"), ("no", "children.no"))

CHILD_FORM = FormSpec(
    name="child_add",
    title="children.add.title",
    fields=(
        NameField(
            name="full_name",
            prompt="children.ask.full_name",
            label="children.label.full_name",
            max_length=120,
        ),
        ChoiceField(
            name="sex",
            prompt="children.ask.sex",
            label="children.label.sex",
            choices_=(("m", "children.sex.m"), ("f", "children.sex.f")),
        ),
        BirthDateField(
            name="birth_date", prompt="children.ask.birth_date", label="children.label.birth_date"
        ),
        NameField(
            name="mother_name",
            prompt="children.ask.mother_name",
            label="children.label.mother_name",
            max_length=120,
        ),
        PhoneField(
            name="mother_phone",
            prompt="children.ask.mother_phone",
            label="children.label.mother_phone",
            optional=True,
        ),
        NikField(
            name="mother_nik",
            prompt="children.ask.mother_nik",
            label="children.label.mother_nik",
            optional=True,
        ),
        ChoiceField(
            name="has_kia", prompt="children.ask.has_kia", label="children.label.has_kia", choices_=YES_NO
        ),
    ),
)


def child_values(answers: dict[str, Any]) -> dict[str, Any]:
    nik = answers.get("mother_nik") or {}
    return {
        "full_name": answers["full_name"],
        "sex": answers["sex"],
        "birth_date": dt.date.fromisoformat(answers["birth_date"]),
        "mother_name": answers["mother_name"],
        "mother_phone": answers.get("mother_phone"),
        "mother_nik_masked": nik.get("masked"),
        "has_kia": answers.get("has_kia") == "yes",
    }


class ChildAddFlow(FormFlow):
    name = "child_add"
    spec = CHILD_FORM
    needs_consent = True
    roles = CADRE

    async def context(self, turn: Turn, **args: Any) -> dict[str, Any] | None:
        posyandu_id = await cadre_posyandu_or_menu(turn)
        if posyandu_id is None:
            return None
        turn.say("children.add.notice")
        return {"posyandu_id": posyandu_id}

    async def submit(self, turn: Turn, answers: dict[str, Any], context: dict[str, Any]) -> None:
        posyandu_id = await cadre_posyandu(turn)
        if posyandu_id is None or posyandu_id != context["posyandu_id"]:
            turn.state.data = {}
            await turn.goto(MENU)
            return
        values = child_values(answers)
        if await children.find_same(turn.session, posyandu_id, values["full_name"], values["birth_date"]):
            turn.say("children.add.duplicate", name=values["full_name"])
        else:
            await children.add(
                turn.session, posyandu_id=posyandu_id, values=values, person_id=turn.person.id, now=turn.now
            )
            turn.say("children.add.saved", name=values["full_name"])
        turn.state.data = {}
        await turn.goto("children")


# -- the register -----------------------------------------------------------------------------
class ChildrenFlow(Flow):
    name = "children"
    needs_consent = True
    roles = CADRE

    async def begin(self, turn: Turn, **args: Any) -> None:
        posyandu_id = await cadre_posyandu_or_menu(turn, sweep=True)
        if posyandu_id is None:
            return
        kids = await children.active(turn.session, posyandu_id)
        place = await regions.place(turn.session, posyandu_id)
        turn.state.data = {"step": "home"}
        turn.ask(
            turn.t("children.home", posyandu=place.name if place else "-", count=len(kids)),
            [
                ("list", turn.t("children.nav.list")),
                ("add", turn.t("children.nav.add")),
                ("import", turn.t("children.nav.import")),
                ("weigh", turn.t("children.nav.weigh")),
                ("followup", turn.t("child_followup.nav.open")),
                (MENU, turn.t("children.nav.menu")),
            ],
        )

    async def handle(self, turn: Turn, inp: Input) -> None:
        posyandu_id = await cadre_posyandu_or_menu(turn)
        if posyandu_id is None:
            return
        data = turn.state.data
        step = data.get("step", "home")
        value = inp.value or ""
        if value == MENU:
            await turn.goto(MENU)
        elif value == "add":
            await turn.goto("child_add")
        elif value == "weigh":
            await turn.goto("weighing")
        elif value == "followup":
            await turn.goto("child_followup")
        elif value == "home" or (inp.is_back and step in ("list", "import")):
            await self.begin(turn)
        elif value == "list":
            await self._list(turn, posyandu_id)
        elif value == "import":
            data["step"] = "import"
            self._ask_file(turn, "children.import.ask_file")
        elif step == "import" and value == TEMPLATE:
            turn.replies.append(
                File(
                    "document",
                    turn.t("growth_recap.template.filename"),
                    children_template.template(turn.t),
                    caption=turn.t("growth_recap.template.caption"),
                    mime_type=children_template.MIME,
                )
            )
            self._ask_file(turn, "children.import.ask_file")
        elif step == "import":
            await self._import(turn, posyandu_id, inp)
        elif value.startswith("c") and value[1:].isdigit():
            await self._card(turn, posyandu_id, int(value[1:]))
        elif step == "card":
            await self._on_card(turn, posyandu_id, inp)
        elif step == "leave":
            await self._on_leave(turn, posyandu_id, inp)
        elif step == "move":
            await self._on_move(turn, posyandu_id, inp)
        elif step == "list" and inp.text and not inp.is_back:
            await self._list(turn, posyandu_id, search=inp.text.strip())
        elif inp.is_back:
            await self.begin(turn)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    async def _list(self, turn: Turn, posyandu_id: int, *, search: str | None = None) -> None:
        await children.sweep_aged_out(turn.session, posyandu_id, turn.today)
        kids = await children.active(turn.session, posyandu_id)
        turn.state.data = {"step": "list"}
        if search:
            found = match_names(kids, search)
            if not found:
                text = turn.t("children.list.none_found", typed=search)
            else:
                text = turn.t("children.list.found", count=len(found), typed=search)
            kids = found
        elif not kids:
            turn.ask(
                turn.t("children.list.empty"),
                [
                    ("add", turn.t("children.nav.add")),
                    ("import", turn.t("children.nav.import")),
                    ("home", turn.t("children.nav.home")),
                ],
            )
            return
        else:
            text = turn.t("children.list.title", count=len(kids))
        rows = [child_row(turn.t, c, turn.today) for c in kids]
        rows.append(("home", turn.t("children.nav.home")))
        turn.ask(text, rows, numbered=False)

    async def _card(self, turn: Turn, posyandu_id: int, child_id: int) -> None:
        child = await children.in_posyandu(turn.session, posyandu_id, child_id)
        if child is None or child.status != "active":
            turn.say("children.not_found")
            await self._list(turn, posyandu_id)
            return
        turn.state.data = {"step": "card", "child": child.id}
        history = await children.history(turn.session, child.id)
        last = history[-1] if history else None
        lines = [
            turn.t(
                "children.card",
                name=child.full_name,
                sex=turn.t(f"children.sex.{child.sex}"),
                born=child.birth_date.strftime("%d-%m-%Y"),
                months=age_months(child.birth_date, turn.today),
                mother=child.mother_name,
                phone=child.mother_phone or "-",
                nik=child.mother_nik_masked or "-",
                kia=turn.t("children.yes" if child.has_kia else "children.no"),
            )
        ]
        if last is not None:
            lines.append(
                turn.t(
                    "children.card.last",
                    date=last.measured_on.strftime("%d-%m-%Y"),
                    weight=_decimal(last.weight_kg, turn.lang),
                    height=_decimal(last.height_cm, turn.lang),
                )
            )
        followed = await child_followup.for_child(turn.session, child.id, limit=1)
        if followed:  # the latest follow-up action (handlers/flows/child_followup.py)
            lines.append(
                turn.t(
                    "child_followup.card.latest",
                    action=turn.t(f"child_followup.action.{followed[0].action}"),
                    date=followed[0].recorded_at.astimezone(turn.zone).strftime("%d-%m-%Y"),
                )
            )
        turn.ask(
            "\n".join(lines),
            [
                ("move", turn.t("children.nav.move")),
                ("leave", turn.t("children.nav.leave")),
                (MOTHER_CODE, turn.t("mothers.cadre.button")),
                ("list", turn.t("children.nav.back_list")),
            ],
        )

    async def _on_card(self, turn: Turn, posyandu_id: int, inp: Input) -> None:
        child = await children.in_posyandu(turn.session, posyandu_id, int(turn.state.data["child"]))
        if child is None:
            await self._list(turn, posyandu_id)
            return
        if inp.value == "leave":
            turn.state.data["step"] = "leave"
            turn.ask(
                turn.t("children.leave.ask", name=child.full_name),
                [
                    ("moved", turn.t("children.leave.moved")),
                    ("died", turn.t("children.leave.died")),
                    ("cancel", turn.t("children.nav.cancel")),
                ],
            )
        elif inp.value == "move":
            places = await children.siblings(turn.session, posyandu_id)
            turn.state.data["step"] = "move"
            rows = [(f"p{p.id}", p.name) for p in places]
            rows.append(("cancel", turn.t("children.nav.cancel")))
            turn.ask(turn.t("children.move.ask", name=child.full_name), rows)
        elif inp.value == MOTHER_CODE:  # a one-time code the mother types in /anakku (issue #17)
            issued = await mother_link.issue_code(
                turn.session, child, cadre_person_id=turn.person.id, now=turn.now
            )
            expires = issued.expires_at.astimezone(turn.zone).strftime("%d-%m-%Y %H.%M")
            turn.say("mothers.cadre.code", name=child.full_name, code=issued.code, date=expires)
            await self._card(turn, posyandu_id, child.id)
        elif inp.is_back:
            await self._list(turn, posyandu_id)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    async def _on_leave(self, turn: Turn, posyandu_id: int, inp: Input) -> None:
        child = await children.in_posyandu(turn.session, posyandu_id, int(turn.state.data["child"]))
        if child is None or inp.value == "cancel" or inp.is_back:
            await self._list(turn, posyandu_id)
            return
        if inp.value not in ("moved", "died"):
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        child.status = inp.value
        child.left_reason = "moved_away" if inp.value == "moved" else "died"
        turn.say(f"children.leave.done_{inp.value}", name=child.full_name)
        await self._list(turn, posyandu_id)

    async def _on_move(self, turn: Turn, posyandu_id: int, inp: Input) -> None:
        child = await children.in_posyandu(turn.session, posyandu_id, int(turn.state.data["child"]))
        value = inp.value or ""
        if child is None or value == "cancel" or inp.is_back:
            await self._list(turn, posyandu_id)
            return
        targets = {f"p{p.id}": p for p in await children.siblings(turn.session, posyandu_id)}
        if value not in targets:
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        child.posyandu_id = targets[value].id
        turn.say("children.move.done", name=child.full_name, posyandu=targets[value].name)
        await self._list(turn, posyandu_id)

    # -- import ---------------------------------------------------------------------------
    @staticmethod
    def _ask_file(turn: Turn, key: str) -> None:
        turn.ask(
            turn.t(key),
            [(TEMPLATE, turn.t("growth_recap.template.get")), ("home", turn.t("children.nav.home"))],
        )

    async def _import(self, turn: Turn, posyandu_id: int, inp: Input) -> None:
        files = [a for a in inp.attachments if a.kind == "document"]
        if not files:
            self._ask_file(turn, "children.import.need_file")
            return
        data = await self._bytes(turn, files[0])
        if data is None:
            return
        result = await children_import.import_children(
            turn.session,
            data[0],
            filename=data[1],
            posyandu_id=posyandu_id,
            person_id=turn.person.id,
            now=turn.now,
            today=turn.today,
        )
        turn.say_text("\n".join(result.lines(turn.t, "children.import.done")))
        if result.ok:
            await self._list(turn, posyandu_id)
        else:
            self._ask_file(turn, "children.import.ask_fixed_file")

    async def _bytes(self, turn: Turn, attachment: Attachment) -> tuple[bytes, str] | None:
        found = await sheets.sent_table(turn, attachment)
        if found is None:
            log.warning("children import: document %s not in the media store", attachment.media_id)
            self._ask_file(turn, "children.import.not_received")
        return found


def _decimal(value: float | None, lang: str) -> str:
    if value is None:
        return "-"
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "id" else text
