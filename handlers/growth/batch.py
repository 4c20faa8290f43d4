"""`kaderbot zscore --batch`: one JSON object per line in, one JSON object per line out.

In: `sex` "m"/"f"; `age_days`, or `dob` and `measured` (YYYY-MM-DD); `weight_kg`; `height_cm`;
`lying` true/false (optional: without it no lying/standing correction); `id` (optional, echoed).
Out: `waz`, `haz`, `whz`, `bmiz` (two decimals; null where the indicator does not apply or WHO's
flags call the value implausible), `waz_class` … `bmiz_class` (the Permenkes 2/2020 class in the
chosen language, Indonesian by default), `codes` (the class codes) and `flags`. A bad line is
answered with `{"line": n, "error": "…"}`; the batch never stops on one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, BinaryIO, TextIO

from handlers.growth.zscore import ALL_CLASSES, GrowthResult, Measurement, assess

Translate = Callable[..., str]
_INF = float("inf")
INDICATORS = ("waz", "haz", "whz", "bmiz")


class LineError(ValueError):
    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def _number(data: dict[str, Any], field: str) -> float | None:
    value = data.get(field)
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            raise LineError("growth.error.number", field=field) from None
    elif kind is not float and kind is not int:  # bool, list, object: refused
        raise LineError("growth.error.number", field=field)
    if not 0 < value < _INF:
        raise LineError("growth.error.number", field=field)
    return float(value)


def _date(data: dict[str, Any], field: str) -> dt.date:
    value = data.get(field)
    try:
        return dt.date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise LineError("growth.error.date", field=field) from None


def measurement_from(data: object) -> Measurement:
    """A `Measurement` from one decoded JSON value, or `LineError`."""
    if not isinstance(data, dict):
        raise LineError("growth.error.object")
    sex = data.get("sex")
    if sex != "m" and sex != "f":
        sex = sex.strip().lower() if isinstance(sex, str) else None
        if sex != "m" and sex != "f":
            raise LineError("growth.error.sex")
    age = data.get("age_days")
    if age is not None:
        if (type(age) is not int and type(age) is not float) or not 0 <= age < 1e6:
            raise LineError("growth.error.age")
        age_days = int(age + 0.5)  # whole days, a half rounded up as WHO's anthro does
    elif "dob" in data or "measured" in data:
        born, measured = _date(data, "dob"), _date(data, "measured")
        if measured < born:
            raise LineError("growth.error.order")
        age_days = (measured - born).days
    else:
        raise LineError("growth.error.age")
    weight, height = _number(data, "weight_kg"), _number(data, "height_cm")
    if weight is None and height is None:
        raise LineError("growth.error.nothing")
    lying = data.get("lying")
    if lying is not None and not isinstance(lying, bool):
        raise LineError("growth.error.lying")
    return Measurement(sex, age_days, weight, height, lying)


_dumps = json.JSONEncoder(ensure_ascii=False).encode
_LABELS: dict[int, tuple[Translate, dict[str | None, str]]] = {}


def _labels(t: Translate) -> dict[str | None, str]:
    """Class labels of one translator as JSON strings, looked up once per batch, not per line."""
    cached = _LABELS.get(id(t))
    if cached is None or cached[0] is not t:
        labels: dict[str | None, str] = {code: _dumps(t(f"growth.class.{code}")) for code in ALL_CLASSES}
        labels[None] = "null"
        cached = (t, labels)
        _LABELS[id(t)] = cached
    return cached[1]


def _z(value: float | None) -> str:
    return "null" if value is None else repr(value)


def _code(code: str | None) -> str:
    return "null" if code is None else f'"{code}"'


def result_json(result: GrowthResult, age_days: int, t: Translate) -> str:
    """The answer object's members, written directly (the same JSON `json.dumps` would give, faster)."""
    label = _labels(t)
    r = result
    flags = ", ".join(f'"{flag}"' for flag in r.flags)
    return (
        f'"waz": {_z(r.waz)}, "haz": {_z(r.haz)}, "whz": {_z(r.whz)}, "bmiz": {_z(r.bmiz)}, '
        f'"waz_class": {label[r.waz_class]}, "haz_class": {label[r.haz_class]}, '
        f'"whz_class": {label[r.whz_class]}, "bmiz_class": {label[r.bmiz_class]}, '
        f'"codes": {{"waz": {_code(r.waz_class)}, "haz": {_code(r.haz_class)}, '
        f'"whz": {_code(r.whz_class)}, "bmiz": {_code(r.bmiz_class)}}}, '
        f'"flags": [{flags}], "age_days": {age_days}'
    )


