"""Finding one's Posyandu: walk the region tree with options, or type part of its name.

Only branches with a desa/kelurahan below them are offered, so no choice leads nowhere. At a desa
the person may also say their Posyandu is not listed: the answer is then a proposal,
{"new": True, "desa": code, "desa_label": …}, which the registration completes (name, place, day)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process, utils

from handlers.forms.fields import Accept, FieldContext, Invalid, OptionRow, Stay
from handlers.forms.tree_picker import TreePickerField
from handlers.i18n import Translator
from handlers.turn import Input
from storage.repositories import regions, tickets

MATCH_FLOOR = 70  # below this a name is not offered at all
SURE_SCORE = 90  # at or above this, and clearly ahead of the next, one match is offered to confirm
MAX_CANDIDATES = 6
NEW = "new"  # "my Posyandu is not listed here": propose it


def _label(place: regions.PosyanduPlace) -> str:
    return f"{place.name} — {place.desa}, {place.kecamatan}"


def _searchable(place: regions.PosyanduPlace) -> str:
    return f"{place.name.removeprefix('Posyandu ')} {place.desa} {place.kecamatan} {place.kabupaten}"


@dataclass(frozen=True, kw_only=True)
class PosyanduField(TreePickerField):
    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        t, local, session = fc.t, fc.local, fc.turn.session
        if "confirm" in local:
            place = local["confirm"]
            return (
                t("posyandu.confirm", place=place["label"]),
                [
                    ("yes", t("common.yes")),
                    ("no", t("posyandu.not_this")),
                ],
                True,
            )
        if "candidates" in local:
            rows: list[OptionRow] = [(f"p{c['id']}", c["label"]) for c in local["candidates"]]
            rows.append(("none", t("posyandu.none_of_these")))
            return t("posyandu.pick_match"), rows, True
        path: list[str] = local.get("path", [])
        if not path:
            top = await regions.top_with_villages(session)
            return t("posyandu.ask_kabupaten"), [(r.code, r.name) for r in top], True
        here = await regions.get(session, path[-1])
        assert here is not None
        if here.level in regions.VILLAGE_LEVELS:
            found = await regions.posyandu_in(session, here.code)
            rows = [(f"p{p.id}", p.name) for p in found]
            rows.append((NEW, t("posyandu.new.option")))
            if not found:
                return t("posyandu.new.none_in_desa", desa=here.name), rows, True
            return t("posyandu.ask_posyandu", desa=here.name), rows, True
        below = await regions.children_with_villages(session, here.code)
        key = "posyandu.ask_kecamatan" if here.level in ("kabupaten", "kota") else "posyandu.ask_desa"
        return t(key, region=here.name), [(r.code, r.name) for r in below], True

    async def accept(self, fc: FieldContext, inp: Input) -> Accept | Stay:
        local = fc.local
        if "confirm" in local:
            if inp.value == "yes":
                return Accept(local["confirm"])
            if inp.value == "no":
                local.pop("confirm")
                fc.turn.say("posyandu.try_again")
                return Stay()
            raise Invalid("form.err.pick_option")
        if inp.value == "none":
            local.pop("candidates", None)
            at_desa = await self._desa_here(fc)
            fc.turn.say("posyandu.try_again" if at_desa else "posyandu.new.how")
            return Stay()
        if inp.value == NEW:
            desa = await self._desa_here(fc)
            if desa is None:
                raise Invalid("form.err.pick_option")
            label = await tickets.region_label(fc.turn.session, desa)
            return Accept({"new": True, "desa": desa, "desa_label": label})
        if inp.value is not None and inp.value.startswith("p") and inp.value[1:].isdigit():
            place = await regions.place(fc.turn.session, int(inp.value[1:]))
            if place is None:
                raise Invalid("posyandu.not_found", query=inp.value)
            return Accept({"id": place.id, "label": _label(place)})
        if inp.value is not None:
            local.setdefault("path", []).append(inp.value)
            local.pop("candidates", None)
            return Stay()
        return await self._search(fc, inp)

    async def _desa_here(self, fc: FieldContext) -> str | None:
        """The desa/kelurahan the person has walked to, if the walk ends at one."""
        path: list[str] = fc.local.get("path", [])
        if not path:
            return None
        here = await regions.get(fc.turn.session, path[-1])
        return here.code if here is not None and here.level in regions.VILLAGE_LEVELS else None

    def show(self, t: Translator, value: Any) -> str:
        if value and value.get("new"):
            return t("posyandu.new.label", desa=value["desa_label"])
        return super().show(t, value)

    async def _search(self, fc: FieldContext, inp: Input) -> Stay:
        query = (inp.text or "").strip()
        if len(query) < 3:
            raise Invalid("posyandu.type_more")
        path: list[str] = fc.local.get("path", [])
        cleaned = utils.default_process(query).removeprefix("posyandu ").strip()
        # Search where the person has walked to; if nothing is there, everywhere.
        scopes = [path[-1], None] if path else [None]
        for scope in scopes:
            places = await regions.places(fc.turn.session, within=scope)
            choices = {p.id: _searchable(p) for p in places}
            hits = process.extract(
                cleaned, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=MAX_CANDIDATES
            )
            hits = [h for h in hits if h[1] >= MATCH_FLOOR]
            if hits:
                break
        else:
            raise Invalid("posyandu.not_found", query=query)
        by_id = {p.id: p for p in places}
        best_score = hits[0][1]
        clear_lead = len(hits) == 1 or best_score - hits[1][1] >= 8
        if best_score >= SURE_SCORE and clear_lead:
            place = by_id[hits[0][2]]
            fc.local["confirm"] = {"id": place.id, "label": _label(place)}
        else:
            fc.local["candidates"] = [{"id": h[2], "label": _label(by_id[h[2]])} for h in hits]
        return Stay()

    def message_keys(self) -> list[str]:
        return [
            *super().message_keys(),
            "posyandu.confirm",
            "posyandu.not_this",
            "posyandu.pick_match",
            "posyandu.none_of_these",
            "posyandu.ask_kabupaten",
            "posyandu.new.none_in_desa",
            "posyandu.new.option",
            "posyandu.new.how",
            "posyandu.new.label",
            "posyandu.ask_posyandu",
            "posyandu.ask_kecamatan",
            "posyandu.ask_desa",
            "posyandu.try_again",
            "posyandu.not_found",
            "posyandu.type_more",
        ]
