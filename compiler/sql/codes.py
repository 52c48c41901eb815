"""What a decision's code column says when it is not unknown: per code, the decision's value, status, rule and
possible outcomes (eligo.sql.query reads the code with CASEs of the same answers; eligo.compiled.batch decodes it
with Arrow `take` over this table). An unknown code (≤ UNKNOWN_CODE) is not in it: its answer needs the row.

>>> [(d.code, d.status) for d in decoding(decision)]  # doctest: +SKIP
[(0, 'decided'), (1, 'decided'), (2, 'decided'), (-2, 'unmatched'), (-3, 'conflict')]
"""

from __future__ import annotations

from dataclasses import dataclass

from eligo import ir
from eligo.ir.outcome import CONFLICT_CODE, NO_OUTCOME, OPEN_OUTCOME, UNMATCHED_CODE, open_codes


@dataclass(frozen=True)
class Decoded:
    """One code's answer. For a `collect` decision the value is the set of outcomes, not held by the code."""

    code: int
    value: str | None
    status: str
    rule: str | None
    possible: tuple[str, ...]


def decoding(node: ir.Decision) -> tuple[Decoded, ...]:
    """Every code of `node` that its rows can have without being unknown, with what it says."""
    if node.policy == "collect":  # decided (code 0) or unknown; its possible outcomes are not listed
        return (Decoded(0, None, "decided", None, ()),)
    rules = [*node.rules, node.default]
    opened = set(open_codes(rules))
    out = []
    for code, rule in enumerate(rules):
        if rule is None:
            continue
        if code in opened:  # an open question: no value, its reason in the rule
            out.append(Decoded(code, None, "open", rule.name, (OPEN_OUTCOME,)))
        else:
            out.append(Decoded(code, rule.outcome, "decided", rule.name, (rule.outcome,)))
    out.append(Decoded(UNMATCHED_CODE, None, "unmatched", None, (NO_OUTCOME,)))
    out.append(Decoded(CONFLICT_CODE, None, "conflict", None, (NO_OUTCOME,)))
    return tuple(out)
