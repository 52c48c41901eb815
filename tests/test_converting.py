"""The converting reader (eligo.python.converting): a case written as JSON writes one, prepared by generated code,
gives what eligo.cases.normalise gives, value for value and type for type, or hands the case to it; the shipped
cases, as JSON files, are prepared by it. And `months between`, computed without building dates, agrees with the
calendar's count."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from eligo.cases import CaseError, normalise
from eligo.ir.lists import Records
from eligo.ir.units import DAYS_PER_MONTH
from eligo.python import runtime
from tests.cohorts import EVERYTHING, knowledge_guidelines, rows

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = knowledge_guidelines()


def typed(case: dict[str, Any]) -> dict[str, Any]:
    """The case with each value's type beside it (1 and 1.0, True and 1 are different values of a case)."""
    def one(value: Any) -> Any:
        if isinstance(value, Records):
            return type(value).__name__, tuple(typed(element) for element in value)
        return type(value).__name__, value
    return {name: one(value) for name, value in case.items()}


def agrees(g: eligo.Guideline, case: Any) -> bool:
    """The converter's answer is normalise's, or None; True when it answered."""
    converted = g.code.converting(case)
    try:
        expected = normalise(g.inputs, case)
    except CaseError:
        assert converted is None, f"converted what normalise refuses: {case!r} -> {converted!r}"
        return False
    if converted is None:
        return False
    assert typed(converted) == typed(expected), case
    return True


def as_json(info: Any, value: Any, form: int) -> Any:
    """`value` (valid, canonical or in the declared unit) in one of the forms a JSON case writes it in."""
    if isinstance(value, dt.date):
        return [value.isoformat(), f" {value.isoformat()}", value][form % 3]
    if isinstance(value, bool):
        return [value, "yes" if value else "no", "TRUE" if value else "False", int(value)][form % 4]
    if isinstance(value, (int, float)) and info.type.kind in ("number", "quantity"):
        unit = info.unit or ""
        return [value, float(value), int(value) if float(value).is_integer() else value,
                f"{value} {unit}".strip(), {"value": value, "unit": unit}][form % 5]
    return value


ODD = st.sampled_from([0, 1, 2.0, 2.5, -3, 10 ** 20, 2 ** 53 + 1, float("nan"), float("inf"), -0.0, True, False,
                       "x", "yes", "No", "12 months", "2024-01-10", "2024-02-30", "2024-1-10", "２０２４-01-10",
                       "2024-01-10 ", "20240110", "50%", [1], [{"organ": "liver"}], {"at_least": []},
                       {"value": 2, "unit": "cm"}, dt.datetime(2024, 1, 10, 12), None])


def cases(g: eligo.Guideline, data: st.DataObject) -> list[Any]:
    """A few cases of `g`: valid values in the forms JSON writes, in half of them one or two odd values or fields."""
    out = []
    for _ in range(4):
        case = {name: as_json(g.inputs[name], value, data.draw(st.integers(0, 59)))
                for name, value in data.draw(rows(g)).items()}
        if data.draw(st.booleans()):
            for name in data.draw(st.lists(st.sampled_from([*g.inputs, "not_an_input"]), min_size=1, max_size=2)):
                case[name] = data.draw(ODD)
        if data.draw(st.booleans()):
            case = {k: v for k, v in case.items() if v is not None}  # absent rather than None
        out.append(case)
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_a_converted_case_is_what_normalise_gives(data: st.DataObject) -> None:
    """Every kind of input (EVERYTHING: counts, numbers, kinds, yes/no, dates, quantities in cm and weeks, a
    percent)."""
    for case in cases(EVERYTHING, data):
        agrees(EVERYTHING, case)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_a_converted_case_of_the_knowledge_base_is_what_normalise_gives(data: st.DataObject) -> None:
    g = data.draw(st.sampled_from(KNOWLEDGE))
    for case in cases(g, data):
        agrees(g, case)


