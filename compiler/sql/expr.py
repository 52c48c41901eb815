"""IR expressions to sqlglot expressions: Kleene logic on SQL NULL, and `none` (NA) as a boolean beside a value.

A compiled expression is a `Val`: `v`, the value (NULL when unknown or `none`), and `na`, a boolean that
is never NULL and is TRUE exactly when the value is `none` (absent when the value can never be `none`).
Conditions are built as plain AND/OR trees where possible, so that DuckDB can short-circuit them
inside CASE WHEN; `negate` writes NOT in negation normal form for the same reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlglot import exp

from eligo import ir
from eligo.ir import tables, units

DOUBLE, DATE, INT = exp.DataType.Type.DOUBLE, exp.DataType.Type.DATE, exp.DataType.Type.INT


@dataclass(frozen=True)
class Val:
    """A compiled expression: its value (NULL when unknown or `none`) and when it is `none` (None: never)."""

    v: exp.Expr
    na: exp.Expr | None = None


class Context(Protocol):
    """What expression handlers need from the query compiler."""

    def expr(self, node: ir.Node) -> Val: ...
    def input(self, name: str) -> Val: ...
    def ref(self, key: str) -> Val: ...
    def share(self, val: Val, hint: str = "x") -> Val: ...
    def list_op(self, node: ir.ListOp) -> Val: ...
    def field(self, node: ir.Field) -> Val: ...
    def list_compare(self, op: str, node: ir.ListOp, other: Val, flipped: bool) -> exp.Expr: ...
    def bounded(self, node: ir.Node) -> ir.ListOp | None: ...


class Unsupported(Exception):
    """An IR construct this back end (or this dialect) cannot express."""

    def __init__(self, node: ir.Node) -> None:
        super().__init__(type(node).__name__)
        self.node = node


# ---------------------------------------------------------------- builders that fold constants


def col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def num(value: int) -> exp.Expr:
    return exp.Literal.number(value)


def lit(value: object) -> exp.Expr:
    """A literal; floats carry an exponent so that every dialect reads a double, not a decimal."""
    if value is None or value is ir.NA:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, float):
        text = repr(value)
        return exp.cast(exp.Literal.number(text if "e" in text else f"{text}e0"), DOUBLE)
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), DATE)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"no SQL literal for {value!r}")  # pragma: no cover - IR constants are closed


def is_const(node: exp.Expr, value: bool) -> bool:
    return isinstance(node, exp.Boolean) and node.this is value


def and_(*parts: exp.Expr) -> exp.Expr:
    kept = [p for p in parts if not is_const(p, True)]
    if any(is_const(p, False) for p in kept):
        return exp.false()
    if not kept:
        return exp.true()
    return kept[0] if len(kept) == 1 else exp.and_(*kept, copy=False)


def or_(*parts: exp.Expr) -> exp.Expr:
    kept = [p for p in parts if not is_const(p, False)]
    if any(is_const(p, True) for p in kept):
        return exp.true()
    if not kept:
        return exp.false()
    return kept[0] if len(kept) == 1 else exp.or_(*kept, copy=False)


def not_(part: exp.Expr) -> exp.Expr:
    if isinstance(part, exp.Boolean):
        return exp.false() if part.this else exp.true()
    return exp.not_(part, copy=False)


_OPPOSITE: dict[type[exp.Expr], type[exp.Binary]] = {
    exp.EQ: exp.NEQ, exp.NEQ: exp.EQ, exp.LT: exp.GTE, exp.GTE: exp.LT, exp.GT: exp.LTE, exp.LTE: exp.GT,
}


def negate(part: exp.Expr) -> exp.Expr:
    """NOT `part` in negation normal form, equal under SQL's three-valued logic.

    >>> negate(exp.and_("a < 1", "b")).sql()
    'a >= 1 OR NOT b'
    """
    if isinstance(part, exp.Paren):
        return negate(part.this)
    if isinstance(part, exp.Boolean):
        return not_(part)
    if isinstance(part, exp.Not):
        inner: exp.Expr = part.this.this if isinstance(part.this, exp.Paren) else part.this
        return inner
    if isinstance(part, exp.And):
        return or_(*(negate(p) for p in part.flatten()))
    if isinstance(part, exp.Or):
        return and_(*(negate(p) for p in part.flatten()))
    opposite = _OPPOSITE.get(type(part))
    if opposite is not None:
        return opposite(this=part.this, expression=part.expression)
    return not_(part)


def is_null(part: exp.Expr) -> exp.Expr:
    if isinstance(part, exp.Null):
        return exp.true()
    if isinstance(part, (exp.Literal, exp.Boolean)) or (isinstance(part, exp.Cast) and isinstance(part.this, exp.Literal)):
        return exp.false()
    return exp.Is(this=part, expression=exp.null())


def case(branches: Sequence[tuple[exp.Expr, exp.Expr]], default: exp.Expr | None = None) -> exp.Expr:
    """CASE WHEN …; branches whose condition folds to FALSE are dropped, one that folds to TRUE ends it."""
    ifs: list[exp.If] = []
    for condition, value in branches:
        if is_const(condition, False):
            continue
        if is_const(condition, True):
            default = value
            break
        ifs.append(exp.If(this=condition, true=value))
    if not ifs:
        return default if default is not None else exp.null()
    return exp.Case(ifs=ifs, default=default)


def coalesce_false(part: exp.Expr) -> exp.Expr:
    """TRUE exactly when `part` is TRUE (NULL becomes FALSE)."""
    return part if isinstance(part, exp.Boolean) else exp.func("COALESCE", part, exp.false())


def unknown(val: Val) -> exp.Expr:
    """TRUE when the value is unknown (NULL and not `none`)."""
    return and_(is_null(val.v), not_(val.na)) if val.na is not None else is_null(val.v)


def known(val: Val) -> exp.Expr:
    return or_(negate(is_null(val.v)), val.na) if val.na is not None else negate(is_null(val.v))


def truth(val: Val) -> exp.Expr:
    """A condition as TRUE/FALSE/NULL, `none` counting as FALSE (as in the Python evaluator)."""
    return val.v if val.na is None else and_(val.v, guard(not_(val.na)))


def guard(part: exp.Expr) -> exp.Expr:
    """Mark a conjunct that only turns NULL into FALSE (for `none`): where only TRUE counts it can go."""
    part.meta[GUARD] = True
    return part


GUARD = "eligo_na_guard"


def simplify_for_truth(tree: exp.Expr, known: set[str]) -> exp.Expr:
    """`tree` where only whether it is TRUE matters and the `known` columns are not NULL: `x IS NULL` of a known
    column is FALSE, and a `none` guard in a positive position (under AND/OR only) can go, as it can only turn
    NULL into FALSE. Constants are folded.

    >>> simplify_for_truth(exp.and_("a > 1", exp.Is(this=exp.column("b"), expression=exp.null())), {"b"}).sql()
    'FALSE'
    """
    def walk(node: exp.Expr, positive: bool) -> exp.Expr:
        if positive and node.meta.get(GUARD):
            return exp.true()
        if isinstance(node, exp.Paren):
            return walk(node.this, positive)
        if isinstance(node, exp.And):
            return and_(*(walk(p, positive) for p in node.flatten()))
        if isinstance(node, exp.Or):
            return or_(*(walk(p, positive) for p in node.flatten()))
        if isinstance(node, exp.Not):
            return not_(walk(node.this, False))
        if isinstance(node, exp.Is) and isinstance(node.this, exp.Column) and node.this.name in known \
                and isinstance(node.expression, exp.Null):
            return exp.false()
        copied = node.copy()
        for child in list(copied.iter_expressions()):
            child.replace(walk(child, False))
        return copied
    return walk(tree, True)


def compact(items: list[exp.Expr]) -> exp.Expr:
    """The array of the non-NULL items, in order."""
    x = exp.to_identifier("x")
    return exp.ArrayFilter(this=exp.Array(expressions=items),
                           expression=exp.Lambda(this=negate(is_null(exp.column(x.copy()))), expressions=[x]))


def _paren(node: exp.Expr) -> exp.Expr:
    return exp.paren(node, copy=False) if isinstance(node, (exp.Binary, exp.Case)) else node


_PRECEDENCE: tuple[tuple[type[exp.Expr], ...], ...] = (
    (exp.Or,), (exp.And,), (exp.Not,),
    (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.Is, exp.In),
    (exp.Add, exp.Sub), (exp.Mul, exp.Div), (exp.Neg,),
)


def _precedence(node: exp.Expr) -> int:
    for level, kinds in enumerate(_PRECEDENCE):
        if isinstance(node, kinds):
            return level
    return len(_PRECEDENCE)


def parenthesize(tree: exp.Expr) -> exp.Expr:
    """Brackets where an operand binds more loosely than its operator (sqlglot writes a tree built by hand
    as it is, so `Is(And(a, b), NULL)` would read back as `a AND (b IS NULL)`).

    >>> parenthesize(exp.Is(this=exp.and_("a", "b"), expression=exp.null())).sql()
    '(a AND b) IS NULL'
    """
    comparison = _precedence(exp.EQ())
    for node in list(tree.walk()):
        level = _precedence(node)
        if level == len(_PRECEDENCE):
            continue
        for key in ("this", "expression"):
            child = node.args.get(key)
            if not isinstance(child, exp.Expr):
                continue
            inner = _precedence(child)
            tied = inner == level and (level == comparison or (key == "expression" and isinstance(node, (exp.Sub, exp.Div))))
            if inner < level or tied:
                node.set(key, exp.Paren(this=child))
    return tree


# ---------------------------------------------------------------- one handler per IR node


def _const(c: Context, node: ir.Const) -> Val:
    if node.value is ir.NA:
        return Val(exp.null(), exp.true())
    if isinstance(node.value, tuple):
        raise Unsupported(node)
    return Val(lit(node.value))


def _input(c: Context, node: ir.InputRef) -> Val:
    return c.input(node.name)


def _defref(c: Context, node: ir.DefRef) -> Val:
    return c.ref(node.key)


def _not(c: Context, node: ir.Not) -> Val:
    val = c.expr(node.operand)
    return Val(negate(val.v) if val.na is None else or_(negate(val.v), val.na))


def _boolop(c: Context, node: ir.BoolOp) -> Val:
    parts = [truth(c.expr(o)) for o in node.operands]
    return Val(and_(*parts) if node.op == "and" else or_(*parts))


_COMPARE: dict[str, type[exp.Binary]] = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE, "=": exp.EQ,
                                         "!=": exp.NEQ}


def compare(c: Context, op: str, left: Val, right: Val) -> exp.Expr:
    """Unknown if either side is unknown, else FALSE if either is `none`, else the comparison."""
    if left.na is None and right.na is None:
        return _COMPARE[op](this=left.v, expression=right.v)
    if left.na is None or right.na is None:  # one side may be `none`: each part of it is read once
        plain_side, na_side = (left, right) if left.na is None else (right, left)
        plain_side = c.share(plain_side)
        left, right = (plain_side, na_side) if left.na is None else (na_side, plain_side)
        plain = _COMPARE[op](this=left.v, expression=right.v)
        return and_(plain, guard(negate(and_(na_side.na, negate(is_null(plain_side.v))))))  # type: ignore[arg-type]
    left, right = c.share(left), c.share(right)
    plain = _COMPARE[op](this=left.v, expression=right.v)
    either = or_(*(v.na for v in (left, right) if v.na is not None))
    return and_(plain, guard(negate(and_(either, known(left), known(right)))))


def _compare(c: Context, node: ir.Compare) -> Val:
    if any(isinstance(side, ir.Const) and side.value is None for side in (node.left, node.right)):
        return Val(exp.null())
    for side, other in ((node.left, node.right), (node.right, node.left)):
        aggregate = c.bounded(side)
        if aggregate is not None:  # an aggregate's bounds decide what they can (eligo.ir.lists)
            return Val(c.list_compare(node.op, aggregate, c.expr(other), side is node.right))
    return Val(compare(c, node.op, c.expr(node.left), c.expr(node.right)))


def _arith(c: Context, node: ir.Arith) -> Val:
    left, right = c.expr(node.left), c.expr(node.right)
    if node.op == "/":
        left, right = c.share(left), c.share(right)
        zero = exp.EQ(this=right.v, expression=num(0))
        value = case([(zero, exp.null())], exp.Div(this=exp.cast(left.v, DOUBLE), expression=_paren(right.v)))
        # a divisor known to be zero makes `none`, whatever the dividend (known or not)
        na = or_(coalesce_false(zero), and_(known(left), known(right),
                                            or_(*(v.na for v in (left, right) if v.na is not None))))
        return Val(value, na)
    builder = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}[node.op]
    if left.na is None and right.na is None:
        return Val(builder(this=_paren(left.v), expression=_paren(right.v)))
    left, right = c.share(left), c.share(right)
    na = and_(known(left), known(right), or_(*(v.na for v in (left, right) if v.na is not None)))
    return Val(builder(this=_paren(left.v), expression=_paren(right.v)), na)


def _neg(c: Context, node: ir.Neg) -> Val:
    val = c.expr(node.operand)
    return Val(exp.Neg(this=_paren(val.v)), val.na)


def _test(c: Context, node: ir.Test) -> Val:
    val = c.expr(node.operand)
    if node.test == "none":
        if val.na is None:
            return Val(exp.false())
        val = c.share(val)  # an unknown value may or may not be `none`
        assert val.na is not None
        return Val(case([(val.na, exp.true()), (is_null(val.v), exp.null())], exp.false()))
    if val.na is not None:
        val = c.share(val)
    return Val(unknown(val) if node.test == "missing" else known(val))


def _inset(c: Context, node: ir.InSet) -> Val:
    val = c.expr(node.operand)
    items = [c.expr(i) for i in node.items]
    items = [i for i in items if not (i.na is not None and is_const(i.na, True))]  # `none` never matches a value
    if items and all(isinstance(i.v, (exp.Literal, exp.Cast, exp.Boolean)) and i.na is None for i in items):
        test: exp.Expr = exp.In(this=val.v, expressions=[i.v for i in items])
        if val.na is None:
            return Val(not_(test) if node.negated else test)
        val = c.share(val)
        na = val.na if val.na is not None else exp.false()
        test = exp.In(this=val.v, expressions=[i.v for i in items])
        return Val(or_(not_(test), na) if node.negated else and_(test, not_(na)))
    val = c.share(val)
    items = [c.share(i) for i in items]
    negated, hit = lit(node.negated), lit(not node.negated)
    return Val(case([
        (unknown(val), exp.null()),
        (val.na if val.na is not None else exp.false(), negated),
        (or_(*(exp.EQ(this=val.v, expression=i.v) for i in items)), hit),
        (or_(*(unknown(i) for i in items)), exp.null()),
    ], negated))


def _between(c: Context, node: ir.Between) -> Val:
    val = c.share(c.expr(node.operand))
    return Val(and_(compare(c, ">=", val, c.expr(node.low)), compare(c, "<=", val, c.expr(node.high))))


def _first_known(c: Context, node: ir.FirstKnown) -> Val:
    items = [c.expr(i) for i in node.items]
    if all(i.na is None for i in items):
        return Val(exp.func("COALESCE", *(i.v for i in items)) if len(items) > 1 else items[0].v)
    items = [c.share(i) for i in items]
    value = case([(known(i), i.v) for i in items])
    na = case([(known(i), i.na if i.na is not None else exp.false()) for i in items], exp.false())
    return Val(value, na)


def _if(c: Context, node: ir.If) -> Val:
    cond = c.share(c.expr(node.condition))
    then, otherwise = c.expr(node.then), c.expr(node.otherwise)
    is_true, cond_unknown = truth(cond), unknown(cond)
    value = case([(is_true, then.v), (cond_unknown, exp.null())], otherwise.v)
    if then.na is None and otherwise.na is None:
        return Val(value)
    na = case([(is_true, then.na or exp.false()), (cond_unknown, exp.false())], otherwise.na or exp.false())
    return Val(value, na)


def _lookup(c: Context, node: ir.Lookup) -> Val:
    keys = [c.share(c.expr(k)) for k in node.keys]
    fallback = node.default.value if node.default is not None else ir.NA
    any_unknown = or_(*(unknown(k) for k in keys))
    any_na = or_(*(k.na for k in keys if k.na is not None))
    wildcards = any(key is None or isinstance(key, tables.Band) for row in node.rows for key in row.keys)
    rows: list[tuple[exp.Expr, object]]
    if len(keys) == 1 and not wildcards:  # distinct keys: one IN list per value, in the order values first appear
        grouped: dict[object, list[object]] = {}
        for row in node.rows:
            grouped.setdefault(_hashable(row.value.value), []).append(row.keys[0])
        values = {_hashable(row.value.value): row.value.value for row in node.rows}
        rows = [(exp.In(this=keys[0].v, expressions=[lit(k) for k in ks]) if len(ks) > 1
                 else exp.EQ(this=keys[0].v, expression=lit(ks[0])), values[v]) for v, ks in grouped.items()]
    else:
        rows = [(and_(*(_key_match(k.v, key) for k, key in zip(keys, row.keys, strict=True)
                        if key is not None)), row.value.value) for row in node.rows]
    guard = [(any_unknown, None)] if fallback is not ir.NA or wildcards else []
    branches = [*guard, (any_na, fallback), *rows]
    value = case([(cond, lit(v)) for cond, v in branches], lit(fallback))
    if fallback is not ir.NA and all(v is not ir.NA for _, v in rows):
        return Val(value)
    if all(v is not ir.NA for _, v in rows):  # only the fallback is `none`: no row matched a known key
        return Val(value, and_(negate(any_unknown), or_(any_na, negate(or_(*(m for m, _ in rows))))))
    na = case([(cond, lit(v is ir.NA)) for cond, v in [(any_unknown, None), *branches[len(guard):]]],
              lit(fallback is ir.NA))
    return Val(value, na)


def _key_match(value: exp.Expr, key: str | bool | tables.Band) -> exp.Expr:
    """A row's key matched: equal to a kind value or yes/no, or within a band (its ends included or not)."""
    if not isinstance(key, tables.Band):
        return exp.EQ(this=value, expression=lit(key))
    ends: list[exp.Expr] = []
    if key.low is not None:
        ends.append((exp.GTE if key.low_in else exp.GT)(this=value.copy(), expression=lit(key.low)))
    if key.high is not None:
        ends.append((exp.LTE if key.high_in else exp.LT)(this=value.copy(), expression=lit(key.high)))
    return and_(*ends) if ends else exp.not_(exp.Is(this=value.copy(), expression=exp.null()))


