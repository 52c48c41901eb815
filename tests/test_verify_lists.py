"""`eligo verify` over lists of records: generated lists aimed at the list operations' thresholds, examples as
witnesses of list rules, list thresholds in coverage, and the property `D never increases as a lesion is added to
lesions` (its syntax, checks, counterexample, prose and formatting)."""

from __future__ import annotations

from pathlib import Path

import pytest
from eligo_helpers import guideline
from hypothesis import HealthCheck, given, settings

import eligo
from eligo import ir
from eligo.docs.prose import property_prose
from eligo.dsl import ast, parse
from eligo.dsl.formatter import format_source
from eligo.verify import aims, lists, verify_guideline
from eligo.verify.boundaries import ListSubject
from eligo.verify.explore import Stats
from eligo.verify.verifier import Verifier

ROOT = Path(__file__).parent.parent

RECORD = """
kind organ: liver | lung | bone
record lesion:
  organ: organ
  size: quantity in mm from 0 to 300, optional
  treatable: yes/no, optional
input lesions: list of lesion
"""

# CSPAC-1's "no more than three liver metastases and no other sites", as the withdrawn draft wrote it.
TRIAL = RECORD + """
decision enrolment: eligible > not_eligible, first match
  rule beyond_liver: when any(lesions where organ != liver) then not_eligible
  rule no_liver_metastasis: when not any(lesions where organ = liver) then not_eligible
  rule more_than_three: when count(lesions where organ = liver) > 3 then not_eligible
  otherwise eligible

example "Three liver metastases":
  given lesions [{organ liver}, {organ liver}, {organ liver}]
  expect enrolment = eligible

example "Four liver metastases":
  given lesions [{organ liver}, {organ liver}, {organ liver}, {organ liver}]
  expect enrolment = not_eligible by rule more_than_three

example "A lung metastasis":
  given lesions [{organ liver}, {organ lung}]
  expect enrolment = not_eligible by rule beyond_liver

example "No metastasis":
  given lesions []
  expect enrolment = not_eligible by rule no_liver_metastasis
"""
# Not true of the trial: without a liver metastasis a patient is not eligible, and the first one makes them eligible.
TRIAL_PROPERTY = TRIAL + """
property "Another metastasis never makes a patient eligible":
  enrolment never increases as a lesion is added to lesions
"""


def _liver(value: object) -> int | None:
    """The number of liver lesions in a generated list value (None when a lesion's organ is unknown)."""
    items, _ = lists.elements(value)
    if any("organ" not in item for item in items):
        return None
    return sum(item["organ"] == "liver" for item in items)


def test_the_trial_limit_verifies_without_a_dead_rule() -> None:
    report = verify_guideline(guideline(TRIAL, "test.trial"), max_examples=100)
    assert report.ok, [f.diagnostic.headline() for f in report.findings]
    assert report.coverage.thresholds_on == (1, 1)  # the examples hold three and four liver metastases


def test_the_first_liver_metastasis_is_a_counterexample_to_never_more_eligible() -> None:
    report = verify_guideline(guideline(TRIAL_PROPERTY, "test.trial"), max_examples=100)
    assert [f.diagnostic.code for f in report.findings] == ["V217"]
    [finding] = report.findings
    assert "increases from not_eligible to eligible when the lesion {organ liver" in finding.diagnostic.message
    assert finding.other is not None and _liver(finding.other["lesions"]) == 1


def test_a_list_property_that_holds_is_put_to_the_test() -> None:
    body = TRIAL.replace("rule no_liver_metastasis: when not any(lesions where organ = liver) then not_eligible",
                         "rule no_liver_metastasis: when count(lesions) > 10 then not_eligible")
    body = body.replace("given lesions []\n", "given lesions [" + ", ".join(["{organ liver}"] * 11) + "]\n")
    report = verify_guideline(guideline(body + TRIAL_PROPERTY[len(TRIAL):], "test.holds"), max_examples=100)
    assert report.ok, [f.diagnostic.headline() for f in report.findings]
    [prop] = [p for p in report.properties if p.title == "Another metastasis never makes a patient eligible"]
    assert prop.status == "checked" and prop.basis.endswith("patients compared with an element added among 100 "
                                                             "generated cases")
    assert int(prop.basis.split()[0]) > 50


