"""Canonical Eligo layout: an AST printed back as source, every comment kept, idempotent.

Each statement's pieces (dsl.unparse) are filled up to WIDTH, breaking at the outermost operators
first. Comments are bound to the piece, annotation or line they sit beside, so formatting
formatted text changes nothing. `format_paths` rewrites files atomically for `eligo fmt`.
"""

from __future__ import annotations

import os
import tempfile
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import assert_never

from eligo.dsl import ast
from eligo.dsl.diagnostics import render_all
from eligo.dsl.parser import parse, parse_with_diagnostics, read_source
from eligo.dsl.unparse import Piece, at, expr_pieces, given_pieces, join, literal, number, row_key, text, type_spec, wrap

WIDTH = 100
STEP = "  "
_GAP = "   "  # between table columns
_HIT = {"first": ", first match", "unique": ", unique", "collect": ", collect"}

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
    out = ([f"label {text(notes.label)}"] if notes.label else []) + [f"because {text(t)}" for t in notes.because]
    return out + ([f"cite {', '.join(notes.cites)}"] if notes.cites else [])


def _unit(head: list[Piece], node: ast.Node, head_end: int | None = None, *, indent: str = "", hang: str = "",
          notes: ast.Annotations | None = None, notes_column: int = 0, each: bool = False,
          end: int | None = None) -> _Unit:
    """A statement printed from `node`, whose head ends on source line `head_end` (default: its last)."""
    span = node.span
    return _Unit(head, indent, hang, each, _notes(notes) if notes else [], notes_column, span.line,
                 span.end_line if head_end is None else head_end, span.end_line if end is None else end)