def _hashable(value: object) -> object:
    """A table value as a dict key that keeps 1, 1.0 and True apart."""
    return (type(value).__name__, value)


def _elapsed(c: Context, node: ir.Elapsed) -> Val:
    start, end = c.share(c.expr(node.start)), c.share(c.expr(node.end))
    if node.unit in ("days", "weeks"):
        days = exp.DateDiff(this=end.v, expression=start.v, unit=exp.var("DAY"))
        return Val(exp.Div(this=exp.cast(days, DOUBLE), expression=lit(units.DAYS_PER_MONTH)))
    backward = exp.Neg(this=exp.paren(months_between(end.v, start.v)))
    return Val(case([(exp.LT(this=end.v, expression=start.v), backward)], months_between(start.v, end.v)))


def months_between(start: exp.Expr, end: exp.Expr) -> exp.Expr:
    """Whole calendar months plus the leftover days / 30.4375, as `runtime.months_between` (start <= end)."""
    years = exp.paren(exp.Sub(this=exp.Year(this=end.copy()), expression=exp.Year(this=start.copy())))
    whole: exp.Expr = exp.cast(exp.Add(this=exp.Mul(this=years, expression=num(12)), expression=exp.Sub(
        this=exp.Month(this=end.copy()), expression=exp.Month(this=start.copy()))), INT)

    def add(months: exp.Expr) -> exp.Expr:
        return exp.DateAdd(this=start.copy(), expression=months, unit=exp.var("MONTH"))

    over = exp.GT(this=add(whole.copy()), expression=end.copy())
    months = exp.cast(exp.Sub(this=whole.copy(), expression=case([(over, num(1))], num(0))), INT)
    days = exp.DateDiff(this=end.copy(), expression=add(months.copy()), unit=exp.var("DAY"))
    return exp.Add(this=months, expression=exp.Div(this=exp.cast(days, DOUBLE), expression=lit(units.DAYS_PER_MONTH)))


def _list_op(c: Context, node: ir.ListOp) -> Val:
    return c.list_op(node)  # eligo.sql.lists


def _field(c: Context, node: ir.Field) -> Val:
    return c.field(node)


HANDLERS: dict[type, Callable[..., Val]] = {
    ir.Const: _const, ir.InputRef: _input, ir.DefRef: _defref, ir.Not: _not, ir.BoolOp: _boolop,
    ir.Compare: _compare, ir.Arith: _arith, ir.Neg: _neg, ir.Test: _test, ir.InSet: _inset,
    ir.Between: _between, ir.FirstKnown: _first_known, ir.If: _if, ir.Lookup: _lookup, ir.Elapsed: _elapsed,
    ir.ListOp: _list_op, ir.Field: _field,
}
