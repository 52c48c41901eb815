"""Canonical Eligo layout: an AST printed back as source, every comment kept, idempotent.

A statement is printed as *pieces* that may be separated by a line break (Eligo continues a line
that ends in `,`, `|`, `and` or `or`), then filled greedily up to WIDTH. Comments are bound to the
piece, annotation or line they sit beside, so formatting formatted text changes nothing.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import assert_never

from dsl import ast
from dsl.diagnostics import render_all
from dsl.parser import parse, parse_with_diagnostics

WIDTH = 100
STEP = "  "
_GAP = "   "  # between table columns
_HIT = {"first": ", first match", "unique": ", unique", "collect": ", collect"}

# ---------------------------------------------------------------- literals


def text(value: str) -> str:
    """A quoted string literal that the lexer reads back as `value`."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def number(value: int | float) -> str:
    """Digits that re-parse to the same value and type: `12`, `0.5`, `100000000000000000000.0`."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"{value} cannot be written in Eligo")
    digits = format(Decimal(repr(value)), "f")
    return digits if "." in digits else digits + ".0"


def literal(value: ast.Literal | ast.Ref | ast.Missing) -> str:
    match value:
        case ast.Number(value=v):
            return number(v)
        case ast.Quantity(value=v, unit=unit):
            return number(v) + (unit if unit == "%" else " " + unit)
        case ast.DateLit(value=day):
            return day.isoformat()
        case ast.Bool(value=flag):
            return "yes" if flag else "no"
        case ast.NoneLit():
            return "none"
        case ast.Text(value=s):
            return text(s)
        case ast.Ref(name=name):
            return name
        case ast.Missing():
            return "missing"
        case _:
            assert_never(value)


def type_spec(spec: ast.TypeSpec) -> str:
    if spec.base == "kind":
        return spec.kind or ""
    if spec.base in ("duration", "quantity") and spec.unit:
        return f"{spec.base} in {spec.unit}"
    return spec.base


# ---------------------------------------------------------------- expressions as pieces


@dataclass(frozen=True, slots=True)
class Piece:
    """Text that may end a line. `at` is the source (line, column) it starts at, (0, 0) if unknown;
    `depth` is how deeply nested the line break after it is (0 = between the outermost operands)."""

    text: str
    at: tuple[int, int] = (0, 0)
    depth: int = 0


def _at(node: ast.Node) -> tuple[int, int]:
    return (node.span.line, node.span.column)


def _wrap(pieces: list[Piece], before: str, after: str, at: tuple[int, int] | None = None) -> list[Piece]:
    first, last = pieces[0], pieces[-1]
    if len(pieces) == 1:
        return [Piece(before + first.text + after, at or first.at, first.depth)]
    return [Piece(before + first.text, at or first.at, first.depth), *pieces[1:-1],
            Piece(last.text + after, last.at, last.depth)]


def _glue(left: list[Piece], middle: str, right: list[Piece]) -> list[Piece]:
    """`left middle right` with no line break allowed at `middle`."""
    return [*left[:-1], Piece(left[-1].text + middle + right[0].text, left[-1].at, right[0].depth), *right[1:]]


def _join(parts: Iterable[list[Piece]], separator: str) -> list[Piece]:
    """Parts with a line break allowed after each `separator` (`,`, ` and`, ` or`, ` |`)."""
    out: list[Piece] = []
    for part in parts:
        if out:
            out[-1] = Piece(out[-1].text + separator, out[-1].at, 0)
        out.extend(Piece(p.text, p.at, p.depth + 1) for p in part)
    return out


def precedence(expr: ast.Expr) -> int:
    """How tightly `expr` binds: 0 for `if`, up to 8 for atoms."""
    match expr:
        case ast.IfThen():
            return 0
        case ast.BoolOp(op="or"):
            return 1
        case ast.BoolOp():
            return 2
        case ast.Not():
            return 3
        case ast.Compare() | ast.Test() | ast.InSet() | ast.Between():
            return 4
        case ast.Arith(op="+" | "-"):
            return 5
        case ast.Arith():
            return 6
        case ast.Neg():
            return 7
        case _:
            return 8


def _open_right(expr: ast.Expr) -> bool:
    """Whether `expr` ends in `days between a and b`, whose `b` would swallow a following `+ c`."""
    match expr:
        case ast.Elapsed():
            return True
        case ast.Neg(operand=operand):
            return precedence(operand) >= 7 and _open_right(operand)
        case ast.Arith(op=op, right=right):
            return precedence(right) >= (6 if op in "+-" else 7) and _open_right(right)
        case _:
            return False


def expr_pieces(expr: ast.Expr, floor: int = 0) -> list[Piece]:
    """`expr` as pieces, in parentheses if it binds less tightly than `floor`."""
    pieces = _bare(expr)
    return _wrap(pieces, "(", ")", _at(expr)) if precedence(expr) < floor else pieces


def expression(expr: ast.Expr) -> str:
    return " ".join(piece.text for piece in expr_pieces(expr))


def _bare(expr: ast.Expr) -> list[Piece]:
    match expr:
        case ast.Number() | ast.Quantity() | ast.DateLit() | ast.Bool() | ast.NoneLit() | ast.Text() | ast.Ref():
            return [Piece(literal(expr), _at(expr))]
        case ast.Neg(operand=operand):
            return _wrap(expr_pieces(operand, 7), "-", "", _at(expr))
        case ast.Arith(op=op, left=left, right=right):
            floor = 5 if op in "+-" else 6
            lhs = expr_pieces(left, floor)
            if precedence(left) >= floor and _open_right(left):
                lhs = _wrap(lhs, "(", ")")
            return _glue(lhs, f" {op} ", expr_pieces(right, floor + 1))
        case ast.Not(operand=operand):
            return _wrap(expr_pieces(operand, 3), "not ", "", _at(expr))
        case ast.BoolOp(op=op, operands=operands):
            return _join((expr_pieces(x, 2 if op == "or" else 3) for x in operands), f" {op}")
        case ast.Compare(op=op, left=left, right=right):
            return _glue(expr_pieces(left, 5), f" {op} ", expr_pieces(right, 5))
        case ast.Test(operand=operand, test=test):
            return _wrap(expr_pieces(operand, 5), "", f" is {test}")
        case ast.InSet(operand=operand, items=items, negated=negated):
            listed = _wrap(_join((expr_pieces(x, 5) for x in items), ","), "", "}")
            return _glue(expr_pieces(operand, 5), " not in {" if negated else " in {", listed)
        case ast.Between(operand=operand, low=low, high=high):
            return _glue(_glue(expr_pieces(operand, 5), " between ", expr_pieces(low, 5)), " and ",
                         expr_pieces(high, 5))
        case ast.FirstKnown(items=items):
            return _wrap(_join((expr_pieces(x) for x in items), ","), "first known of (", ")", _at(expr))
        case ast.IfThen(condition=condition, then=then, otherwise=otherwise):
            head = _wrap(expr_pieces(condition, 1), "if ", "", _at(expr))
            return _glue(_glue(head, " then ", expr_pieces(then, 1)), " else ", expr_pieces(otherwise))
        case ast.Lookup(table=table, keys=keys):
            return _wrap(_join((expr_pieces(x) for x in keys), ","), f"{table}[", "]", _at(expr))
        case ast.Elapsed(unit=unit, start=start, end=end):
            head = _wrap(expr_pieces(start, 5), f"{unit} between ", "", _at(expr))
            return _glue(head, " and ", expr_pieces(end, 5))
        case _:
            assert_never(expr)


# ---------------------------------------------------------------- statements


@dataclass(slots=True)
class _Unit:
    """One statement of output, the source lines it came from, and the comments bound to it."""

    head: list[Piece]
    indent: str = ""
    hang: str = ""  # indentation of continuation lines
    each: bool = False  # when it does not fit on one line, break at every piece
    notes: list[str] = field(default_factory=list)
    notes_column: int = 0  # pad the head to this column before inline notes (table rows)
    start: int = 0
    head_end: int = 0
    end: int = 0
    blank_before: bool = False
    comments: list[ast.Comment] = field(default_factory=list)


def _notes(notes: ast.Annotations) -> list[str]:
    out = [f"because {text(t)}" for t in notes.because]
    return out + ([f"cite {', '.join(notes.cites)}"] if notes.cites else [])


def _unit(head: list[Piece], node: ast.Node, head_end: int | None = None, **options: object) -> _Unit:
    span = node.span
    unit = _Unit(head, start=span.line, end=span.end_line,
                 head_end=span.end_line if head_end is None else head_end)
    for key, value in options.items():
        setattr(unit, key, value)
    return unit


def _header(module: ast.Module) -> list[_Unit]:
    header = module.header
    lines = [f"guideline {header.name}", f"{STEP}version {header.version}"]
    lines += [f"{STEP}title {text(header.title)}"] if header.title is not None else []
    lines.append(f"{STEP}status {header.status}")
    lines += [f"{STEP}effective {header.effective.isoformat()}"] if header.effective else []
    lines += [f"{STEP}supersedes {header.supersedes}"] if header.supersedes else []
    lines += [f"{STEP}committee {text(header.committee)}"] if header.committee is not None else []
    lines += [f"{STEP}summary {text(header.summary)}"] if header.summary is not None else []
    # The header keeps no span per line: count its source lines, skipping comment lines.
    own = {c.span.line for c in module.comments if c.own_line}
    units, line = [], header.span.line
    for content in lines:
        while line and line in own:
            line += 1
        indent = STEP if content.startswith(STEP) else ""
        units.append(_Unit([Piece(content, (line, 1))], indent, start=line, head_end=line, end=line))
        line += 1 if line else 0
    return units


def _rows(table: ast.Table) -> list[_Unit]:
    def cell(key: ast.RowKey) -> str:
        return "any" if key is None else "yes" if key is True else "no" if key is False else key

    keyed = [[cell(k) + ("," if i < len(row.keys) - 1 else "") for i, k in enumerate(row.keys)] for row in table.rows]
    widths = [max((len(cells[i]) for cells in keyed if len(cells) > i), default=0) for i in range(max(map(len, keyed)))]
    keys = [" ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip() or "otherwise" for cells in keyed]
    key_width = max(map(len, keys))
    values = [literal(row.value) for row in table.rows]
    column = len(STEP) + key_width + len(_GAP) + max(map(len, values)) + len(_GAP)
    return [
        _unit([Piece(STEP + key.ljust(key_width) + _GAP + value, _at(row))], row, row.value.span.end_line,
              notes=_notes(row.notes), notes_column=column, indent=STEP)
        for row, key, value in zip(table.rows, keys, values, strict=True)
    ]


_CONT = " " * 4  # continuation lines of a long expression


def _item_units(item: ast.Item) -> list[_Unit]:
    """The statements of one top-level item, in output order."""
    match item:
        case ast.Use(module=name, constraint=constraint, alias=alias):
            words = ["use", name, *([constraint] if constraint else []), *([f"as {alias}"] if alias else [])]
            return [_unit([Piece(" ".join(words), _at(item))], item)]
        case ast.Reference(key=key, citation=citation):
            attrs = [f"{k} {text(v)}" for k, v in (("doi", item.doi), ("pmid", item.pmid), ("url", item.url)) if v]
            attrs += [f"evidence {item.evidence}"] if item.evidence else []
            return [_unit([Piece(" ".join(["reference", key, text(citation), *attrs]), _at(item))], item)]
        case ast.Kind(name=name, values=values):
            parts = [[Piece(v.name + (f" {text(v.label)}" if v.label is not None else ""), _at(v))] for v in values]
            return [_unit(_wrap(_join(parts, " |"), f"kind {name}: ", "", _at(item)), item, hang=STEP, each=True)]
        case ast.Input(name=name, type=spec):
            words = [f"input {name}: {type_spec(spec)}"]
            if item.low is not None and item.high is not None:
                words.append(f"from {number(item.low)} to {number(item.high)}")
            line = " ".join(words) + (", optional" if item.optional else "")
            line += f" {text(item.description)}" if item.description is not None else ""
            return [_unit([Piece(line, _at(item))], item)]
        case ast.Define(name=name, expr=expr, notes=notes):
            pieces = _wrap(expr_pieces(expr), f"define {name}: ", "", _at(item))
            return [_unit(pieces, item, expr.span.end_line, notes=_notes(notes), hang=_CONT)]
        case ast.Table(name=name, by=by, result=result):
            line = f"table {name} by {', '.join(by)} -> {type_spec(result)}"
            return [_unit([Piece(line, _at(item))], item, result.span.end_line, end=result.span.end_line),
                    *_rows(item)]
        case ast.Decision():
            return _decision(item)
        case ast.Example():
            return _example(item)
        case ast.Property():
            return _property(item)
        case _:
            assert_never(item)


def _title(item: ast.Decision | ast.Example | ast.Property, line: str) -> _Unit:
    return _unit([Piece(line, _at(item))], item, item.span.line, end=item.span.line)


def _decision(decision: ast.Decision) -> list[_Unit]:
    outcomes = (" > " if decision.ordered else " | ").join(decision.outcomes)
    units = [_title(decision, f"decision {decision.name}: {outcomes}{_HIT[decision.policy]}")]
    for rule in decision.rules:
        pieces = _wrap(expr_pieces(rule.condition, 1), f"{STEP}rule {rule.name}: when ", f" then {rule.outcome}",
                       _at(rule))
        units.append(_unit(pieces, rule, rule.condition.span.end_line, notes=_notes(rule.notes), indent=STEP,
                           hang=STEP + _CONT))
    if decision.default is not None:
        default = decision.default
        units.append(_unit([Piece(f"{STEP}otherwise {default.outcome}", _at(default))], default, default.span.line,
                           notes=_notes(default.notes), indent=STEP))
    return units


def _example(example: ast.Example) -> list[_Unit]:
    units = [_title(example, f"example {text(example.title)}:")]
    if example.given:
        parts = [[Piece(f"{g.name} {literal(g.value)}", _at(g))] for g in example.given]
        start, end = min(g.span.line for g in example.given), max(g.span.end_line for g in example.given)
        prefix = f"{STEP}given "
        units.append(_Unit(_wrap(_join(parts, ","), prefix, ""), STEP, " " * len(prefix),
                           start=start, head_end=end, end=end))
    return units + [_unit([Piece(STEP + _expectation(e), _at(e))], e, indent=STEP) for e in example.expects]


def _property(prop: ast.Property) -> list[_Unit]:
    body = prop.body
    match body:
        case ast.Monotone(target=target, target_moves=moves, over=over, over_moves=over_moves):
            pieces = [Piece(f"{STEP}{target} never {moves} as {over} {over_moves}", _at(body))]
        case ast.Independent(target=target, of=of):
            pieces = [Piece(f"{STEP}{target} does not depend on {', '.join(of)}", _at(body))]
        case ast.Implies(condition=condition, target=target, outcome=outcome):
            pieces = _wrap(expr_pieces(condition, 1), f"{STEP}when ", f" then {target} is {outcome}", _at(body))
        case _:
            assert_never(body)
    return [_title(prop, f"property {text(prop.title)}:"), _unit(pieces, body, indent=STEP, hang=STEP + _CONT)]


def _expectation(expect: ast.Expectation) -> str:
    match expect:
        case ast.ExpectValue(target=target, value=value, by_rule=by_rule):
            return f"expect {target} = {literal(value)}" + (f" by rule {by_rule}" if by_rule else "")
        case ast.ExpectUnknown(target=target, missing=missing):
            return f"expect {target} is unknown" + (f" missing {', '.join(missing)}" if missing else "")
        case _:
            assert_never(expect)


_GROUPED = (ast.Use, ast.Reference, ast.Kind, ast.Input, ast.Define)


def _fits(unit: _Unit) -> bool:
    return len(" ".join([piece.text for piece in unit.head] + unit.notes)) <= WIDTH


def _one_line(units: list[_Unit]) -> bool:
    return len(units) == 1 and ((len(units[0].head) == 1 and not units[0].notes) or _fits(units[0]))


def _grouped(previous: ast.Item, before: list[_Unit], item: ast.Item, units: list[_Unit]) -> bool:
    """Whether `item` follows `previous` without a blank line: one-line items of one sort."""
    return isinstance(item, _GROUPED) and type(previous) is type(item) and _one_line(before) and _one_line(units)


# ---------------------------------------------------------------- comments and layout


def _assign(units: Sequence[_Unit], comments: Iterable[ast.Comment]) -> list[ast.Comment]:
    """Give each comment to the unit it sits in, beside or before; return those after the last."""
    placed = [u for u in units if u.start > 0]
    trailing: list[ast.Comment] = []
    for comment in comments:
        line = comment.span.line
        inside = [u for u in placed if u.start <= line <= u.end and not (comment.own_line and line == u.start)]
        if inside:
            max(inside, key=lambda u: u.start).comments.append(comment)
            continue
        if comment.own_line:
            after = [u for u in placed if u.start > line]
            target = min(after, key=lambda u: u.start) if after else None
        else:
            before = [u for u in placed if u.start <= line]
            target = max(before, key=lambda u: u.start) if before else None
        if target is None:
            trailing.append(comment)
        else:
            target.comments.append(comment)
    return trailing


@dataclass(slots=True)
class _Bound:
    """A unit's comments, by where they go: before it, before or after a piece, after an annotation."""

    leading: list[ast.Comment] = field(default_factory=list)
    before: dict[int, list[ast.Comment]] = field(default_factory=dict)
    after: dict[int, ast.Comment] = field(default_factory=dict)
    on_note: dict[int, ast.Comment] = field(default_factory=dict)


