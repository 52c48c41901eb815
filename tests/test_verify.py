"""`eligo verify`: thresholds traced to inputs, boundary-concentrated cases, the exact sweep, the
report, and every guideline of the shipped knowledge base passing."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest
from eligo_helpers import guideline
from hypothesis import find, given, settings
from hypothesis import strategies as st

import eligo
from eligo.dsl.codes import CATALOGUE, Code
from eligo.pipeline import KnowledgeBase, compile_guideline
from eligo.python import runtime
from eligo.verify import boundaries, sets, tables, verify_guideline
from eligo.verify.boundaries import InputSubject, PairSubject
from eligo.verify.explore import search_settings
from eligo.verify.strategies import Space, cases
from eligo.verify.verifier import Verifier

ROOT = Path(__file__).parent.parent

DFI = """
input treatment_completed: date
input recurrence_detected: date
input liver_lesions: count from 0 to 100
input ca19_9_change: percent from -100 to 1000, optional
input r0_feasible: yes/no

define most_lesions: 5
define disease_free_interval: months between treatment_completed and recurrence_detected
define marker_fall: ca19_9_change * 2 <= -100%

decision resection: candidate > discuss > not_candidate, first match
  rule many: when liver_lesions > most_lesions then not_candidate
  rule no_r0: when not r0_feasible then not_candidate
  rule short: when disease_free_interval <= 12 months then discuss
  rule marker: when marker_fall then candidate
  otherwise candidate

example "DFI 18 months":
  given treatment_completed 2023-01-10, recurrence_detected 2024-07-10, liver_lesions 2, r0_feasible yes
  expect resection = candidate by rule otherwise

property "More lesions never help":
  resection never increases as liver_lesions increases

property "A longer DFI never lowers the recommendation":
  resection never decreases as disease_free_interval increases
