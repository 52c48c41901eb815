"""The LALR parser's reductions: each grammar rule's value built by its builder method as the parser reduces
it, with the position Lark's `propagate_positions` gives a tree, so that no lark.Tree is made in between."""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from lark.grammar import Rule, Symbol, Terminal

# A node's position as its builder method receives it: line, column, end line and end column (end exclusive),
# or None for a node that covers no text.
Meta = tuple[int, int, int, int] | None

_LAYOUT = frozenset({"_NL", "_INDENT", "_DEDENT"})  # line ends (with the blank lines and comments they swallow)
# and indentation do not count for a node's position, so a statement ends where its last token ends


class Built:
    """A value on the parser's stack: a builder method's result, or the children of a rule that is spliced into its
    parent (`_rule`, `x*`), with the extent of the text it was reduced from (what Lark calls the container) and the
    height of the tree Lark would have built (for the nesting limit)."""

    __slots__ = ("column", "end_column", "end_line", "height", "line", "value")

    def __init__(self, value: Any, line: int | None, column: int, end_line: int, end_column: int,
                 height: int) -> None:
        self.value = value
        self.line = line  # None: no text
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.height = height


Reduce = Callable[[list[Any]], Any]


def _extent(children: list[Any]) -> tuple[Any, Any]:
    """The first and last child that covers text (a Token or a Built), or (None, None)."""
    for first in children:
        if first.line is not None if first.__class__ is Built else first.type not in _LAYOUT:
            break
    else:
        return None, None
    for last in reversed(children):
        if last.line is not None if last.__class__ is Built else last.type not in _LAYOUT:
            return first, last
    return first, first  # pragma: no cover - first itself is found from the end


def _kept(children: list[Any], include: tuple[tuple[int, bool], ...]) -> tuple[list[Any], int]:
    """The children a rule keeps (not its punctuation and keywords), a spliced child's own children in its place,
    and the height of the tallest tree among them (a spliced child's is that of its own children)."""
    items: list[Any] = []
    height = 0
    for index, splice in include:
        child = children[index]
        if child.__class__ is Built:
            if child.height > height:
                height = child.height
            if splice:
                if items:
                    items.extend(child.value)
                else:
                    items = child.value  # extended in place: an LALR parse shares no value
                continue
        items.append(child)
    return items, height


def _dropped(symbol: Symbol) -> bool:
    """Whether a tree leaves the symbol out: a keyword or punctuation, or a `_TERMINAL`."""
    return isinstance(symbol, Terminal) and symbol.filter_out


Make = Callable[[Callable[..., Any]], Reduce]  # a rule's reduction, given its builder method


def _shape(rule: Rule) -> Make:
    """What reducing `rule` pushes, as lark.parse_tree_builder would shape its tree: keywords and `_TERMINALS` left
    out (unless `!rule`), `_rule` children spliced in, the one child of a `?rule` passed on as it is."""
    keep_all = rule.options.keep_all_tokens
    include = tuple((index, not symbol.is_term and symbol.name.startswith("_"))
                    for index, symbol in enumerate(rule.expansion)
                    if keep_all or not _dropped(symbol))

    if (rule.alias or rule.origin.name).startswith("_"):  # a `_rule` or `x*`: its children, for the parent
        if all(symbol.name in _LAYOUT for symbol in rule.expansion):
            return lambda _: lambda children: Built([], None, 0, 0, 0, 0)  # `_annotations: _NL`: nothing, no text

        def splice(children: list[Any]) -> Built:
            items, height = _kept(children, include)
            first, last = _extent(children)
            if first is None:
                return Built(items, None, 0, 0, 0, height)
            return Built(items, first.line, first.column, last.end_line, last.end_column, height)
        return lambda _: splice

    expand_single = rule.options.expand1 and not rule.alias
    if expand_single and len(rule.expansion) == 1 and include == ((0, False),):
        passed_on = itemgetter(0)  # `?expr: or_expr`: the child is passed on, position and all
        return lambda _: passed_on
    if all(symbol.is_term for symbol in rule.expansion) and not expand_single:
        return _tokens_only(rule, tuple(index for index, _ in include))

    def make(method: Callable[..., Any]) -> Reduce:
        def reduce(children: list[Any]) -> Any:
            items, height = _kept(children, include)
            first, last = _extent(children)
            if expand_single and len(items) == 1:
                item = items[0]
                if item.__class__ is not Built or first is None or (first is item and last is item):
                    return item  # a token stands for itself; a node keeps its own position
                # `(x)`: x keeps its position, and the text it stands for in its parent includes the brackets
                return Built(item.value, first.line, first.column, last.end_line, last.end_column, height)
            values = [item.value if item.__class__ is Built else item for item in items]
            if first is None:
                return Built(method(None, *values), None, 0, 0, 0, height + 1)
            value = method((first.line, first.column, last.end_line, last.end_column), *values)
            return Built(value, first.line, first.column, last.end_line, last.end_column, height + 1)
        return reduce
    return make


def _tokens_only(rule: Rule, kept: tuple[int, ...]) -> Make:
    """The reduction of a rule of terminals only (`ref: NAME`, `yes: "yes"`): where it starts and ends is known."""
    covering = [index for index, symbol in enumerate(rule.expansion) if symbol.name not in _LAYOUT]
    if not covering:
        return lambda method: lambda children: Built(method(None, *[children[i] for i in kept]), None, 0, 0, 0, 1)
    start, end = covering[0], covering[-1]

    def make(method: Callable[..., Any]) -> Reduce:
        def reduce(children: list[Any]) -> Built:
            first, last = children[start], children[end]
            meta = (first.line, first.column, last.end_line, last.end_column)
            return Built(method(meta, *[children[index] for index in kept]), *meta, 1)
        return reduce
    return make


def _passes_on(rule: Rule) -> bool:
    """Whether the rule is a `?rule` alternative that always has one child, which it passes on (`?atom: "(" expr ")"`)."""
    kept = [symbol for symbol in rule.expansion if not _dropped(symbol)]
    return bool(rule.options.expand1 and not rule.alias and len(kept) == 1 and not kept[0].name.startswith("_"))


def _unreachable(meta: Meta, *children: Any) -> Any:
    raise AssertionError("a `?rule` alternative with one child passes it on")


_SHAPES: dict[int, tuple[Rule, str, bool, Make]] = {}  # by the rule's id: a Rule's own hash is slow to compute


def _shaped(rule: Rule) -> tuple[Rule, str, bool, Make]:
    """The rule, its method's name, whether it may have none, and how its reduction is made (once per rule)."""
    found = _SHAPES.get(id(rule))
    if found is None or found[0] is not rule:
        name = rule.alias or rule.origin.name
        found = _SHAPES[id(rule)] = (rule, name, name.startswith("_") or _passes_on(rule), _shape(rule))
    return found


def reductions(rules: list[Rule], builder: object) -> dict[Rule, Reduce]:
    """Every rule's reduction, calling `builder`'s method named after the rule (or its alias)."""
    table: dict[Rule, Reduce] = {}
    for rule in rules:
        _, name, optional, make = _shaped(rule)
        method = None if name.startswith("_") else getattr(builder, name, None)  # a `_rule` has none
        if method is None:
            if not optional:
                raise TypeError(f"the builder has no method for the grammar rule `{name}`")
            method = _unreachable
        table[rule] = make(method)
    return table


def value(result: Any) -> Any:
    """The value the parse ends with (the start rule's)."""
    return result.value if result.__class__ is Built else result