def _bind(unit: _Unit) -> _Bound:
    bound = _Bound()
    note_of_line = _note_lines(unit, {c.span.line for c in unit.comments if c.own_line})
    for comment in sorted(unit.comments, key=lambda c: (c.span.line, c.span.column)):
        line = comment.span.line
        if line < unit.start:
            bound.leading.append(comment)
        elif unit.notes and line > unit.head_end:
            index = note_of_line.get(line, 0)
            if comment.own_line or index in bound.on_note:
                bound.leading.append(comment)
            else:
                bound.on_note[index] = comment
        elif comment.own_line:
            index = next((i for i, p in enumerate(unit.head) if p.at[0] > line), 0)
            (bound.before.setdefault(index, []) if index else bound.leading).append(comment)
        else:
            position = (line, comment.span.column)
            index = max((i for i, p in enumerate(unit.head) if p.at <= position), default=0)
            if index in bound.after:
                bound.leading.append(comment)
            else:
                bound.after[index] = comment
    return bound


@dataclass(slots=True)
class _Lines:
    """Output lines being filled; a piece that does not fit goes to a new line at `hang`."""

    hang: str
    done: list[tuple[str, ast.Comment | None]] = field(default_factory=list)
    current: str = ""
    fresh: bool = True

    def add(self, text: str) -> None:
        self.current += text if self.fresh else " " + text
        self.fresh = False

    def newline(self, comment: ast.Comment | None = None) -> None:
        self.done.append((self.current, comment))
        self.current, self.fresh = self.hang, True

    def place(self, chunk: list[Piece]) -> None:
        """Put `chunk` on this line, else on the next, else split it at its outermost breaks."""
        text = " ".join(piece.text for piece in chunk)
        if len(self.current) + (0 if self.fresh else 1) + len(text) <= WIDTH:
            self.add(text)
        elif (not self.fresh and len(self.hang) + len(text) <= WIDTH) or len(chunk) == 1:
            if not self.fresh:
                self.newline()
            self.add(text)
        else:
            depth = min(piece.depth for piece in chunk[:-1])
            part: list[Piece] = []
            for piece in chunk:
                part.append(piece)
                if piece.depth == depth and piece is not chunk[-1]:
                    self.place(part)
                    part = []
            self.place(part)


