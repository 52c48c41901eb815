"""Consistency checking of guidelines: `verify_guideline(g)` proves or checks each property of one
guideline version (totality, unique hits, dead and pre-empted rules, information monotonicity,
determinism, example coverage, and the author's `property` declarations) and reports every
finding as a diagnostic with a minimal counterexample patient and its explanation.
"""

from __future__ import annotations

from eligo.compiled.guideline import Guideline
from eligo.verify.report import Coverage, Finding, PropertyResult, ThresholdCoverage, VerifyReport


def verify_guideline(guideline: Guideline, seed: int = 0, max_examples: int = 200) -> VerifyReport:
    """Verify one compiled guideline version; reproducible for a given `seed`, bounded by `max_examples`
    generated cases per search."""
    from eligo.verify.verifier import Verifier

    return Verifier(guideline, seed, max_examples).run()


__all__ = ["Coverage", "Finding", "PropertyResult", "ThresholdCoverage", "VerifyReport", "verify_guideline"]