def test_an_example_reaching_a_list_rule_is_its_witness_even_when_no_generated_list_does() -> None:
    v = Verifier(guideline(TRIAL, "test.trial"), max_examples=1)
    decision = v.decisions[0]
    four = next(seed for seed in v.space.seeds if len(seed["lesions"]) == 4)
    assert v._holds(four, decision, 2)
    applies, _ = v.rule_witnesses(decision, None, Stats())
    assert applies and not [f for f in v.findings if f.diagnostic.code == "V203"]


def test_generated_lists_sit_on_both_sides_of_a_count_where_threshold() -> None:
    v = Verifier(guideline(TRIAL, "test.trial"))
    aimed = v.space.lists["lesions"]
    [count] = [a for a in aimed.aims if a.op.op == "count"]
    assert count.thresholds == (3.0,) and {2, 3, 4} <= set(count.sizes)
    assert {e["organ"] for e in count.inside} == {"liver"} and {e["organ"] for e in count.outside} == {"lung", "bone"}
    seen: set[int] = set()
    incomplete = unknown = 0

    @settings(max_examples=300, database=None, suppress_health_check=list(HealthCheck))
    @given(v.space.fresh("lesions"))
    def draw(value: object) -> None:
        nonlocal incomplete, unknown
        n = _liver(value)
        if n is None:
            unknown += 1
        else:
            seen.add(n)
        incomplete += isinstance(value, dict)

    draw()
    assert {2, 3, 4} <= seen  # below, on and above "more than three"
    assert incomplete and unknown  # partly known lists too


def test_the_list_thresholds_are_list_subjects_and_sizes_reach_a_completion() -> None:
    v = Verifier(guideline(TRIAL, "test.trial"))
    [threshold] = [t for t in v.thresholds if isinstance(t.subject, ListSubject)]
    assert threshold.text == "count(lesions where organ = liver) > 3" and threshold.value == 3.0
    assert 4 in aims.extra_sizes(v.space.lists["lesions"], 0, 2)  # an empty incomplete list can reach four


def test_a_where_condition_is_judged_per_element_and_unknown_where_a_field_is() -> None:
    v = Verifier(guideline(TRIAL, "test.trial"))
    [count] = [a for a in v.space.lists["lesions"].aims if a.op.op == "count"]
    assert aims.judge(count.op.where, {"organ": "liver"}) is True
    assert aims.judge(count.op.where, {"organ": "lung"}) is False
    assert aims.judge(count.op.where, {"organ": None}) is None
    assert aims.judge(ir.Const(True, ir.types.BOOL), {}) is True


def test_colorectal_2_reports_its_lesion_and_organ_limits_among_the_thresholds() -> None:
    kb = eligo.load(ROOT / "knowledge")
    report = verify_guideline(kb.guideline("colorectal.liver_metastasectomy", version="2.0.0"), max_examples=50)
    texts = {t.text: t for t in report.coverage.thresholds}
    lesions, organs = texts["count(lesions) <= most_metastatic_lesions"], texts[
        "distinct(organ of lesions) <= most_metastatic_organs"]
    assert (lesions.below, lesions.on, lesions.above) == (True, True, True)
    assert (organs.below, organs.on, organs.above) == (True, True, True)
    assert report.coverage.thresholds_on == (4, 4)  # as 1.0.0 reports over its counts


# ---------------------------------------------------------------- the property


def test_the_property_parses_formats_and_reads_as_a_sentence() -> None:
    source = ("guideline t\n  version 1.0.0\n\nproperty \"p\":\n  d never increases as a   element is added to  xs\n")
    [prop] = parse(source, "t.eligo").properties
    assert prop.body == ast.Added("d", "increases", "element", "xs")
    assert "  d never increases as an element is added to xs\n" in format_source(source, "t.eligo")
    vocab = type("V", (), {"decisions": {"d"}, "name": staticmethod(lambda n: f"**{n}**")})()
    assert property_prose(prop.body, vocab) == ("Adding an element to **xs**, whatever it is and whatever else is "
                                                "known, never moves **d** to a better outcome.")
    lesion = ast.Added("d", "decreases", "lesion", "lesions")
    assert "one more lesion" in property_prose(lesion, vocab) and "worse outcome" in property_prose(lesion, vocab)


