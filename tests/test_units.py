"""Units clinicians write, named as UCUM does: accepted spellings, conversion within a dimension, a wrong
dimension refused with the units of each side, and values shown in the unit the author declared."""

from __future__ import annotations

import pytest
from eligo_helpers import guideline, kb, module

from eligo.ir import units

LABS = """
input cea: quantity in ng/mL from 0 to 10000
input creatinine: quantity in umol/L
input egfr: quantity in mL/min/{1.73_m2}
input neutrophils: quantity in 10*9/L
input lesion_size: quantity in mm
input dose: quantity in Gy
input body_surface: quantity in m2
define raised_cea: cea > 0.5 ug/mL
define small_lesion: lesion_size <= 2 cm
define impaired: egfr < 60 mL/min/{1.73_m2} or creatinine > 0.133 mmol/L
define neutropenic: neutrophils < 1.5 10*9/L
define high_dose: dose >= 5000 cGy
define large: body_surface > 2 m2
decision fit: fit_ > unfit
  rule r: when impaired or neutropenic or high_dose then unfit
  otherwise fit_
"""


@pytest.mark.parametrize(("spelling", "canonical"), [
    ("ng/ml", "ng/mL"), ("µg/L", "ug/L"), ("μg/L", "ug/L"), ("mcg/L", "ug/L"), ("U/ml", "U/mL"), ("kU/l", "kU/L"),
    ("mg/dl", "mg/dL"), ("g/dl", "g/dL"), ("µmol/L", "umol/L"), ("mmol/l", "mmol/L"), ("×10⁹/L", "10*9/L"),
    ("x10^9/L", "10*9/L"), ("mL/min/1.73 m²", "mL/min/{1.73_m2}"), ("ml/min/1.73m2", "mL/min/{1.73_m2}"),
    ("m²", "m2"), ("gy", "Gy"), ("year", "years"),
])
def test_common_spellings_mean_the_ucum_unit(spelling: str, canonical: str) -> None:
    unit = units.lookup(spelling)
    assert unit is not None
    assert unit.name == canonical


@pytest.mark.parametrize(("a", "b", "ratio"), [
    ("mg/dL", "ng/mL", 10_000), ("g/dL", "mg/dL", 1000), ("ug/L", "ng/mL", 1), ("kU/L", "U/mL", 1),
    ("mmol/L", "umol/L", 1000), ("cm", "mm", 10), ("Gy", "cGy", 100), ("10*12/L", "10*9/L", 1000), ("years", "months", 12),
])
def test_units_convert_within_a_dimension(a: str, b: str, ratio: float) -> None:
    first, second = units.lookup(a), units.lookup(b)
    assert first is not None and second is not None
    assert first.dimension == second.dimension
    assert first.factor / second.factor == pytest.approx(ratio)


def test_thresholds_in_another_unit_of_the_dimension_are_converted() -> None:
    g = guideline(LABS)
    values = g.evaluate({"cea": 600, "lesion_size": "2 cm", "egfr": 75, "creatinine": "140 µmol/L",
                         "neutrophils": "1.2 ×10⁹/L", "dose": "45 Gy", "body_surface": "1.9 m²"}).values
    assert values["raised_cea"] is True  # 600 ng/mL > 0.5 µg/mL = 500 ng/mL
    assert values["small_lesion"] is True  # 20 mm <= 2 cm, exactly
    assert values["impaired"] is True  # 140 µmol/L > 0.133 mmol/L = 133 µmol/L
    assert values["neutropenic"] is True
    assert values["high_dose"] is False  # 45 Gy < 5000 cGy = 50 Gy
    assert values["large"] is False


