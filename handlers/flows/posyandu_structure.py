"""/struktur: the structure of the cadre's Posyandu as a tree (paged when long). A cadre joins or
leaves the fields they serve; the ketua gives the registered cadres their places — sekretaris,
bendahara, and per field a koordinator and kader. Every change is audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.flows.base import Flow
from handlers.posyandu import profile
from handlers.posyandu import structure as tree
from handlers.posyandu.spm import ordered
from handlers.turn import BACK, Input, Turn
from storage.models import Cadre
from storage.models_structure import BENDAHARA, KADER, KOORDINATOR, SEKRETARIS
from storage.repositories import audit
from storage.repositories import structure as positions

NEXT, PREVIOUS, JOIN, ASSIGN, MENU, DONE = "next", "prev", "join", "assign", "menu", "done"
ASSIGNABLE_PENGURUS = (SEKRETARIS, BENDAHARA)  # the ketua's own place changes through the coordinator


class StructureFlow(Flow):
    name = "posyandu_structure"
    needs_consent = True
    roles = frozenset({"cadre"})

    async def begin(self, turn: Turn, **args: Any) -> None:
        await self._tree(turn, page=0)

    async def handle(self, turn: Turn, inp: Input) -> None:
        found = await profile.mine(turn.session, turn.person)
        if found is None:
            turn.say("posyandu.profile.not_cadre")
            await turn.goto("menu")
            return
        step = turn.state.data.get("step", "tree")
        if step == "join":
            await self._on_join(turn, found, inp)
        elif step == "members":
            await self._on_members(turn, found, inp)
        elif step == "places":
            await self._on_places(turn, found, inp)
        else:
            await self._on_tree(turn, found, inp)

    # -- the tree ----------------------------------------------------------------------------

    async def _tree(self, turn: Turn, *, page: int) -> None:
        found = await profile.mine(turn.session, turn.person)
        if found is None:
            turn.say("posyandu.profile.not_cadre")
            await turn.goto("menu")
            return
        screens = tree.pages(
            tree.render(turn.t, await tree.load(turn.session, found.institution, now=turn.now))
        )
        page = max(0, min(page, len(screens) - 1))
        turn.state.data = {"step": "tree", "page": page}
        text = screens[page]
        if len(screens) > 1:
            text += "\n\n" + turn.t("structure.page", page=page + 1, pages=len(screens))
        rows: list[tuple[str, str]] = []
        if page + 1 < len(screens):
            rows.append((NEXT, turn.t("structure.next")))
        if page > 0:
            rows.append((PREVIOUS, turn.t("structure.previous")))
        if found.institution.spm_fields:
            rows.append((JOIN, turn.t("structure.join")))
        if found.is_ketua:
            rows.append((ASSIGN, turn.t("structure.assign")))
        rows.append((MENU, turn.t("structure.menu")))
        turn.ask(text, rows)

    async def _on_tree(self, turn: Turn, found: profile.Mine, inp: Input) -> None:
        page = int(turn.state.data.get("page", 0))
        if inp.value == NEXT:
            await self._tree(turn, page=page + 1)
        elif inp.value == PREVIOUS:
            await self._tree(turn, page=page - 1)
        elif inp.value == JOIN:
            await self._join(turn, found)
        elif inp.value == ASSIGN and found.is_ketua:
            await self._members(turn, found)
        elif inp.value == MENU:
            await turn.goto("menu")
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    # -- a cadre joins or leaves the fields they serve -----------------------------------------

    async def _join(self, turn: Turn, found: profile.Mine) -> None:
        mine = await _fields_of(turn, found, turn.person.id, KADER)
        turn.state.data = {"step": "join"}
        rows = [
            (
                code,
                turn.t(
                    "posyandu.fields.ticked" if code in mine else "posyandu.fields.unticked",
                    field=turn.t(f"spm.short.{code}"),
                ),
            )
            for code in ordered(found.institution.spm_fields or [])
        ]
        rows.append((DONE, turn.t("structure.done")))
        turn.ask(turn.t("structure.join.ask"), rows)

    async def _on_join(self, turn: Turn, found: profile.Mine, inp: Input) -> None:
        if inp.value == DONE or inp.is_back:
            await self._tree(turn, page=0)
            return
        if inp.value not in (found.institution.spm_fields or []):
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        joined = await _toggle(turn, found, turn.person.id, field=inp.value, role=KADER)
        turn.say(
            "structure.join.joined" if joined else "structure.join.left",
            field=turn.t(f"spm.field.{inp.value}"),
        )
        await self._join(turn, found)

    # -- the ketua gives places ----------------------------------------------------------------

    async def _members(self, turn: Turn, found: profile.Mine) -> None:
        members = await positions.members(turn.session, found.institution.id)
        turn.state.data = {"step": "members"}
        rows = [
            (
                f"m{m.person_id}",
                m.name
                if m.verification == "verified"
                else turn.t("structure.tree.pending_name", name=m.name),
            )
            for m in members
        ]
        rows.append((BACK, turn.t("nav.back")))
        turn.ask(turn.t("structure.assign.who"), rows)

    async def _on_members(self, turn: Turn, found: profile.Mine, inp: Input) -> None:
        if inp.is_back or not found.is_ketua:
            await self._tree(turn, page=0)
            return
        person_id = _member_id(inp.value)
        members = {m.person_id: m for m in await positions.members(turn.session, found.institution.id)}
        if person_id not in members:
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        await self._places(turn, found, person_id, members[person_id].name)

    async def _places(self, turn: Turn, found: profile.Mine, person_id: int, name: str) -> None:
        held = {
            (h.field, h.role)
            for h in await positions.holders(turn.session, found.institution.id)
            if h.person_id == person_id
        }
        turn.state.data = {"step": "places", "person": person_id, "name": name}
        rows = []
        for role in ASSIGNABLE_PENGURUS:
            rows.append((f"{role}:", _tick(turn, (None, role) in held, turn.t(f"structure.role.{role}"))))
        for code in ordered(found.institution.spm_fields or []):
            for role in (KOORDINATOR, KADER):
                label = turn.t(
                    "structure.place",
                    role=turn.t(f"structure.role.{role}"),
                    field=turn.t(f"spm.short.{code}"),
                )
                rows.append((f"{role}:{code}", _tick(turn, (code, role) in held, label)))
        rows.append((DONE, turn.t("structure.done")))
        turn.ask(turn.t("structure.assign.places", name=name), rows)

    async def _on_places(self, turn: Turn, found: profile.Mine, inp: Input) -> None:
        data = turn.state.data
        if inp.value == DONE or inp.is_back or not found.is_ketua:
            if found.is_ketua:
                await self._members(turn, found)
            else:
                await self._tree(turn, page=0)
            return
        role, _, code = (inp.value or "").partition(":")
        field = code or None
        valid_pengurus = field is None and role in ASSIGNABLE_PENGURUS
        valid_field = field in (found.institution.spm_fields or []) and role in (KOORDINATOR, KADER)
        members = {m.person_id for m in await positions.members(turn.session, found.institution.id)}
        if not (valid_pengurus or valid_field) or data.get("person") not in members:
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        person_id = int(data["person"])
        given = await _toggle(turn, found, person_id, field=field, role=role)
        place = (
            turn.t(f"structure.role.{role}")
            if field is None
            else turn.t(
                "structure.place", role=turn.t(f"structure.role.{role}"), field=turn.t(f"spm.short.{field}")
            )
        )
        turn.say(
            "structure.assign.given" if given else "structure.assign.taken", name=data["name"], place=place
        )
        await self._places(turn, found, person_id, data["name"])


def _tick(turn: Turn, held: bool, label: str) -> str:
    return turn.t("structure.tick.on" if held else "structure.tick.off", place=label)


def _member_id(value: str | None) -> int | None:
    if value and value.startswith("m") and value[1:].isdigit():
        return int(value[1:])
    return None


async def _fields_of(turn: Turn, found: profile.Mine, person_id: int, role: str) -> set[str]:
    return {
        h.field
        for h in await positions.holders(turn.session, found.institution.id)
        if h.person_id == person_id and h.role == role and h.field
    }


async def _toggle(turn: Turn, found: profile.Mine, person_id: int, *, field: str | None, role: str) -> bool:
    """Give the place if the person lacks it, take it if they hold it; audited. True: given.
    A pengurus place given or taken is mirrored in the cadre's registered position."""
    session, institution_id = turn.session, found.institution.id
    held = any(
        h.person_id == person_id and h.field == field and h.role == role
        for h in await positions.holders(session, institution_id)
    )
    previous = [
        h.person_id
        for h in await positions.holders(session, institution_id)
        if h.field == field and h.role == role and h.person_id != person_id and role != KADER
    ]
    if held:
        await positions.unplace(
            session, institution_id=institution_id, person_id=person_id, field=field, role=role
        )
    else:
        await positions.place(
            session, institution_id=institution_id, person_id=person_id, field=field, role=role, now=turn.now
        )
    if field is None:
        await _mirror_position(turn, person_id, role if not held else "anggota")
        if not held:
            for other in previous:
                await _mirror_position(turn, other, "anggota")
    await audit.record(
        session,
        actor=turn.person,
        action="structure.unassign" if held else "structure.assign",
        target=f"posyandu {institution_id} person {person_id}",
        details={"posyandu_id": institution_id, "person_id": person_id, "field": field, "role": role},
        now=turn.now,
    )
    return not held


async def _mirror_position(turn: Turn, person_id: int, position: str) -> None:
    """Keep `cadre.position` what the structure says (the ketua's own is left to the coordinator)."""
    cadre = (
        await turn.session.execute(select(Cadre).where(Cadre.person_id == person_id))
    ).scalar_one_or_none()
    if cadre is not None and cadre.position != "ketua":
        cadre.position = position
