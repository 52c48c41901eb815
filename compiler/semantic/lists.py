"""Lists of records in lowering: `record` declarations, `list of R` inputs, and the list operations
(`count`, `any`, `all`, `largest`, `smallest`, `sum`, `distinct`) checked, typed and lowered to `ir.ListOp`.

Inside a list operation's `where` and `have`, a bare name is first a field of the element (`organ = liver`).
"""

from __future__ import annotations

from collections.abc import Callable

from eligo import ir
from eligo.dsl import ast
from eligo.dsl.diagnostics import did_you_mean
from eligo.ir import types as t
from eligo.ir import units
from eligo.ir.types import Type
from eligo.semantic.module import LoweredModule, spec_text, type_of_spec

_NUMERIC_OPS = ("largest", "smallest", "sum")


class ListLowering:
    """The list half of `Lowerer` (which provides `module`, `out`, `error`, `origin`, `expr` and `condition`)."""

    module: ast.Module
    out: LoweredModule

    error: Callable[..., None]
    origin: Callable[[ast.Span], ir.Origin]
    expr: Callable[..., tuple[ir.Node, Type]]
    condition: Callable[[ast.Expr, str], ir.Node]
    element: dict[str, ir.InputInfo] | None = None  # the fields of the element being looked at

    def declare_records(self) -> None:
        for alias, used in self.out.uses.items():
            for name, declared_fields in used.records.items():
                self.out.records.setdefault(f"{alias}.{name}", declared_fields)
                self.out.records.setdefault(name, declared_fields)
        declared: set[str] = {k.name for k in self.module.kinds}
        for record in self.module.records:
            if record.name in declared:
                self.error("E102", f"`{record.name}` is declared twice", record.span, "rename one of them")
                continue
            declared.add(record.name)
            fields: list[ir.InputInfo] = []
            for f in record.fields:
                if any(f.name == other.name for other in fields):
                    self.error("E102", f"record `{record.name}` has two fields called `{f.name}`", f.span)
                    continue
                fields.append(self.field_info(record, f))
            self.out.records[record.name] = tuple(fields)

    def field_info(self, record: ast.Record, f: ast.RecordField) -> ir.InputInfo:
        typ, unit = type_of_spec(f.type, self.out.kinds) if f.type.base != "list" else (t.ERROR, None)
        if typ is None:
            if f.type.base == "quantity":
                self.error("E104", f"unknown unit `{f.type.unit}`", f.type.span,
                           did_you_mean(f.type.unit or "", units.canonical_names()))
            else:
                self.error("E129", f"there is no kind called `{f.type.kind}`", f.type.span,
                           did_you_mean(f.type.kind or "", self.out.kinds) or "declare it with `kind NAME: a | b | c`")
            typ = t.ERROR
        if f.low is not None and f.high is not None and f.low > f.high:
            self.error("E127", f"the range of `{record.name}.{f.name}` runs from {f.low} down to {f.high}", f.span,
                       f"write `from {f.high} to {f.low}`")
        return ir.InputInfo(f.name, typ, unit, f.low, f.high, f.optional, f.description, self.out.key, f.span,
                            spec_text(f.type))

    def list_type(self, spec: ast.TypeSpec) -> tuple[Type, None]:
        """The type of a `list of R` input (a list has no unit of its own)."""
        fields = self.out.records.get(spec.kind or "")
        if fields is None:
            self.error("E192", f"there is no record called `{spec.kind}`", spec.span,
                       did_you_mean(spec.kind or "", self.out.records) or
                       "declare it with `record NAME:` and one indented line per field")
            return t.ERROR, None
        key = self.out.global_key(spec.kind or "") if "." not in (spec.kind or "") else spec.kind or ""
        return t.list_of(key, tuple((f.name, f.type) for f in fields)), None

    def record_fields(self, spec: ast.TypeSpec) -> tuple[ir.InputInfo, ...]:
        """The fields of a `list of R` input's record (none for other types)."""
        return self.out.records.get(spec.kind or "", ()) if spec.base == "list" else ()

    def name_ref(self, e: ast.Ref, expected: Type | None) -> tuple[ir.Node, Type]:
        """A name: a field of the element first (inside a list operation), else as `ref` resolves it; a list input
        is read only through a list operation (E195)."""
        found = self.field_ref(e) or self.ref(e, expected)
        if found[1].kind == "list":
            self.error("E195", f"`{e.name}` is a list of records: it is read through a list operation", e.span,
                       f"write `count({e.name})`, `any({e.name} where …)`, `all({e.name} have …)` or "
                       f"`largest(FIELD of {e.name})`")
            return ir.Const(None, t.ERROR, origin=found[0].origin), t.ERROR
        return found

    ref: Callable[..., tuple[ir.Node, Type]]

    def field_ref(self, e: ast.Ref) -> tuple[ir.Node, Type] | None:
        """A bare name inside a list operation that names a field of the element, lowered; else None."""
        if self.element is None or e.name not in self.element:
            return None
        info = self.element[e.name]
        return ir.Field(e.name, info.type, origin=self.origin(e.span)), info.type

    def list_op(self, e: ast.ListOp) -> tuple[ir.Node, Type]:
        origin = self.origin(e.span)
        info = self.out.visible_inputs.get(e.source)
        if info is not None:
            self.out.referenced.add(e.source)
        if info is not None and info.type.kind == "error":  # its declaration is reported
            return ir.Const(None, t.ERROR, origin=origin), t.ERROR
        if info is None or info.type.kind != "list":
            what = "is not declared" if info is None else f"is {info.type.describe()}, not a list"
            lists = [n for n, i in self.out.visible_inputs.items() if i.type.kind == "list"]
            self.error("E192", f"`{e.op}` is taken over a list input, but `{e.source}` {what}", e.span,
                       did_you_mean(e.source, lists) or "declare one with `input NAME: list of RECORD`")
            return ir.Const(None, t.ERROR, origin=origin), t.ERROR
        if self.element is not None:
            self.error("E193", f"`{e.op}` inside another list operation", e.span,
                       "define the inner one on its own, or combine the conditions in one `where`")
            return ir.Const(None, t.ERROR, origin=origin), t.ERROR
        self.out.referenced.add(e.source)
        source = ir.InputRef(e.source, info.type, origin=ir.Origin(e.span, e.source))
        fields = {f.name: f for f in info.fields}
        self.element = fields
        try:
            where = self.condition(e.where, "`where`") if e.where is not None else None
            body: ir.Node | None = None
            if e.have is not None:
                body = self.condition(e.have, "`have`")
            elif e.field is not None:
                if e.field not in fields:
                    self.error("E194", f"a `{info.type.describe()[len('a list of '):]}` has no field `{e.field}`", e.span,
                               did_you_mean(e.field, fields) or f"its fields are: {', '.join(fields)}")
                    return ir.Const(None, t.ERROR, origin=origin), t.ERROR
                body = ir.Field(e.field, fields[e.field].type, origin=ir.Origin(e.span, e.field))
        finally:
            self.element = None
        typ = self.result_type(e, body)
        return ir.ListOp(e.op, source, where, body, typ, origin=origin), typ

    def result_type(self, e: ast.ListOp, body: ir.Node | None) -> Type:
        if e.op in ("count", "distinct"):
            return t.COUNT
        if e.op in ("any", "all"):
            return t.BOOL
        field_type = body.type if body is not None else t.ERROR
        allowed = ("number", "quantity", "error") if e.op == "sum" else ("number", "quantity", "date", "error")
        if field_type.kind not in allowed:
            self.error("E194", f"`{e.op}` of `{e.field}`, which is {field_type.describe()}", e.span,
                       "`sum` adds numbers and quantities; `largest` and `smallest` also take dates; "
                       f"count its values with `distinct({e.field} of {e.source})`")
            return t.ERROR
        if e.op == "sum" and field_type.kind == "number":
            return t.COUNT if field_type.integer else t.NUMBER
        return field_type