def _render(unit: _Unit) -> list[str]:
    bound = _bind(unit)
    lines = _Lines(unit.hang, [(unit.indent + c.text, None) for c in bound.leading])
    every = unit.each and len(" ".join(piece.text for piece in unit.head)) > WIDTH
    segment: list[Piece] = []
    for index, piece in enumerate(unit.head):
        if segment and (every or index - 1 in bound.after or index in bound.before):
            lines.place(segment)
            lines.newline(bound.after.get(index - 1))
            lines.done += [(unit.hang + c.text, None) for c in bound.before.get(index, [])]
            segment = []
        segment.append(piece)
    lines.place(segment)
    last = bound.after.get(len(unit.head) - 1)
    inline = " ".join(unit.notes)
    padded = lines.current.ljust(unit.notes_column - 1) if unit.notes_column else lines.current
    if unit.notes and not bound.on_note and len(padded) + 1 + len(inline) <= WIDTH:
        lines.current = padded + " " + inline
        lines.newline(last)
    else:
        lines.newline(last)
        lines.done += [(unit.indent + STEP + note, bound.on_note.get(i)) for i, note in enumerate(unit.notes)]
    return [line + (f"  {comment.text}" if comment else "") for line, comment in lines.done]


def _note_lines(unit: _Unit, own: set[int]) -> dict[int, int]:
    """Which annotation each source line below the head holds, counting up from the last."""
    out: dict[int, int] = {}
    line, index = unit.end, len(unit.notes) - 1
    while line > unit.head_end and index >= 0:
        if line not in own:
            out[line] = index
            index -= 1
        line -= 1
    return out


