"""Whether each property of a guideline version holds: the one place the site asks the verifier.

Each version is verified at build time with `compiler.verify.verify_guideline` (fixed seed, a
smaller example budget than `eligo verify`, which CI runs in full); a failed property shows its
counterexample patient and the explanation of its evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eligo.docs.library import VersionDoc

Status = Literal["proved", "checked", "failed", "not yet verified"]


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    basis: str = ""  # how it was established, e.g. "boundary sweep over 9 variables"
    detail: str = ""  # for `failed`: the counterexample patient and its explanation


NOT_VERIFIED = Verdict("not yet verified")


SITE_MAX_EXAMPLES = 50


def property_verdicts(doc: VersionDoc) -> dict[str, Verdict]:
    """The verdict for every property of `doc`, by property title."""
    if not doc.module.properties:
        return {}
    from eligo.verify import verify_guideline

    report = verify_guideline(doc.guideline, seed=0, max_examples=SITE_MAX_EXAMPLES)
    results = {result.id: result for result in report.properties}
    failures = {finding.property_id: finding for finding in report.findings}
    verdicts: dict[str, Verdict] = {}
    for prop in doc.module.properties:
        result = results.get(f"property:{prop.span.line}")
        if result is None:
            verdicts[prop.title] = NOT_VERIFIED
            continue
        finding = failures.get(result.id)
        detail = ""
        if finding is not None and finding.case is not None:
            detail = f"given {finding.given}\n\n{finding.explanation}"
        verdicts[prop.title] = Verdict(result.status, result.basis, detail)
    return verdicts
