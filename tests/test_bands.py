"""Tables keyed by derived values and numeric bands, mixed ordered/unordered scales, and declared open questions:
the checks and their messages, evaluation at and around band bounds, exact unknowns, the SQL back end (agreement with
Python on generated cohorts, all four dialects, the `open` status), results as JSON, examples, verify and diff."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from eligo.ir import tables
from eligo.sql import query as sql
from eligo.tools.diff import diff_versions
from eligo.verify import verify_guideline
from tests.cohorts import disagreements, sample
from tests.eligo_helpers import guideline, kb, module

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"

BANDS = """
    kind risk: low | high
    kind margin: R0 | R1 | R2

    input a: yes/no, optional
    input b: yes/no, optional
    input c: yes/no, optional
    input resection_margin: margin, optional
    input dfi: duration in months from 0 to 600, optional
    input ca19_9: quantity in U/mL from 0 to 100000, optional

    define score: (if a then 1 else 0) + (if b then 1 else 0) + (if c then 1 else 0)

    table risk_of by score -> risk
      0 to 1: low
      2 or more: high

    table survival by score -> percent
      0: 60%
      1: 44%
      2: 30%
      3: 20%

    table dfi_group by dfi -> yes/no
      under 12 months: no
      12 months to under 3 years: yes
      36 months or more: yes

    table marker by ca19_9 -> count
      under 37 U/mL: 0
      37 U/mL to 1000 U/mL: 1
      over 1000 U/mL: 2

    decision surgery: candidate > discuss > not_candidate | trial
      rule r2: when resection_margin = R2 then not_candidate because "Macroscopic residual disease."
      rule r1: when resection_margin = R1 then open because "The seed does not say what an R1 margin means here."
      rule short: when not dfi_group[dfi] then not_candidate
      rule marked: when marker[ca19_9] = 2 then trial
      rule high: when risk_of[score] = high then discuss
      otherwise candidate

    property "A longer DFI never makes the recommendation worse":
      surgery never decreases as dfi increases
