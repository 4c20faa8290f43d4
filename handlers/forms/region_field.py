"""Where something is: walk kabupaten/kota → kecamatan → desa/kelurahan with options, or type the
desa's name. Modelled on the Posyandu field; the answer is {"code", "label"}."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from handlers.forms.fields import Accept, FieldContext, Invalid, OptionRow, Stay
from handlers.forms.tree_picker import TreePickerField
from handlers.turn import Input
from storage.repositories import regions, tickets

MATCH_FLOOR = 75  # below this a name is not offered at all
SURE_SCORE = 90  # at or above this, and clearly ahead of the next, one match is offered to confirm
MAX_CANDIDATES = 6
HERE = "here"  # "this kecamatan (or kabupaten) is enough"


@dataclass(frozen=True, kw_only=True)
class RegionField(TreePickerField):
    """`partial`: the person may stop at the kabupaten/kota (an urgent report should not wait on it).
    A kecamatan may always be chosen when its desa is not listed."""

    partial: bool = False

    async def question(self, fc: FieldContext) -> tuple[str, list[OptionRow], bool]:
        t, local, session = fc.t, fc.local, fc.turn.session
        if "confirm" in local:
            rows: list[OptionRow] = [("yes", t("common.yes")), ("no", t("resident.region.not_this"))]
            return t("resident.region.confirm", place=local["confirm"]["label"]), rows, True
        if "candidates" in local:
            rows = [(c["code"], c["label"]) for c in local["candidates"]]
            rows.append(("none", t("resident.region.none_of_these")))
            return t("resident.region.pick_match"), rows, True
        path: list[str] = local.get("path", [])
        if not path:
            top = await regions.top(session)
            return t(self.prompt), [(r.code, r.name) for r in top], True
        here = await regions.get(session, path[-1])
        assert here is not None
        rows = [(r.code, r.name) for r in await regions.children(session, here.code)]
        if here.level in ("kabupaten", "kota"):
            if self.partial:
                rows.append((HERE, t("resident.region.whole_kabupaten", region=here.name)))
            return t("resident.region.ask_kecamatan", region=here.name), rows, True
        rows.append((HERE, t("resident.region.desa_not_listed")))
        return t("resident.region.ask_desa", region=here.name), rows, True

    async def accept(self, fc: FieldContext, inp: Input) -> Accept | Stay:
        local, session = fc.local, fc.turn.session
        if "confirm" in local:
            if inp.value == "yes":
                return Accept(local["confirm"])
            if inp.value == "no":
                local.pop("confirm")
                fc.turn.say("resident.region.try_again")
                return Stay()
            raise Invalid("form.err.pick_option")
        if inp.value == "none":
            local.pop("candidates", None)
            fc.turn.say("resident.region.try_again")
            return Stay()
        path: list[str] = local.setdefault("path", [])
        if inp.value == HERE and path:
            return Accept(await _place(fc, path[-1]))
        if inp.value is not None:
            region = await regions.get(session, inp.value)
            if region is None:
                raise Invalid("form.err.pick_option")
            local.pop("candidates", None)
            if region.level in ("desa", "kelurahan"):
                return Accept(await _place(fc, region.code))
            if region.level == "kecamatan" and not await regions.children(session, region.code):
                return Accept(await _place(fc, region.code))  # no desa listed: the kecamatan will do
            path.append(region.code)
            return Stay()
        return await self._search(fc, inp)

    async def _search(self, fc: FieldContext, inp: Input) -> Stay:
        query = (inp.text or "").strip()
        if len(query) < 3:
            raise Invalid("resident.region.type_more")
        path: list[str] = fc.local.get("path", [])
        cleaned = utils.default_process(query)
        for prefix in ("desa ", "kelurahan ", "kel ", "ds "):
            cleaned = cleaned.removeprefix(prefix)
        # Search where the person has walked to; if nothing is there, everywhere. Desa and kelurahan
        # first, then kecamatan (a person may know only "Tenggarong").
        session = fc.turn.session
        for scope in [path[-1], None] if path else [None]:
            found = await regions.villages(session, within=scope) + await regions.districts(
                session, within=scope
            )
            hits = process.extract(
                cleaned,
                {v.code: v.name for v in found},
                scorer=fuzz.WRatio,
                processor=utils.default_process,
                limit=MAX_CANDIDATES,
            )
            hits = [h for h in hits if h[1] >= MATCH_FLOOR]
            if hits:
                break
        else:
            raise Invalid("resident.region.not_found", query=query)
        by_code = {v.code: v for v in found}
        exact = [h for h in hits if utils.default_process(by_code[h[2]].name) == cleaned]
        if len(exact) == 1:  # "tanjung selor hilir" is that kelurahan, not kecamatan Tanjung Selor
            hits = exact
        clear_lead = len(hits) == 1 or hits[0][1] - hits[1][1] >= 8
        best = by_code[hits[0][2]]
        if hits[0][1] >= SURE_SCORE and clear_lead and _is_kecamatan(best):
            fc.local["path"] = [*path, best.code]  # walk into it: its desa come next
        elif hits[0][1] >= SURE_SCORE and clear_lead:
            fc.local["confirm"] = _village(best)
        else:
            fc.local["candidates"] = [_village(by_code[h[2]]) for h in hits]
        return Stay()

    def message_keys(self) -> list[str]:
        return [
            *super().message_keys(),
            "resident.region.confirm",
            "resident.region.not_this",
            "resident.region.pick_match",
            "resident.region.none_of_these",
            "resident.region.ask_kecamatan",
            "resident.region.ask_desa",
            "resident.region.whole_kabupaten",
            "resident.region.desa_not_listed",
            "resident.region.try_again",
            "resident.region.not_found",
            "resident.region.type_more",
        ]


def _is_kecamatan(place: regions.Village) -> bool:
    return place.name == place.kecamatan and place.code.count(".") == 2


def _village(place: regions.Village) -> dict[str, str]:
    if _is_kecamatan(place):
        return {"code": place.code, "label": f"Kec. {place.name}, {place.kabupaten}"}
    return {"code": place.code, "label": f"{place.name}, {place.kecamatan}, {place.kabupaten}"}


async def _place(fc: FieldContext, code: str) -> dict[str, str]:
    return {"code": code, "label": await tickets.region_label(fc.turn.session, code)}