"""


def test_thresholds_are_traced_through_definitions_to_inputs_and_date_pairs() -> None:
    g = guideline(DFI)
    found = {(t.subject, t.value, t.text) for t in boundaries.collect(g.program)}
    assert found == {
        (InputSubject("liver_lesions"), 5.0, "liver_lesions > most_lesions"),
        (PairSubject("months", "treatment_completed", "recurrence_detected"), 12.0,
         "disease_free_interval <= 12 months"),
        (InputSubject("ca19_9_change"), -50.0, "ca19_9_change * 2 <= -100%"),  # `* 2` undone
    }


def test_boundary_values_sit_on_each_threshold_and_just_either_side() -> None:
    g = guideline(DFI)
    thresholds = boundaries.collect(g.program)
    values = boundaries.input_values(thresholds, g.inputs)
    assert values == {"liver_lesions": [5, 4, 6], "ca19_9_change": [-50, -50.01, -49.99, -51, -49]}
    relations = boundaries.relations(thresholds, g.inputs)
    assert [(r.subject.start, r.subject.end, r.months) for r in relations] == [
        ("treatment_completed", "recurrence_detected", (12.0,))]


def test_date_pairs_are_placed_exactly_a_threshold_apart() -> None:
    subject = PairSubject("months", "a", "b")
    start = dt.date(2024, 1, 31)
    for months in (0.0, 3.0, 12.0, 24.0):
        end = boundaries.shift(start, subject, months)
        assert runtime.months_between(start, end) == months
        assert runtime.months_between(start, boundaries.shift(start, subject, months, 1)) > months
        assert runtime.months_between(start, boundaries.shift(start, subject, months, -1)) < months
        assert runtime.months_between(boundaries.unshift(end, subject, months), end) == months


def _space(g: eligo.Guideline) -> Space:
    return Verifier(g).space


@cache
def _dfi() -> tuple[eligo.Guideline, Space]:
    g = guideline(DFI)
    return g, _space(g)


@settings(max_examples=100)
@given(data=st.data())
def test_generated_cases_are_valid_cases(data: st.DataObject) -> None:
    g, space = _dfi()
    case = data.draw(cases(space))
    prepared = g.prepare(case)  # raises CaseError if the generator broke a declared type or range
    assert set(prepared) <= set(g.inputs)


def test_generation_reaches_the_exact_boundaries() -> None:
    g = guideline(DFI)
    space = _space(g)

    def dfi(case: dict[str, object]) -> float | None:
        value = g.evaluate(case).values.get("disease_free_interval")
        return value if isinstance(value, float) else None

    for wanted in (12.0, 12.0 + 1 / 30.4375):
        found = find(cases(space), lambda c, w=wanted: dfi(c) == w, settings=search_settings(200),
                     random=random.Random(0))
        assert dfi(found) == wanted
    lesions = find(cases(space), lambda c: c.get("liver_lesions") == 6, settings=search_settings(200),
                   random=random.Random(0))
    assert lesions["liver_lesions"] == 6


def test_sets_are_exact_on_integers_and_on_the_months_a_date_pair_can_be() -> None:
    months = sets.Domain("months")
    assert sets.pick(months, sets.atom(months, ">", 12)) == 12 + 1 / 30.4375
    assert sets.pick(months, sets.atom(months, "<=", 3)) == 3.0
    just_above = sets.intersect(sets.atom(months, ">", 12), sets.atom(months, "<", 12.02))
    assert sets.pick(months, just_above) is None  # no two dates are 12.01 months apart
    count = sets.Domain("int", low=0, high=100)
    between = sets.intersect(sets.atom(count, ">", 3), sets.atom(count, "<", 4))
    assert sets.pick(count, between) is None
    assert sets.complement(count, sets.atom(count, "<=", 5)) == (sets.Interval(5.0, False, 100, True),)
    assert sets.subset(count, sets.atom(count, ">", 10), sets.atom(count, ">", 5))
    assert not sets.subset(count, sets.atom(count, ">", 5), sets.atom(count, ">", 10))


def test_sweep_finds_witnesses_for_every_rule_and_confirms_them() -> None:
    g = guideline(DFI)
    decision = g.program.decisions[0]
    analysis = tables.analyse(g.program, decision)
    assert isinstance(analysis, tables.DecisionAnalysis)
    assert not analysis.dead and not analysis.masked and analysis.gap is None
    assert sorted(analysis.witnesses) == [0, 1, 2, 3]
    for index, point in analysis.witnesses.items():
        case = tables.realize(point, analysis.variables, g.inputs)
        assert case is not None
        assert g.evaluate(case)["resection"].rule == decision.rules[index].name
    assert analysis.otherwise is not None


def test_sweep_declines_what_it_cannot_decide_exactly() -> None:
    g = guideline("""
        input a: count from 0 to 10
        input b: count from 0 to 10
        decision d: yes_ | no_, first match
          rule r: when a < b then yes_
          otherwise no_
        """)
    assert tables.analyse(g.program, g.program.decisions[0]) == (
        "a condition is not a combination of interval and enumeration tests (InputRef)")


def test_knowledge_guideline_report_is_reproducible_and_complete() -> None:
    kb = eligo.load(ROOT / "knowledge")
    g = kb.guideline("colorectal.liver_metastasectomy", version="1.0.0")  # three summary inputs: a proof of totality
    first, again = verify_guideline(g, seed=0, max_examples=50), verify_guideline(g, seed=0, max_examples=50)
    strip = {"seconds"}
    assert {k: v for k, v in first.to_json().items() if k not in strip} == \
        {k: v for k, v in again.to_json().items() if k not in strip}
    assert first.ok and first.cases == 50
    statuses = {p.id: p.status for p in first.properties}
    assert statuses["totality:liver_metastasectomy"] == "proved"
    assert statuses["rules-apply:liver_metastasectomy"] == "proved"
    assert statuses["rules-decide:liver_metastasectomy"] == "proved"
    assert statuses["examples:liver_metastasectomy"] == "proved"
    assert all(status != "failed" for status in statuses.values())
    rules_hit, rules = first.coverage.count("rules")
    assert rules_hit == rules == 11  # liver_metastasectomy 7, margin_outlook 4 (changed deliberately)
    assert any(t.text == "metastatic_lesions <= most_metastatic_lesions" and t.on and t.above
               for t in first.coverage.thresholds)
    other = verify_guideline(g, seed=1, max_examples=50)
    assert other.ok and other.seed == 1
    lists = verify_guideline(kb.guideline("colorectal.liver_metastasectomy"), seed=0, max_examples=50)
    assert lists.version == "2.0.0" and lists.ok  # the lesion list: totality checked on generated lists
    statuses = {p.id: p.status for p in lists.properties}
    assert statuses["totality:liver_metastasectomy"] == "checked"
    assert statuses["rules-apply:liver_metastasectomy"] == statuses["examples:liver_metastasectomy"] == "proved"
    assert lists.coverage.count("rules") == (11, 11)


def test_report_json_is_json() -> None:
    g = guideline(DFI)
    report = verify_guideline(g, max_examples=30)
    text = json.dumps(report.to_json())
    data = json.loads(text)
    assert data["guideline"] == "test.g" and data["cases"] == 30
    titles = {p["title"]: p["status"] for p in data["properties"] if p["id"].startswith("property:")}
    assert titles == {"More lesions never help": "checked", "A longer DFI never lowers the recommendation": "checked"}
    assert "totality:resection" in {p["id"] for p in data["properties"]}
    assert math.isfinite(data["seconds"])


def _eligo(*args: str) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("eligo")
    assert executable, "the eligo console script is not installed"
    return subprocess.run([executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_every_guideline_of_the_knowledge_base_passes_eligo_verify() -> None:
    run = _eligo("verify", "knowledge", "--jobs", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    kb = eligo.load(ROOT / "knowledge")
    lines = run.stdout.strip().splitlines()
    for module_id, version in kb.modules:
        assert any(line.startswith(f"{module_id} {version}: ok: ") for line in lines), (module_id, version)
    assert lines[-1].startswith(f"verified {len(kb.modules)} guideline versions: {len(kb.modules)} ok, 0 failed; ")
    assert "error[" not in run.stderr, run.stderr  # warnings (V215, V216) may appear; errors may not


def test_eligo_verify_reports_a_seeded_fault_and_exits_1() -> None:
    run = _eligo("verify", "tests/fixtures/faulty/gap", "--max-examples", "50")
    assert run.returncode == 1
    assert "tests/fixtures/faulty/gap/faulty/gap/1.0.0.eligo:9:1: error[V201]: decision `resection` has a gap" \
        in run.stderr
    assert '  case: {"liver_lesions": 4}' in run.stderr
    assert "  as an example: given liver_lesions 4" in run.stderr
    assert run.stdout.strip().splitlines()[-1].startswith("verified 1 guideline version: 0 ok, 1 failed;")


def test_eligo_verify_json() -> None:
    run = _eligo("verify", "tests/fixtures/faulty/overlap", "--json", "--max-examples", "30", "--seed", "3")
    assert run.returncode == 1
    [report] = json.loads(run.stdout)
    assert report["seed"] == 3 and report["ok"] is False
    [finding] = [f for f in report["findings"] if f["code"] == "V202"]
    assert finding["case"] == {"liver_lesions": 3, "largest_lesion": "1 mm"}
    assert finding["line"] == 13


# ---------------------------------------------------------------- the V2xx catalogue

# Codes that mean the compiler itself misbehaved (no guideline should trigger them): evaluation
# raised, a decision unknown without naming missing inputs, results depending on field order.
COMPILER_DEFECTS = {"V200", "V205", "V206"}
VERIFY_CODES = [entry for entry in CATALOGUE.values() if entry.stage == "verify"]


def _verify_source(path: str, text: str) -> tuple[list[str], list[str]]:
    kb = KnowledgeBase.from_texts({path: text})
    checked = [d.headline() for d in kb.check()]
    if any("error[" in line for line in checked):
        return checked, []
    report = verify_guideline(compile_guideline(kb, "demo.codes", "1.0.0"), max_examples=100)
    return checked, [f"{f.diagnostic.severity.value}[{f.diagnostic.code}]" for f in report.findings]


@pytest.mark.parametrize("entry", VERIFY_CODES, ids=lambda e: e.code)
def test_verify_code_wrong_example_yields_exactly_its_code(entry: Code) -> None:
    checked, found = _verify_source(entry.path, entry.wrong)
    assert not [line for line in checked if "error[" in line]
    assert found == [f"{entry.severity}[{entry.code}]"]


@pytest.mark.parametrize("entry", VERIFY_CODES, ids=lambda e: e.code)
def test_verify_code_right_example_checks_and_verifies_cleanly(entry: Code) -> None:
    assert _verify_source(entry.path, entry.right) == ([], [])


def test_every_verify_code_is_catalogued_and_emitted() -> None:
    emitted = set()
    for file in (ROOT / "compiler" / "verify").glob("*.py"):
        emitted |= set(re.findall(r'"(V2[0-9]{2})"', file.read_text(encoding="utf-8")))
    assert emitted - COMPILER_DEFECTS == {entry.code for entry in VERIFY_CODES}


def test_monotonicity_over_an_enumeration_cannot_be_checked() -> None:
    g = guideline("""
        kind site: colorectal | renal_cell
        input primary: site
        input lesions: count from 0 to 10
        decision resection: candidate > not_candidate, first match
          rule many: when lesions > 3 then not_candidate
          otherwise candidate
        example "Five lesions":
          given lesions 5
          expect resection = not_candidate
        property "Sites in order":
          resection never decreases as primary increases
        """)
    report = verify_guideline(g, max_examples=20)
    [finding] = report.findings
    assert finding.diagnostic.code == "V214"
    assert finding.diagnostic.message == ('property "Sites in order" cannot be checked: `primary` is a value of '
                                          "`site`, which has no order")
    assert {p.title: p.status for p in report.properties}["Sites in order"] == "failed"
