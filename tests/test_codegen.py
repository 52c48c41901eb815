"""The lean no-trace evaluator and the one-decision classifier agree with the traced evaluator; so does
`evaluate`'s validating evaluator with prepare and the three-valued one, refusing exactly what prepare refuses;
generated code quotes author text through `repr`; a trace is recorded in full and made into Step objects on
first use."""

from __future__ import annotations

import pickle
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from eligo.cases import CaseError
from eligo.python import codegen, twovalued
from tests.cohorts import EVERYTHING, EVERYTHING_SOURCE, kb, knowledge_guidelines, rows
from tests.eligo_helpers import guideline

SMALL = guideline("""
    input lesions: count from 0 to 20, optional
    input organs: count from 0 to 6, optional
    input r0: yes/no, optional
    define oligo: lesions <= 5 and organs <= 3
    decision resect: candidate | not_candidate | unclear
      rule no_data: when lesions is missing and organs is missing then unclear
      rule few: when oligo and r0 then candidate
      otherwise not_candidate
""")


def _agree(g: eligo.Guideline, cohort: list[dict[str, object]]) -> None:
    classifiers = {d.key: g.code.classifier(d.key)[0] for d in g.program.decisions}
    for row in cohort:
        prepared = g.prepare({k: v for k, v in row.items() if v is not None})
        traced, _ = g.code.traced(prepared, [])
        assert g.code.fast(prepared) == traced, row
        every_key = {name: prepared.get(name) for name in g.inputs}  # the classifier reads keys: both forms
        for index, decision in enumerate(g.program.decisions):
            value, status = traced[index][0], traced[index][1]
            assert classifiers[decision.key](prepared) == (value if status == 0 else None), (decision.name, row)
            assert classifiers[decision.key](every_key) == (value if status == 0 else None), (decision.name, row)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(rows(EVERYTHING), min_size=1, max_size=40))
def test_lean_evaluator_and_classifier_agree_with_the_traced_one(cohort: list[dict[str, object]]) -> None:
    _agree(EVERYTHING, cohort)


ODD_VALUES = st.sampled_from([0, 1, 2.0, 2.5, -3, 10 ** 20, float("nan"), float("inf"), True, "x", "yes", "12 months",
                               "2024-01-10", "50%", [1], {"value": 2, "unit": "cm"}, None])


def _evaluate_agrees(g: eligo.Guideline, case: dict[str, object]) -> None:
    """`evaluate` (the validating evaluator, else the general path) gives what prepare then evaluate_prepared give."""
    try:
        expected = g.evaluate_prepared(g.prepare(case), trace=True)
    except CaseError as refused:
        try:
            g.evaluate(case)
        except CaseError as also:
            assert str(also) == str(refused), case
        else:
            raise AssertionError(f"evaluate accepted what prepare refuses: {case}") from None
        return
    got = g.evaluate(case)
    assert got.decisions == expected.decisions, case
    assert got.to_json() == expected.to_json() and got.explain() == expected.explain(), case
    assert g.evaluate(case, trace=False).decisions == expected.decisions and g.evaluate(case, trace=False).trace == ()
    three_valued = g.evaluate(case, exact=False)
    assert three_valued.to_json() == g.evaluate_prepared(g.prepare(case), trace=True, exact=False).to_json(), case


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_evaluate_agrees_with_prepare_and_the_three_valued_evaluator(data: st.DataObject) -> None:
    g = data.draw(st.sampled_from([EVERYTHING, *KNOWLEDGE]))
    for _ in range(5):
        case = dict(data.draw(rows(g)))
        for name in data.draw(st.lists(st.sampled_from([*g.inputs, "not_an_input"]), max_size=2)):
            case[name] = data.draw(ODD_VALUES)
        if data.draw(st.booleans()):
            case = {k: v for k, v in case.items() if v is not None}  # absent rather than None
        _evaluate_agrees(g, case)


KNOWLEDGE = knowledge_guidelines()
WORKLOAD = eligo.KnowledgeBase.from_texts({"bench/metastasectomy/1.0.0.eligo": (
    Path(__file__).resolve().parent.parent / "benchmarks/workload/bench/metastasectomy/1.0.0.eligo").read_text()}
).guideline("bench.metastasectomy")  # the peer benchmark's workload


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_the_classifiers_of_the_knowledge_base_and_the_benchmark_agree_with_the_traced_evaluator(
        data: st.DataObject) -> None:
    for g in [WORKLOAD, *KNOWLEDGE]:
        _agree(g, data.draw(st.lists(rows(g), min_size=1, max_size=10), label=g.id))


