"""The texts a query answers with, typed by what they can be.

A decision's value, status and rule, and the items of its possible and missing lists, each come from a closed set
known at compile time: its outcomes, the five statuses, its rules' names, the guideline's inputs. In DuckDB they are
written as values of an ENUM of that set (of at most `LARGEST` texts), so that a column of them is one small
integer a row rather than a string (in Arrow, a dictionary array; DuckDB compares an ENUM with text, or with
another ENUM, by its text). The other
dialects have no ENUM for a query to name, and get the texts as they are.

>>> texts = Texts("duckdb")
>>> texts.of("candidate", ("candidate", "not_candidate")).sql("duckdb")
"CAST('candidate' AS ENUM('candidate', 'not_candidate'))"
>>> Texts("spark").of("candidate", ("candidate", "not_candidate")).sql("spark")
"'candidate'"
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlglot import exp

from eligo import ir
from eligo.ir.outcome import NO_OUTCOME, OPEN_OUTCOME, STATUSES

TYPED = frozenset({"duckdb"})  # the dialects whose queries can name an ENUM type inline
LARGEST = 32  # texts in the largest set typed as an ENUM: the type is spelled out in each of its constants, so the
# SQL of a larger set (a long decision's rule names) would grow with the square of its size; it stays text


class Texts:
    """Text constants for one query in one dialect."""

    def __init__(self, dialect: str) -> None:
        self.typed = dialect in TYPED

    def kind(self, domain: Iterable[str]) -> exp.DataType:
        """The type of a text from `domain`: an ENUM of it where the dialect has one, else VARCHAR."""
        values = _distinct(domain)
        if not self.typed or not values or len(values) > LARGEST:
            return exp.DataType.build("VARCHAR")
        return exp.DataType(this=exp.DataType.Type.ENUM, expressions=[exp.Literal.string(v) for v in values])

    def of(self, value: str | None, domain: Sequence[str]) -> exp.Expr:
        """`value` (NULL for None) as a text of `domain`."""
        text = exp.null() if value is None else exp.Literal.string(value)
        kind = self.kind(domain)
        return exp.cast(text, kind) if kind.this == exp.DataType.Type.ENUM else text

    def array(self, domain: Sequence[str]) -> exp.DataType:
        """The type of a list of texts of `domain`."""
        return exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[self.kind(domain)], nested=True)


def outcomes(node: ir.Decision) -> tuple[str, ...]:
    """What a decision's value can be."""
    return tuple(node.outcomes)


def possible(node: ir.Decision) -> tuple[str, ...]:
    """What its `possible` list can hold: an outcome, an open question, or no outcome."""
    return (*node.outcomes, OPEN_OUTCOME, NO_OUTCOME)


def rules(node: ir.Decision) -> tuple[str, ...]:
    """The names its `rule` can be: its rules', then its `otherwise`'s."""
    return tuple(r.name for r in (*node.rules, node.default) if r is not None)


def inputs(program: ir.Program) -> tuple[str, ...]:
    """What its `missing` list can hold: the guideline's inputs, in declaration order."""
    return tuple(program.inputs)


STATUS = tuple(STATUSES)


def _distinct(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
