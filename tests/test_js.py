"""The JavaScript back end agrees with the Python evaluator in Node: for every guideline in knowledge/ and the
construct fixture, generated cases with missing values give the same decisions (value, status, rule, possible,
missing, exact, reasons) and the same values of definitions, field for field; invalid cases are refused with the
same problems (field, message, hint). One Node process per guideline decides a whole batch."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from eligo.js import to_js
from tests.cohorts import EVERYTHING, examples, knowledge_guidelines, rows, sample
from tests.eligo_helpers import guideline as compile_guideline

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node is not installed")

DRIVER = """
import { readFileSync } from "node:fs";
const module = await import(process.argv[2]);
for (const item of JSON.parse(readFileSync(process.argv[3], "utf8"))) {
  try {
    console.log(JSON.stringify({ result: module.evaluate(item) }));
  } catch (error) {
    if (!(error instanceof module.CaseError)) throw error;
    console.log(JSON.stringify({ refused: error.problems, message: error.message }));
  }
}
"""

# Constructs the other fixtures lack: numeric bands in tables keyed by definitions, open questions, a mixed scale,
# and inputs compared through arithmetic with other inputs (their cut points computed per case).
BANDS = compile_guideline("""
    kind therapy_effect: complete | partial
    input score: count from 0 to 5, optional
    input dfi: duration in months from 0 to 600, optional
    input effective_therapy: yes/no, optional
    input weight: number from 0 to 200, optional
    input height: number from 0 to 3, optional
    input start: date, optional
    input stop: date, optional

    table risk_group by score -> therapy_effect
      0 to 2:   partial
      3 or more: complete

    table any_score by score -> count
      any: 7

    table dfi_class by dfi, effective_therapy -> count
      under 12 months, any:                 0
      12 months to under 36 months, yes:    1
      12 months to under 36 months, no:     2
      over 35.5 months, any:                3

    input a: yes/no, optional
    input b: yes/no, optional
    input lesions: count from 0 to 6, optional

    define points: (if a then 1 else 0) + (if b then 2 else 0) + (if effective_therapy then 1 else 0) + lesions
    define bmi: weight / (height * height)
    define gap: months between start and stop
    define doubled: score * 2 + 1

    decision stage: group_I > group_II > group_III | not_staged
      rule too_many: when score > 4 then open
        because "The seed does not say what so many lesions mean."
      rule none_seen: when score = 0 then not_staged
      rule few: when risk_group[score] = partial and dfi_class[dfi, effective_therapy] >= 1 then group_I
      rule heavy: when bmi > 30 or weight > 40 * height then group_II
      rule long_gap: when gap > dfi or doubled >= any_score[score] then group_I
      otherwise group_III

    decision risk: high | low
      rule many_points: when points >= 4 then high
      otherwise low
""")
GUIDELINES = [*knowledge_guidelines(), EVERYTHING, BANDS]
# An open question and no rule at all both possible: `possible` lists the declared outcomes, then open, then none.
OPEN_OR_NONE = compile_guideline("""
    input a: yes/no, optional
    input b: yes/no, optional

    decision d: x | y
      rule unsettled: when a then open
        because "The seed does not say."
      rule seen: when b then x
""")
_MODULES: dict[int, Path] = {}


def _module(guideline: eligo.Guideline, folder: Path) -> Path:
    if id(guideline) not in _MODULES:
        path = folder / f"{guideline.id}-{guideline.version}-{id(guideline)}.mjs"
        path.write_text(to_js(guideline), encoding="utf-8")
        _MODULES[id(guideline)] = path
    return _MODULES[id(guideline)]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _MODULES.clear()
    return tmp_path_factory.mktemp("js")


def node_answers(guideline: eligo.Guideline, cases: Sequence[Any], folder: Path) -> list[dict[str, Any]]:
    driver = folder / "driver.mjs"
    driver.write_text(DRIVER, encoding="utf-8")
    batch = folder / "cases.json"
    batch.write_text(json.dumps(list(cases)), encoding="utf-8")
    done = subprocess.run([NODE or "node", str(driver), str(_module(guideline, folder)), str(batch)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def python_answer(guideline: eligo.Guideline, case: Any) -> dict[str, Any]:
    try:
        result = guideline.evaluate(case).to_json()
    except eligo.CaseError as refused:
        return {"refused": [{"field": p.field, "message": p.message, "hint": p.hint} for p in refused.problems],
                "message": str(refused)}
    result.pop("trace")
    return {"result": result}


def strict_differences(want: object, got: object, where: str = "") -> list[str]:
    """Where two JSON values differ: yes/no is never a number, a list never a text; numbers compare exactly
    (3 and 3.0 are the same number, as JSON has one number type)."""
    if isinstance(want, bool) or isinstance(got, bool):
        return [] if type(want) is type(got) and want == got else [f"{where}: {want!r} != {got!r}"]
    if isinstance(want, (int, float)) and isinstance(got, (int, float)):
        return [] if want == got else [f"{where}: {want!r} != {got!r}"]
    if isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got):
            return [f"{where}: keys {list(want)} != {list(got)}"]
        return [d for k in want for d in strict_differences(want[k], got[k], f"{where}.{k}")]
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{where}: {want!r} != {got!r}"]
        return [d for i, (a, b) in enumerate(zip(want, got, strict=True)) for d in strict_differences(a, b, f"{where}[{i}]")]
    return [] if type(want) is type(got) and want == got else [f"{where}: {want!r} != {got!r}"]


def as_case(row: dict[str, Any]) -> dict[str, Any]:
    """A generated row as a JSON case: missing inputs left out (or null), dates written YYYY-MM-DD."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in row.items() if v is not None}