def test_a_deferred_result_is_filled_in_from_the_case_as_it_was_given() -> None:
    case: dict[str, object] = {"lesions": 3, "organs": 1, "r0": True}
    result = SMALL.evaluate(case)
    case["lesions"] = 9  # the caller's dict changes afterwards: the result explains the case it decided
    assert result["resect"].value == "candidate" and result.values == {"oligo": True}
    assert [step.value for step in result.trace if step.kind == "rule"] == [False, True]
    assert pickle.loads(pickle.dumps(result)) == result
    assert SMALL.evaluate({"lesions": 3, "organs": 1, "r0": True}) == result


def test_each_path_of_evaluate_explains_the_values_it_decided_whatever_the_caller_does_to_the_case() -> None:
    """`evaluate` keeps, for a later explanation, the values its generated checks read (a tuple) or, where the
    case was handed on (an unknown value read, a value converted), a copy of the case: each path is explained from
    the case as given, though the caller's dict changes."""
    cases: list[dict[str, object]] = [
        {"lesions": 3, "organs": 1, "r0": True},  # every input given: read by key
        {"lesions": 3, "r0": True},  # one absent: read with get (then organs is unknown: handed on)
        {"lesions": 3, "organs": None, "r0": True},  # None as missing, every key there
        {"lesions": 3.0, "organs": 1, "r0": "yes"},  # values converted first (the general path)
        {"lesions": 9, "organs": 1, "r0": None}]
    for case in cases:
        expected = SMALL.evaluate_prepared(SMALL.prepare(dict(case)), trace=True)
        for exact in (True, False):
            result = SMALL.evaluate(case, exact=exact)
            kept = dict(case)
            for name in case:  # the caller reuses its dict
                case[name] = None
            want = expected if exact else SMALL.evaluate_prepared(SMALL.prepare(dict(kept)), trace=True, exact=False)
            assert (result.decisions, result.values, result.trace) == (want.decisions, want.values, want.trace), kept
            assert result.unknown_values == want.unknown_values, kept
            case.update(kept)


def test_a_long_first_match_decision_uses_flat_guards_and_agrees() -> None:
    rules = "\n".join(f"          rule k{i}: when n = {i} then {'a' if i % 2 else 'b'}" for i in range(codegen.NEST_LIMIT + 5))
    long = guideline(f"""
        input n: count from 0 to 100, optional
        input m: count from 0 to 100, optional
        decision d: a | b
{rules}
          rule last: when m > 3 then a
    """)
    assert "fired = -2; u = 0" in long.code.source
    _agree(long, [{"n": n, "m": m} for n in (None, 0, 3, 44, 45, 60) for m in (None, 2, 9)])


def test_the_lean_source_reads_inputs_where_needed_and_stops_at_the_deciding_rule() -> None:
    assert SMALL.code.source == '''def evaluate(c):
    i_lesions = c.get('lesions')
    t1 = i_lesions is None
    t0 = t1
    if t0 is not False:
        i_organs = c.get('organs')
        t2 = i_organs is None
        if not t2: t0 = False
    if t0:
        r1 = ('unclear', 0, 0, 0)
    else:
        t5 = None if i_lesions is None else i_lesions <= 5
        t4 = t5
        if t4 is not False:
            i_organs = c.get('organs')
            t6 = None if i_organs is None else i_organs <= 3
            if t6 is not True: t4 = t6
        t3 = t4
        if t3 is not False:
            i_r0 = c.get('r0')
            if i_r0 is not True: t3 = i_r0
        if t3 is True:
            r1 = ('candidate', 0, 1, 0)
        else:
            u = 2 if t3 is None else 0
            r1 = (None, 1, -1, u) if u & 3 else ('not_candidate', 0, -1, 0)
    return (r1,)
'''


