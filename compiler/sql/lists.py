"""Lists of records in SQL: a list input is an array column of structs (DuckDB LIST of STRUCT, Spark
array<struct>, PostgreSQL and BigQuery arrays read through UNNEST), one struct field per record field holding
its value in the field's declared unit; NULL fields are unknown. A NULL *element* stands for elements not yet
recorded: a list holding one is known to be incomplete (`at least` these elements), as `eligo.ir.lists` says.

Every list operation is built from two per-element primitives, so that each dialect needs only those two:
`elements_where` (how many elements satisfy a condition) and `gather` (the max, min, sum or distinct count of a
value over the elements satisfying one). DuckDB and Spark write them with lambdas (`list_filter`,
`filter`/`transform`), PostgreSQL and BigQuery as scalar subqueries over UNNEST.

Any valid Eligo name works as a record field or an input: every field is quoted (`"select"`, `"order"`), and the
names the SQL gives the element (`"#e"`) and, in PostgreSQL, the elements' subscripts (`"#list"."#i"`) hold a character
no Eligo name can, so that neither a field (`ordinality`) nor an input read inside a condition (`e`) can clash with
them.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sqlglot import exp

from eligo import ir
from eligo.ir import lists, units
from eligo.sql.expr import DOUBLE, Val, and_, case, is_null, lit, negate, not_, num, or_, truth, unknown

LAMBDA_DIALECTS = frozenset({"duckdb", "spark"})
ELEMENT = "#e"  # the element being looked at: a lambda's parameter, or BigQuery's UNNEST alias
ELEMENTS, INDEX = "#list", "#i"  # PostgreSQL: the list's subscripts, `generate_subscripts(list, 1) AS "#list"("#i")`


def element(source: exp.Expr | None = None, dialect: str = "duckdb") -> exp.Expr:
    """The element being looked at, as a whole: `"#e"`, in PostgreSQL `"spots"["#list"."#i"]` (a value of the
    composite type; `source` is the list)."""
    if dialect == "postgres":
        assert source is not None
        index = exp.column(exp.to_identifier(INDEX, quoted=True), table=exp.to_identifier(ELEMENTS, quoted=True))
        return exp.Bracket(this=source.copy(), expressions=[index])
    return exp.column(exp.to_identifier(ELEMENT, quoted=True))


def field_of(name: str, dialect: str, source: exp.Expr | None = None) -> exp.Expr:
    """A field of the element being looked at: `"#e"."select"`, in PostgreSQL `"spots"["#list"."#i"]."select"`."""
    return exp.Dot(this=element(source, dialect), expression=exp.to_identifier(name, quoted=True))


class ListCompiler:
    """The list half of the query compiler (which provides `expr`, `input`, `share`, `program` and `nodes`)."""

    dialect: str = "duckdb"
    element: str | None = None  # inside a per-element condition: the element's name
    _source: exp.Expr | None = None  # and the list it is an element of
    program: ir.Program
    nodes: dict[str, ir.Definition | ir.Decision]
    expr: Callable[[ir.Node], Val]
    input: Callable[[str], Val]

    # ------------------------------------------------------------ the two primitives
    def _per_element(self, build: Callable[[], exp.Expr], source: exp.Expr) -> tuple[str, exp.Expr]:
        saved = self.element, self._source
        self.element, self._source = ELEMENT, source
        try:
            return ELEMENT, build()
        finally:
            self.element, self._source = saved

    def elements_where(self, source: exp.Expr, condition: Callable[[], exp.Expr]) -> exp.Expr:
        """How many elements of `source` the condition is TRUE for."""
        name, body = self._per_element(condition, source)
        if self.dialect in LAMBDA_DIALECTS:
            kept = exp.ArrayFilter(this=source.copy(), expression=_lambda(exp.func("COALESCE", body, exp.false()), name))
            return exp.func("COALESCE", exp.ArraySize(this=kept), num(0))
        query = exp.select(exp.Count(this=exp.Star())).from_(self._unnest(source, name)).where(body)
        return exp.Subquery(this=query)

    def gather(self, source: exp.Expr, condition: Callable[[], exp.Expr], value: Callable[[], exp.Expr],
                how: str) -> exp.Expr:
        """`how` (max, min, sum, distinct) of `value` over the elements the condition is TRUE for."""
        name, body = self._per_element(condition, source)
        _, taken = self._per_element(value, source)
        if self.dialect not in LAMBDA_DIALECTS:
            aggregate = {"max": exp.Max(this=taken), "min": exp.Min(this=taken), "sum": exp.Sum(this=taken),
                         "distinct": exp.Count(this=exp.Distinct(expressions=[taken]))}[how]
            gathered: exp.Expr = exp.Subquery(this=exp.select(aggregate).from_(self._unnest(source, name)).where(body))
            if how == "sum":  # SUM over no rows is NULL in SQL; the sum of no elements is 0
                gathered = exp.func("COALESCE", gathered, exp.cast(lit(0), DOUBLE))
            return gathered
        kept = exp.ArrayFilter(this=source.copy(), expression=_lambda(exp.func("COALESCE", body, exp.false()), name))
        values = exp.Transform(this=kept, expression=_lambda(taken, name))
        if how == "max":
            return exp.ArrayMax(this=values)
        if how == "min":
            return exp.ArrayMin(this=values)
        if how == "distinct":
            return exp.func("COALESCE", exp.ArraySize(this=exp.ArrayDistinct(this=values)), num(0))
        if self.dialect == "spark":  # Spark's AGGREGATE needs a start of the values' type
            acc, x = exp.to_identifier("acc"), exp.to_identifier("x")
            total: exp.Expr = exp.Anonymous(this="AGGREGATE", expressions=[
                values, exp.cast(lit(0), DOUBLE),
                exp.Lambda(this=exp.Add(this=exp.column(acc.copy()), expression=exp.column(x.copy())),
                           expressions=[acc, x])])
            return total
        return exp.func("COALESCE", exp.ArraySum(this=values), exp.cast(lit(0), DOUBLE))

    def absent(self, source: exp.Expr) -> exp.Expr:
        """TRUE for the element being looked at when it is the NULL element, which marks a list known to be incomplete.

        PostgreSQL's UNNEST expands an array of a composite type into the type's attributes, after which an element
        whose every field is NULL looks like the NULL element (`e IS NULL`), and numbering them (WITH ORDINALITY)
        adds a column `ordinality` that a field of that name would clash with; so there the elements are read by
        subscript (`generate_subscripts`), and the array's own element is tested (`IS NOT DISTINCT FROM NULL` holds
        for the NULL element only, not for a composite of NULL fields)."""
        if self.dialect == "postgres":
            return exp.NullSafeEQ(this=element(source, self.dialect), expression=exp.null())
        return is_null(element())

    def _unnest(self, source: exp.Expr, name: str) -> exp.Expr:
        if self.dialect == "postgres":  # generate_subscripts(source, 1) AS "#list"("#i")
            subscripts = exp.Anonymous(this="generate_subscripts", expressions=[source.copy(), num(1)])
            return exp.Table(this=subscripts, alias=exp.TableAlias(this=exp.to_identifier(ELEMENTS, quoted=True),
                                                                    columns=[exp.to_identifier(INDEX, quoted=True)]))
        # BigQuery: UNNEST(source) AS `#e`, which sqlglot writes from the alias's one column (a `this` it drops)
        return exp.Unnest(expressions=[source.copy()], alias=exp.TableAlias(columns=[exp.to_identifier(name, quoted=True)]))

    def unsettled(self, name: str) -> exp.Expr:
        """TRUE when an input leaves something unknown: NULL, or a list with a NULL element or field
        (as `eligo.ir.lists.unsettled`)."""
        source = self.input(name).v
        fields = self.program.inputs[name].fields
        if self.program.inputs[name].type.kind != "list":
            return is_null(source)
        partial = exp.GT(this=self.elements_where(source, lambda: or_(self.absent(source), *(
            is_null(field_of(f.name, self.dialect, source)) for f in fields))), expression=num(0))
        return or_(is_null(source), partial)

    # ------------------------------------------------------------ the element and its fields
    def field(self, node: ir.Field) -> Val:
        assert self.element is not None, node
        value: exp.Expr = field_of(node.name, self.dialect, self._source)
        fields = self.program.inputs[self._current].fields if self._current else ()
        unit = units.lookup(next((f.unit for f in fields if f.name == node.name), None) or "")
        if node.type.kind == "quantity" and unit is not None and unit.factor != 1.0:
            value = exp.Mul(this=exp.cast(value, DOUBLE), expression=lit(unit.factor))
        elif node.type.kind == "date":
            value = exp.cast(value, exp.DataType.Type.DATE)
        return Val(value)

    _current: str | None = None  # the list input whose elements are being looked at

    # ------------------------------------------------------------ the operations
    def list_op(self, node: ir.ListOp) -> Val:
        if node.op in lists.BOUNDED:
            missing, low, high = self.list_bounds(node)
            value = case([(missing, exp.null()), (exp.EQ(this=low, expression=high.copy()), low.copy())])
            return Val(value)
        source = self.expr(node.source).v
        saved, self._current = self._current, node.source.name
        try:
            present = negate(self.absent(source))

            def where(certain: bool) -> Callable[[], exp.Expr]:  # the filter TRUE, or not FALSE
                def build() -> exp.Expr:
                    if node.where is None:
                        return present.copy()
                    f = truth(self.expr(node.where))
                    return and_(present.copy(), f if certain else exp.func("COALESCE", f, exp.true()))
                return build

            incomplete = exp.GT(this=self.elements_where(source, lambda: self.absent(source)), expression=num(0))
            if node.op in ("any", "all"):
                def body(value: bool | None) -> exp.Expr:
                    c = truth(self.expr(node.body)) if node.body is not None else exp.true()
                    if value is True:
                        return c
                    if value is False:
                        return exp.EQ(this=c, expression=exp.false()) if node.body is not None else exp.false()
                    return exp.func("COALESCE", c, exp.true())  # not certainly false
                if node.op == "any":
                    hit = exp.GT(this=self.elements_where(source, lambda: and_(where(True)(), body(True))), expression=num(0))
                    open_ = exp.GT(this=self.elements_where(source, lambda: and_(where(False)(), body(None))), expression=num(0))
                    return Val(case([(is_null(source), exp.null()), (hit, exp.true()),
                                     (or_(incomplete, open_), exp.null())], exp.false()))
                miss = exp.GT(this=self.elements_where(source, lambda: and_(where(True)(), body(False))), expression=num(0))
                unsure = exp.GT(this=self.elements_where(source, lambda: and_(
                    where(False)(), not_(exp.func("COALESCE", truth(self.expr(node.body)), exp.false()))
                    if node.body is not None else exp.false())), expression=num(0))
                return Val(case([(is_null(source), exp.null()), (miss, exp.false()),
                                 (or_(incomplete, unsure), exp.null())], exp.true()))
            # largest, smallest: known only with every element possibly selected certainly selected, its value known
            assert node.body is not None
            field = node.body
            unsure_where = exp.GT(this=self.elements_where(source, lambda: and_(
                present.copy(), is_null(truth(self.expr(node.where))) if node.where is not None else exp.false())),
                expression=num(0))
            unknown_value = exp.GT(this=self.elements_where(source, lambda: and_(where(True)(), is_null(self.expr(field).v))),
                                   expression=num(0))
            chosen = exp.EQ(this=self.elements_where(source, where(True)), expression=num(0))
            extreme = self.gather(source, where(True), lambda: self.expr(field).v, "max" if node.op == "largest" else "min")
            blocked = or_(is_null(source), incomplete, unsure_where, unknown_value)
            return Val(case([(blocked, exp.null()), (chosen, exp.null())], extreme), and_(negate(blocked.copy()),
                                                                                          chosen.copy()))
        finally:
            self._current = saved

    def list_bounds(self, node: ir.ListOp) -> tuple[exp.Expr, exp.Expr, exp.Expr]:
        """(the list is missing, low bound, high bound): a bound is NULL where it is infinite."""
        source = self.expr(node.source).v
        saved, self._current = self._current, node.source.name
        try:
            present = negate(self.absent(source))

            def where(certain: bool) -> exp.Expr:
                if node.where is None:
                    return present.copy()
                f = truth(self.expr(node.where))
                return and_(present.copy(), f if certain else exp.func("COALESCE", f, exp.true()))

            incomplete = exp.GT(this=self.elements_where(source, lambda: self.absent(source)), expression=num(0))
            info = next((f for f in self.program.inputs[node.source.name].fields
                         if isinstance(node.body, ir.Field) and f.name == node.body.name), None)
            if node.op == "count":
                low = self.elements_where(source, lambda: where(True))
                high = case([(incomplete, exp.null())], self.elements_where(source, lambda: where(False)))
            elif node.op == "distinct":
                assert node.body is not None
                body = node.body

                def has(certain: bool) -> Callable[[], exp.Expr]:
                    return lambda: and_(where(certain), negate(is_null(self.expr(body).v)))
                low = self.gather(source, has(True), lambda: self.expr(body).v, "distinct")
                unsure_one = exp.GT(this=self.elements_where(source, lambda: and_(where(True), is_null(
                    self.expr(body).v))), expression=num(0))  # no known value, but one certainly in: at least one
                low = exp.func("GREATEST", low, case([(unsure_one, num(1))], num(0)))
                unknown_values = self.elements_where(source, lambda: and_(where(False), is_null(self.expr(body).v)))
                high = exp.Add(this=self.gather(source, has(False), lambda: self.expr(body).v, "distinct"),
                               expression=unknown_values)
                values = lists.field_values(info)
                if values is not None:
                    high = exp.func("LEAST", high, num(values))
                high = case([(incomplete, num(values) if values is not None else exp.null())], high)
            else:  # sum, with unknown fields within their declared range
                assert node.body is not None
                body = node.body
                floor, ceiling = lists.field_range(info)
                parts = []
                for bound, edge, pick in ((floor, -math.inf, "LEAST"), (ceiling, math.inf, "GREATEST")):
                    def contribution(bound: float = bound, pick: str = pick) -> exp.Expr:
                        value = self.expr(body).v
                        filled = exp.func("COALESCE", value, lit(float(bound))) if math.isfinite(bound) else \
                            exp.func("COALESCE", value, lit(0.0))
                        certain = truth(self.expr(node.where)) if node.where is not None else exp.true()
                        return case([(exp.func("COALESCE", certain, exp.false()), filled)],
                                    exp.func(pick, filled.copy(), lit(0.0)))
                    total = self.gather(source, lambda: where(False), contribution, "sum")
                    endless = [incomplete] if (bound < 0 if edge < 0 else bound > 0) else []
                    if not math.isfinite(bound):
                        endless.append(exp.GT(this=self.elements_where(source, lambda: and_(where(False), is_null(
                            self.expr(body).v))), expression=num(0)))
                    parts.append(case([(or_(*endless), exp.null())], total) if endless else total)
                low, high = parts
            return is_null(source), low, high
        finally:
            self._current = saved

    def list_compare(self, op: str, node: ir.ListOp, other: Val, flipped: bool) -> exp.Expr:
        """`aggregate OP other` from the aggregate's bounds, as `eligo.ir.lists.compare_bounds`."""
        missing, low, high = self.list_bounds(node)
        other = self.share(other)  # type: ignore[attr-defined]
        if flipped:
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        v = other.v
        cmp = {"<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}

        def sure(bound: exp.Expr, kind: type[exp.Binary]) -> exp.Expr:
            return and_(negate(is_null(bound.copy())), kind(this=bound.copy(), expression=v.copy()))
        match op:
            case "<" | "<=" | ">" | ">=":
                upper = op in ("<", "<=")
                strict = cmp[op]
                opposite = {"<": exp.GTE, "<=": exp.GT, ">": exp.LTE, ">=": exp.LT}[op]
                yes = sure(high if upper else low, strict)
                no = sure(low if upper else high, opposite)
            case "=":
                yes = and_(sure(low, exp.EQ), sure(high, exp.EQ))
                no = or_(sure(low, exp.GT), sure(high, exp.LT))
            case _:
                no = and_(sure(low, exp.EQ), sure(high, exp.EQ))
                yes = or_(sure(low, exp.GT), sure(high, exp.LT))
        na = other.na if other.na is not None else exp.false()
        return case([(or_(missing, unknown(other)), exp.null()), (na, exp.false()), (yes, exp.true()),
                     (no, exp.false())], exp.null())


def _lambda(body: exp.Expr, name: str) -> exp.Lambda:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(name, quoted=True)])
