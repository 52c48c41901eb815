"""Which rows a rule's condition may leave unknown, as a cheap test, so that the others take the two-valued CASE.

A first-match decision is one CASE written as one would by hand: `WHEN c0 THEN 0 WHEN c1 THEN 1 … ELSE otherwise`.
In SQL's Kleene logic a condition is NULL exactly when it is unknown, and a WHEN treats NULL as FALSE, so that CASE
is right on every row where each condition it reaches is TRUE or FALSE. `may_be_unknown(c)` is TRUE on every row
where `c` may be NULL (and on few others), and is never NULL itself: the CASE asks it after `c` is not TRUE, and sends
those rows to the three-valued CASE, which is right on every row. So it may say "maybe" too often (the rows pay for
the slow part), never too seldom.

It is built on the condition's structure, which knows more than the inputs it reads:
- an input, or what reads inputs: some minimal set of them all missing (`eligo.ir.analysis.Facts.unknown_terms`);
- `a and b`: `a` or `b` may be unknown, and no cheap operand is known FALSE;
- `a or b`: `a` or `b` may be unknown, and no cheap operand is known TRUE;
so `site = pancreas or dfi > threshold[site]` cannot be unknown for a pancreas row, missing DFI or not. A cheap
operand is an input compared with constants, a yes/no input, a test that one is missing or known, or the negation of
one of these: its SQL reads one column.
Definitions are looked through; a decision read may always be unknown.
"""

from __future__ import annotations

from typing import Protocol

from sqlglot import exp

from eligo import ir
from eligo.ir.analysis import Facts
from eligo.sql.expr import Val, and_, is_null, negate, or_


class Compiler(Protocol):
    """What the test needs of the query compiler (eligo.sql.query.Compiler)."""

    facts: Facts
    nodes: dict[str, ir.Definition | ir.Decision]

    def expr(self, node: ir.Node) -> Val: ...
    def input(self, name: str) -> Val: ...
    def unsettled(self, name: str) -> exp.Expr: ...


def may_be_unknown(compiler: Compiler, node: ir.Node) -> exp.Expr:
    """TRUE on every row where `node` (a condition) may be unknown; never NULL."""
    match node:
        case ir.BoolOp(op, operands):
            inner = or_(*(may_be_unknown(compiler, o) for o in operands))
            deciding = op == "or"  # the value of one operand that settles it: TRUE for `or`, FALSE for `and`
            return and_(inner, *(_not_known(compiler, o, deciding) for o in operands if _cheap(o)))
        case ir.Not(operand):
            return may_be_unknown(compiler, operand)
        case ir.DefRef(key) if isinstance(compiler.nodes[key], ir.Definition):
            target = compiler.nodes[key]
            assert isinstance(target, ir.Definition)
            return may_be_unknown(compiler, target.expr)
    terms = compiler.facts.unknown_terms([node])
    if () in terms:
        return exp.true()
    return or_(*(and_(*(compiler.unsettled(name) for name in term)) for term in sorted(terms)))


def _cheap(node: ir.Node) -> str | None:
    """The input a cheap operand reads: one input against constants, a yes/no input, whether one is missing or
    known, or the negation of one of these."""
    match node:
        case ir.Compare(_, ir.InputRef(name), ir.Const(value)) | ir.Compare(_, ir.Const(value), ir.InputRef(name)):
            return name if value is not None and value is not ir.NA else None
        case ir.InSet(ir.InputRef(name), items) if all(isinstance(i, ir.Const) and i.value is not None
                                                        and i.value is not ir.NA for i in items):
            return name
        case ir.Test(ir.InputRef(name), "missing" | "known"):
            return name
        case ir.InputRef(name):  # a yes/no input read as a condition
            return name
        case ir.Not(operand):
            return _cheap(operand)
    return None


def _not_known(compiler: Compiler, node: ir.Node, value: bool) -> exp.Expr:
    """TRUE unless the cheap `node` is known to be `value` (never NULL): its SQL is the other truth value, or its
    input is missing. Anything but a test of that one column is not relied on (TRUE)."""
    name = _cheap(node)
    assert name is not None
    column = compiler.input(name).v
    sql = compiler.expr(node)
    read = {c.name for c in sql.v.find_all(exp.Column)}
    if sql.na is not None or not isinstance(column, exp.Column) or read != {column.name} \
            or (not isinstance(node, ir.Test) and any(sql.v.find_all(exp.Null))):
        return exp.true()
    other = negate(sql.v.copy()) if value else sql.v.copy()
    return other if isinstance(node, ir.Test) else or_(other, is_null(column.copy()))