def test_the_classifier_jumps_as_a_hand_written_function_would() -> None:
    """A rule's conjunction (its definitions read only there inlined) is nested `if`s returning the rule's answer,
    the next rule after them; `t = x <= 3` then `if t:` is `if (x <= 3):` (a comparison followed by its jump is
    what the interpreter specialises), a temporary read again (an `or` chain's value so far) stays."""
    assert SMALL.code.classifier(SMALL.program.decisions[0].key)[1] == '''def classify(c):
    try:
        i_lesions = c['lesions']
        if (i_lesions is None):
            i_organs = c['organs']
            if (i_organs is None):
                return 'unclear'
        if (i_lesions <= 5):
            i_organs = c['organs']
            if (i_organs <= 3):
                i_r0 = c['r0']
                if i_r0 is None: return fallback(c)
                if i_r0:
                    return 'candidate'
        return 'not_candidate'
    except (KeyError, TypeError,):
        return fallback(c)
'''
    assert [SMALL.classifier()(SMALL.prepare(case)) for case in (
        {"lesions": 3, "organs": 4, "r0": True}, {"lesions": 3, "organs": 3, "r0": True}, {}, {"lesions": 3})] == \
        ["not_candidate", "candidate", "unclear", None]
    either = guideline("""
        input a: count from 0 to 9, optional
        input b: yes/no, optional
        input k: site, optional
        kind site: lung | liver
        define low: a < 3 or k = lung
        decision d: p | q
          rule r: when b and (low or not b) then p
          otherwise q
    """)
    source = either.code.classifier(either.program.decisions[0].key)[1]
    assert "            if (i_a < 3):\n                return 'p'\n" in source  # a disjunct returns where it holds
    _agree(either, [{"a": a, "b": b, "k": k} for a in (None, 1, 5) for b in (None, True, False)
                    for k in (None, "lung", "liver")])
    lines = ["    t1 = a <= 5", "    if not t1: t0 = False", "    t2 = b", "    if t2:", "    t3 = t2",
             "    t4 = c", "        if t4: x = 1"]  # t2 read again; t4 tested at another depth
    assert twovalued.tested_where_computed(lines, []) == ["    if not (a <= 5): t0 = False", *lines[2:]]
    assert twovalued.tested_where_computed(lines[:2], ["def h0(c):\n    return t1"]) == lines[:2]  # read in a helper


def test_a_definition_read_twice_is_computed_once_on_first_use() -> None:
    shared = guideline("""
        input a: count from 0 to 9, optional
        define big: a > 5
        decision x: p | q
          rule r: when big then p
          otherwise q
        decision y: p | q
          rule r: when not big then q
          otherwise p
    """)
    lines = shared.code.source.splitlines()
    assert lines[:3] == ["def h0(c):", "    i_a = c.get('a')", "    t0 = None if i_a is None else i_a > 5"]
    assert lines[6:8] == ["    v0 = UNSET", "    if v0 is UNSET: v0 = h0(c)"]
    assert shared.code.source.count("if v0 is UNSET: v0 = h0(c)") == 2
    assert [shared.evaluate({"a": a}, trace=False)["y"].value for a in (2, 7)] == ["q", "p"]


def test_author_text_enters_generated_code_only_through_repr() -> None:
    g = guideline("""
        input site: site, optional
        kind site: lung | liver
        define label: "x'); import os #"
        decision d: yes_ | no_
          rule r: when label = "x'); import os #" and site = lung then yes_
          otherwise no_
    """)
    assert g.code.source.splitlines()[1] == "    t0 = " + repr("x'); import os #") + " == " + repr("x'); import os #")
    assert g.evaluate({"site": "lung"}, trace=False)["d"].value == "yes_"
    assert g.evaluate({"site": "liver"}, trace=False)["d"].value == "no_"


def test_a_trace_is_recorded_in_full_and_made_into_steps_on_first_use() -> None:
    result = SMALL.evaluate({"lesions": 3, "organs": 1, "r0": True})
    assert len(result.trace) == 6
    kinds = [step.kind for step in result.trace]
    assert kinds == ["condition", "condition", "definition", "condition", "rule", "rule"]
    assert result.trace[-1].rule == "few" and result.trace[-1].value is True
    assert result.trace == tuple(result.trace) and result.trace[:2] == tuple(result.trace)[:2]
    assert pickle.loads(pickle.dumps(result.trace)) == tuple(result.trace)
    assert SMALL.evaluate({"lesions": 3}, trace=False).trace == ()


def test_a_decided_result_is_shared_and_an_unknown_one_names_what_is_missing() -> None:
    first = SMALL.evaluate({"lesions": 9}, trace=False)["resect"]
    assert first is SMALL.evaluate({"lesions": 12, "organs": 2}, trace=False)["resect"]
    assert (first.value, first.status, first.rule) == ("not_candidate", "decided", "otherwise")
    unknown = SMALL.evaluate({"lesions": 2}, trace=False)["resect"]
    assert (unknown.status, unknown.missing) == ("unknown", ("organs", "r0"))


