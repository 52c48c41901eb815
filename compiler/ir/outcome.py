"""How a decision's outcome travels between a back end and the decoder, named once.

The Python back end returns, per decision, an `Outcome` tuple `(value, status, rule, mask)`:
- `status` indexes `STATUSES`;
- `rule` is the index of the deciding rule, `OTHERWISE` for the `otherwise` clause, `NO_RULE` when none;
- `mask` holds a bit per rule: the rules left unknown (status unknown) or the rules that fired (conflict).
An open question (a rule `then open`) that decides gives status `open` with that rule's index and value `NA`:
nothing is missing, the guideline deliberately does not settle the case.

The SQL back end carries status and rule in one integer code column: the rule index when decided (the
number of rules for `otherwise`), `UNMATCHED_CODE`, `CONFLICT_CODE`, or `UNKNOWN_CODE - i` for an unknown
first-match decision whose rule `i` fires after unknown ones (`UNKNOWN_CODE` for other policies). An open
question is the code of its rule, as a decided one: `open_codes` lists them, and the status column reads `open`.

>>> decided("candidate", 2)
Outcome(value='candidate', status=0, rule=2, mask=0)
>>> STATUSES[unknown(OTHERWISE, 0b101).status]
'unknown'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

from eligo.ir.nodes import NA
from eligo.ir.nodes import OPEN as OPEN_RULE_OUTCOME

Status = Literal["decided", "unknown", "unmatched", "conflict", "open"]
STATUSES: tuple[Status, ...] = ("decided", "unknown", "unmatched", "conflict", "open")
DECIDED, UNKNOWN, UNMATCHED, CONFLICT, OPEN = range(5)

OTHERWISE = -1  # the rule index of the `otherwise` clause
NO_RULE = -2  # no rule decided

UNMATCHED_CODE, CONFLICT_CODE, UNKNOWN_CODE = -2, -3, -4  # the SQL code column, beside rule indices >= 0

NO_OUTCOME = "none"  # in a decision's `possible` outcomes: no rule applies (or rules conflict); no outcome is so named
OPEN_OUTCOME = OPEN_RULE_OUTCOME  # in `possible`: an open question may be what applies (a reserved word, no outcome)


class Outcome(NamedTuple):
    value: object
    status: int
    rule: int
    mask: int


def decided(value: object, rule: int) -> Outcome:
    return Outcome(value, DECIDED, rule, 0)


def opened(rule: int) -> Outcome:
    """The open question of rule `rule` applies."""
    return Outcome(NA, OPEN, rule, 0)


def settled(value: object, rule: int) -> Outcome:
    """Rule `rule` (with outcome `value`) decides: decided, or its open question when it declares one."""
    return opened(rule) if value == OPEN_RULE_OUTCOME else decided(value, rule)


def open_codes(rules: Sequence[object]) -> tuple[int, ...]:
    """The SQL codes of a decision's open questions: the indices of its rules (`otherwise` last) that declare one."""
    return tuple(i for i, r in enumerate(rules) if getattr(r, "outcome", None) == OPEN_RULE_OUTCOME)


def unknown(rule: int, mask: int) -> Outcome:
    """Undecided for want of the rules in `mask`; `rule` is the rule that would decide it, if any."""
    return Outcome(None, UNKNOWN, rule, mask)


def conflict(first: int, fired: int) -> Outcome:
    return Outcome(None, CONFLICT, first, fired)


UNMATCHED_OUTCOME = Outcome(NA, UNMATCHED, NO_RULE, 0)


def literal(outcome: Outcome) -> str:
    """The outcome as Python source (a plain tuple literal; `NA` by name), for generated code."""
    value = "NA" if outcome.value is NA else repr(outcome.value)
    return f"({value}, {outcome.status}, {outcome.rule}, {outcome.mask})"


def pending(rule: int | str, mask: str) -> str:
    """Python source of an unknown outcome whose mask (and perhaps rule) are computed at run time."""
    return f"(None, {UNKNOWN}, {rule}, {mask})"
