"""Decision tables in lowering: key and result types, row checks (types, bands, duplicates, overlaps, gaps), and
their IR rows. A table is keyed by inputs, kinds, definitions or decisions; a numeric key's rows are bands."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from eligo import ir
from eligo.dsl import ast, unparse
from eligo.dsl.diagnostics import did_you_mean
from eligo.ir import tables, units
from eligo.ir import types as t
from eligo.ir.types import Type
from eligo.ir.values import literal_value
from eligo.semantic import bands
from eligo.semantic.module import LoweredModule, type_of_spec

Ranges = list[bands.Range]


class TableLowering:
    """The table half of `Lowerer` (which provides `module`, `out`, `error` and `origin`)."""

    module: ast.Module
    out: LoweredModule

    error: Callable[..., None]
    origin: Callable[[ast.Span], ir.Origin]
    expr: Callable[..., tuple[ir.Node, Type]]
    require_compatible: Callable[..., None]

    def lower_table(self, table: ast.Table) -> None:
        """Types and rows of one table (after the definitions it is keyed by)."""
        key_types: list[Type] = []
        ranges: Ranges = []
        for key in table.by:
            typ, key_range = self.table_key_type(key, table)
            key_types.append(typ)
            ranges.append(key_range)
        result, _ = type_of_spec(table.result, self.out.kinds)
        if result is None:
            self.error("E129", f"there is no kind called `{table.result.kind}`", table.result.span)
            result = t.ERROR
        self.out.table_types[table.name] = (tuple(key_types), result)
        self.check_table_rows(table, key_types, result, ranges)

    def table_key_type(self, key: str, table: ast.Table) -> tuple[Type, bands.Range]:
        """A key's type, and for a numeric key the range of its values."""
        alias, _, local = key.rpartition(".")
        owner = self.out.uses.get(alias) if alias else self.out
        node = owner.nodes.get(local) if owner is not None else None
        unbounded: bands.Range = (None, None, False)
        if key in self.out.visible_inputs:
            info = self.out.visible_inputs[key]
            typ, key_range = info.type, bands.input_range(info)
        elif key in self.out.kinds:
            typ, key_range = self.out.kinds[key], unbounded
        elif isinstance(node, ir.Definition):
            typ, key_range = node.type, bands.node_range(node.expr, self.out.visible_inputs, self.definitions())
            typ = t.COUNT if typ.kind == "number" and key_range[2] else typ
        elif isinstance(node, ir.Decision):
            typ, key_range = t.enum(node.key, node.outcomes), unbounded
        else:
            self.error("E100", f"table `{table.name}` is keyed by `{key}`, which is neither an input, a kind, a "
                       "definition nor a decision", table.span,
                       did_you_mean(key, [*self.out.visible_inputs, *self.out.kinds, *self.out.nodes]))
            return t.ERROR, unbounded
        if typ.kind not in ("enum", "bool", "error") and not tables.banded(typ):
            self.error("E106", f"table `{table.name}` is keyed by `{key}`, which is {typ.describe()}", table.span,
                       "tables are keyed by kinds, yes/no, or numbers in bands; for a date, key the table by the "
                       "time from it (`define interval: months between A and B`)")
        return typ, key_range

    def definitions(self) -> dict[str, ir.Definition]:
        found = [*self.out.nodes.values(), *(n for u in self.out.uses.values() for n in u.nodes.values())]
        return {n.key: n for n in found if isinstance(n, ir.Definition)}

    def check_table_rows(self, table: ast.Table, key_types: list[Type], result: Type, ranges: Ranges) -> None:
        seen: dict[tuple[ast.RowKey, ...], ast.Row] = {}
        otherwise = False
        keyed: list[ast.Row] = []
        for row in table.rows:
            if row.is_otherwise:
                if otherwise:
                    self.error("E110", f"table `{table.name}` has two `otherwise` rows", row.span)
                otherwise = True
            elif len(row.keys) != len(key_types):
                self.error("E111", f"this row has {len(row.keys)} key(s) but table `{table.name}` is keyed by "
                           f"{len(key_types)} ({', '.join(table.by)})", row.span)
            else:
                if all([self.check_row_key(value, key_type, row, table) for value, key_type
                        in zip(row.keys, key_types, strict=True)]):
                    keyed.append(row)
                if row.keys in seen:
                    self.error("E110", f"table `{table.name}` has two rows for {', '.join(map(_key_text, row.keys))}",
                               row.span, f"the first is on line {seen[row.keys].span.line}")
                else:
                    self.check_overlap(table, row, keyed[:-1] if keyed and keyed[-1] is row else keyed)
                seen.setdefault(row.keys, row)
            self.check_row_value(row, result, table)
        valid = all(k.kind in ("enum", "bool") or tables.banded(k) for k in key_types)
        if not otherwise and valid and len(keyed) == len([r for r in table.rows if not r.is_otherwise]):
            self.check_gaps(table, keyed, key_types, ranges)

    def check_gaps(self, table: ast.Table, rows: list[ast.Row], key_types: list[Type], ranges: Ranges) -> None:
        keys = [tuple(bands.band_of(k, t.ratio) if isinstance(k, ast.Band) else k for k, t in zip(row.keys, key_types,
                                                                                                   strict=True))
                for row in rows]
        key_domains = tables.domains(key_types, keys, [(low, high) for low, high, _ in ranges])
        if tables.size(key_domains) > 10_000:
            return
        missing = [combo for combo, first in tables.first_matches(keys, key_domains) if first is None]
        if not missing:
            return
        scale = [100.0 if k.ratio else 1.0 for k in key_types]  # a ratio's stretches are spoken of in percent
        cuts = [tuple(c * scale[i] for c in tables.column_cuts(keys, i)) if tables.banded(k) else ()
                for i, k in enumerate(key_types)]
        unit = ["%" if k.ratio else _unit(k) for k in key_types]

        def text(combo: tuple[object, ...]) -> str:
            return " × ".join(bands.stretch(cuts[i], float(v) * scale[i], unit[i], ranges[i])  # type: ignore[arg-type]
                              if tables.banded(key_types[i])
                              else _key_text(v) for i, v in enumerate(combo))  # type: ignore[arg-type]

        shown = ", ".join(text(combo) for combo in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        hint = "add rows for them, or an `otherwise` row (`otherwise none` if nothing applies)"
        if any(tables.banded(k) for k in key_types):
            hint += "; `A to under B` ends a band just below the next one's start"
        self.error("E109", f"table `{table.name}` has no row for {shown}{more}", table.span, hint)

    def check_row_key(self, value: ast.RowKey, key_type: Type, row: ast.Row, table: ast.Table) -> bool:
        """Whether the key fits its column (reporting why not)."""
        if key_type.kind == "error":
            return False
        if value is None:
            return True
        if tables.banded(key_type):
            return self.check_band(value, key_type, row, table)
        if isinstance(value, ast.Band):
            self.error("E140", f"`{unparse.band(value)}` is a band of numbers, but table `{table.name}` is keyed here "
                       f"by {key_type.describe()}", value.span, "bands are for keys that are numbers, counts, "
                       "percentages, durations or quantities")
            return False
        if key_type.kind == "bool":
            if not isinstance(value, bool):
                self.error("E101", f"`{value}` is not yes or no", row.span)
                return False
        elif isinstance(value, bool) or value not in key_type.values:
            shown = "yes" if value is True else "no" if value is False else value
            self.error("E101", f"`{shown}` is not {key_type.describe()}", row.span,
                       did_you_mean(str(shown), key_type.values) or f"its values are: {', '.join(key_type.values)}")
            return False
        return True

    def check_band(self, value: ast.RowKey, key_type: Type, row: ast.Row, table: ast.Table) -> bool:
        if not isinstance(value, ast.Band):
            shown = "yes" if value is True else "no" if value is False else value
            self.error("E140", f"table `{table.name}` is keyed here by {key_type.describe()}: `{shown}` is not a band",
                       row.span, "write a band: `0 to 2`, `under 12 months`, `12 months to under 36 months`, "
                       "`over 12 months to 24 months`, `3 months or less`, `36 months or more`, `over 50%`, or one "
                       "value")
            return False
        fits = True
        for bound in (value.low, value.high):
            if bound is None:
                continue
            _, typ = self.expr(bound, key_type)
            if typ.kind == "error":
                fits = False
            elif key_type.percent_and_ratio(typ):
                pass  # a ratio's band in percent: the bound as a fraction (eligo.semantic.bands.band_of)
            elif not key_type.compatible(typ) or (key_type.kind == "number" and typ.kind != "number"):
                self.error("E140", f"the band `{unparse.band(value)}` of table `{table.name}` is keyed by "
                           f"{key_type.describe()}, but `{unparse.literal(bound)}` is {typ.describe()}", bound.span,
                           _bound_hint(key_type, bound))
                fits = False
        band = bands.band_of(value, key_type.ratio) if fits else None
        if band is not None and band.low is not None and band.high is not None and band.low > band.high:
            self.error("E140", f"the band `{unparse.band(value)}` runs from {unparse.literal(value.low)} down to "  # type: ignore[arg-type]
                       f"{unparse.literal(value.high)}", value.span, "write the lower bound first")  # type: ignore[arg-type]
            fits = False
        return fits

    def check_overlap(self, table: ast.Table, row: ast.Row, earlier: list[ast.Row]) -> None:
        """Two rows whose bands share values, their other keys alike, are a mistake (`0 to 2` and `2 to 5`)."""
        if not any(isinstance(k, ast.Band) for k in row.keys):
            return
        for other in earlier:
            pairs = list(zip(other.keys, row.keys, strict=True))
            if all(isinstance(a, ast.Band) and isinstance(b, ast.Band) and bands.band_of(a).meets(bands.band_of(b))
                   if isinstance(a, ast.Band) or isinstance(b, ast.Band) else a == b for a, b in pairs):
                shared = next((a, b) for a, b in pairs if isinstance(a, ast.Band))
                self.error("E141", f"the bands `{unparse.band(shared[0])}` (line {other.span.line}) and "
                           f"`{unparse.band(shared[1])}` of table `{table.name}` overlap", row.span,  # type: ignore[arg-type]
                           "a value must fall in one band: end the first with `to under` where the next begins")
                return

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



    def check_open(self, decision: ast.Decision, span: ast.Span) -> None:
        """An open question (`then open`) belongs to a first-match decision and says why it is left open."""
        clause = next((r for r in (*decision.rules, decision.default) if r is not None and r.span == span), None)
        if decision.policy != "first":
            self.error("E143", f"decision `{decision.name}` is `{decision.policy}`: an open question needs the first "
                       "match policy", span, "with `first match`, the rules before it settle the cases they cover")
        if clause is not None and not clause.notes.because:
            self.error("E142", f"this open question of decision `{decision.name}` gives no reason", span,
                       'say why the guideline leaves it open: `then open because "…"`')


def owner_rows(owner: LoweredModule, table: ast.Table) -> tuple[tuple[ir.TableRow, ...], ir.Const | None]:
    """The table's rows as IR constants, and its `otherwise` value."""
    key_types, result = owner.table_types[table.name]
    rows: list[ir.TableRow] = []
    default: ir.Const | None = None
    for row in table.rows:
        value = _const(row.value, result)
        if row.is_otherwise:
            default = value
        else:
            keys = tuple(bands.band_of(k, t.ratio) if isinstance(k, ast.Band) else k
                         for k, t in zip(row.keys, key_types, strict=False))
            rows.append(ir.TableRow(keys, value, row.notes.because, row.notes.cites, row.span))
    return tuple(rows), default


def _const(value: ast.Literal | ast.Ref, result: Type) -> ir.Const:
    converted = literal_value(value)
    return ir.Const(converted, t.NONE if converted is ir.NA else result)


def _key_text(key: ast.RowKey) -> str:
    return unparse.row_key(key)


def _unit(key_type: Type) -> str:
    return units.CANONICAL.get(key_type.dimension or "", "") if key_type.kind == "quantity" else ""


def _bound_hint(key_type: Type, bound: ast.Bound) -> str:
    unit = _unit(key_type)
    if isinstance(bound, ast.Number) and unit:
        return f"give the bound its unit: `{unparse.literal(bound)}{'' if unit == '%' else ' '}{unit}`"
    return f"the bounds of this table's bands are {key_type.describe()}"


def duplicates(values: Iterable[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return [(v, n) for v, n in counts.items() if n > 1]