def disagreements(guideline: eligo.Guideline, cases: Sequence[Any], folder: Path) -> list[str]:
    got = node_answers(guideline, cases, folder)
    assert len(got) == len(cases)
    problems = []
    for index, (case, answer) in enumerate(zip(cases, got, strict=True)):
        found = strict_differences(python_answer(guideline, case), answer)
        if found:
            problems.append(f"case {index} {json.dumps(case)}: {found[:3]}")
    return problems


@pytest.mark.parametrize("guideline", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_node_agrees_with_python_on_a_seeded_cohort(guideline: eligo.Guideline, folder: Path) -> None:
    cases = [as_case(row) for row in [*examples(guideline), *sample(guideline, 400)]]
    decided = unknown = 0
    answers = [python_answer(guideline, c) for c in cases]
    for answer in answers:
        statuses = [d["status"] for d in answer["result"]["decisions"].values()]
        decided += statuses.count("decided")
        unknown += statuses.count("unknown")
    assert decided and unknown, "the cohort should hold decided and unknown patients"
    assert disagreements(guideline, cases, folder) == []


def test_node_orders_open_and_no_outcome_as_python_does(folder: Path) -> None:
    cases: list[dict[str, Any]] = [{}, {"a": False}, {"b": False}, {"a": True}, {"b": True}]
    possible = [python_answer(OPEN_OR_NONE, c)["result"]["decisions"]["d"]["possible"] for c in cases]
    assert possible[0] == ["x", "open", "none"]
    assert disagreements(OPEN_OR_NONE, cases, folder) == []


@pytest.mark.parametrize("guideline", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_node_agrees_with_python_on_generated_cohorts(guideline: eligo.Guideline, folder: Path) -> None:
    @settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                     HealthCheck.function_scoped_fixture])
    @given(st.lists(rows(guideline), min_size=1, max_size=60))
    def agree(cohort: list[dict[str, Any]]) -> None:
        assert disagreements(guideline, [as_case(r) for r in cohort], folder) == []

    agree()


def _invalid(guideline: eligo.Guideline) -> list[Any]:
    """Cases Eligo refuses, one kind of mistake per input, and a few whole-case mistakes."""
    cases: list[Any] = [[1, 2], "a text", None, {"not_an_input": 1}, {"x" * 120: 1}]
    for name, info in guideline.inputs.items():
        close = name[:-1] + ("x" if name[-1] != "x" else "y")
        cases.append({close: 1})
        cases.append({name: [1, 2]})
        cases.append({name: {"deep": {"er": [1, {"a": 2}]}}})
        match info.type.kind:
            case "bool":
                cases += [{name: "maybe"}, {name: 1}, {name: "YES"}]
            case "enum":
                cases += [{name: info.type.values[0].upper() + "x"}, {name: 3}, {name: info.type.values[-1][:-1]}]
            case "date":
                cases += [{name: "2024-02-30"}, {name: "10/01/2024"}, {name: " 2024-01-10 "}, {name: 20240110}]
            case "number":
                cases += [{name: "3"}, {name: 2.5}, {name: True}, {name: -1000}, {name: 10 ** 9}, {name: 1e300}]
            case "quantity":
                unit = info.unit or "months"
                cases += [{name: f"3 {unit}x"}, {name: "three"}, {name: {"value": 3, "unit": "furlong"}},
                          {name: {"value": 3}}, {name: f"-999999 {unit}"}, {name: 1e9}, {name: "5 kg"},
                          {name: f"2.5 {unit}"}, {name: {"value": "3", "unit": unit}}]
    cases.append({name: "??" for name in guideline.inputs})  # many problems in one case
    return cases


@pytest.mark.parametrize("guideline", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_node_refuses_what_python_refuses(guideline: eligo.Guideline, folder: Path) -> None:
    cases = _invalid(guideline)
    assert sum("refused" in python_answer(guideline, c) for c in cases) > len(cases) // 2
    assert disagreements(guideline, cases, folder) == []


def test_node_agrees_with_python_on_the_generated_1000_rule_guideline(folder: Path) -> None:
    """benchmarks/large.py's guideline: first-match decisions of 100 rules (settled through tables in Python), 200
    chained definitions, 70 inputs of every type; a few seeded patients with missing values."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("large", Path(__file__).resolve().parent.parent / "benchmarks" / "large.py")
    assert spec is not None and spec.loader is not None
    large = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(large)
    text = large.source()
    name = text.split("\n", 1)[0].split()[1]
    from tests.eligo_helpers import kb

    generated = kb(text).guideline(name, allow_draft=True)
    cases = [as_case(row) for row in sample(generated, 12, seed=3)]
    assert disagreements(generated, cases, folder) == []