def answer_line(line: str, number: int, t: Translate) -> str:
    """The output line for input line `number` (1-based)."""
    ident: object = None
    try:
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            raise LineError("growth.error.json") from None
        if isinstance(data, dict):
            ident = data.get("id")
        m = measurement_from(data)
        body = result_json(assess(m), m.age_days, t)
    except LineError as exc:
        body = f'"line": {number}, "error": {_dumps(t(exc.key, **exc.params))}'
    if ident is not None:
        return f'{{"id": {_dumps(ident)}, {body}}}'
    return f"{{{body}}}"


def run_stream(source: BinaryIO, out: TextIO, t: Translate, *, chunk: int = 1 << 16) -> None:
    """Answer every non-blank line of a byte stream, in order. Answers are written and flushed once
    per read, so a long pipe is answered in large writes while a caller feeding one line at a time
    gets each answer at once."""
    number = 0
    pending = b""
    while True:
        data = source.read1(chunk) if hasattr(source, "read1") else source.read(chunk)
        if data:
            *complete, pending = (pending + data).split(b"\n")
        else:
            complete, pending = ([pending] if pending else []), b""
        answers = []
        for raw in complete:
            number += 1
            line = raw.decode("utf-8", errors="replace")
            if line.strip():
                answers.append(answer_line(line, number, t))
        if answers:
            out.write("\n".join(answers) + "\n")
            out.flush()
        if not data:
            return


def describe(result: GrowthResult, t: Translate) -> list[str]:
    """Readable lines for one child (the single-child `kaderbot zscore`)."""
    lines = []
    for name in INDICATORS:
        z = getattr(result, name)
        code = getattr(result, f"{name}_class")
        lines.append(
            t(
                "growth.line",
                indicator=t(f"growth.indicator.{name}"),
                z="—" if z is None else f"{z:+.2f}",
                label=t("growth.not_applicable") if code is None else t(f"growth.class.{code}"),
            )
        )
    lines.extend(t(f"growth.flag.{flag}") for flag in result.flags)
    return lines


def command(
    *,
    batch: bool,
    sex: str | None,
    age_days: int | None,
    dob: str | None,
    measured: str | None,
    weight_kg: float | None,
    height_cm: float | None,
    lying: bool | None,
    t: Translate,
    stdin: BinaryIO,
    out: TextIO,
    err: TextIO,
) -> int:
    """`kaderbot zscore`: the batch over `stdin`, or one child from the options. Returns the exit code."""
    single = (sex, age_days, dob, measured, weight_kg, height_cm, lying)
    if batch:
        if any(v is not None for v in single):
            err.write(t("growth.error.usage") + "\n")
            return 2
        run_stream(stdin, out, t)
        return 0
    if sex is None:
        err.write(t("growth.error.usage") + "\n")
        return 2
    data = {"sex": sex, "age_days": age_days, "dob": dob, "measured": measured}
    data.update({"weight_kg": weight_kg, "height_cm": height_cm, "lying": lying})
    try:
        m = measurement_from({k: v for k, v in data.items() if v is not None})
    except LineError as exc:
        err.write(t(exc.key, **exc.params) + "\n")
        return 2
    out.write("\n".join(describe(assess(m), t)) + "\n")
    return 0
