"""Long expressions: a line continues after any binary operator, `then` and `else`, and `eligo fmt` breaks an
expression longer than WIDTH at its operators, outermost first, keeping comments and idempotence."""

from __future__ import annotations

import strategies
from hypothesis import given
from hypothesis import strategies as st

from eligo import dsl
from eligo.dsl import ast
from eligo.dsl.formatter import WIDTH, format_module, format_source

HEAD = "guideline demo.width\n  version 1.0.0\n  status draft\n\n"


def _define(source: str) -> ast.Expr:
    define = dsl.parse(HEAD + source).items[0]
    assert isinstance(define, ast.Define)
    return define.expr


def test_a_line_continues_after_every_binary_operator_then_and_else() -> None:
    one_line = _define("define x: if (a - b) / a * 2 + c >= 0.5 then d else e\n")
    broken = _define("define x: if (a -\n  b) /\n  a *\n  2 +\n  c >=\n  0.5 then\n  d else\n  e\n")
    assert broken == one_line


def test_ordered_outcomes_continue_after_the_arrow() -> None:
    module = dsl.parse(HEAD + "decision d: candidate >\n    discuss >\n    not_candidate\n"
                       "  rule r: when x then candidate\n  otherwise discuss\n")
    decision = module.items[0]
    assert isinstance(decision, ast.Decision)
    assert decision.outcomes == ("candidate", "discuss", "not_candidate")


LONG = ("define disease_free_survival: if resection.curative_goal_met then months between resection_date and "
        "disease_free_survival_end else none\n")


def test_a_long_choice_breaks_after_then() -> None:
    assert format_source(HEAD + LONG).split("\n\n", 1)[1] == (
        "define disease_free_survival: if resection.curative_goal_met then\n"
        "    months between resection_date and disease_free_survival_end else none\n")


def test_a_long_ratio_breaks_at_its_outermost_operator_first() -> None:
    source = ("define marker_halved: (carbohydrate_antigen_19_9_before - carbohydrate_antigen_19_9_after) / "
              "carbohydrate_antigen_19_9_before > 50%\n")
    out = format_source(HEAD + source).split("\n\n", 1)[1]
    assert out == ("define marker_halved: (carbohydrate_antigen_19_9_before - carbohydrate_antigen_19_9_after) /\n"
                   "    carbohydrate_antigen_19_9_before > 50%\n")


def test_a_comment_after_an_operator_stays_there_and_formatting_is_idempotent() -> None:
    source = HEAD + "define total: lesions_in_the_liver +  # counted on MRI\n    lesions_in_the_lung  # on CT\n"
    assert format_source(source) == source
    assert format_source(format_source(source)) == source


def test_rules_and_properties_break_inside_their_condition() -> None:
    source = HEAD + (
        "decision d: a > b\n  rule r: when first_marker_change_from_baseline_in_percent + "
        "second_marker_change_from_baseline_in_percent < -100% then a\n  otherwise b\n")
    out = format_source(source)
    assert "  rule r: when first_marker_change_from_baseline_in_percent +\n" in out
    assert "      second_marker_change_from_baseline_in_percent < -100% then a\n" in out
    assert all(len(line) <= WIDTH for line in out.splitlines())


@given(st.lists(strategies.names, min_size=8, max_size=20), st.sampled_from(["+", "-", "*", "/"]))
def test_long_arithmetic_fits_the_width_and_round_trips(names: list[str], op: str) -> None:
    source = HEAD + "define total: " + f" {op} ".join(names) + " > 3\n"
    module = dsl.parse(source)
    out = format_module(module)
    assert dsl.parse(out) == module
    assert format_source(out) == out
    longest = max(map(len, names))
    assert all(len(line) <= max(WIDTH, longest + 8) for line in out.splitlines())