"""


@pytest.fixture(scope="module")
def banded() -> eligo.Guideline:
    return guideline(BANDS)


def _decide(g: eligo.Guideline, **case: object) -> eligo.DecisionResult:
    return g.evaluate(case)["surgery"]


def _errors(body: str) -> list[str]:
    return [f"{d.code} {d.message}" + "".join(f" | {h}" for h in d.hints)
            for d in kb(module("test.g", body)).check() if d.is_error]


# ---------------------------------------------------------------- checks


def test_bands_that_leave_a_gap_are_refused_with_the_values_left_out() -> None:
    found = _errors("""
        input dfi: duration in months from 0 to 600
        table long by dfi -> yes/no
          under 12 months: no
          12 months to 35 months: yes
          36 months or more: yes
        decision d: a | b
          rule r: when long[dfi] then a
          otherwise b
    """)
    assert found == ["E109 table `long` has no row for over 35 months and under 36 months | add rows for them, or an "
                     "`otherwise` row (`otherwise none` if nothing applies); `A to under B` ends a band just below the "
                     "next one's start"]


def test_a_count_in_its_declared_range_has_no_gap_between_whole_numbers() -> None:
    body = """
        input n: count from 0 to 5
        table group by n -> yes/no
          0 to 2: no
          3 to 5: yes
        decision d: a | b
          rule r: when group[n] then a
          otherwise b
    """
    assert _errors(body) == []
    assert _errors(body.replace("count from 0 to 5", "count")) == [
        "E109 table `group` has no row for 6 or more | add rows for them, or an `otherwise` row (`otherwise none` if "
        "nothing applies); `A to under B` ends a band just below the next one's start"]


def test_a_score_definition_is_ranged_by_its_parts(banded: eligo.Guideline) -> None:
    assert banded.program  # `0 to 1` and `2 or more` cover the score's 0 to 3: no gap reported
    assert _errors(BANDS.replace("      2 or more: high\n", "      2: high\n")) == [
        "E109 table `risk_of` has no row for exactly 3 | add rows for them, or an `otherwise` row (`otherwise none` "
        "if nothing applies); `A to under B` ends a band just below the next one's start"]


def test_overlapping_bands_are_refused() -> None:
    found = _errors("""
        input n: count from 0 to 5
        table group by n -> yes/no
          0 to 2: no
          2 to 5: yes
        decision d: a | b
          rule r: when group[n] then a
          otherwise b
    """)
    assert found == ["E141 the bands `0 to 2` (line 8) and `2 to 5` of table `group` overlap | a value must fall in "
                     "one band: end the first with `to under` where the next begins"]


def test_band_bounds_are_unit_checked() -> None:
    found = _errors("""
        input dfi: duration in months from 0 to 600
        input n: count from 0 to 5
        table long by dfi -> yes/no
          under 12: no
          12 months or more: yes
        table size by n -> yes/no
          0 to 2 cm: no
          3 or more: yes
        decision d: a | b
          rule r: when long[dfi] and size[n] then a
          otherwise b
    """)
    assert found == [
        "E140 the band `under 12` of table `long` is keyed by a duration, but `12` is a count | give the bound its "
        "unit: `12 months`",
        "E140 the band `0 to 2 cm` of table `size` is keyed by a count, but `2 cm` is a length | the bounds of this "
        "table's bands are a count"]


def test_a_band_on_a_kind_and_a_name_on_a_number_are_refused() -> None:
    found = _errors("""
        kind site: lung | liver
        input where: site
        input n: count from 0 to 5
        table t by where -> yes/no
          0 to 2: no
          otherwise yes
        table u by n -> yes/no
          lung  no
          otherwise yes
        decision d: a | b
          rule r: when t[where] and u[n] then a
          otherwise b
    """)
    assert [f.split(" |")[0] for f in found] == [
        "E140 `0 to 2` is a band of numbers, but table `t` is keyed here by a value of `site`",
        "E140 table `u` is keyed here by a count: `lung` is not a band"]


def test_a_table_keyed_by_a_yes_no_definition_and_by_a_decision() -> None:
    g = guideline("""
        input n: count from 0 to 10
        define many: n > 3
        decision spread: limited | wide
          rule few: when not many then limited
          otherwise wide
        table note by many -> count
          yes  1
          no   0
        table advice by spread -> yes/no
          limited  yes
          wide     no
        decision d: a | b
          rule r: when advice[spread] and note[many] = 0 then a
          otherwise b
    """)
    assert g.evaluate({"n": 2})["d"].value == "a"
    assert g.evaluate({"n": 5})["d"].value == "b"


def test_an_open_question_needs_its_reason_and_first_match() -> None:
    assert _errors("""
        input n: count from 0 to 10
        decision d: a | b, unique
          rule x: when n > 8 then open
          rule y: when n < 2 then a
          otherwise b
    """) == ["E142 this open question of decision `d` gives no reason | say why the guideline leaves it open: `then "
             "open because \"…\"`",
             "E143 decision `d` is `unique`: an open question needs the first match policy | with `first match`, the "
             "rules before it settle the cases they cover"]


# ---------------------------------------------------------------- evaluation


@pytest.mark.parametrize(("dfi", "expected"), [(11.99, "not_candidate"), (12, "candidate"), (35.99, "candidate"),
                                               (36, "candidate"), (0, "not_candidate")])
def test_bands_of_a_duration_at_their_bounds(banded: eligo.Guideline, dfi: float, expected: str) -> None:
    result = _decide(banded, a=False, b=False, c=False, resection_margin="R0", dfi=dfi, ca19_9=5)
    assert (result.status, result.value) == ("decided", expected)


@pytest.mark.parametrize(("marker", "expected"), [(36.9, "candidate"), (37, "candidate"), (1000, "candidate"),
                                                  (1000.5, "trial")])
def test_bands_of_a_quantity(banded: eligo.Guideline, marker: float, expected: str) -> None:
    result = _decide(banded, a=False, b=False, c=False, resection_margin="R0", dfi=20, ca19_9=marker)
    assert result.value == expected


def test_a_survival_table_keyed_by_a_score_without_an_if_chain() -> None:
    g = guideline("""
        input a: yes/no
        input b: yes/no
        define score: (if a then 1 else 0) + (if b then 1 else 0)
        table survival by score -> percent
          0: 60%
          1: 44%
          2: 30%
        define five_year: survival[score]
        decision d: a | b
          rule poor: when five_year < 40% then a
          otherwise b
    """)
    assert g.evaluate({"a": True, "b": True}).values["five_year"] == 30
    assert g.evaluate({"a": True, "b": False})["d"].value == "b"


def test_a_missing_input_whose_every_value_falls_in_one_band_is_decided(banded: eligo.Guideline) -> None:
    # a and b met: whatever c, the score is 2 or 3, both in the band `2 or more`
    result = _decide(banded, a=True, b=True, resection_margin="R0", dfi=20, ca19_9=5)
    assert (result.status, result.value, result.rule) == ("decided", "discuss", "high")


def test_a_missing_banded_input_names_itself_and_the_outcomes_its_bands_give(banded: eligo.Guideline) -> None:
    result = _decide(banded, a=False, b=False, c=False, resection_margin="R0", ca19_9=5)
    assert (result.status, result.possible, result.missing) == ("unknown", ("candidate", "not_candidate"), ("dfi",))


# ---------------------------------------------------------------- open questions


def test_an_open_question_has_its_own_status_and_the_committees_reason(banded: eligo.Guideline) -> None:
    result = banded.evaluate({"a": True, "b": True, "c": True, "resection_margin": "R1", "dfi": 20, "ca19_9": 5})
    decision = result["surgery"]
    assert (decision.status, decision.value, decision.rule, decision.missing) == ("open", None, "r1", ())
    as_json = result.to_json()["decisions"]["surgery"]  # type: ignore[index]
    assert as_json["status"] == "open"
    assert as_json["reason"] == "The seed does not say what an R1 margin means here."
    assert as_json["possible"] == ["open"]
    assert "surgery: open question (rule `r1`) — the guideline deliberately does not settle this case" in \
        result.explain()
    assert "because: The seed does not say what an R1 margin means here." in result.explain()


def test_a_missing_value_that_may_lead_to_an_open_question_lists_it_as_possible(banded: eligo.Guideline) -> None:
    result = _decide(banded, a=True, b=True, c=True, dfi=20, ca19_9=5)
    assert (result.status, result.possible, result.missing) == ("unknown", ("discuss", "not_candidate", "open"),
                                                                ("resection_margin",))


def test_examples_expect_an_open_question() -> None:
    passing = guideline(BANDS + """
    example "R1":
      given a no, b no, c no, resection_margin R1, dfi 20, ca19_9 5
      expect surgery is open by rule r1