def test_a_source_spelling_other_than_the_canonical_one_is_a_warning_with_the_fix() -> None:
    base = kb(module("t.spelling", "input cea: quantity in ng/ml\ndefine high: cea > 5 µg/L and 1 year > 3 months\n"
                     "decision d: a > b\n  rule r: when high then a\n  otherwise b\n"))
    found = [(d.code, d.span.line, d.span.column, d.message, d.hints) for d in base.check()]
    assert found == [
        ("W155", 6, 12, "`ng/ml` is written `ng/mL`", ("write `quantity in ng/mL`: one spelling per unit, as UCUM names it",)),
        ("W155", 7, 22, "`µg/L` is written `ug/L`", ("write `5 ug/L`: one spelling per unit, as UCUM names it",)),
    ]


def test_a_wrong_dimension_is_refused_with_the_units_of_each_side() -> None:
    base = kb(module("t.dimension", "input creatinine: quantity in umol/L\ninput cea: quantity in ng/mL\n"
                     "define high: creatinine > 1.5 mg/dL\ndefine wide: cea > 2 cm\n"
                     "decision d: a > b\n  rule r: when high or wide then a\n  otherwise b\n"))
    found = [(d.code, d.span.line, d.message, d.hints) for d in base.check() if d.is_error]
    assert found == [
        ("E107", 8, "cannot compare a molar concentration with a concentration in ng/mL: their units measure "
         "different things", ("a mass concentration (mg/dL) and a molar one (umol/L) convert only with the molar "
                              "mass: write the threshold in the input's unit",)),
        ("E107", 9, "cannot compare a concentration in ng/mL with a length: their units measure different things",
         ("check the unit of the threshold: one side is in ng/mL, ug/L, ng/L, ug/mL, mg/L, mg/dL, g/L, g/dL, the "
          "other in mm, cm, m",)),
    ]


def test_an_unknown_unit_suggests_a_canonical_one() -> None:
    base = kb(module("t.unknown", "input cea: quantity in ng/mL\ndefine high: cea > 5 ng/mm\n"
                     "decision d: a > b\n  rule r: when high then a\n  otherwise b\n"))
    found = [(d.code, d.message, d.hints) for d in base.check() if d.is_error]
    assert found == [("E104", "unknown unit `ng/mm`", ("did you mean `ng/mL`?",))]


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (20.0, "cm", "2 cm"), (20.0, "mm", "20 mm"), (28.0657, "months", "28 months 2 days"), (12.0, "months", "12 months"),
    (1.0, "months", "1 month"), (24.0, "years", "2 years"), (-50.0, "%", "-50%"), (4.5, "10*9/L", "4.5 ×10⁹/L"),
    (90.0, "mL/min/{1.73_m2}", "90 mL/min/1.73 m²"), (15.0, "umol/L", "15 µmol/L"), (10_000.0, "mg/dL", "1 mg/dL"),
    (0.1 + 0.2, None, "0.3"), (100000.0, "U/mL", "100000 U/mL"),
])
def test_values_are_shown_in_the_declared_unit(value: float, unit: str | None, shown: str) -> None:
    assert units.show(value, unit) == shown


def test_a_range_is_shown_in_the_declared_unit() -> None:
    assert units.show_range(20.0, 50.0, "cm") == "2 cm to 5 cm"


def test_every_unit_has_a_ucum_code_and_its_dimension_a_canonical_unit() -> None:
    for name in units.canonical_names():
        unit = units.lookup(name)
        assert unit is not None and unit.name == name
        assert units.lookup(unit.canonical) is not None
        assert unit.code
    assert units.lookup("days") is not None and units.lookup("days").code == "d"  # type: ignore[union-attr]


def test_an_example_given_in_another_spelling_is_a_warning_too() -> None:
    base = kb(module("t.given", "input cea: quantity in ng/mL\ndefine high: cea > 5 ng/mL\n"
                     "decision d: a > b\n  rule r: when high then a\n  otherwise b\n"
                     'example "High":\n  given cea 12 ng/ml\n  expect d = a\n'))
    found = [(d.code, d.span.line, d.span.column, d.message, d.hints) for d in base.check()]
    assert found == [("W155", 12, 16, "`ng/ml` is written `ng/mL`",
                      ("write `cea 12 ng/mL`: one spelling per unit, as UCUM names it",))]
    assert base.guideline("t.given").run_examples()[0].passed
