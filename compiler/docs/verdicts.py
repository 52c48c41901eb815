"""Whether each property of a guideline version holds: the one place the site asks the verifier.

`eligo verify` (`compiler.verify`) does not exist yet, so every property is reported as
"not yet verified". Connecting the verifier means changing only `property_verdicts` to return its
findings; the templates already show `holds`, `fails` (with the counterexample) and `not yet verified`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from compiler.docs.library import VersionDoc

Status = Literal["holds", "fails", "not yet verified"]


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    detail: str = ""  # for `fails`: the counterexample, as the verifier renders it


NOT_VERIFIED = Verdict("not yet verified")


def property_verdicts(doc: VersionDoc) -> dict[str, Verdict]:
    """The verdict for every property of `doc`, by property title."""
    return {prop.title: NOT_VERIFIED for prop in doc.module.properties}