""")
    assert [run.passed for run in passing.run_examples()] == [True]
    failing = guideline(BANDS + """
    example "R0 is not open":
      given a no, b no, c no, resection_margin R0, dfi 20, ca19_9 5
      expect surgery is open
""")
    (run,) = failing.run_examples()
    assert run.problems == ("line 51: expected surgery to be an open question, got decided candidate (rule otherwise)",)


def test_sql_agrees_with_python_on_bands_and_open_questions(banded: eligo.Guideline) -> None:
    cohort = sample(banded, 600)
    assert disagreements(banded, cohort) == []
    statuses = {banded.evaluate({k: v for k, v in row.items() if v is not None})["surgery"].status for row in cohort}
    assert statuses >= {"decided", "unknown", "open"}


def test_sql_reads_an_open_question_as_its_status_in_every_dialect(banded: eligo.Guideline) -> None:
    for dialect in sql.DIALECTS:
        assert "'open'" in sql.to_sql(banded, dialect), dialect
    query = sql.compile_query(banded, "cohort").sql(dialect="duckdb")
    with duckdb.connect() as con:
        con.execute("CREATE TABLE cohort AS SELECT true AS a, true AS b, true AS c, 'R1' AS resection_margin, "
                    "20.0 AS dfi, 5.0 AS ca19_9")
        row = con.execute(f"SELECT surgery, surgery_status, surgery_rule, surgery_possible FROM ({query})").fetchone()
    assert row == (None, "open", "r1", ["open"])


def test_verify_lists_every_open_question_and_diff_both_versions() -> None:
    base = kb(module("test.g", BANDS), module("test.g", BANDS.replace("then open because", "then discuss because"),
                                              version="2.0.0"))
    report = verify_guideline(base.guideline("test.g", version="1.0.0"), max_examples=60)
    assert [q.line_text() for q in report.open_questions] == [
        "open question: surgery rule r1 (line 40): The seed does not say what an R1 margin means here."]
    assert report.to_json()["open_questions"] == [{"decision": "surgery", "rule": "r1", "line": 40,
                                                   "reason": "The seed does not say what an R1 margin means here."}]
    assert "1 open question declared" in report.summary()
    changes = diff_versions(base, "test.g", "1.0.0", "2.0.0")
    assert changes.open_questions == ("1.0.0 surgery.r1: The seed does not say what an R1 margin means here.",)
    assert "Open questions declared:\n  1.0.0 surgery.r1:" in changes.render_text()
    assert json.loads(json.dumps(changes.open_questions)) == list(changes.open_questions)


# ---------------------------------------------------------------- mixed scales


def test_a_mixed_scale_keeps_its_order_and_the_outcome_beside_it(banded: eligo.Guideline) -> None:
    (decision,) = banded.program.own
    assert decision.ranked == ("candidate", "discuss", "not_candidate")
    assert decision.beside == ("trial",)


def test_monotonicity_is_checked_over_the_ordered_part_only(banded: eligo.Guideline) -> None:
    # a longer DFI moves some patients from not_candidate to candidate or discuss, never down the order; `trial`,
    # beside the order, and open questions are not compared
    report = verify_guideline(banded, max_examples=120)
    (prop,) = [p for p in report.properties if p.title.startswith("A longer DFI")]
    assert prop.status in ("proved", "checked")
    worse = guideline(BANDS.replace("rule short: when not dfi_group[dfi] then not_candidate",
                                    "rule short: when dfi_group[dfi] then not_candidate"))
    failed = verify_guideline(worse, max_examples=120)
    assert [p.status for p in failed.properties if p.title.startswith("A longer DFI")] == ["failed"]


def test_verify_sweeps_bands_exactly_and_finds_a_row_earlier_rows_always_take() -> None:
    g = guideline("""
        kind site: lung | liver
        input where: site
        input n: count from 0 to 10
        input start: date
        input stop: date
        define gap: months between start and stop
        table group by where, n -> yes/no
          any, 0 to 2:      no
          any, 3 or more:   yes
          lung, 4 to 5:     no
        table late by gap -> yes/no
          under 12 months:    no
          12 months or more:  yes
        decision d: a > b
          rule r: when group[where, n] and late[gap] then a
          rule pre_empted: when n > 5 and late[gap] then a
          otherwise b
    """)
    report = verify_guideline(g, max_examples=40)
    bases = {p.title: p.basis for p in report.properties}
    assert bases["`d`: every rule applies to some patient"] == "exact boundary sweep over 3 variables"
    found = {f.diagnostic.code: f.diagnostic.message for f in report.findings}
    assert found["V204"] == "rule `pre_empted` of `d` never decides: whenever it applies, rule `r` (listed before it) " \
                            "applies first"
    assert found["V213"] == "row `lung, 4 to 5` of table `group` is never used: the row on line 14 matches first for " \
                            "every key it covers (e.g. lung, 4)"


def test_the_command_line_shows_an_open_question(tmp_path: Path) -> None:
    """`eligo eval --json`, `eligo verify` and `eligo diff` on the shipped knowledge base's declared open question."""
    case = KNOWLEDGE / "cases" / "pancreas.cspac1_eligibility" / "no_marker_abnormal_before_chemotherapy.json"
    run = subprocess.run([sys.executable, "-m", "eligo", "eval", "pancreas.cspac1_eligibility", "--case", str(case),
                          "--json", "--kb", str(KNOWLEDGE)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    decision = json.loads(run.stdout)["decisions"]["simultaneous_resection"]
    assert (decision["status"], decision["value"], decision["rule"]) == ("open", None, "no_abnormal_marker")
    assert decision["reason"].startswith("Registry: the criterion is worded only for abnormal serum tumour markers")
    verify = subprocess.run([sys.executable, "-m", "eligo", "verify", str(KNOWLEDGE / "pancreas" / "cspac1_eligibility"),
                             "--max-examples", "20"], capture_output=True, text=True, timeout=300)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "  open question: simultaneous_resection rule no_abnormal_marker (line " in verify.stdout
    assert "(e.g. given age_years 58, ecog_performance_status 0, " in verify.stdout  # a patient it applies to


def test_a_table_keyed_by_a_used_modules_definition() -> None:
    base = kb(module("core.score", """
        input a: yes/no
        input b: yes/no
        define score: (if a then 1 else 0) + (if b then 1 else 0)
    """), module("test.g", """
        use core.score ^1.0 as s
        table label by s.score -> yes/no
          0: no
          1 or more: yes
        decision d: x | y
          rule r: when label[s.score] then x
          otherwise y
    """))
    assert [d.headline() for d in base.check() if d.is_error] == []
    g = base.guideline("test.g")
    assert [g.evaluate({"a": a, "b": False})["d"].value for a in (True, False)] == ["x", "y"]


def test_a_numeric_key_given_only_as_any_matches_every_value() -> None:
    g = guideline("""
        kind site: lung | liver
        input where: site
        input n: count from 0 to 10
        table t by where, n -> yes/no
          lung, any:   yes
          liver, any:  no
        decision d: a | b
          rule r: when t[where, n] then a
          otherwise b
    """)
    assert [g.evaluate({"where": w, "n": n})["d"].value for w in ("lung", "liver") for n in (0, 7)] == \
        ["a", "a", "b", "b"]
    assert disagreements(g, sample(g, 100)) == []


_FORMS = ("to", "to_under", "over_to", "under", "over", "or_more", "or_less", "point")


def _band_source(form: str, a: int, b: int) -> str:
    low, high = f"{a} months", f"{b} months"
    return {"to": f"{low} to {high}", "to_under": f"{low} to under {high}", "over_to": f"over {low} to {high}",
            "under": f"under {high}", "over": f"over {low}", "or_more": f"{low} or more",
            "or_less": f"{high} or less", "point": low}[form]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_FORMS), st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=4))