def test_the_common_forms_are_converted_by_the_generated_code() -> None:
    """Dates as text, yes/no as text, whole floats for counts, numbers in a quantity's unit: converted, not left to
    the general path; values to refuse and forms it leaves are left."""
    given = {"n": 3.0, "m": -2, "site": "lung", "flag": "Yes", "start": "2024-01-31", "stop": dt.date(2024, 3, 1),
             "size": 2, "wait": 10.5, "share": 12}
    converted = EVERYTHING.code.converting({k: v for k, v in given.items() if k in EVERYTHING.inputs})
    assert converted is not None
    assert typed(converted) == typed(normalise(EVERYTHING.inputs, {k: v for k, v in given.items()
                                                                    if k in EVERYTHING.inputs}))
    assert converted["n"] == 3 and type(converted["n"]) is int and converted["start"] == dt.date(2024, 1, 31)
    assert converted["size"] == 20.0  # cm, held in mm
    for odd in ({"n": 3.5}, {"start": "2024-02-30"}, {"start": "２０２４-01-10"}, {"flag": "maybe"},
                {"size": float("inf")}, {"n": 11}, {"elsewhere": 1}):
        assert EVERYTHING.code.converting(odd) is None, odd
    assert EVERYTHING.code.converting({"size": "2 cm"}) == {"size": 20.0}  # a rarer form, by eligo.cases
    assert EVERYTHING.code.converting([]) is None


def test_a_list_of_objects_is_converted_field_by_field() -> None:
    g = {g.id: g for g in KNOWLEDGE}["colorectal.liver_metastasectomy"]
    lesions = g.inputs["lesions"]
    assert [f.name for f in lesions.fields] == ["organ", "treatable"]
    given = {"lesions": [{"organ": "liver", "treatable": "yes"}, {"treatable": False}, {"organ": None}]}
    converted = g.code.converting(given)
    assert converted is not None and typed(converted) == typed(normalise(g.inputs, given))
    assert converted["lesions"] == ({"organ": "liver", "treatable": True}, {"organ": None, "treatable": False},
                                    {"organ": None, "treatable": None})
    at_least = g.code.converting({"lesions": {"at_least": [{"organ": "lung"}]}})  # by eligo.cases
    assert at_least is not None and not at_least["lesions"].complete
    for odd in ([{"organ": "liver", "size": 3}], [{"organ": "spleen"}], ["liver"], [{1: "liver"}],
                [{"treatable": "perhaps"}], "liver"):
        assert g.code.converting({"lesions": odd}) is None, odd
        with pytest.raises(CaseError):
            normalise(g.inputs, {"lesions": odd})


CASES = sorted((ROOT / "knowledge" / "cases").glob("*/*.json"))


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_the_shipped_cases_are_prepared_by_the_generated_code(path: Path) -> None:
    case = json.loads(path.read_text())
    g = {g.id: g for g in KNOWLEDGE}.get(path.parent.name)
    if g is None:
        g = eligo.load(ROOT / "knowledge").guideline(path.parent.name)
    assert agrees(g, case), f"{path.name}: left to the general path"


def calendar_months(start: dt.date, end: dt.date) -> float:
    """`months between` as the language reference defines it, through the calendar: whole months from `start`
    (its day clamped to a shorter month's last), then the days left over / 30.4375."""
    if end < start:
        return -calendar_months(end, start)

    def moved(months: int) -> dt.date:
        year, month = divmod(start.month - 1 + months, 12)
        year += start.year
        return dt.date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))

    months = (end.year - start.year) * 12 + end.month - start.month
    if moved(months) > end:
        months -= 1
    return months + (end - moved(months)).days / DAYS_PER_MONTH


DATES = st.dates(min_value=dt.date(1896, 1, 1), max_value=dt.date(2104, 12, 31))
MONTH_ENDS = st.builds(lambda y, m, back: dt.date(y, m, calendar.monthrange(y, m)[1] - back),
                       st.integers(1896, 2104), st.integers(1, 12), st.integers(0, 3))


@given(st.one_of(DATES, MONTH_ENDS), st.one_of(DATES, MONTH_ENDS))
def test_months_between_agrees_with_the_calendar(start: dt.date, end: dt.date) -> None:
    assert runtime.months_between(start, end) == calendar_months(start, end)


@given(st.text(alphabet="0123456789-+ TW:Z.", min_size=8, max_size=12) | st.dates().map(dt.date.isoformat))
def test_a_date_text_is_read_as_read_date_reads_it(text: str) -> None:
    """The converter's own date reader (the ten-character spelling, by fromisoformat) and read_date accept the same
    texts, as the same dates."""
    agrees(EVERYTHING, {"start": text})