@pytest.mark.parametrize(("prop", "message"), [
    ("plan never increases as a lesion is added to lesions",
     "decision `plan` has no ordered outcomes, so adding an element cannot raise or lower it"),
    ("enrolment never increases as a lesion is added to count_of_lesions",
     "`count_of_lesions` is an input, not a list of records: an element can only be added to a list"),
    ("enrolment never increases as a nodule is added to lesions", "`lesions` is a list of `lesion`, not of `nodule`"),
    ("kinds never increases as an element is added to lesions", "`kinds` is a value of `organ`, which has no order"),
])
def test_misuse_of_the_property_is_e133_at_its_line(prop: str, message: str) -> None:
    body = RECORD + """
input count_of_lesions: count from 0 to 10
define kinds: if count_of_lesions > 2 then liver else lung
decision plan: operate | other
  rule few: when count(lesions) <= count_of_lesions then operate
  otherwise other
decision enrolment: eligible > not_eligible
  rule many: when count(lesions) > 3 then not_eligible
  otherwise eligible
property "p":
  """ + prop + "\n"
    from eligo_helpers import kb, module

    text = module("test.misuse", body)
    found = [d for d in kb(text).check() if d.code == "E133"]
    assert [d.message for d in found] == [message]
    assert (found[0].span.line, found[0].span.column) == (text.splitlines().index("  " + prop) + 1, 3)


def test_a_failing_list_property_shows_the_patient_the_element_and_both_outcomes() -> None:
    body = RECORD + """
decision resection: candidate > not_candidate, first match
  rule two_or_more: when count(lesions where treatable) >= 2 then candidate
  otherwise not_candidate
example "Two treatable lesions":
  given lesions [{organ liver, treatable yes}, {organ liver, treatable yes}]
  expect resection = candidate
example "One":
  given lesions [{organ liver, treatable yes}]
  expect resection = not_candidate
property "Another lesion never makes a patient more of a candidate":
  resection never increases as a lesion is added to lesions
"""
    report = verify_guideline(guideline(body, "test.failing"), max_examples=100)
    [finding] = [f for f in report.findings if f.diagnostic.code == "V217"]
    assert finding.diagnostic.message.startswith(
        'property "Another lesion never makes a patient more of a candidate" fails: `resection` increases from '
        "not_candidate to candidate when the lesion {")
    assert finding.diagnostic.message.endswith("} is added to `lesions`")
    before, after = finding.case, finding.other
    assert before is not None and after is not None
    items, complete = lists.elements(before["lesions"])
    added, still = lists.elements(after["lesions"])
    assert added[:-1] == items and complete == still  # the same patient, one element more
    assert {k: v for k, v in before.items() if k != "lesions"} == {k: v for k, v in after.items() if k != "lesions"}
    assert "as an example: given lesions [" in finding.render()


def test_eligo_verify_does_not_verify_a_guideline_whose_property_eligo_check_refuses(tmp_path: Path) -> None:
    """A property refused by `eligo check` (E133) is reported as such, and the version is not verified: verifying it
    anyway would call the refused property "never put to the test" (V216)."""
    import subprocess
    import sys

    from eligo_helpers import module

    folder = tmp_path / "test" / "misuse"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(module("test.misuse", """
input n: count from 0 to 10
decision d: yes_ > no_, first match
  rule r: when n > 3 then yes_
  otherwise no_
property "p":
  d never increases as a lesion is added to n
"""), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "eligo", "verify", str(tmp_path), "-j", "1"], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1
    assert "error[E133]: `n` is an input, not a list of records" in run.stderr
    assert "test.misuse 1.0.0: not verified, the guideline has errors (run `eligo check`)" in run.stderr
    assert "V216" not in run.stderr + run.stdout and "Traceback" not in run.stderr


def test_a_list_property_with_another_article_gets_a_hint_at_its_place() -> None:
    from eligo_helpers import module

    text = module("test.worded", """
input n: count from 0 to 10
decision d: yes_ > no_, first match
  rule r: when n > 3 then yes_
  otherwise no_
property "p":
  d never increases as the tumour is added to n
""")
    (found,) = [d for d in eligo.check_source(text, "worded.eligo") if d.is_error]
    line = text.splitlines().index("  d never increases as the tumour is added to n") + 1
    assert (found.code, found.span.path, found.span.line, found.span.column) == ("E014", "worded.eligo", line, 28)
    assert found.hints == ("an element added to a list is written with `a` or `an` and the record's name (or "
                           "`element`): `D never increases as a lesion is added to lesions`",)