def test_random_bands_agree_with_their_meaning_in_python_and_duckdb(drawn: list[tuple[str, int, int]]) -> None:
    """Rows of random bands (first match, `otherwise`) give, at and around every bound, the value of the first band
    that holds the key, in Python and in DuckDB alike."""
    rows, meaning = [], []
    for index, (form, a, b) in enumerate(drawn):
        a, b = min(a, b), max(a, b) + (form in ("to_under", "over_to"))
        band = tables.Band(*{"to": (a, True, b, True), "to_under": (a, True, b, False), "over_to": (a, False, b, True),
                             "under": (None, False, b, False), "over": (a, False, None, False),
                             "or_more": (a, True, None, False), "or_less": (None, False, b, True),
                             "point": (a, True, a, True)}[form])
        if any(band.meets(m) for m, _ in meaning):
            continue  # overlapping bands are refused (E141)
        rows.append(f"  {_band_source(form, a, b)}: {index + 1}")
        meaning.append((band, index + 1))
    g = guideline("\n".join(["input dfi: duration in months from 0 to 40, optional", "table t by dfi -> count", *rows,
                             "  otherwise 0", "define got: t[dfi]", "decision d: hit | miss",
                             "  rule h: when got > 0 then hit", "  otherwise miss"]))
    points = sorted({p for band, _ in meaning for end in (band.low, band.high) if end is not None
                     for p in (end - 0.5, end, end + 0.5) if 0 <= p <= 40} | {0.0, 40.0})
    for point in points:
        expected = next((value for band, value in meaning if band.contains(point)), 0)
        assert g.evaluate({"dfi": point}).values["got"] == expected, (rows, point)
    assert disagreements(g, [{"dfi": p} for p in points]) == []


