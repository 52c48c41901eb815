"""The exact step in a query: a decision's output columns read, where its three-valued SQL is unknown, from a
function registered on the engine (eligo.sql.exact) that returns value, status, rule, possible and missing."""

from __future__ import annotations

from typing import Protocol

from sqlglot import exp

from eligo import ir
from eligo.sql.expr import Val, case, lit


class Layered(Protocol):
    """Where the query compiler keeps its named columns, layer by layer."""

    def add(self, name: str, expression: exp.Expr) -> exp.Column: ...


class Query(Protocol):
    """What the exact step needs of the query compiler (eligo.sql.query.Compiler)."""

    @property
    def program(self) -> ir.Program: ...
    @property
    def layers(self) -> Layered: ...

    def fresh(self, hint: str) -> str: ...
    def input(self, name: str) -> Val: ...
    def answer_type(self, node: ir.Decision, suffix: str) -> exp.DataType | None: ...


def refined(compiler: Query, node: ir.Decision, columns: list[tuple[exp.Column, str]],
            function: str) -> list[tuple[exp.Column, str]]:
    """A decision's output columns, each read from `function`(status, inputs…) where the SQL leaves it unknown: a
    struct of value, status, rule, possible and missing (eligo.sql.exact registers the function)."""
    by_suffix = {alias[len(node.name):]: column for column, alias in columns}
    status = by_suffix["_status"]
    arguments = [status, *(exp.cast(compiler.input(name).v, exact_type(info))
                           for name, info in compiler.program.inputs.items())]
    answer = compiler.layers.add(compiler.fresh(f"{node.name}_exact"),
                                 case([(exp.EQ(this=status.copy(), expression=lit("unknown")),
                                        exp.Anonymous(this=function, expressions=arguments))]))
    unknown = exp.EQ(this=status.copy(), expression=lit("unknown"))
    out = []
    for column, alias in columns:
        suffix = alias[len(node.name):]
        field = EXACT_FIELDS.get(suffix)
        value: exp.Expr | None = exp.Dot(this=answer.copy(), expression=exp.to_identifier(field, quoted=True)) \
            if field else None
        kind = compiler.answer_type(node, suffix)
        if value is not None and kind is not None:  # the function's texts, typed as the query's own answers
            value = exp.cast(value, kind)
        wrapped = case([(unknown.copy(), value)], column) if value is not None else column
        out.append((compiler.layers.add(compiler.fresh(f"{alias}_exact"), wrapped), alias))
    return out


EXACT_FIELDS = {"": "value", "_status": "status", "_rule": "rule", "_possible": "possible", "_missing": "missing"}


def exact_type(info: ir.InputInfo) -> exp.DataType:
    """The SQL type an input's canonical value is passed to the exact step in."""
    kind = info.type.kind
    if kind == "list":  # as the cohort holds it: an array of structs, fields in their declared units
        fields = ", ".join(f"{f.name} {exact_type(f).sql()}" for f in info.fields)
        return exp.DataType.build(f"ARRAY<STRUCT<{fields}>>")
    if kind == "bool":
        return exp.DataType.build("BOOLEAN")
    if kind == "date":
        return exp.DataType.build("DATE")
    if kind == "enum":
        return exp.DataType.build("VARCHAR")
    return exp.DataType.build("DOUBLE")
