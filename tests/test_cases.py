"""Case validation: every problem is reported, with the field and what was expected; nothing is evaluated."""

from __future__ import annotations

import pytest

import eligo
from tests.eligo_helpers import guideline

G = guideline("""
    kind site: colorectal | renal_cell | pancreas
    input primary_site: site
    input lesions: count from 0 to 100
    input dfi: duration from 0 to 600
    input ca19_9: quantity in U/mL from 0 to 100000, optional
    input fall: percent from -100 to 1000, optional
    input done: date, optional
    input fit: yes/no
    decision d: a > b
      rule r: when lesions <= 5 and dfi > 12 months and fit and primary_site != pancreas and
        ca19_9 < 37 U/mL and fall >= -100% and done is known then a
      otherwise b
""")


def problems(case: dict[str, object]) -> list[tuple[str, str]]:
    with pytest.raises(eligo.CaseError) as info:
        G.evaluate(case)
    return [(p.field, str(p)) for p in info.value.problems]


def test_every_problem_is_listed_with_its_field() -> None:
    found = problems({
        "primary_site": "colorectl",
        "lesions": 2.5,
        "dfi": "18 mnths",
        "ca19_9": "12 cm",
        "done": "2025-02-30",
        "fit": "maybe",
        "lesion": 3,
    })
    assert found == [
        ("primary_site", "primary_site: 'colorectl' is not a value of site (did you mean `colorectal`?)"),
        ("lesions", "lesions: expected a whole number, got 2.5"),
        ("dfi", "dfi: unknown unit 'mnths' (did you mean `months`?)"),
        ("ca19_9", "ca19_9: '12 cm' is not a concentration in U/mL (give it in U/mL)"),
        ("done", "done: 2025-02-30 is not a real date (check the month and day)"),
        ("fit", "fit: expected yes/no (true or false), got 'maybe'"),
        ("lesion", "lesion: is not an input of this guideline (did you mean `lesions`?)"),
    ]


def test_out_of_range_is_refused() -> None:
    assert problems({"lesions": 101, "fit": True, "primary_site": "renal_cell", "dfi": 3}) == [
        ("lesions", "lesions: 101 is above the declared range 0 to 100"),
    ]
    assert problems({"dfi": "-1 months"})[0] == ("dfi", "dfi: -1 months is below the declared range 0 to 600 months")


@pytest.mark.parametrize("dfi", ["18 months", {"value": 18, "unit": "month"}, 18, "1.5 years", "547.875 days"])
def test_quantities_in_any_form(dfi: object) -> None:
    case = {"primary_site": "colorectal", "lesions": 2, "dfi": dfi, "fit": True, "ca19_9": 10, "fall": -60,
            "done": "2024-01-01"}
    result = G.evaluate(case)
    assert (result["d"].value, result["d"].rule) == ("a", "r")


def test_missing_inputs_are_unknown_not_errors() -> None:
    result = G.evaluate({"primary_site": "colorectal", "lesions": 2, "dfi": 18, "fit": True, "done": "2024-01-01"})
    assert result["d"].status == "unknown"
    # exactly what could change it: `fall >= -100%` holds for every value in its declared range -100 to 1000
    assert result["d"].missing == ("ca19_9",)
    assert result["d"].possible == ("a", "b")
    # `is known` is never unknown: a missing date makes that test false, and the rule with it
    decided = G.evaluate({"primary_site": "colorectal", "lesions": 2, "dfi": 18, "fit": True})
    assert (decided["d"].status, decided["d"].value) == ("decided", "b")


def test_error_message_lists_every_problem() -> None:
    with pytest.raises(eligo.CaseError) as info:
        G.evaluate({"lesions": -1, "fit": 3})
    text = str(info.value)
    assert text.splitlines()[0] == "case was refused (2 problems):"
    assert "  - lesions: -1 is below the declared range 0 to 100" in text
    assert "  - fit: expected yes/no (true or false), got 3" in text
