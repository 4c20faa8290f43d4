"""The cadre's follow-up list (issue #17 point 4): the Posyandu's children who are 2T, BB sangat
kurang, sangat pendek or pendek, gizi buruk or gizi kurang, or not weighed for two months — each
with its reasons and the next step (handlers/growth/followup.py) — opened after a weighing day
(/timbang, Selesai), from /balita ("Perlu tindak lanjut") or with /tindaklanjut.

One child opens its detail: the last measurement, the reasons, the next steps and the actions
recorded so far, with a button per action (dirujuk ke Puskesmas, kunjungan rumah, sudah membaik)
and an optional short note kept as plain data. A child with an action recorded this month (local
time) shows as "sudah ditindaklanjuti".

Cadres only, and only their own Posyandu's children: every step reads the child by (Posyandu, id),
so a forged button for another Posyandu's child finds nothing. Coordinators are not offered this
list (their region's figures come with /rekap)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from handlers.flows.base import Flow
from handlers.flows.children import cadre_posyandu_or_menu
from handlers.forms.dates import month_name, month_start
from handlers.growth import followup
from handlers.growth.followup import Entry
from handlers.growth.register import age_months
from handlers.i18n import Translator
from handlers.turn import SKIP, Input, Turn
from storage.models_growth_followup import FOLLOWUP_ACTIONS, NOTE_MAX, ChildFollowUp
from storage.repositories import child_followup, children

MENU = "menu"
LIST = "list"
CHILDREN = "children"
CADRE = frozenset({"cadre"})
HISTORY_SHOWN = 5


def clean_note(text: str) -> str:
    """A note as data: control and format characters dropped, whitespace collapsed to single spaces."""
    kept = "".join(" " if unicodedata.category(ch)[0] in ("C", "Z") else ch for ch in text)
    return " ".join(kept.split())


def _num(value: float | None, lang: str) -> str:
    if value is None:
        return "-"
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "id" else text


def _day(value: dt.date | dt.datetime) -> str:
    return value.strftime("%d-%m-%Y")


class ChildFollowUpFlow(Flow):
    name = "child_followup"
    needs_consent = True
    roles = CADRE

    async def begin(self, turn: Turn, **args: Any) -> None:
        posyandu_id = await cadre_posyandu_or_menu(turn, sweep=True)
        if posyandu_id is None:
            return
        await self._list(turn, posyandu_id)

    async def handle(self, turn: Turn, inp: Input) -> None:
        posyandu_id = await cadre_posyandu_or_menu(turn)
        if posyandu_id is None:
            return
        step = turn.state.data.get("step", LIST)
        value = inp.value or ""
        if value == MENU:
            await turn.goto(MENU)
        elif value == CHILDREN:
            await turn.goto(CHILDREN)
        elif value == LIST:
            await self._list(turn, posyandu_id)
        elif step == "note":
            await self._on_note(turn, posyandu_id, inp)
        elif value.startswith("c") and value[1:].isdigit():
            await self._card(turn, posyandu_id, int(value[1:]))
        elif step == "card" and value in FOLLOWUP_ACTIONS:
            await self._ask_note(turn, posyandu_id, value)
        elif inp.is_back:
            if step == "card":
                await self._list(turn, posyandu_id)
            else:
                await turn.goto(CHILDREN)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    # -- the list ---------------------------------------------------------------------------
    def _since(self, turn: Turn) -> dt.datetime:
        """The local start of this month, in UTC: an action recorded since counts as this month's."""
        start = dt.datetime.combine(month_start(turn.today), dt.time(0), tzinfo=turn.zone)
        return start.astimezone(dt.UTC)

    async def _list(self, turn: Turn, posyandu_id: int, *, lead: str | None = None) -> None:
        entries = await followup.followup_list(
            turn.session, posyandu_id, today=turn.today, since=self._since(turn)
        )
        turn.state.data = {"step": LIST}
        month = month_name(month_start(turn.today), turn.lang)
        nav = [(CHILDREN, turn.t("child_followup.nav.children")), (MENU, turn.t("child_followup.nav.menu"))]
        if not entries:
            turn.ask(turn.t("child_followup.none", month=month), nav, lead=lead)
            return
        done = sum(1 for e in entries if e.done is not None)
        rows: list[tuple[str, str, str | None]] = [self._row(turn.t, e) for e in entries]
        rows.extend((value, label, None) for value, label in nav)
        turn.ask(
            turn.t("child_followup.title", month=month, count=len(entries), done=done),
            rows,
            numbered=False,
            lead=lead,
        )

    @staticmethod
    def _row(t: Translator, entry: Entry) -> tuple[str, str, str | None]:
        reasons = ", ".join(t(f"child_followup.reason.{code}") for code in entry.codes)
        label = t("child_followup.row", name=entry.child.full_name, reasons=reasons)
        if entry.done is not None:
            return f"c{entry.child.id}", f"✔ {label}", t("child_followup.row.done")
        steps = ", ".join(t(f"child_followup.step_short.{step}") for step in entry.steps)
        return f"c{entry.child.id}", label, t("child_followup.row.next", steps=steps)

    # -- one child --------------------------------------------------------------------------
    async def _entry(self, turn: Turn, posyandu_id: int, child_id: int) -> Entry | None:
        child = await children.in_posyandu(turn.session, posyandu_id, child_id)
        if child is None or child.status != "active":
            return None
        return await followup.entry_for(turn.session, child, today=turn.today, since=self._since(turn))

    async def _card(self, turn: Turn, posyandu_id: int, child_id: int, *, lead: str | None = None) -> None:
        entry = await self._entry(turn, posyandu_id, child_id)
        if entry is None:
            await self._list(turn, posyandu_id, lead=turn.t("child_followup.not_found") + "\n")
            return
        turn.state.data = {"step": "card", "child": entry.child.id}
        history = await child_followup.for_child(turn.session, entry.child.id, limit=HISTORY_SHOWN)
        turn.ask(
            self._card_text(turn, entry, history),
            [
                *[(action, turn.t(f"child_followup.action.{action}")) for action in FOLLOWUP_ACTIONS],
                (LIST, turn.t("child_followup.nav.list")),
            ],
            lead=lead,
        )

    def _card_text(self, turn: Turn, entry: Entry, history: list[ChildFollowUp]) -> str:
        t, child, last = turn.t, entry.child, entry.last
        classes = last.classes or {}

        def shown(index: str, z: float | None) -> str:
            cls = classes.get(index)
            if not isinstance(cls, str):
                return "-"
            return t("child_followup.card.class", cls=t(f"weighing.class.{cls}"), z=_num(z, turn.lang))

        lines = [
            t(
                "child_followup.card",
                name=child.full_name,
                months=age_months(child.birth_date, turn.today),
                mother=child.mother_name,
            ),
            t(
                "child_followup.card.last",
                date=_day(last.measured_on),
                weight=_num(last.weight_kg, turn.lang),
                height=_num(last.height_cm, turn.lang),
                waz=shown("waz", last.waz),
                haz=shown("haz", last.haz),
                whz=shown("whz", last.whz),
            ),
            t("child_followup.card.why"),
        ]
        for code in entry.codes:
            if code == "tidak_ditimbang_2bln":
                months = followup.missed_months(entry, turn.today)
                lines.append("• " + t("child_followup.why.tidak_ditimbang_2bln", months=months))
            else:
                lines.append("• " + t(f"child_followup.why.{code}"))
        lines.append(t("child_followup.card.next"))
        lines.extend("• " + t(f"child_followup.step.{step}") for step in entry.steps)
        if entry.done is not None:
            lines.append(t("child_followup.card.done"))
        if history:
            lines.append(t("child_followup.card.history"))
            for row in history:
                when = _day(row.recorded_at.astimezone(turn.zone))
                action = t(f"child_followup.action.{row.action}")
                if row.note:
                    lines.append(
                        "• " + t("child_followup.card.action_note", date=when, action=action, note=row.note)
                    )
                else:
                    lines.append("• " + t("child_followup.card.action", date=when, action=action))
        lines.append(t("child_followup.card.ask"))
        return "\n".join(lines)

    # -- recording an action ----------------------------------------------------------------
    async def _ask_note(self, turn: Turn, posyandu_id: int, action: str, *, lead: str | None = None) -> None:
        entry = await self._entry(turn, posyandu_id, int(turn.state.data["child"]))
        if entry is None:
            await self._list(turn, posyandu_id, lead=turn.t("child_followup.not_found") + "\n")
            return
        turn.state.data = {"step": "note", "child": entry.child.id, "action": action}
        turn.ask(
            turn.t(
                "child_followup.ask_note",
                action=turn.t(f"child_followup.action.{action}"),
                name=entry.child.full_name,
                max=NOTE_MAX,
            ),
            [(SKIP, turn.t("nav.skip")), ("_back", turn.t("nav.back"))],
            numbered=False,
            lead=lead,
        )

    async def _on_note(self, turn: Turn, posyandu_id: int, inp: Input) -> None:
        data = turn.state.data
        child_id, action = int(data["child"]), str(data["action"])
        if inp.is_back:
            await self._card(turn, posyandu_id, child_id)
            return
        if inp.value == SKIP:
            note = None
        elif inp.value is None and inp.text is not None:
            note = clean_note(inp.text) or None
            if note is not None and len(note) > NOTE_MAX:
                await self._ask_note(
                    turn,
                    posyandu_id,
                    action,
                    lead=turn.t("child_followup.err.note_long", max=NOTE_MAX) + "\n",
                )
                return
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()
            return
        entry = await self._entry(turn, posyandu_id, child_id)
        if entry is None or action not in FOLLOWUP_ACTIONS:
            await self._list(turn, posyandu_id, lead=turn.t("child_followup.not_found") + "\n")
            return
        child_followup.record(
            turn.session,
            child_id=entry.child.id,
            reasons=entry.codes,
            action=action,
            note=note,
            person_id=turn.person.id,
            now=turn.now,
        )
        await turn.session.flush()
        saved = turn.t(
            "child_followup.saved",
            action=turn.t(f"child_followup.action.{action}"),
            name=entry.child.full_name,
        )
        await self._list(turn, posyandu_id, lead=saved + "\n")
