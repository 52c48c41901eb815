"""Whether each property of a guideline version holds: the one place the site asks the verifier.

The site does not run `compiler.verify` yet, so every property is reported as "not yet verified".
Connecting it means changing only `property_verdicts`: for each `PropertyResult` of
`compiler.verify.verify_guideline(doc.guideline)` whose id is `property:N`, return
`Verdict(result.status, result.basis, counterexample)`. The templates already show every status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from compiler.docs.library import VersionDoc

Status = Literal["proved", "checked", "failed", "not yet verified"]


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    basis: str = ""  # how it was established, e.g. "boundary sweep over 9 variables"
    detail: str = ""  # for `failed`: the counterexample patient and its explanation


NOT_VERIFIED = Verdict("not yet verified")


def property_verdicts(doc: VersionDoc) -> dict[str, Verdict]:
    """The verdict for every property of `doc`, by property title."""
    return {prop.title: NOT_VERIFIED for prop in doc.module.properties}