def format_module(module: ast.Module) -> str:
    """The canonical source text of `module`, with every comment of `module.comments`."""
    units = _header(module)
    previous: tuple[ast.Item, list[_Unit]] | None = None
    for item in module.items:
        item_units = _item_units(item)
        item_units[0].blank_before = previous is None or not _grouped(*previous, item, item_units)
        units += item_units
        previous = (item, item_units)
    trailing = _assign(units, sorted(module.comments, key=lambda c: (c.span.line, c.span.column)))
    out: list[str] = []
    for unit in units:
        if unit.blank_before:
            out.append("")
        out += _render(unit)
    out += [""] + [c.text for c in trailing] if trailing else []
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- sources and files


def format_source(source: str, path: str = "<string>") -> str:
    """Parse and format `source`; raises dsl.EligoError on syntax errors."""
    return format_module(parse(source, path))


def _write_atomically(path: Path, content: str) -> None:
    """Replace `path` in one step: a temporary file in the same folder, then os.replace."""
    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _sources(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.eligo")) if path.is_dir() else [path]
    return files


def format_paths(paths: list[Path], check: bool) -> tuple[int, list[str]]:
    """Format files (folders: every *.eligo below). Exit code 0 unchanged, 1 changed (or would be
    with `check`), 2 syntax errors or unreadable/unwritable files; a file with errors is never
    written, and none partially."""
    code, messages = 0, []
    for path in _sources(paths):
        try:
            original = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            code = 2
            messages.append(f"{path}: cannot read: {exc}")
            continue
        source = original.replace("\r\n", "\n")
        module, diagnostics = parse_with_diagnostics(source, str(path))
        if module is None or any(d.is_error for d in diagnostics):
            code = 2
            messages.append(render_all(diagnostics, {str(path): source}))
            continue
        formatted = format_module(module)
        if formatted == original:
            continue
        if check:
            code = max(code, 1)
            messages.append(f"would reformat {path}")
            continue
        try:
            _write_atomically(path, formatted)
        except OSError as exc:
            code = 2
            messages.append(f"{path}: cannot write: {exc}")
        else:
            code = max(code, 1)
            messages.append(f"reformatted {path}")
    return code, messages
