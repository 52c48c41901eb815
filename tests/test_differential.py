"""The Python evaluator and DuckDB agree on every row of generated cohorts, for every guideline in knowledge/:
the same outcome, status, rule and missing list, NULLs (missing inputs) included."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from tests.cohorts import disagreements, knowledge_guidelines, rows

ROOT = Path(__file__).resolve().parent.parent


GUIDELINES = knowledge_guidelines()


def test_the_knowledge_base_has_guidelines_to_compare() -> None:
    assert len(GUIDELINES) >= 3


@pytest.mark.parametrize("guideline", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_python_and_duckdb_agree(guideline: eligo.Guideline) -> None:
    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.data_too_large])
    @given(st.lists(rows(guideline), min_size=1, max_size=80) | st.lists(rows(guideline, missing=0.0), min_size=1,
                                                                         max_size=80))
    def agree(cohort: list[dict[str, object]]) -> None:
        assert disagreements(guideline, cohort) == []

    agree()
