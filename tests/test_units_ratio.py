"""A ratio written with `/` compares with a percentage (50% is 0.5); a plain number still does not, with a hint."""

from __future__ import annotations

import pytest
from eligo_helpers import guideline, kb, module

from eligo import ir

MARKERS = """
input before: quantity in U/mL from 0 to 100000
input after: quantity in U/mL from 0 to 100000
input wanted: percent, optional
define fall: (before - after) / before
define halved: fall > 50%
define moderate: fall between 20% and 60%
define at_least_wanted: (before - after) / before >= wanted
decision response: responded > not_responded
  rule fell: when halved then responded
  otherwise not_responded
"""


@pytest.mark.parametrize(("before", "after", "outcome"), [
    (100, 40, "responded"), (100, 50, "not_responded"), (1000, 499, "responded"), (200, 100, "not_responded"),
])
def test_a_fall_over_half_is_a_ratio_compared_with_a_percentage(before: int, after: int, outcome: str) -> None:
    result = guideline(MARKERS).evaluate({"before": before, "after": after})
    assert result["response"].value == outcome


def test_the_boundary_is_exact_and_between_works() -> None:
    g = guideline(MARKERS)
    exactly = g.evaluate({"before": 100, "after": 40, "wanted": "60%"})
    assert exactly.values["fall"] == 0.6
    assert exactly.values["at_least_wanted"] is True  # 0.6 >= 60 / 100, not 0.6 * 100 >= 60.000…01
    assert exactly.values["moderate"] is True
    assert g.evaluate({"before": 100, "after": 39, "wanted": "60%"}).values["moderate"] is False


def test_the_percentage_constant_is_folded_to_a_fraction() -> None:
    base = kb(module("t.ratio", MARKERS))
    halved = base.lowered("t.ratio", "1.0.0").nodes["halved"]
    assert isinstance(halved, ir.Definition)
    assert isinstance(halved.expr, ir.Compare)
    assert isinstance(halved.expr.right, ir.Const)
    assert halved.expr.right.value == 0.5
    assert halved.expr.right.origin.text == "50%"


def test_a_plain_number_is_refused_with_the_way_to_write_it() -> None:
    base = kb(module("t.plain", "input score: number\ndefine high: score > 50%\n"
                     "decision d: a > b\n  rule r: when high then a\n  otherwise b\n"))
    found = [d for d in base.check() if d.is_error]
    assert [(d.code, d.span.line, d.span.column, d.message) for d in found] == [
        ("E106", 7, 14, "cannot compare a number with a percentage")]
    assert found[0].hints == ("a percentage compares with a percentage, or with a ratio written with `/`, such as "
                              "`(before - after) / before > 50%` (50% is 0.5)",)


def test_only_comparisons_read_a_ratio_as_a_fraction() -> None:
    base = kb(module("t.mixed", MARKERS + "define either: first known of ((before - after) / before, wanted) > 50%\n"))
    found = [(d.code, d.message) for d in base.check() if d.is_error]
    assert found == [("E106", "cannot compare a number with a percentage")]
