"""Finding one's Posyandu: walk the region tree with options, or type part of its name."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from handlers.forms.fields import Accept, FieldContext, Invalid, OptionRow, Stay
from handlers.forms.tree_picker import TreePickerField
from handlers.turn import Input
from storage.repositories import regions

MATCH_FLOOR = 70  # below this a name is not offered at all
SURE_SCORE = 90  # at or above this, and clearly ahead of the next, one match is offered to confirm
MAX_CANDIDATES = 6


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
            top = await regions.top(session)
            return t("posyandu.ask_kabupaten"), [(r.code, r.name) for r in top], True
        here = await regions.get(session, path[-1])
        assert here is not None
        if here.level in ("kelurahan", "desa"):
            found = await regions.posyandu_in(session, here.code)
            if not found:
                return t("posyandu.none_in_desa", desa=here.name), [], True
            return t("posyandu.ask_posyandu", desa=here.name), [(f"p{p.id}", p.name) for p in found], True
        below = await regions.children(session, here.code)
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
            fc.turn.say("posyandu.try_again")
            return Stay()
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
            "posyandu.none_in_desa",
            "posyandu.ask_posyandu",
            "posyandu.ask_kecamatan",
            "posyandu.ask_desa",
            "posyandu.try_again",
            "posyandu.not_found",
            "posyandu.type_more",
        ]