def test_shared_definitions_that_read_shared_definitions_get_functions_of_their_own() -> None:
    nested = guideline("""
        input a: count from 0 to 9, optional
        input b: count from 0 to 9, optional
        define low: a < 3
        define both: low and b < 3
        decision x: p | q
          rule r: when both or low then p
          otherwise q
        decision y: p | q
          rule r: when not both and not low then q
          otherwise p
    """)
    assert [line for line in nested.code.source.splitlines() if line.startswith("def ")] == \
        ["def h0(c):", "def h1(c):", "def evaluate(c):"]
    _agree(nested, [{"a": a, "b": b} for a in (None, 1, 5) for b in (None, 1, 5)])


def test_a_test_of_a_constant_is_decided_when_the_code_is_written() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", SyntaxWarning)
        constant = guideline("""
            input a: count from 0 to 9, optional
            decision d: p | q
              rule r: when 2.5 is known and a > 1 then p
              otherwise q
        """)
    assert "2.5 is" not in constant.code.source and "2.5 is" not in constant.code.traced_source
    assert [constant.evaluate({"a": a}, trace=True)["d"].value for a in (0, 5)] == ["q", "p"]


def test_a_trace_and_explain_show_quantities_in_the_authors_units() -> None:
    g = guideline("""
        input size: quantity in cm from 0 to 20, optional
        input drop: percent from -100 to 100, optional
        input start: date, optional
        input stop: date, optional
        define dfi: months between start and stop
        define big: size > 15 mm
        decision d: a | b
          rule r: when big and dfi > 12 months and drop >= 50% then a
          otherwise b
    """)
    result = g.evaluate({"size": 2, "drop": 60.0, "start": "2022-01-01", "stop": "2024-05-03"})
    text = result.explain()
    assert "dfi > 12 months  [28 months 2 days, 12 months] → yes" in text
    assert "size > 15 mm  [2 cm, 1.5 cm] → yes" in text and "drop >= 50%  [60%, 50%] → yes" in text
    assert "  dfi = 28 months 2 days" in text
    step = next(s for s in result.trace if s.text == "size > 15 mm")
    assert step.operands == (20.0, 15.0) and step.units == (None, "cm", "cm")  # the values stay canonical (mm)
    assert step.to_json()["operands"] == [20.0, 15.0]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(rows(EVERYTHING), min_size=1, max_size=30), st.lists(rows(EVERYTHING), min_size=1, max_size=30))
def test_steps_reused_across_cases_are_those_a_fresh_trace_makes(warm: list[dict[str, object]],
                                                               cohort: list[dict[str, object]]) -> None:
    """The traced evaluator records the Step its site's memo has for equal operands; a Step so reused is the one
    a guideline that never saw a case makes (a number given as 2 is not one given as 2.0, nor -0.0 one of 0.0)."""
    fresh = kb(EVERYTHING_SOURCE).guideline("test.g")
    for row in warm:
        tuple(EVERYTHING.evaluate(row).trace)
    for row in [*cohort, *({**r, "m": float(r["m"])} for r in cohort if isinstance(r["m"], int)),
                *({**r, "m": -0.0} for r in cohort[:3])]:
        again, first = EVERYTHING.evaluate(row), kb(EVERYTHING_SOURCE).guideline("test.g").evaluate(row)
        assert [s.to_json() for s in again.trace] == [s.to_json() for s in first.trace], row
        assert again.explain() == first.explain() and fresh.evaluate(row).to_json() == first.to_json(), row


def test_a_deferred_result_read_from_several_threads_at_once_gives_each_the_same_trace() -> None:
    from concurrent.futures import ThreadPoolExecutor

    results = [SMALL.evaluate({"lesions": n % 8, "organs": 1, "r0": True}) for n in range(200)]
    expected = [SMALL.evaluate_prepared(SMALL.prepare({"lesions": n % 8, "organs": 1, "r0": True}), trace=True)
                for n in range(200)]
    with ThreadPoolExecutor(8) as pool:
        read = list(pool.map(lambda r: (r.values, tuple(r.trace)), results * 4))
    assert read == [(e.values, tuple(e.trace)) for e in expected * 4]
