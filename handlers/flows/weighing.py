"""/timbang: weighing day. The cadre types one line per child (`Aisyah 9,2 74,5`), several lines
pasted at once taken in one go and each answered in the same reply (stored, refused with the reason,
or questioned), or picks a child from the list (paged, searchable by typing a name) and answers
weight, length/height (lying or standing, by age unless changed) and optionally LiLA and head
circumference. Doubtful values and ambiguous names are asked about one at a time afterwards.

Only the children of the cadre's own Posyandu are ever matched or shown."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from handlers.flows.base import Flow
from handlers.flows.children import cadre_posyandu_or_menu, child_row, match_names
from handlers.growth.register import age_months
from handlers.growth.weighing import (
    Line,
    LineProblem,
    assess_line,
    check_bounds,
    find_child,
    lying_by_age,
    parse_line,
    previous_for,
    read_number,
    store,
    this_month,
)
from handlers.i18n import Translator
from handlers.turn import SKIP, Input, Turn
from storage.models_growth import Child
from storage.repositories import children

MENU = "menu"
DONE = "done"


def _num(value: float | None, lang: str) -> str:
    if value is None:
        return "-"
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "id" else text


def _line_dict(line: Line) -> dict[str, Any]:
    return dataclasses.asdict(line)


def _numbers(text: str) -> list[float] | None:
    tokens = text.replace("kg", " ").replace("cm", " ").split()
    try:
        return [read_number(t) for t in tokens]
    except ValueError:
        return None


def _new_lines(inp: Input) -> bool:
    """Typed lines with a name (not just the corrected numbers of the child asked about)."""
    text = (inp.text or "").strip()
    return inp.value is None and any(ch.isdigit() for ch in text) and _numbers(text) is None


class WeighingFlow(Flow):
    name = "weighing"
    needs_consent = True
    roles = frozenset({"cadre"})

    async def begin(self, turn: Turn, **args: Any) -> None:
        posyandu_id = await cadre_posyandu_or_menu(turn, sweep=True)
        if posyandu_id is None:
            return
        turn.state.data = {"step": "entry", "on": turn.today.isoformat(), "queue": []}
        await self._entry(turn, posyandu_id, intro=True)

    async def handle(self, turn: Turn, inp: Input) -> None:
        posyandu_id = await cadre_posyandu_or_menu(turn)
        if posyandu_id is None:
            return
        data = turn.state.data
        step = data.get("step", "entry")
        if inp.value == MENU or inp.value == DONE:
            await self._finish(turn, posyandu_id)
        elif step in ("which", "doubt") and _new_lines(inp):
            # More lines typed while a question is open: taken too; the question stays first.
            await self._lines(turn, posyandu_id, inp.text or "")
        elif step == "which":
            await self._on_which(turn, posyandu_id, inp)
        elif step == "doubt":
            await self._on_doubt(turn, posyandu_id, inp)
        elif step in ("weight", "height", "extra"):
            await self._on_pick_step(turn, posyandu_id, inp)
        elif inp.value and inp.value.startswith("c") and inp.value[1:].isdigit():
            await self._start_pick(turn, posyandu_id, int(inp.value[1:]))
        elif inp.text and any(ch.isdigit() for ch in inp.text):
            await self._lines(turn, posyandu_id, inp.text)
        elif inp.text and not inp.is_back:
            await self._search(turn, posyandu_id, inp.text.strip())
        elif inp.is_back:
            await self._entry(turn, posyandu_id)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    # -- the entry screen -------------------------------------------------------------------
    def _on(self, turn: Turn) -> dt.date:
        return dt.date.fromisoformat(turn.state.data["on"])

    async def _entry(
        self, turn: Turn, posyandu_id: int, *, lead: str | None = None, intro: bool = False
    ) -> None:
        data = turn.state.data
        if data.get("queue"):
            await self._ask_queued(turn, posyandu_id, lead=lead)
            return
        data["step"] = "entry"
        data.pop("pick", None)
        kids = await children.active(turn.session, posyandu_id)
        on = self._on(turn)
        weighed = await this_month(turn.session, [c.id for c in kids], on)
        waiting = [c for c in kids if c.id not in weighed]
        if not kids:
            turn.say("weighing.no_children")
            await turn.goto("children")
            return
        key = "weighing.intro" if intro else "weighing.next"
        text = turn.t(key, weighed=len(weighed), total=len(kids))
        rows = [child_row(turn.t, c, on) for c in waiting]
        rows.append((DONE, turn.t("weighing.nav.done")))
        turn.ask(text, rows, numbered=False, lead=lead)

    async def _search(self, turn: Turn, posyandu_id: int, typed: str) -> None:
        kids = await children.active(turn.session, posyandu_id)
        found = match_names(kids, typed) or find_child(kids, typed)
        on = self._on(turn)
        if not found:
            turn.say("weighing.search.none", typed=typed)
            await self._entry(turn, posyandu_id)
            return
        rows = [child_row(turn.t, c, on) for c in found]
        rows.append((DONE, turn.t("weighing.nav.done")))
        turn.ask(turn.t("weighing.search.found", typed=typed), rows, numbered=False)

    async def _finish(self, turn: Turn, posyandu_id: int) -> None:
        kids = await children.active(turn.session, posyandu_id)
        weighed = await this_month(turn.session, [c.id for c in kids], self._on(turn))
        gained = sum(1 for m in weighed.values() if m.gain == "N")
        turn.say("weighing.finished", weighed=len(weighed), total=len(kids), gained=gained)
        turn.state.data = {}
        await turn.goto("child_followup")  # the children to follow up after the weighing day

    # -- typed lines ------------------------------------------------------------------------
    async def _lines(self, turn: Turn, posyandu_id: int, text: str) -> None:
        on = self._on(turn)
        kids = await children.active(turn.session, posyandu_id)
        ids = [c.id for c in kids]
        previous = await previous_for(turn.session, ids, on)
        current = await this_month(turn.session, ids, on)
        queue: list[dict[str, Any]] = turn.state.data.setdefault("queue", [])
        out: list[str] = []
        for raw in (r.strip() for r in text.splitlines()):
            if not raw:
                continue
            try:
                line = parse_line(raw)
                check_bounds(line)
            except LineProblem as problem:
                out.append(
                    turn.t("weighing.line.refused", line=raw, reason=turn.t(problem.key, **problem.params))
                )
                continue
            matches = find_child(kids, line.name)
            if not matches:
                out.append(
                    turn.t(
                        "weighing.line.refused",
                        line=raw,
                        reason=turn.t("weighing.err.unknown_name", name=line.name),
                    )
                )
                continue
            if len(matches) > 1:
                queue.append(
                    {
                        "kind": "which",
                        "raw": raw,
                        "line": _line_dict(line),
                        "candidates": [c.id for c in matches],
                    }
                )
                out.append(turn.t("weighing.line.which", line=raw))
                continue
            child = matches[0]
            out.append(self._take(turn, child, line, previous.get(child.id), current, raw, queue))
        await self._entry(turn, posyandu_id, lead="\n".join(out) + "\n")

    def _take(
        self,
        turn: Turn,
        child: Child,
        line: Line,
        previous: Any,
        current: dict[int, Any],
        raw: str,
        queue: list[dict[str, Any]],
        *,
        confirmed: bool = False,
    ) -> str:
        """Store a line for a child, or queue it as a question when a value is doubtful."""
        on = self._on(turn)
        # A newer line for a child supersedes a question still open about that child.
        queue[:] = [q for q in queue if not (q["kind"] == "doubt" and q["child"] == child.id)]
        assessed = assess_line(child, line, on, previous)
        if assessed.doubts and not confirmed:
            queue.append(
                {
                    "kind": "doubt",
                    "raw": raw,
                    "line": _line_dict(line),
                    "child": child.id,
                    "doubts": [[key, _plain(params, turn.lang)] for key, params in assessed.doubts],
                }
            )
            return turn.t("weighing.line.doubt", line=raw)
        measurement = store(
            turn.session, assessed, current.get(child.id), person_id=turn.person.id, now=turn.now
        )
        current[child.id] = measurement
        return _stored_line(turn.t, turn.lang, child, assessed.values)

    # -- questions asked one at a time ------------------------------------------------------
    async def _ask_queued(self, turn: Turn, posyandu_id: int, *, lead: str | None = None) -> None:
        data = turn.state.data
        item = data["queue"][0]
        on = self._on(turn)
        if item["kind"] == "which":
            data["step"] = "which"
            rows: list[tuple[str, str]] = []
            for child_id in item["candidates"]:
                child = await children.in_posyandu(turn.session, posyandu_id, child_id)
                if child is not None:
                    rows.append(child_row(turn.t, child, on))
            rows.append((SKIP, turn.t("weighing.nav.skip_line")))
            turn.ask(turn.t("weighing.which", line=item["raw"]), rows, lead=lead)
            return
        data["step"] = "doubt"
        child = await children.in_posyandu(turn.session, posyandu_id, item["child"])
        reasons = "; ".join(turn.t(key, **params) for key, params in item["doubts"])
        turn.ask(
            turn.t(
                "weighing.doubt", name=child.full_name if child else "-", line=item["raw"], reasons=reasons
            ),
            [("keep", turn.t("weighing.nav.keep")), (SKIP, turn.t("weighing.nav.skip_line"))],
            numbered=False,
            lead=lead,
        )

    async def _on_which(self, turn: Turn, posyandu_id: int, inp: Input) -> None:
        queue = turn.state.data["queue"]
        item = queue[0]
        value = inp.value or ""
        if value == SKIP:
            queue.pop(0)
            await self._entry(turn, posyandu_id, lead=turn.t("weighing.line.skipped", line=item["raw"]))
            return
        chosen = int(value[1:]) if value.startswith("c") and value[1:].isdigit() else None
        if chosen not in item["candidates"]:
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        child = await children.in_posyandu(turn.session, posyandu_id, chosen)
        queue.pop(0)
        if child is None:
            await self._entry(turn, posyandu_id)
            return
        await self._take_one(turn, posyandu_id, child, Line(**item["line"]), item["raw"])

    async def _on_doubt(self, turn: Turn, posyandu_id: int, inp: Input) -> None:
        queue = turn.state.data["queue"]
        item = queue[0]
        child = await children.in_posyandu(turn.session, posyandu_id, item["child"])
        if child is None:
            queue.pop(0)
            await self._entry(turn, posyandu_id)
            return
        if inp.value == SKIP:
            queue.pop(0)
            await self._entry(turn, posyandu_id, lead=turn.t("weighing.line.skipped", line=item["raw"]))
            return
        if inp.value == "keep":
            queue.pop(0)
            await self._take_one(turn, posyandu_id, child, Line(**item["line"]), item["raw"], confirmed=True)
            return
        typed = (inp.text or "").strip()
        numbers = _numbers(typed)
        try:
            line = parse_line(f"{child.full_name} {typed}") if numbers else parse_line(typed)
            check_bounds(line)
        except LineProblem as problem:
            turn.say(problem.key, **problem.params)
            turn.show_prompt()
            return
        queue.pop(0)
        await self._take_one(turn, posyandu_id, child, line, typed)

    async def _take_one(
        self, turn: Turn, posyandu_id: int, child: Child, line: Line, raw: str, *, confirmed: bool = False
    ) -> None:
        on = self._on(turn)
        previous = (await previous_for(turn.session, [child.id], on)).get(child.id)
        current = await this_month(turn.session, [child.id], on)
        queue = turn.state.data["queue"]
        before = len(queue)
        said = self._take(turn, child, line, previous, current, raw, queue, confirmed=confirmed)
        if len(queue) > before:  # questioned again: ask it first
            queue.insert(0, queue.pop())
        await self._entry(turn, posyandu_id, lead=said + "\n")

    # -- a picked child, step by step -------------------------------------------------------
    async def _start_pick(self, turn: Turn, posyandu_id: int, child_id: int) -> None:
        child = await children.in_posyandu(turn.session, posyandu_id, child_id)
        if child is None or child.status != "active":
            turn.say("children.not_found")
            await self._entry(turn, posyandu_id)
            return
        turn.state.data["pick"] = {"child": child.id, "lying": lying_by_age(child, self._on(turn))}
        turn.state.data["step"] = "weight"
        await self._ask_pick(turn, child)

    async def _ask_pick(self, turn: Turn, child: Child) -> None:
        data = turn.state.data
        pick = data["pick"]
        step = data["step"]
        back = ("_back", turn.t("nav.back"))
        if step == "weight":
            turn.ask(
                turn.t(
                    "weighing.ask.weight",
                    name=child.full_name,
                    months=age_months(child.birth_date, self._on(turn)),
                ),
                [back],
                numbered=False,
            )
        elif step == "height":
            way = "lying" if pick["lying"] else "standing"
            other = "standing" if pick["lying"] else "lying"
            turn.ask(
                turn.t(f"weighing.ask.height_{way}", name=child.full_name),
                [(other, turn.t(f"weighing.nav.{other}")), (SKIP, turn.t("nav.skip")), back],
                numbered=False,
            )
        else:
            turn.ask(
                turn.t("weighing.ask.extra", name=child.full_name),
                [(SKIP, turn.t("nav.skip")), back],
                numbered=False,
            )

    async def _on_pick_step(self, turn: Turn, posyandu_id: int, inp: Input) -> None:
        data = turn.state.data
        pick = data["pick"]
        child = await children.in_posyandu(turn.session, posyandu_id, pick["child"])
        if child is None:
            await self._entry(turn, posyandu_id)
            return
        step = data["step"]
        order = ["weight", "height", "extra"]
        if inp.is_back:
            if step == "weight":
                await self._entry(turn, posyandu_id)
            else:
                data["step"] = order[order.index(step) - 1]
                await self._ask_pick(turn, child)
            return
        if step == "height" and inp.value in ("lying", "standing"):
            pick["lying"] = inp.value == "lying"
            await self._ask_pick(turn, child)
            return
        numbers = [] if inp.value == SKIP else _numbers(inp.text or "")
        if (
            numbers is None
            or (step == "weight" and len(numbers) != 1)
            or (step == "height" and len(numbers) > 1)
            or len(numbers) > 2
        ):
            turn.say("weighing.err.number")
            await self._ask_pick(turn, child)
            return
        if step == "weight":
            pick["weight"] = numbers[0]
        elif step == "height":
            pick["height"] = numbers[0] if numbers else None
        else:
            pick["muac"] = numbers[0] if numbers else None
            pick["head"] = numbers[1] if len(numbers) > 1 else None
        line = Line(
            child.full_name,
            pick.get("weight", 0.0),
            pick.get("height"),
            pick.get("muac"),
            pick.get("head"),
            pick["lying"],
        )
        try:
            check_bounds(line)
        except LineProblem as problem:
            turn.say(problem.key, **problem.params)
            await self._ask_pick(turn, child)
            return
        if step != "extra":
            data["step"] = order[order.index(step) + 1]
            await self._ask_pick(turn, child)
            return
        data.pop("pick", None)
        raw = f"{child.full_name} {_num(line.weight, turn.lang)} {_num(line.height, turn.lang)}"
        await self._take_one(turn, posyandu_id, child, line, raw)


def _plain(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """Doubt parameters as text (kept in the conversation state, which holds JSON)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dt.date):
            out[key] = value.strftime("%d-%m-%Y")
        elif isinstance(value, float):
            out[key] = _num(value, lang)
        else:
            out[key] = value
    return out


def _stored_line(t: Translator, lang: str, child: Child, values: dict[str, Any]) -> str:
    classes = values.get("classes") or {}
    shown = [t(f"weighing.class.{classes[k]}") for k in ("waz", "haz", "whz") if classes.get(k)]
    return t(
        "weighing.line.stored",
        name=child.full_name,
        weight=_num(values["weight_kg"], lang),
        height=_num(values["height_cm"], lang),
        gain=t(f"weighing.gain.{values['gain']}"),
        classes=", ".join(shown) if shown else "-",
    )
