"""What an unknown definition may still be (eligo.compiled.ranges), checked against its definition on every
guideline in knowledge/ and the construct fixture: a random completion of the missing inputs gives a value inside
the range or among the possible values (soundness); where the answer is exact, each possible value and each end of
a range is the value of some completion (tightness). Also the score example, the JSON shape and explain()."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import eligo
from eligo.compiled import cuts
from eligo.compiled.ranges import declared_ends
from eligo.compiled.result import to_json_value
from eligo.ir.lists import Records
from tests.cohorts import EVERYTHING, knowledge_guidelines, rows
from tests.eligo_helpers import guideline as compile_text
from tests.eligo_helpers import module
from tests.test_exact import ARITHMETIC

GUIDELINES = [EVERYTHING, ARITHMETIC, *knowledge_guidelines()]


def _value(g: eligo.Guideline, case: dict[str, Any], key: str) -> object:
    return to_json_value(g.code.traced(case, [])[1][key])


def _inside(value: object, found: dict[str, object]) -> bool:
    if "possible" in found:
        return value in found["possible"]  # type: ignore[operator]
    if value == "none":
        return bool(found.get("none"))
    if found["range"] is None:  # every completion gives none
        return False
    low, high = found["range"]  # type: ignore[misc]
    return (low is None or value >= low - 1e-9) and (high is None or value <= high + 1e-9)  # type: ignore[operator]


@pytest.mark.parametrize("g", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_unknown_values_hold_every_completion_and_exact_ones_no_more(g: eligo.Guideline) -> None:
    keys = {g.program.value_name(d): d.key for d in g.program.definitions}

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(rows(g, missing=0.35), rows(g, missing=0.0))
    def check(row: dict[str, Any], filler: dict[str, Any]) -> None:
        case = {k: v for k, v in row.items() if v is not None}
        result = g.evaluate(case)
        prepared = g.prepare(case)
        for name, found in result.unknown_values.items():
            assert result.values[name] is None
            if set(found) == {"exact"}:
                continue  # not bounded: nothing claimed
            key = keys[name]
            absent = [n for n in g.inputs if n in g.facts.cone_of(key) and prepared.get(n) is None]
            unsettled = any(isinstance(v, Records) and not v.settled for v in prepared.values())
            if all(filler.get(n) is not None for n in absent) and not unsettled:  # a partly known list is no filling
                completed = g.prepare({**case, **{n: filler[n] for n in absent}})
                assert _inside(_value(g, completed, key), found), (name, case, completed, found)
            if found.get("exact", True) is False or unsettled:  # a list's exact bounds: tests/test_exact_lists.py
                continue
            candidates = [(*(cuts.classes(g.domains, n, prepared) or ()), *declared_ends(g.inputs[n])) for n in absent]
            reached = [_value(g, {**prepared, **dict(zip(absent, c, strict=True))}, key)
                       for c in itertools.product(*candidates)]
            if "possible" in found:
                assert set(found["possible"]) == set(reached), (name, case)  # type: ignore[arg-type]
            else:
                numbers = [v for v in reached if v != "none"]
                assert found["range"] == ([min(numbers), max(numbers)] if numbers else None), (name, case)  # type: ignore[type-var]
                assert bool(found.get("none")) == ("none" in reached), (name, case)

    check()


SCORE_BODY = """
    input a: yes/no, optional
    input b: yes/no, optional
    input c: yes/no, optional
    input n: count from 0 to 20, optional
    input x: number from 0 to 100, optional
    input start: date, optional
    input end: date, optional
    define score: (if a then 1 else 0) + (if b then 1 else 0) + (if c then 1 else 0)
    define high_score: score >= 2
    define load: n * 2 + x
    define dfi: months between start and end
    decision risk: high | low
      rule r1: when high_score then high
      rule r2: when dfi > 12 months or load > 30 then high
      otherwise low
"""
SCORE = compile_text(SCORE_BODY)


def test_the_score_of_a_missing_criterion_is_a_range_and_its_test_a_possible_set() -> None:
    result = SCORE.evaluate({"a": True, "b": False, "x": 3, "start": "2024-01-10"})
    assert result.to_json()["values"]["score"] is None  # the existing field keeps its meaning: unknown
    assert result.to_json()["unknown_values"] == {
        "score": {"range": [1, 3 - 1]}, "high_score": {"possible": [True, False]},
        "load": {"range": [3, 43]},  # n from 0 to 20 doubled, plus 3: its ends are reached
        "dfi": {"range": [None, None], "exact": False},  # a date has no declared bound
    }
    lines = result.explain().splitlines()
    assert "  score = unknown (1 to 2)" in lines and "  high_score = unknown (yes or no)" in lines
    assert "  dfi = unknown" in lines
    assert "unknown_values" not in SCORE.evaluate({"a": True, "b": True, "c": True, "n": 1, "x": 1,
                                                   "start": "2024-01-10", "end": "2025-01-10"}).to_json()


def test_eligo_eval_json_carries_the_unknown_values(tmp_path: Path) -> None:
    (tmp_path / "test" / "g").mkdir(parents=True)
    (tmp_path / "eligo.toml").write_text("")
    (tmp_path / "test" / "g" / "1.0.0.eligo").write_text(module("test.g", SCORE_BODY))
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"a": True, "b": False, "x": 3, "start": "2024-01-10"}))
    got = subprocess.run([sys.executable, "-m", "eligo", "eval", "test.g", "--case", str(case), "--json",
                          "--kb", str(tmp_path)], capture_output=True, text=True, check=False)
    assert got.returncode == 0, got.stderr
    answer = json.loads(got.stdout)
    assert answer["values"]["score"] is None and answer["unknown_values"]["score"] == {"range": [1, 2]}


def test_a_value_that_observes_the_data_claims_nothing() -> None:
    g = compile_text("""
        input x: number from 0 to 10, optional
        input y: number from 0 to 10, optional
        define either: first known of (x, y)
        decision d: p | q
          rule r: when either > 5 then p
          otherwise q
    """)
    assert g.evaluate({})["d"].status == "unknown"
    assert g.evaluate({}).unknown_values["either"] == {"exact": False}
