"""One engine runs every form: ask, validate, re-ask with a reason, warn and let the person keep or
correct an unusual answer, go back, cancel, summarise, edit any answer, confirm. A form's progress
lives in the conversation state, so it survives restarts and can be parked as a draft and resumed
days later."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from handlers.flows.base import Flow
from handlers.forms.answers import say_pick_number, say_which_one
from handlers.forms.fields import Accept, Answers, ChoiceField, Field, FieldContext, Invalid, OptionRow, Stay
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
class SoftCheck:
    """An unusual answer the person may confirm or correct (e.g. vitamin A outside February and
    August). Runs when one of `fields` is answered and all of them are; `holds` sees the answers and
    the form's context. `reason` is the message key saying why, with `params` for it."""

    name: str
    fields: tuple[str, ...]
    holds: Callable[[Answers, Mapping[str, Any]], bool]
    reason: str
    params: Callable[[Translator, Answers, Mapping[str, Any]], dict[str, object]] | None = None


WARNING_KEYS = ("forms.warn.keep", "forms.warn.correct")


@dataclass(frozen=True)
class FormSpec:
    name: str
    title: str
    fields: tuple[Field, ...]
    checks: tuple[Check, ...] = ()
    warnings: tuple[SoftCheck, ...] = ()
    notes: Callable[[Translator, Answers], list[str]] | None = None  # computed lines for the summary
    # Answers assumed for not-yet-answered fields when counting steps, so "(3/17)" does not jump.
    typical: Mapping[str, Any] = field(default_factory=dict)
    _index: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)
    # Each field with the condition that makes it active (None: always), for `active`.
    _conditions: tuple[tuple[Field, Callable[[Answers], Any] | None], ...] = field(
        init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"form {self.name}: duplicate field names")
        for check in self.checks:
            unknown = set(check.fields) - set(names)
            if unknown:
                raise ValueError(f"form {self.name}: check names unknown fields {unknown}")
        for warning in self.warnings:
            unknown = set(warning.fields) - set(names)
            if unknown:
                raise ValueError(f"form {self.name}: warning names unknown fields {unknown}")
        self._index.update({f.name: f for f in self.fields})
        conditions = tuple((f, f.when if type(f).active is Field.active else f.active) for f in self.fields)
        object.__setattr__(self, "_conditions", conditions)  # frozen: set once, here

    def field(self, name: str) -> Field:
        return self._index[name]

    def active(self, answers: Answers) -> list[Field]:
        """The fields asked, given these answers. Runs several times a turn over every field (the
        report has ~36), so a condition shared by several fields (the report's health questions)
        is evaluated once per call: conditions are pure functions of the answers."""
        found: list[Field] = []
        known: dict[Callable[[Answers], Any], bool] = {}
        for f, condition in self._conditions:
            if condition is None:
                found.append(f)
                continue
            holds = known.get(condition)
            if holds is None:
                holds = known[condition] = bool(condition(answers))
            if holds:
                found.append(f)
        return found

    def message_keys(self) -> list[str]:
        keys = [self.title]
        for f in self.fields:
            keys.extend(f.message_keys())
        for check in self.checks:
            keys.extend(check.errors.values())
        for warning in self.warnings:
            keys.append(warning.reason)
        if self.warnings:
            keys.extend(WARNING_KEYS)
        return keys

    def progress(
        self, f: Field, answers: Answers, active: list[Field] | None = None
    ) -> tuple[int, int | None]:
        """The step of `f` and the number of steps, or None for the number while a choice still to
        be made (this one included) would change it: '(2)' then '(3/4)', never '(2/17)' then '(3/4)'.
        `active`: `self.active(answers)` if the caller has it already (used when the typical answers
        are all given, so that the assumed answers are these)."""
        assumed = {**self.typical, **answers}
        if active is None or any(name not in answers for name in self.typical):
            active = self.active(assumed)
        position = next((i for i, a in enumerate(active, 1) if a.name == f.name), len(active))
        totals = {len(active)}
        for g in active:
            if isinstance(g, ChoiceField) and (g.name not in answers or g.name == f.name):
                totals.update(len(self.active({**assumed, g.name: value})) for value, _ in g.choices_)
        return position, (len(active) if len(totals) == 1 else None)


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

    def confirm_labels(self, turn: Turn, answers: Answers) -> tuple[str, str]:
        """The summary's closing question and its submit button ('Kirim sekarang?', 'Kirim')."""
        return turn.t("form.summary.confirm"), turn.t("form.summary.submit")

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
        elif mode == "warning":
            await self._ask_warning(turn)
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
        elif mode == "warning":
            await self._on_warning(turn, inp)
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
        elif not say_pick_number(turn, inp):
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
            if refusal.key == "form.err.pick_option" and say_pick_number(turn, inp):
                return
            if refusal.key == "form.err.pick_option" and say_which_one(turn, inp):
                await self._ask(turn, current, after_error=True)
                return
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
        if await self._warn(turn, current.name):
            return
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
        elif inp.is_back:
            await self._go_back(turn)
        elif not say_pick_number(turn, inp):
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
        elif not say_pick_number(turn, inp):
            turn.say("form.err.pick_option")
            await self._pick_edit(turn)

    async def _advance(self, turn: Turn) -> None:
        data = turn.state.data
        answers = data["answers"]
        active = self.spec.active(answers)
        for f in active:
            if f.name not in answers:
                data["mode"] = "fill"
                data["current"] = f.name
                data["local"] = {}
                await self._ask(turn, f, active=active)
                return
        await self._summary(turn)

    async def _go_back(self, turn: Turn) -> None:
        """To the question before this one in the form's order (not the one asked last: after
        changing S, 'kembali' at N goes to D, never back to S)."""
        data = turn.state.data
        active = self.spec.active(data["answers"])
        names = [f.name for f in active]
        here = names.index(data["current"]) if data.get("current") in names else len(names)
        if here == 0:
            turn.say("form.back.first")
            await self._ask(turn, self.spec.field(data["current"]))
            return
        data["current"] = names[here - 1]
        data["mode"] = "fill"
        data["local"] = {}
        await self._ask(turn, self.spec.field(data["current"]))

    # -- soft checks -------------------------------------------------------------------------
    def _unusual(self, data: dict[str, Any], just_answered: str) -> SoftCheck | None:
        answers, context = data["answers"], data.get("context", {})
        confirmed = data.get("confirmed", {})
        for warning in self.spec.warnings:
            if just_answered not in warning.fields:
                continue
            if any(answers.get(name) is None for name in warning.fields):
                continue
            if not all(self.spec.field(name).active(answers) for name in warning.fields):
                continue
            if warning.holds(answers, context):
                continue
            if confirmed.get(warning.name) == _stamp(warning, answers):
                continue
            return warning
        return None

    async def _warn(self, turn: Turn, just_answered: str) -> bool:
        """Ask to keep or correct an unusual answer (the answer is kept meanwhile). True if asked."""
        data = turn.state.data
        warning = self._unusual(data, just_answered)
        if warning is None:
            return False
        data["warning"] = {"name": warning.name, "field": just_answered, "mode": data["mode"]}
        data["mode"] = "warning"
        data["current"] = just_answered
        await self._ask_warning(turn)
        return True

    async def _ask_warning(self, turn: Turn) -> None:
        data = turn.state.data
        pending = data["warning"]
        warning = next(w for w in self.spec.warnings if w.name == pending["name"])
        f = self.spec.field(pending["field"])
        answers = data["answers"]
        params = warning.params(turn.t, answers, data.get("context", {})) if warning.params else {}
        value = f.show(turn.t, answers.get(f.name))
        turn.ask(
            turn.t(warning.reason, **params),
            [("keep", turn.t("forms.warn.keep", value=value)), ("correct", turn.t("forms.warn.correct"))],
        )

    async def _on_warning(self, turn: Turn, inp: Input) -> None:
        data = turn.state.data
        pending = data["warning"]
        f = self.spec.field(pending["field"])
        if inp.value == "keep":
            warning = next(w for w in self.spec.warnings if w.name == pending["name"])
            data.setdefault("confirmed", {})[warning.name] = _stamp(warning, data["answers"])
            data["mode"] = pending["mode"]
            del data["warning"]
            if not await self._warn(turn, f.name):
                await self._advance(turn)
            return
        if inp.value == "correct" or inp.is_back or (inp.value is None and (inp.text or "").strip()):
            data["mode"] = pending["mode"]
            data["current"] = f.name
            data["local"] = {}
            del data["warning"]
            if inp.value is None and not inp.is_back:
                await self._on_answer(turn, inp)  # a new answer typed straight away: take it
            else:
                await self._ask(turn, f)
            return
        turn.say("form.err.pick_option")
        await self._ask_warning(turn)

    async def _ask(
        self, turn: Turn, f: Field, *, after_error: bool = False, active: list[Field] | None = None
    ) -> None:
        """`active`: the active fields for the answers as they are now, when the caller has them."""
        data = turn.state.data
        fc = self._fc(turn, f)
        text, options, numbered = await f.question(fc)
        answers = data["answers"]
        position, total = self.spec.progress(f, answers, active)
        if total is None:
            text = f"{turn.t('forms.progress_open', step=position)} {text}"
        else:
            text = f"{turn.t('form.progress', step=position, total=total)} {text}"
        if f.name in answers and not fc.local:
            text += "\n" + turn.t("form.current_value", value=f.show(turn.t, answers[f.name]))
        rows: list[OptionRow] = list(options)
        if f.optional:
            rows.append((SKIP, turn.t("nav.skip")))
        if position > 1 or data["mode"] == "edit" or fc.local:
            rows.append((BACK, turn.t("nav.back")))
        turn.ask(text, rows, numbered=numbered, choice=isinstance(f, ChoiceField))

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
        confirm, submit = self.confirm_labels(turn, answers)
        lines.append(confirm)
        turn.ask(
            "\n".join(lines),
            [
                ("submit", submit),
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


def _stamp(warning: SoftCheck, answers: Answers) -> list[Any]:
    """The answers a confirmation was given for: changing one of them asks again."""
    return [answers.get(name) for name in warning.fields]


def _params(answers: Answers) -> dict[str, object]:
    return {k: v for k, v in answers.items() if isinstance(v, (int, str))}