def _header(module: ast.Module) -> list[_Unit]:
    header = module.header
    lines = [f"guideline {header.name}", f"{STEP}version {header.version}"]
    lines += [f"{STEP}title {text(header.title)}"] if header.title is not None else []
    lines.append(f"{STEP}status {header.status}")
    lines += [f"{STEP}effective {header.effective.isoformat()}"] if header.effective is not None else []
    lines += [f"{STEP}supersedes {header.supersedes}"] if header.supersedes is not None else []
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
    def cell(row: ast.Row, i: int) -> str:  # a row with a band ends its keys with `:` (`0 to 2: low`)
        last = ":" if any(isinstance(k, ast.Band) for k in row.keys) else ""
        return row_key(row.keys[i]) + ("," if i < len(row.keys) - 1 else last)

    keyed = [[cell(row, i) for i in range(len(row.keys))] for row in table.rows]
    widths = [max((len(cells[i]) for cells in keyed if len(cells) > i), default=0) for i in range(max(map(len, keyed)))]
    keys = [" ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip() or "otherwise" for cells in keyed]
    key_width = max(map(len, keys))
    values = [literal(row.value) for row in table.rows]
    column = len(STEP) + key_width + len(_GAP) + max(map(len, values)) + len(_GAP)
    return [
        _unit([Piece(STEP + key.ljust(key_width) + _GAP + value, at(row))], row, row.value.span.end_line,
              notes=row.notes, notes_column=column, indent=STEP)
        for row, key, value in zip(table.rows, keys, values, strict=True)
    ]


_CONT = " " * 4  # continuation lines of a long expression


def _item_units(item: ast.Item) -> list[_Unit]:
    """The statements of one top-level item, in output order."""
    match item:
        case ast.Use(module=name, constraint=constraint, alias=alias):
            words = ["use", name, *([constraint] if constraint else []), *([f"as {alias}"] if alias else [])]
            return [_unit([Piece(" ".join(words), at(item))], item)]
        case ast.Reference(key=key, citation=citation):
            pairs = (("doi", item.doi), ("pmid", item.pmid), ("url", item.url))
            attrs = [f"{k} {text(v)}" for k, v in pairs if v is not None]
            attrs += [f"evidence {item.evidence}"] if item.evidence is not None else []
            return [_unit([Piece(" ".join(["reference", key, text(citation), *attrs]), at(item))], item)]
        case ast.Kind(name=name, values=values):
            parts = [[Piece(v.name + (f" {text(v.label)}" if v.label is not None else ""), at(v))] for v in values]
            return [_unit(wrap(join(parts, " |"), f"kind {name}: ", "", at(item)), item, hang=STEP, each=True)]
        case ast.Input(name=name):
            return [_unit([Piece("input " + _declared(item), at(item))], item)]
        case ast.Record(name=name, fields=fields):
            return [_title(item, f"record {name}:"),
                    *(_unit([Piece(STEP + _declared(f), at(f))], f, indent=STEP) for f in fields)]
        case ast.Define(name=name, expr=expr, notes=notes):
            pieces = wrap(expr_pieces(expr), f"define {name}: ", "", at(item))
            return [_unit(pieces, item, expr.span.end_line, notes=notes, hang=_CONT)]
        case ast.Table(name=name, by=by, result=result):
            line = f"table {name} by {', '.join(by)} -> {type_spec(result)}"
            return [_unit([Piece(line, at(item))], item, result.span.end_line, end=result.span.end_line),
                    *_rows(item)]
        case ast.Decision():
            return _decision(item)
        case ast.Example():
            return _example(item)
        case ast.Property():
            return _property(item)
        case _:
            assert_never(item)


def _declared(item: ast.Input | ast.RecordField) -> str:
    """`name: type from low to high, optional "description"`, as an input or a record's field is declared."""
    words = [f"{item.name}: {type_spec(item.type)}"]
    if item.low is not None and item.high is not None:
        words.append(f"from {number(item.low)} to {number(item.high)}")
    line = " ".join(words) + (", optional" if item.optional else "")
    return line + (f" {text(item.description)}" if item.description is not None else "")


def _title(item: ast.Decision | ast.Example | ast.Property | ast.Record, line: str) -> _Unit:
    return _unit([Piece(line, at(item))], item, item.span.line, end=item.span.line)


def _decision(decision: ast.Decision) -> list[_Unit]:
    outcomes = (" > " if decision.ordered else " | ").join(decision.ranked or decision.outcomes)
    outcomes += "".join(f" | {o}" for o in decision.beside)
    units = [_title(decision, f"decision {decision.name}: {outcomes}{_HIT[decision.policy]}")]
    for rule in decision.rules:
        pieces = wrap(expr_pieces(rule.condition, 1), f"{STEP}rule {rule.name}: when ", f" then {rule.outcome}",
                       at(rule))
        units.append(_unit(pieces, rule, rule.condition.span.end_line, notes=rule.notes, indent=STEP,
                           hang=STEP + _CONT))
    if decision.default is not None:
        default = decision.default
        units.append(_unit([Piece(f"{STEP}otherwise {default.outcome}", at(default))], default, default.span.line,
                           notes=default.notes, indent=STEP))
    return units


def _example(example: ast.Example) -> list[_Unit]:
    units = [_title(example, f"example {text(example.title)}:")]
    if example.given:
        parts = [given_pieces(g) for g in example.given]
        start, end = min(g.span.line for g in example.given), max(g.span.end_line for g in example.given)
        prefix = f"{STEP}given "
        units.append(_Unit(wrap(join(parts, ","), prefix, ""), STEP, " " * len(prefix),
                           start=start, head_end=end, end=end))
    return units + [_unit([Piece(STEP + _expectation(e), at(e))], e, indent=STEP) for e in example.expects]


def _property(prop: ast.Property) -> list[_Unit]:
    body = prop.body
    match body:
        case ast.Monotone(target=target, target_moves=moves, over=over, over_moves=over_moves):
            pieces = [Piece(f"{STEP}{target} never {moves} as {over} {over_moves}", at(body))]
        case ast.Added(target=target, target_moves=moves, element=element, over=over):
            article = "an" if element[:1].lower() in "aeiou" else "a"
            pieces = [Piece(f"{STEP}{target} never {moves} as {article} {element} is added to {over}", at(body))]
        case ast.Independent(target=target, of=of):
            pieces = [Piece(f"{STEP}{target} does not depend on {', '.join(of)}", at(body))]
        case ast.Implies(condition=condition, target=target, outcome=outcome):
            pieces = wrap(expr_pieces(condition, 1), f"{STEP}when ", f" then {target} is {outcome}", at(body))
        case _:
            assert_never(body)
    return [_title(prop, f"property {text(prop.title)}:"), _unit(pieces, body, indent=STEP, hang=STEP + _CONT)]


def _expectation(expect: ast.Expectation) -> str:
    match expect:
        case ast.ExpectValue(target=target, value=value, by_rule=by_rule):
            return f"expect {target} = {literal(value)}" + (f" by rule {by_rule}" if by_rule else "")
        case ast.ExpectUnknown(target=target, missing=missing, possible=possible):
            return (f"expect {target} is unknown" + (f" possible {{{', '.join(possible)}}}" if possible else "")
                    + (f" missing {', '.join(missing)}" if missing else ""))
        case ast.ExpectOpen(target=target, by_rule=by_rule):
            return f"expect {target} is open" + (f" by rule {by_rule}" if by_rule else "")
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
    """Give each comment to the unit it sits in, else to the next unit (a comment on its own line)
    or the previous one (a comment after code); return those after the last unit."""
    placed = sorted((u for u in units if u.start > 0), key=lambda u: u.start)
    starts = [u.start for u in placed]
    inside: dict[int, _Unit] = {}  # a line inside several units goes to the one starting last
    for placed_unit in placed:
        inside.update(dict.fromkeys(range(placed_unit.start, placed_unit.end + 1), placed_unit))
    trailing: list[ast.Comment] = []
    for comment in comments:
        line = comment.span.line
        target = inside.get(line)
        if target is None or (comment.own_line and line == target.start):
            index = bisect_right(starts, line)
            if comment.own_line:
                target = placed[index] if index < len(placed) else None
            else:
                target = placed[index - 1] if index else None
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
            start = 0
            for index, piece in enumerate(chunk[:-1]):
                if piece.depth == depth:
                    self.place(chunk[start:index + 1])
                    start = index + 1
            self.place(chunk[start:])


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
        # an author's blank line (or comment block) between two items of a group is kept
        apart = previous is not None and item.span.line > previous[0].span.end_line + 1 > 1
        item_units[0].blank_before = previous is None or apart or not _grouped(*previous, item, item_units)
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
    """Replace `path` in one step: a temporary file in the same folder, then os.replace (through a
    symbolic link, the file it points to)."""
    path = path.resolve()
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
        try:  # read as `eligo check` reads: bounded, UTF-8 only, refused with file:line:col
            original, module, diagnostics = read_source(path)
        except OSError as exc:
            code = 2
            messages.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        source = original.replace("\r\n", "\n")
        if "\r\n" in original and module is not None:
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
