"""Decision tables in lowering: key and result types, row checks (types, duplicates, gaps), and their IR rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from eligo import ir
from eligo.dsl import ast
from eligo.dsl.diagnostics import did_you_mean
from eligo.ir import tables
from eligo.ir import types as t
from eligo.ir.types import Type
from eligo.ir.values import literal_value
from eligo.semantic.module import LoweredModule, type_of_spec


class TableLowering:
    """The table half of `Lowerer` (which provides `module`, `out`, `error` and `origin`)."""

    module: ast.Module
    out: LoweredModule

    error: Callable[..., None]
    origin: Callable[[ast.Span], ir.Origin]
    expr: Callable[..., tuple[ir.Node, Type]]
    require_compatible: Callable[..., None]

    def lower_tables(self) -> None:
        for table in self.module.tables:
            key_types: list[Type] = []
            for key in table.by:
                key_types.append(self.table_key_type(key, table))
            result, _ = type_of_spec(table.result, self.out.kinds)
            if result is None:
                self.error("E129", f"there is no kind called `{table.result.kind}`", table.result.span)
                result = t.ERROR
            self.out.table_types[table.name] = (tuple(key_types), result)
            self.check_table_rows(table, key_types, result)

    def table_key_type(self, key: str, table: ast.Table) -> Type:
        if key in self.out.visible_inputs:
            typ = self.out.visible_inputs[key].type
        elif key in self.out.kinds:
            typ = self.out.kinds[key]
        else:
            self.error("E100", f"table `{table.name}` is keyed by `{key}`, which is neither an input nor a kind",
                       table.span, did_you_mean(key, [*self.out.visible_inputs, *self.out.kinds]))
            return t.ERROR
        if typ.kind not in ("enum", "bool", "error"):
            self.error("E106", f"table `{table.name}` is keyed by `{key}`, which is {typ.describe()}", table.span,
                       "tables are keyed by kinds (enumerations) or yes/no; use a definition for numeric thresholds")
        return typ

    def check_table_rows(self, table: ast.Table, key_types: list[Type], result: Type) -> None:
        seen: dict[tuple[ast.RowKey, ...], ast.Row] = {}
        otherwise = False
        for row in table.rows:
            if row.is_otherwise:
                if otherwise:
                    self.error("E110", f"table `{table.name}` has two `otherwise` rows", row.span)
                otherwise = True
            elif len(row.keys) != len(key_types):
                self.error("E111", f"this row has {len(row.keys)} key(s) but table `{table.name}` is keyed by "
                           f"{len(key_types)} ({', '.join(table.by)})", row.span)
            else:
                for value, key_type in zip(row.keys, key_types, strict=True):
                    self.check_row_key(value, key_type, row)
                if row.keys in seen:
                    self.error("E110", f"table `{table.name}` has two rows for {', '.join(map(_key_text, row.keys))}",
                               row.span, f"the first is on line {seen[row.keys].span.line}")
                seen.setdefault(row.keys, row)
            self.check_row_value(row, result, table)
        if not otherwise and all(k.kind in ("enum", "bool") for k in key_types):
            missing = _uncovered(list(seen), key_types)
            if missing:
                shown = ", ".join(" × ".join(map(_key_text, combo)) for combo in missing[:5])
                more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
                self.error("E109", f"table `{table.name}` has no row for {shown}{more}", table.span,
                           "add rows for them, or an `otherwise` row (`otherwise none` if nothing applies)")

    def check_row_key(self, value: ast.RowKey, key_type: Type, row: ast.Row) -> None:
        if value is None or key_type.kind == "error":
            return
        if key_type.kind == "bool":
            if not isinstance(value, bool):
                self.error("E101", f"`{value}` is not yes or no", row.span)
        elif isinstance(value, bool) or value not in key_type.values:
            shown = "yes" if value is True else "no" if value is False else value
            self.error("E101", f"`{shown}` is not {key_type.describe()}", row.span,
                       did_you_mean(str(shown), key_type.values) or f"its values are: {', '.join(key_type.values)}")

    def check_row_value(self, row: ast.Row, result: Type, table: ast.Table) -> None:
        if result.kind == "error":
            return
        _, typ = self.expr(row.value, result)
        if not result.compatible(typ):
            if isinstance(row.value, ast.Number) and result.kind == "quantity":
                self.require_compatible(result, typ, row.value, row.value.span)
            else:
                self.error("E112", f"table `{table.name}` holds {result.describe()}, but this row gives {typ.describe()}",
                           row.value.span)



def owner_rows(owner: LoweredModule, table: ast.Table) -> tuple[tuple[ir.TableRow, ...], ir.Const | None]:
    """The table's rows as IR constants, and its `otherwise` value."""
    _, result = owner.table_types[table.name]
    rows: list[ir.TableRow] = []
    default: ir.Const | None = None
    for row in table.rows:
        value = _const(row.value, result)
        if row.is_otherwise:
            default = value
        else:
            rows.append(ir.TableRow(row.keys, value, row.notes.because, row.notes.cites, row.span))
    return tuple(rows), default


def _const(value: ast.Literal | ast.Ref, result: Type) -> ir.Const:
    converted = literal_value(value)
    return ir.Const(converted, t.NONE if converted is ir.NA else result)


def _key_text(key: ast.RowKey) -> str:
    return "any" if key is None else "yes" if key is True else "no" if key is False else key


def _uncovered(rows: list[tuple[ast.RowKey, ...]], key_types: list[Type]) -> list[tuple[ast.RowKey, ...]]:
    key_domains = tables.domains(key_types)
    if tables.size(key_domains) > 10_000:
        return []
    return [combo for combo, first in tables.first_matches(rows, key_domains) if first is None]


def duplicates(values: Iterable[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return [(v, n) for v, n in counts.items() if n > 1]
