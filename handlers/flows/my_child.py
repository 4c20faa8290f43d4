"""/anakku: a mother sees her child's growth (issue #17 point 6).

First the link (handlers/growth/mother_link.py): children registered under her WhatsApp number are
offered at once; otherwise she types the code a cadre gave her. Before anything is shown she reads
what will be shown, to whom else it is visible, and agrees — or not, and nothing is linked. Then,
per child: the last weighing in plain words (weight, length/height, the Permenkes 2/2020 classes
explained kindly, N/T, what to do next — always pointing to the Posyandu or Puskesmas, never to
alarm), the next Posyandu day and immunisation, and the KMS-style chart as a picture.

Every child shown is checked with `may_see` on the step that shows it: a forged or stale button
for another child shows nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from handlers.flows.base import Flow
from handlers.growth import followup
from handlers.growth import mother_link as links
from handlers.growth.kms_chart import Labels, Point, growth_chart
from handlers.growth.register import age_months
from handlers.scheduling.child_rules import next_dose, posyandu_day
from handlers.scheduling.formats import day, weekday
from handlers.turn import Input, Turn
from handlers.types import File
from storage.models import Posyandu
from storage.models_growth import Child, ChildMeasurement
from storage.repositories import mother_links

log = logging.getLogger("kaderbot.my_child")

MENU = "menu"
ACCEPT, DECLINE, CODE = "accept", "decline", "code"
INDICES = ("waz", "haz", "whz")
NEXT_STEP_KEYS = {
    "refer": "mothers.next.refer",
    "counsel": "mothers.next.counsel",
    "visit": "mothers.next.come",
}


class MyChildFlow(Flow):
    name = "my_child"
    needs_consent = True

    async def begin(self, turn: Turn, **args: Any) -> None:
        found = await links.children_by_phone(turn.session, turn.person.id)
        if found:
            await self._ask_consent(turn, found, way="phone")
            return
        linked = await mother_links.linked_children(turn.session, turn.person.id)
        if len(linked) == 1:
            await self._show(turn, linked[0])
        elif linked:
            self._pick(turn, linked)
        else:
            self._ask_code(turn, intro=True)

    async def handle(self, turn: Turn, inp: Input) -> None:
        data = turn.state.data
        step = data.get("step")
        value = inp.value or ""
        if value == MENU or (inp.is_back and step != "consent"):
            await turn.goto(MENU)
        elif step == "consent":
            await self._on_consent(turn, inp)
        elif value == CODE:
            self._ask_code(turn, intro=False)
        elif inp.text and not value and (step == "code" or links.looks_like_code(inp.text)):
            await self._on_code(turn, inp.text)  # a code typed on any screen of /anakku
        elif value.startswith("c") and value[1:].isdigit():
            await self._open(turn, int(value[1:]))
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    # -- linking ----------------------------------------------------------------------------
    def _ask_code(self, turn: Turn, *, intro: bool) -> None:
        turn.state.data = {"step": "code", "tries": turn.state.data.get("tries", 0)}
        text = turn.t("mothers.code.ask_first" if intro else "mothers.code.ask")
        turn.ask(text, [(MENU, turn.t("mothers.nav.menu"))], numbered=False)

    async def _on_code(self, turn: Turn, typed: str) -> None:
        child = await links.child_for_code(turn.session, typed, turn.now)
        if child is None:
            tries = int(turn.state.data.get("tries", 0)) + 1
            if tries >= links.MAX_TRIES:
                turn.say("mothers.code.too_many")
                await turn.goto(MENU)
                return
            turn.state.data["tries"] = tries
            key = "mothers.code.wrong" if links.looks_like_code(typed) else "mothers.code.not_a_code"
            turn.ask(turn.t(key), [(MENU, turn.t("mothers.nav.menu"))], numbered=False)
            return
        await self._ask_consent(turn, [child], way="code", code=links.normalise_code(typed))

    async def _ask_consent(
        self, turn: Turn, children: list[Child], *, way: str, code: str | None = None
    ) -> None:
        names = []
        for child in children:
            posyandu = await turn.session.get(Posyandu, child.posyandu_id)
            names.append(
                turn.t(
                    "mothers.consent.child", name=child.full_name, posyandu=posyandu.name if posyandu else "-"
                )
            )
        turn.state.data = {"step": "consent", "way": way, "children": [c.id for c in children]}
        if code:
            turn.state.data["code"] = code
        intro = "mothers.consent.by_phone" if way == "phone" else "mothers.consent.by_code"
        turn.ask(
            turn.t(intro) + "\n" + "\n".join(names) + "\n\n" + turn.t("mothers.consent.text"),
            [(ACCEPT, turn.t("mothers.consent.accept")), (DECLINE, turn.t("mothers.consent.decline"))],
            choice=True,
        )

    async def _on_consent(self, turn: Turn, inp: Input) -> None:
        data = turn.state.data
        if inp.value == DECLINE or inp.is_back:
            turn.state.data = {}
            turn.say("mothers.consent.declined")
            await turn.goto(MENU)
            return
        if inp.value != ACCEPT:
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        linked: list[Child] = []
        if data.get("way") == "code":
            child = await links.link_by_code(turn.session, turn.person.id, data.get("code", ""), turn.now)
            if child is None:  # used or expired while she read
                turn.say("mothers.code.expired_meanwhile")
                self._ask_code(turn, intro=False)
                return
            linked.append(child)
        else:
            still = {c.id: c for c in await links.children_by_phone(turn.session, turn.person.id)}
            for child_id in data.get("children", []):
                if child_id in still:
                    await mother_links.link(
                        turn.session, person_id=turn.person.id, child_id=child_id, way="phone", now=turn.now
                    )
                    linked.append(still[child_id])
        turn.say("mothers.consent.thanks")
        all_linked = await mother_links.linked_children(turn.session, turn.person.id)
        if len(all_linked) == 1:
            await self._show(turn, all_linked[0])
        elif all_linked:
            self._pick(turn, all_linked)
        else:
            await turn.goto(MENU)

    # -- showing ----------------------------------------------------------------------------
    def _pick(self, turn: Turn, children: list[Child]) -> None:
        turn.state.data = {"step": "pick"}
        rows = [
            (
                f"c{c.id}",
                turn.t("mothers.pick.row", name=c.full_name, months=age_months(c.birth_date, turn.today)),
            )
            for c in children
        ]
        rows.append((CODE, turn.t("mothers.nav.add_code")))
        rows.append((MENU, turn.t("mothers.nav.menu")))
        turn.ask(turn.t("mothers.pick.title"), rows)

    async def _open(self, turn: Turn, child_id: int) -> None:
        child = await turn.session.get(Child, child_id)
        if (
            child is None
            or child.status != "active"
            or not await mother_links.is_linked(turn.session, turn.person.id, child.id)
        ):
            turn.say("mothers.not_found")
            await self.begin(turn)
            return
        await self._show(turn, child)

    async def _show(self, turn: Turn, child: Child) -> None:
        if not await links.may_see(turn.session, turn.person, child):
            turn.say("mothers.not_found")
            await turn.goto(MENU)
            return
        history = await mother_links.history(turn.session, child.id)
        posyandu = await turn.session.get(Posyandu, child.posyandu_id)
        turn.say_text(explain(turn, child, history, posyandu))
        if history:
            labels = Labels(
                title=turn.t("mothers.chart.title", name=child.full_name),
                x_axis=turn.t("mothers.chart.x"),
                y_axis=turn.t("mothers.chart.y"),
            )
            points = [
                Point((m.measured_on - child.birth_date).days, m.weight_kg)
                for m in history
                if m.weight_kg is not None
            ]
            image = growth_chart(child.sex, points, labels)
            turn.replies.append(
                File("photo", f"kms-{child.id}.png", image, caption=labels.title, mime_type="image/png")
            )
        others = await mother_links.linked_children(turn.session, turn.person.id)
        turn.state.data = {"step": "shown", "child": child.id}
        rows = [(f"c{c.id}", c.full_name) for c in others if c.id != child.id]
        rows.append((CODE, turn.t("mothers.nav.add_code")))
        rows.append((MENU, turn.t("mothers.nav.menu")))
        turn.ask(turn.t("mothers.after"), rows)


def explain(turn: Turn, child: Child, history: list[ChildMeasurement], posyandu: Posyandu | None) -> str:
    """The last weighing in plain words, then what comes next."""
    t, today = turn.t, turn.today
    lines = [t("mothers.head", name=child.full_name, months=age_months(child.birth_date, today))]
    if not history:
        lines.append(t("mothers.no_measurement"))
    else:
        last = history[-1]
        lines.append(t("mothers.last.date", date=day(last.measured_on, turn.lang)))
        if last.weight_kg is not None:
            lines.append(t("mothers.last.weight", kg=_decimal(last.weight_kg, turn.lang)))
        if last.height_cm is not None:
            key = "mothers.last.length" if last.lying else "mothers.last.height"
            lines.append(t(key, cm=_decimal(last.height_cm, turn.lang)))
        for index in INDICES:
            label = _class_of(last, index)
            if label is not None:
                lines.append(
                    t(
                        f"mothers.index.{index}",
                        label=t(f"growth.class.{label}"),
                        text=t(f"mothers.explain.{label}"),
                    )
                )
        if last.gain in ("N", "T"):
            lines.append(t(f"mothers.gain.{last.gain}"))
        steps = followup.steps_for(followup.reasons_for(history, today))
        lines.append("")
        lines.extend(t(NEXT_STEP_KEYS[s]) for s in steps)
        if not steps:
            lines.append(t("mothers.next.ok"))
    if posyandu is not None:
        coming = _next_posyandu_day(posyandu, today)
        if coming is not None:
            lines.append(t("mothers.posyandu_day", posyandu=posyandu.name, date=weekday(coming, turn.lang)))
    dose = next_dose(child.birth_date, today)
    if dose is not None:
        lines.append(
            t(
                "mothers.immunisation",
                vaccines=t(dose[0].message_key),
                months=dose[0].age_months,
                date=day(dose[1], turn.lang),
            )
        )
    lines.append(t("mothers.footer"))
    return "\n".join(lines)


def _class_of(m: ChildMeasurement, index: str) -> str | None:
    stored = (m.classes or {}).get(index)
    return stored if isinstance(stored, str) else None


def _next_posyandu_day(posyandu: Posyandu, today: dt.date) -> dt.date | None:
    month = today.replace(day=1)
    for _ in range(2):
        held = posyandu_day(
            month, day=posyandu.usual_day, week=posyandu.usual_week, weekday=posyandu.usual_weekday
        )
        if held is not None and held >= today:
            return held
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return None


def _decimal(value: float, lang: str) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "id" else text