def test_bands_of_a_ratio_in_percent() -> None:
    """A marker's fall `(before - after) / before` banded in percentages, each bound read as a fraction."""
    g = guideline("""
        kind response: none_seen | partial | major
        input before: quantity in U/mL from 1 to 10000
        input after: quantity in U/mL from 0 to 10000
        define fall: (before - after) / before
        table response_of by fall -> response
          under 30%:    none_seen
          30% to 50%:   partial
          over 50%:     major
        define response: response_of[fall]
        decision d: good | poor
          rule r: when response = major then good
          otherwise poor
    """)
    assert [g.evaluate({"before": 100, "after": a}).values["response"] for a in (71, 70, 50, 49)] == [
        "none_seen", "partial", "partial", "major"]
    assert disagreements(g, sample(g, 200)) == []


def test_a_gap_between_bands_of_a_ratio_is_named_in_percent() -> None:
    assert _errors("""
        input before: number from 1 to 100
        input after: number from 0 to 100
        define fall: (before - after) / before
        table response by fall -> yes/no
          under 30%:  no
          over 50%:   yes
        decision d: a | b
          rule x: when response[fall] then a
          otherwise b
    """)[0].split(" |")[0] == "E109 table `response` has no row for exactly 30%, over 30% and under 50%, exactly 50%"


def test_an_example_expecting_an_open_question_the_decision_does_not_declare_is_refused() -> None:
    body = """
        input n: count from 0 to 10
        decision d: a | b
          rule x: when n > 8 then open because "Not addressed."
          rule y: when n < 2 then a
          otherwise b
        decision e: a | b
          rule z: when n > 5 then a
          otherwise b
        example "wrong":
          given n 9
          expect d is open by rule y
          expect e is open
    """
    assert [f.split(" |")[0] for f in _errors(body)] == ["E117 `d` has no open question `y`",
                                                        "E117 `e` declares no open question"]
