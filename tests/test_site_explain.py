"""The prose explanation of a result (eligo.docs.explain): what decided, in the author's units, on a terminal too."""

from __future__ import annotations

from pathlib import Path

import pytest

import eligo
from eligo.docs import explain

SOURCE = '''guideline demo.size
  version 1.0.0
  status approved
  effective 2025-01-01

input largest_lesion: quantity in mm
input ca19_9_change: percent
input fit: yes/no, optional

define marker_fall_threshold: -50%
define large: largest_lesion > 5 cm
define marker_response: ca19_9_change <= marker_fall_threshold

decision ablation: candidate > discuss > not_candidate, first match
  rule too_large: when large then not_candidate label "Lesion too large"
    because "Ablation does not reach the margin of a large lesion."
  rule no_response: when not marker_response then discuss
  rule unfit: when not fit then not_candidate
  otherwise candidate

example "A 2 cm lesion and a 72% fall":
  given largest_lesion 2 cm, ca19_9_change -72%, fit yes
  expect ablation = candidate
'''


@pytest.fixture(scope="module")
def guideline(tmp_path_factory: pytest.TempPathFactory) -> eligo.Guideline:
    root = tmp_path_factory.mktemp("kb")
    (root / "demo" / "size").mkdir(parents=True)
    (root / "demo" / "size" / "1.0.0.eligo").write_text(SOURCE, encoding="utf-8")
    return eligo.load(root).guideline("demo.size")


def test_values_are_in_the_authors_units_and_conditions_read_as_they_stood(guideline: eligo.Guideline) -> None:
    case = {"largest_lesion": "2 cm", "ca19_9_change": -72, "fit": True}
    text = explain.explain(guideline, guideline.evaluate(case), case=case, width=200)
    assert "Ablation: candidate (no rule applies, so the default outcome holds)." in text
    assert "Rule 1, Lesion too large (not candidate), does not apply: large does not hold: largest lesion is 2 cm, " \
           "not more than 5 cm." in text  # 20 mm inside, the author wrote cm
    assert "CA19-9 change is −72%, at most −50%" in text  # the constant's value, not its name
    assert "Rule 3, unfit (not candidate), does not apply: fit is yes." in text
    for internal in ("`", "→", "[", "marker_fall_threshold", "= -50", "values:"):
        assert internal not in text, internal


def test_only_the_rules_that_decided_are_explained(guideline: eligo.Guideline) -> None:
    case = {"largest_lesion": "6 cm", "ca19_9_change": -10}
    text = explain.explain(guideline, guideline.evaluate(case), case=case, width=200)
    assert "Ablation: not candidate (by rule Lesion too large)." in text
    assert "Because Ablation does not reach the margin of a large lesion." in text
    assert "largest lesion is 6 cm, more than 5 cm" in text
    assert "Rule 2" not in text and "Rule 3" not in text  # after the deciding rule: not read


def test_an_unknown_names_what_is_missing(guideline: eligo.Guideline) -> None:
    case = {"largest_lesion": "2 cm", "ca19_9_change": -72}
    text = explain.explain(guideline, guideline.evaluate(case), case=case, width=200)
    assert "Ablation: unknown. It cannot be decided yet: it needs fit." in text
    assert "Rule 3, unfit (not candidate), cannot be decided yet: fit is missing." in text


def test_a_terminal_gets_colour_and_the_site_gets_markdown(guideline: eligo.Guideline) -> None:
    case = {"largest_lesion": "2 cm", "ca19_9_change": -72, "fit": True}
    result = guideline.evaluate(case)
    coloured = explain.explain(guideline, result, case=case, colour=True)
    assert "\x1b[1;32mAblation: candidate\x1b[0m" in coloured
    assert "\x1b[" not in explain.explain(guideline, result, case=case)
    markdown = explain.markdown(guideline, result, case=case)
    assert markdown.startswith("**Ablation: candidate** (no rule applies")
    assert "- Rule 1, *Lesion too large* (not candidate), does not apply: **[large](#define-large)** does not hold" \
        in markdown


def test_the_shipped_examples_explain_without_error() -> None:
    kb = eligo.load(Path(__file__).resolve().parents[1] / "knowledge")
    for gid in kb.ids():
        guideline = kb.guideline(gid, allow_draft=True)
        for run in guideline.run_examples():
            if run.result is not None:
                text = explain.explain(guideline, run.result, case=guideline.example_case(run.example))
                assert text.count("\n\n") >= len(guideline.decision_names), (gid, run.example.title)
