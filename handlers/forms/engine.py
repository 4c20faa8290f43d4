"""One engine runs every form: ask, validate, re-ask with a reason, go back, cancel, summarise,
edit any answer, confirm. A form's progress lives in the conversation state, so it survives
restarts and can be parked as a draft and resumed days later."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from handlers.flows.base import Flow
from handlers.forms.fields import Accept, Answers, Field, FieldContext, Invalid, OptionRow, Stay
from handlers.i18n import Translator
from handlers.turn import BACK, SKIP, Input, Turn

_MISSING = object()


@dataclass(frozen=True)
class Check:
    """A rule across fields, e.g. N ≤ D. `errors` gives the reason to show per field just answered."""

    fields: tuple[str, ...]
    holds: Callable[[Answers], bool]
    errors: Mapping[str, str]


@dataclass(frozen=True)
class FormSpec:
    name: str
    title: str
    fields: tuple[Field, ...]
    checks: tuple[Check, ...] = ()
    notes: Callable[[Translator, Answers], list[str]] | None = None  # computed lines for the summary
    # Answers assumed for not-yet-answered fields when counting steps, so "(3/17)" does not jump.
    typical: Mapping[str, Any] = field(default_factory=dict)
    _index: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"form {self.name}: duplicate field names")
        for check in self.checks:
            unknown = set(check.fields) - set(names)
            if unknown:
                raise ValueError(f"form {self.name}: check names unknown fields {unknown}")
        self._index.update({f.name: f for f in self.fields})

    def field(self, name: str) -> Field:
        return self._index[name]

    def active(self, answers: Answers) -> list[Field]:
        return [f for f in self.fields if f.active(answers)]

    def message_keys(self) -> list[str]:
        keys = [self.title]
        for f in self.fields:
            keys.extend(f.message_keys())
        for check in self.checks:
            keys.extend(check.errors.values())
        return keys


class FormFlow(Flow):
    """A flow whose body is a form. Subclasses give the spec, the start context and the submit step."""

    spec: ClassVar[FormSpec]
    keeps_draft: ClassVar[bool] = True

    # -- hooks -------------------------------------------------------------------------------
    async def context(self, turn: Turn, **args: Any) -> dict[str, Any] | None:
        """Facts fixed for the whole form. Return None to refuse (after saying why)."""
        return {}

    async def submit(self, turn: Turn, answers: dict[str, Any], context: dict[str, Any]) -> None:
        raise NotImplementedError

    async def summary_header(self, turn: Turn, context: dict[str, Any]) -> str:
        return turn.t(self.spec.title)

    # -- flow protocol -----------------------------------------------------------------------
    async def begin(self, turn: Turn, *, fresh: bool = False, **args: Any) -> None:
        draft = turn.state.drafts.pop(self.name, None)
        if draft and not fresh:
            turn.state.data = {"mode": "resume_offer", "draft": draft}
            turn.ask(
                turn.t("form.resume.ask", title=turn.t(self.spec.title)),
                [("continue", turn.t("form.resume.continue")), ("restart", turn.t("form.resume.restart"))],
            )
            return
        context = await self.context(turn, **args)
        if context is None:
            return
        turn.state.data = {
            "mode": "fill",
            "answers": {},
            "history": [],
            "current": None,
            "local": {},
            "context": context,
        }
        await self._advance(turn)

    async def resume(self, turn: Turn) -> None:
        data = turn.state.data
        mode = data.get("mode")
        if mode in ("fill", "edit") and data.get("current"):
            await self._ask(turn, self.spec.field(data["current"]))
        elif mode == "summary":
            await self._summary(turn)
        elif mode == "pick_edit":
            await self._pick_edit(turn)
        else:
            await super().resume(turn)

    async def handle(self, turn: Turn, inp: Input) -> None:
        data = turn.state.data
        mode = data.get("mode")
        if mode == "resume_offer":
            await self._on_resume_offer(turn, inp)
        elif mode == "summary":
            await self._on_summary(turn, inp)
        elif mode == "pick_edit":
            await self._on_pick_edit(turn, inp)
        else:
            await self._on_answer(turn, inp)

    async def cancel(self, turn: Turn) -> None:
        turn.state.drafts.pop(self.name, None)
        turn.state.data = {}
        turn.say("form.cancelled", title=turn.t(self.spec.title))
        await turn.goto("menu")

    def park(self, turn: Turn) -> None:
        """Keep unfinished answers as a draft when the person leaves the form."""
        if turn.state.data.get("mode") == "resume_offer":
            turn.state.drafts[self.name] = turn.state.data["draft"]
        elif turn.state.data.get("answers"):
            turn.state.drafts[self.name] = turn.state.data

    # -- steps -------------------------------------------------------------------------------
    async def _on_resume_offer(self, turn: Turn, inp: Input) -> None:
        draft = turn.state.data["draft"]
        if inp.value == "continue":
            turn.state.data = draft
            await self.resume(turn)
        elif inp.value == "restart":
            turn.state.data = {}
            await self.begin(turn, fresh=True)
        else:
            turn.say("form.err.pick_option")
            turn.show_prompt()

    async def _on_answer(self, turn: Turn, inp: Input) -> None:
        data = turn.state.data
        current = self.spec.field(data["current"])
        fc = self._fc(turn, current)
        if inp.is_back:
            if current.back(fc):
                await self._ask(turn, current)
            elif data["mode"] == "edit":
                await self._summary(turn)
            else:
                await self._go_back(turn)
            return
        try:
            if inp.value == SKIP and current.optional:
                result: Accept | Stay = Accept(None)
            else:
                result = await current.accept(fc, inp)
        except Invalid as refusal:
            turn.say(refusal.key, **refusal.params)
            await self._ask(turn, current, after_error=True)
            return
        if isinstance(result, Stay):
            await self._ask(turn, current)
            return
        answers: dict[str, Any] = data["answers"]
        before = dict(answers)
        answers[current.name] = result.value
        if result.prefill:
            answers.update(result.prefill)
        broken = self._broken_check(answers, current.name)
        if broken is not None:
            answers.clear()
            answers.update(before)
            turn.say(broken.errors.get(current.name, "form.err.inconsistent"), **_params(answers))
            await self._ask(turn, current, after_error=True)
            return
        data["local"] = {}
        if data["mode"] == "fill":
            data["history"].append(current.name)
        await self._advance(turn)

    async def _on_summary(self, turn: Turn, inp: Input) -> None:
        data = turn.state.data
        if inp.value == "submit":
            answers = data["answers"]
            active = {f.name: answers.get(f.name) for f in self.spec.active(answers)}
            context = data["context"]
            turn.state.drafts.pop(self.name, None)
            await self.submit(turn, active, context)
        elif inp.value == "edit":
            data["mode"] = "pick_edit"
            await self._pick_edit(turn)
        elif inp.value == "cancel":
            await self.cancel(turn)
        elif inp.is_back and data["history"]:
            await self._go_back(turn)
        else:
            turn.say("form.err.pick_option")
            await self._summary(turn)

    async def _on_pick_edit(self, turn: Turn, inp: Input) -> None:
        data = turn.state.data
        names = {f.name for f in self.spec.active(data["answers"])}
        if inp.value in names:
            data["mode"] = "edit"
            data["current"] = inp.value
            data["local"] = {}
            await self._ask(turn, self.spec.field(inp.value))
        elif inp.is_back:
            await self._summary(turn)
        else:
            turn.say("form.err.pick_option")
            await self._pick_edit(turn)

    async def _advance(self, turn: Turn) -> None:
        data = turn.state.data
        answers = data["answers"]
        for f in self.spec.active(answers):
            if f.name not in answers:
                data["mode"] = "fill"
                data["current"] = f.name
                data["local"] = {}
                await self._ask(turn, f)
                return
        await self._summary(turn)

    async def _go_back(self, turn: Turn) -> None:
        data = turn.state.data
        active = {f.name for f in self.spec.active(data["answers"])}
        while data["history"] and data["history"][-1] not in active:
            data["history"].pop()
        if not data["history"]:
            turn.say("form.back.first")
            await self._ask(turn, self.spec.field(data["current"]))
            return
        data["current"] = data["history"].pop()
        data["mode"] = "fill"
        data["local"] = {}
        await self._ask(turn, self.spec.field(data["current"]))

    async def _ask(self, turn: Turn, f: Field, *, after_error: bool = False) -> None:
        data = turn.state.data
        fc = self._fc(turn, f)
        text, options, numbered = await f.question(fc)
        answers = data["answers"]
        active = self.spec.active({**self.spec.typical, **answers})
        position = next((i for i, a in enumerate(active, 1) if a.name == f.name), len(active))
        text = f"{turn.t('form.progress', step=position, total=len(active))} {text}"
        if f.name in answers and not fc.local:
            text += "\n" + turn.t("form.current_value", value=f.show(turn.t, answers[f.name]))
        rows: list[OptionRow] = list(options)
        if f.optional:
            rows.append((SKIP, turn.t("nav.skip")))
        if data["history"] or data["mode"] == "edit" or fc.local:
            rows.append((BACK, turn.t("nav.back")))
        turn.ask(text, rows, numbered=numbered)

    async def _summary(self, turn: Turn) -> None:
        data = turn.state.data
        data["mode"] = "summary"
        data["current"] = None
        answers = data["answers"]
        lines = [await self.summary_header(turn, data["context"]), ""]
        for f in self.spec.active(answers):
            lines.append(f"• {turn.t(f.label)}: {f.show(turn.t, answers.get(f.name))}")
        if self.spec.notes:
            notes = self.spec.notes(turn.t, answers)
            if notes:
                lines.append("")
                lines.extend(notes)
        lines.append("")
        lines.append(turn.t("form.summary.confirm"))
        turn.ask(
            "\n".join(lines),
            [
                ("submit", turn.t("form.summary.submit")),
                ("edit", turn.t("form.summary.edit")),
                ("cancel", turn.t("form.summary.cancel")),
            ],
        )

    async def _pick_edit(self, turn: Turn) -> None:
        answers = turn.state.data["answers"]
        rows: list[OptionRow] = [(f.name, turn.t(f.label)) for f in self.spec.active(answers)]
        rows.append((BACK, turn.t("nav.back_to_summary")))
        turn.ask(turn.t("form.edit.which"), rows)

    def _fc(self, turn: Turn, f: Field) -> FieldContext:
        data = turn.state.data
        return FieldContext(turn, data["answers"], data.setdefault("local", {}), data.get("context", {}))

    def _broken_check(self, answers: Answers, just_answered: str) -> Check | None:
        for check in self.spec.checks:
            if just_answered not in check.fields:
                continue
            if any(answers.get(name) is None for name in check.fields):
                continue
            if not all(self.spec.field(name).active(answers) for name in check.fields):
                continue
            if not check.holds(answers):
                return check
        return None


def _params(answers: Answers) -> dict[str, object]:
    return {k: v for k, v in answers.items() if isinstance(v, (int, str))}
