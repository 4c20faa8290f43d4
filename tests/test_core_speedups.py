"""The per-turn shortcuts taken for the core benchmark (issue #19, point 5) give what the plain code
gives: a form's active questions with each shared condition asked once, the step count reusing the
active questions already worked out, and JSON columns through orjson."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import handlers.flows.registry  # noqa: F401  (imports every flow, so every form is defined)
from handlers.forms.engine import FormFlow, FormSpec
from handlers.forms.fields import ChoiceField
from handlers.posyandu.spm import SPM_FIELDS
from storage import json_codec


def _forms() -> list[FormSpec]:
    found: dict[str, FormSpec] = {}
    pending = list(FormFlow.__subclasses__())
    while pending:
        flow = pending.pop()
        pending.extend(flow.__subclasses__())
        spec = getattr(flow, "spec", None)
        if isinstance(spec, FormSpec):
            found[spec.name] = spec
    return list(found.values())


FORMS = _forms()


def _values(spec: FormSpec) -> st.SearchStrategy[Any]:
    """Answers as forms hold them: choice values, counts, text, None, and the report's hidden lists."""
    choices = sorted({value for f in spec.fields if isinstance(f, ChoiceField) for value, _ in f.choices_})
    plain = st.one_of(st.none(), st.integers(0, 50), st.sampled_from(["", "x", "yes", "no", *choices]))
    return st.one_of(plain, st.lists(st.sampled_from(SPM_FIELDS), unique=True), st.builds(dict))


@st.composite
def _form_and_answers(draw: st.DrawFn) -> tuple[FormSpec, dict[str, Any]]:
    spec = draw(st.sampled_from(FORMS))
    names = [f.name for f in spec.fields] + ["_spm", *spec.typical]
    chosen = draw(st.lists(st.sampled_from(names), unique=True))
    return spec, {name: draw(_values(spec)) for name in chosen}


def test_every_form_is_covered() -> None:
    assert {"report", "registration"} <= {spec.name for spec in FORMS}


@settings(max_examples=400, deadline=None)
@given(_form_and_answers())
def test_active_questions_are_those_each_field_says(case: tuple[FormSpec, dict[str, Any]]) -> None:
    spec, answers = case
    try:
        expected = [f for f in spec.fields if f.active(answers)]
    except Exception as error:  # answers no form would hold: the shortcut must fail the same way
        try:
            spec.active(answers)
        except type(error):
            return
        raise AssertionError(f"{spec.name}: {error!r} expected") from None
    assert spec.active(answers) == expected


@settings(max_examples=300, deadline=None)
@given(_form_and_answers())
def test_the_step_count_is_the_same_with_the_active_questions_passed_in(
    case: tuple[FormSpec, dict[str, Any]],
) -> None:
    spec, answers = case
    try:
        active = spec.active(answers)
    except Exception:
        return
    for f in active:
        try:
            expected = spec.progress(f, answers)
        except Exception:
            continue
        assert spec.progress(f, answers, active) == expected


def test_the_report_step_count_while_the_form_is_filled() -> None:
    report = next(spec for spec in FORMS if spec.name == "report")
    answers: dict[str, Any] = {"_spm": ["kesehatan"], "month": "2026-11"}
    for value in ("usual_place", "not_held"):
        answers["held"] = value
        for f in report.active(answers):
            assert report.progress(f, answers, report.active(answers)) == report.progress(f, answers)


_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(), inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_json_columns_read_back_what_the_json_module_would(value: Any) -> None:
    assert json_codec.loads(json_codec.dumps(value)) == json.loads(json.dumps(value))
    assert json_codec.loads(json.dumps(value)) == json.loads(json.dumps(value))  # rows written before


def test_json_columns_take_what_the_json_module_took() -> None:
    assert json_codec.loads(json_codec.dumps({1: "a", "b": (1, 2)})) == {"1": "a", "b": [1, 2]}
    assert math.isnan(json_codec.loads(json.dumps({"z": math.nan}))["z"])  # an older row with NaN
    assert json_codec.dumps(2**70) == json.dumps(2**70)  # beyond orjson's 64 bits: written all the same
    assert json_codec.loads(json_codec.dumps({"s": "Desa — 000 ✅"})) == {"s": "Desa — 000 ✅"}
