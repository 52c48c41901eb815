"""Semantic diff between two versions of a guideline: what changed, and which cases change decision.

`diff_modules` compares two ASTs item by item (inputs by name, rules by decision and name, table rows by
key), reporting a changed threshold as `12 months → 24 months` rather than as a text diff.
`diff_versions` adds the decision changes: every example of both versions and every case file in
`knowledge/cases/<id>/` is evaluated under both versions.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from eligo.docs.prose import value
from eligo.dsl import ast, unparse
from eligo.tools.diff_cases import compare, comparison_cases
from eligo.tools.diff_inputs import through_uses
from eligo.tools.diff_report import Action, Change
from eligo.tools.diff_report import GuidelineDiff as GuidelineDiff
from eligo.verify.report import open_questions

if TYPE_CHECKING:
    from eligo.pipeline import KnowledgeBase

_META = ("title", "status", "effective", "supersedes", "committee", "summary")
T = TypeVar("T")


# ---------------------------------------------------------------- source text


def source_of(text: str, span: ast.Span) -> str:
    """The source lines of `span`, dedented, without the trailing newline the parser includes."""
    lines = text.split("\n")
    last = span.end_line
    if last > span.line and not lines[last - 1][: max(span.end_column - 1, 0)].strip():
        last -= 1
    chunk = lines[span.line - 1 : last]
    while chunk and not chunk[-1].strip():
        chunk.pop()
    first, rest = chunk[0], textwrap.dedent("\n".join(chunk[1:])) if len(chunk) > 1 else ""
    head = first[span.column - 1 :] if span.column >= 1 else first
    if not rest:
        return head
    indent = " " * 2
    return head + "\n" + "\n".join(indent + line if line else line for line in rest.split("\n"))


def expr_source(text: str, span: ast.Span) -> str:
    """Exactly the text of `span` (an expression), on one line."""
    lines = text.split("\n")
    if span.line == span.end_line:
        chunk = lines[span.line - 1][span.column - 1 : span.end_column - 1]
    else:
        chunk = " ".join([lines[span.line - 1][span.column - 1 :], *lines[span.line : span.end_line - 1],
                          lines[span.end_line - 1][: span.end_column - 1]])
    return " ".join(chunk.split())


_LEAD = re.compile(r"^(rule|input|define|kind|decision)\s+\w+\s*:\s*")


def _brief(source: str, limit: int = 100) -> str:
    first = _LEAD.sub("", " ".join(source.split()))
    return first if len(first) <= limit else first[: limit - 1] + "…"


# ---------------------------------------------------------------- literal-level comparison


def _leaf(node: object) -> str:
    if isinstance(node, ast.Neg) and isinstance(node.operand, ast.Number | ast.Quantity):
        return "-" + _leaf(node.operand)
    if isinstance(node, (*ast.LITERAL_TYPES, ast.Ref, ast.Missing)):
        return value(node)
    return str(node)


def _is_value(node: object) -> bool:
    return isinstance(node, ast.LITERAL_TYPES) or (
        isinstance(node, ast.Neg) and isinstance(node.operand, ast.Number | ast.Quantity)
    )


def value_changes(old: object, new: object) -> list[tuple[str, str]] | None:
    """The literals and operators that differ when `old` and `new` have the same shape, else None.

    >>> from dsl import parse
    >>> def cond(src):
    ...     return parse("guideline a.b\\n  version 1.0.0\\ndefine d: " + src + "\\n").defines[0].expr
    >>> value_changes(cond("x > 12 months and y"), cond("x >= 24 months and y"))
    [('>', '>='), ('12 months', '24 months')]
    >>> value_changes(cond("x > 1"), cond("z > 1")) is None
    True
    """
    if _is_value(old) and _is_value(new):
        return [] if old == new else [(_leaf(old), _leaf(new))]
    if type(old) is not type(new):
        return None
    if dataclasses.is_dataclass(old) and not isinstance(old, type):
        out: list[tuple[str, str]] = []
        for f in dataclasses.fields(old):
            if f.name == "span":
                continue
            a, b = getattr(old, f.name), getattr(new, f.name)
            if f.name == "op" and a != b:
                out.append((str(a), str(b)))
                continue
            sub = value_changes(a, b)
            if sub is None:
                return None
            out.extend(sub)
        return out
    if isinstance(old, tuple) and isinstance(new, tuple):
        if len(old) != len(new):
            return None
        out = []
        for a, b in zip(old, new, strict=True):
            sub = value_changes(a, b)
            if sub is None:
                return None
            out.extend(sub)
        return out
    return [] if old == new else None


@dataclass(frozen=True, slots=True)
class Scope:
    """The definitions one module version can name: its own, and `alias.name` through its uses."""

    defines: dict[str, ast.Expr]
    uses: dict[str, Scope]

    @classmethod
    def of(cls, module: ast.Module, uses: dict[str, Scope] | None = None) -> Scope:
        return cls({d.name: d.expr for d in module.defines}, uses or {})

    def lookup(self, name: str) -> tuple[ast.Expr, Scope] | None:
        if "." in name:
            alias, _, local = name.partition(".")
            used = self.uses.get(alias)
            return used.lookup(local) if used is not None and "." not in local else None
        return (self.defines[name], self) if name in self.defines else None


_MAX_EXPANSION = 16


def expand(expr: ast.Expr, scope: Scope, depth: int = 0) -> ast.Expr:
    """`expr` with every definition it names replaced by its formula, through used modules too.

    >>> from dsl import parse
    >>> m = parse("guideline a.b\\n  version 1.0.0\\ninput x: count\\ndefine t: 12\\ndefine d: x > t\\n")
    >>> expand(m.defines[1].expr, Scope.of(m)) == parse(
    ...     "guideline a.b\\n  version 1.0.0\\ndefine d: x > 12\\n").defines[0].expr
    True
    """
    if depth > _MAX_EXPANSION:
        return expr
    if isinstance(expr, ast.Ref):
        found = scope.lookup(expr.name)
        return expand(found[0], found[1], depth + 1) if found is not None else expr
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(expr):
        current = getattr(expr, f.name)
        if isinstance(current, tuple) and current and all(_is_expr(x) for x in current):
            changes[f.name] = tuple(expand(x, scope, depth) for x in current)
        elif _is_expr(current):
            changes[f.name] = expand(current, scope, depth)
    return dataclasses.replace(expr, **changes) if changes else expr


def _is_expr(node: object) -> bool:
    return dataclasses.is_dataclass(node) and not isinstance(node, ast.Annotations | ast.TypeSpec | type)


def _describe(old: object, new: object, what: str) -> str:
    pairs = value_changes(old, new)
    if pairs:
        return ", ".join(f"{a} → {b}" for a, b in pairs)
    return f"{what} changed"


# ---------------------------------------------------------------- item-level comparison


class _Differ:
    def __init__(self, old: ast.Module, new: ast.Module, old_text: str, new_text: str,
                 old_scope: Scope | None, new_scope: Scope | None) -> None:
        self.old, self.new = old, new
        self.old_scope = old_scope or Scope.of(old)
        self.new_scope = new_scope or Scope.of(new)
        self.old_text, self.new_text = old_text, new_text
        self.out: list[Change] = []

    def src_old(self, node: Any) -> str:
        return source_of(self.old_text, node.span) if self.old_text and node.span.line else ""

    def src_new(self, node: Any) -> str:
        return source_of(self.new_text, node.span) if self.new_text and node.span.line else ""

    def add(self, action: Action, subject: str, detail: str = "", old: Any = None, new: Any = None) -> None:
        before = self.src_old(old) if old is not None else None
        after = self.src_new(new) if new is not None else None
        if not detail and action != "changed":
            detail = _brief(after or before or "")
        detail = detail.strip()
        self.out.append(Change(action, subject, detail, before, after))

    def condition(self, old: ast.Expr, new: ast.Expr) -> str:
        """`12 months → 24 months`, or which conditions were added to or removed from an and/or."""
        pairs = value_changes(old, new)
        if pairs:
            return ", ".join(f"{a} → {b}" for a, b in pairs)
        if isinstance(old, ast.BoolOp) and isinstance(new, ast.BoolOp) and old.op == new.op:
            added = [o for o in new.operands if o not in old.operands]
            removed = [o for o in old.operands if o not in new.operands]
            if len(added) + len(removed) <= 3:
                parts = [f"added condition `{self.expr_new(o)}`" for o in added]
                parts += [f"removed condition `{self.expr_old(o)}`" for o in removed]
                return "; ".join(parts)
        elif isinstance(new, ast.BoolOp) and new.op == "and" and old in new.operands:
            return "; ".join(f"added condition `{self.expr_new(o)}`" for o in new.operands if o != old)
        elif isinstance(old, ast.BoolOp) and old.op == "and" and new in old.operands:
            return "; ".join(f"removed condition `{self.expr_old(o)}`" for o in old.operands if o != new)
        through = value_changes(expand(old, self.old_scope), expand(new, self.new_scope))
        if through:
            values = ", ".join(f"{a} → {b}" for a, b in through)
            return f"{values} (`{self.expr_old(old)}` → `{self.expr_new(new)}`)"
        return f"condition `{self.expr_old(old)}` → `{self.expr_new(new)}`"

    def expr_old(self, expr: ast.Expr) -> str:
        return expr_source(self.old_text, expr.span) if self.old_text and expr.span.line else "…"

    def expr_new(self, expr: ast.Expr) -> str:
        return expr_source(self.new_text, expr.span) if self.new_text and expr.span.line else "…"

    def paired(self, olds: Iterable[T], news: Iterable[T], key: Callable[[T], Any], subject: Callable[[T], str],
               changed: Callable[[T, T], list[str]], brief: bool = True) -> None:
        old_by = {key(x): x for x in olds}
        new_by = {key(x): x for x in news}
        for k, item in old_by.items():
            if k not in new_by:
                self.add("removed", subject(item), "" if brief else " ", old=item)
        for k, item in new_by.items():
            if k not in old_by:
                self.add("added", subject(item), "" if brief else " ", new=item)
            else:
                details = changed(old_by[k], item)
                if details:
                    self.add("changed", subject(item), "; ".join(details), old_by[k], item)

    def run(self, through_uses: Iterable[Change] = ()) -> list[Change]:
        old, new = self.old, self.new
        for name in _META:
            a, b = getattr(old.header, name), getattr(new.header, name)
            if a != b:
                self.out.append(Change("changed", name, f"{_show(a)} → {_show(b)}"))
        self.paired(old.uses, new.uses, lambda u: u.module, lambda u: f"use {u.module}", _use_changes)
        self.paired(old.references, new.references, lambda r: r.key, lambda r: f"reference {r.key}", _ref_changes)
        self.paired(old.kinds, new.kinds, lambda k: k.name, lambda k: f"kind {k.name}", _kind_changes)
        self.paired(old.inputs, new.inputs, lambda i: i.name, lambda i: f"input {i.name}", _input_changes)
        self.out.extend(through_uses)
        self.paired(old.defines, new.defines, lambda d: d.name, lambda d: f"definition {d.name}", self._define)
        self.paired(old.tables, new.tables, lambda t: t.name, lambda t: f"table {t.name}", _table_changes)
        for table in new.tables:
            before = next((t for t in old.tables if t.name == table.name), None)
            if before is not None and before.by == table.by:
                self.paired(before.rows, table.rows, _row_key, functools.partial(_row_subject, table), _row_changes)
        self.paired(old.decisions, new.decisions, lambda d: d.name, lambda d: f"decision {d.name}",
                    _decision_changes)
        for decision in new.decisions:
            before_d = next((d for d in old.decisions if d.name == decision.name), None)
            if before_d is not None:
                self.paired(before_d.rules, decision.rules, _rule_name, functools.partial(_rule_subject, decision),
                            self._rule)
                self._default(before_d, decision)
                self._order(before_d, decision)
        self.paired(old.examples, new.examples, lambda e: e.title, lambda e: f'example "{e.title}"',
                    lambda a, b: ["given or expected values changed"] if a != b else [], brief=False)
        self.paired(old.properties, new.properties, lambda p: p.title, lambda p: f'property "{p.title}"',
                    lambda a, b: ["statement changed"] if a != b else [], brief=False)
        return self.out

    def _define(self, old: ast.Define, new: ast.Define) -> list[str]:
        out = [] if old.expr == new.expr else [self.condition(old.expr, new.expr)]
        return out + _notes(old.notes, new.notes)

    def _rule(self, old: ast.Rule, new: ast.Rule) -> list[str]:
        out = [] if old.condition == new.condition else [self.condition(old.condition, new.condition)]
        if old.outcome != new.outcome:
            out.append(f"outcome {old.outcome} → {new.outcome}")
        return out + _notes(old.notes, new.notes)

    def _default(self, old: ast.Decision, new: ast.Decision) -> None:
        subject = f"otherwise of decision {new.name}"
        if old.default is None and new.default is not None:
            self.add("added", subject, f"outcome {new.default.outcome}", new=new.default)
        elif old.default is not None and new.default is None:
            self.add("removed", subject, f"outcome {old.default.outcome}", old=old.default)
        elif old.default is not None and new.default is not None and old.default != new.default:
            detail = (f"outcome {old.default.outcome} → {new.default.outcome}"
                      if old.default.outcome != new.default.outcome else "reasons or citations changed")
            self.add("changed", subject, detail, old.default, new.default)

    def _order(self, old: ast.Decision, new: ast.Decision) -> None:
        if new.policy != "first":
            return
        common = [r.name for r in old.rules if r.name in {x.name for x in new.rules}]
        reordered = [r.name for r in new.rules if r.name in set(common)]
        if common != reordered:
            self.out.append(Change("changed", f"decision {new.name}",
                                   f"rule order {', '.join(common)} → {', '.join(reordered)}"))


def _show(value: object) -> str:
    return "none" if value is None else str(value)


def _notes(old: ast.Annotations, new: ast.Annotations) -> list[str]:
    out = []
    if old.because != new.because:
        out.append("reason (because) changed")
    added = [c for c in new.cites if c not in old.cites]
    removed = [c for c in old.cites if c not in new.cites]
    if added:
        out.append("now cites " + ", ".join(added))
    if removed:
        out.append("no longer cites " + ", ".join(removed))
    return out


def _type_text(t: ast.TypeSpec) -> str:
    if t.base == "kind":
        return str(t.kind)
    return t.base + (f" in {t.unit}" if t.unit else "")


def _use_changes(old: ast.Use, new: ast.Use) -> list[str]:
    out = []
    if old.constraint != new.constraint:
        out.append(f"version {_show(old.constraint)} → {_show(new.constraint)}")
    if old.local_name != new.local_name:
        out.append(f"alias {old.local_name} → {new.local_name}")
    return out


def _ref_changes(old: ast.Reference, new: ast.Reference) -> list[str]:
    return [f"{f} {_show(getattr(old, f))} → {_show(getattr(new, f))}"
            for f in ("citation", "doi", "pmid", "url", "evidence") if getattr(old, f) != getattr(new, f)]


def _kind_changes(old: ast.Kind, new: ast.Kind) -> list[str]:
    olds = {v.name: v for v in old.values}
    news = {v.name: v for v in new.values}
    out = [f"value {n} added" for n in news if n not in olds]
    out += [f"value {n} removed" for n in olds if n not in news]
    out += [f"label of {n} changed" for n in news if n in olds and olds[n].label != news[n].label]
    return out


def _range(i: ast.Input) -> str:
    if i.low is None and i.high is None:
        return "no range"
    return f"from {_show(i.low)} to {_show(i.high)}"


def _input_changes(old: ast.Input, new: ast.Input) -> list[str]:
    out = []
    if old.type != new.type:
        out.append(f"type {_type_text(old.type)} → {_type_text(new.type)}")
    if (old.low, old.high) != (new.low, new.high):
        out.append(f"range {_range(old)} → {_range(new)}")
    if old.optional != new.optional:
        out.append("now optional" if new.optional else "now required")
    if old.description != new.description:
        out.append("description changed")
    return out




def _table_changes(old: ast.Table, new: ast.Table) -> list[str]:
    out = []
    if old.by != new.by:
        out.append(f"keys {', '.join(old.by)} → {', '.join(new.by)}")
    if old.result != new.result:
        out.append(f"result type {_type_text(old.result)} → {_type_text(new.result)}")
    return out


def _row_key(row: ast.Row) -> tuple[ast.RowKey, ...]:
    return row.keys


def _rule_name(rule: ast.Rule) -> str:
    return rule.name


def _rule_subject(decision: ast.Decision, rule: ast.Rule) -> str:
    return f"rule {decision.name}.{rule.name}"


def _row_subject(table: ast.Table, row: ast.Row) -> str:
    return f"table {table.name} row {', '.join(unparse.row_key(k) for k in row.keys) or 'otherwise'}"


def _row_changes(old: ast.Row, new: ast.Row) -> list[str]:
    out = [] if old.value == new.value else [_describe(old.value, new.value, "value")]
    return out + _notes(old.notes, new.notes)


def _decision_changes(old: ast.Decision, new: ast.Decision) -> list[str]:
    out = []
    if (old.outcomes, old.ordered) != (new.outcomes, new.ordered):
        sep_old, sep_new = (" > " if old.ordered else " | "), (" > " if new.ordered else " | ")
        out.append(f"outcomes {sep_old.join(old.outcomes)} → {sep_new.join(new.outcomes)}")
    if old.policy != new.policy:
        out.append(f"hit policy {old.policy} → {new.policy}")
    return out




def diff_modules(old: ast.Module, new: ast.Module, old_text: str = "", new_text: str = "",
                 old_scope: Scope | None = None, new_scope: Scope | None = None,
                 inputs_through_uses: Iterable[Change] = ()) -> tuple[Change, ...]:
    """Every semantic change from `old` to `new`, in the order of the page: metadata, inputs, … rules.

    With the source texts, each change carries the source of the item before and after. With scopes
    (what each version's `use`s resolve to), a renamed reference is followed to its formula, so that
    `dfi.over_12` → `dfi.over_24` is reported as `12 months → 24 months`. `inputs_through_uses` (`through_uses`)
    are placed after the guideline's own inputs.
    """
    return tuple(_Differ(old, new, old_text, new_text, old_scope, new_scope).run(inputs_through_uses))


def scope(kb: KnowledgeBase, module_id: str, version: str) -> Scope:
    """The definitions `module_id@version` can name, with its `use`s resolved as the compiler does."""
    picked = dict(kb.resolve(module_id, version).order)
    memo: dict[tuple[str, str], Scope] = {}

    def build(key: tuple[str, str]) -> Scope:
        if key not in memo:
            module = kb.source(*key).module
            assert module is not None
            memo[key] = Scope.of(module)  # placed first, so a cycle ends here
            memo[key].uses.update({u.local_name: build((u.module, picked[u.module]))
                                   for u in module.uses if u.module in picked})
        return memo[key]

    return build((module_id, version))


def diff_versions(kb: KnowledgeBase, guideline_id: str, v1: str, v2: str) -> GuidelineDiff:
    """What changed from version `v1` to `v2` of a guideline, and which cases change decision.

    Raises LookupError for an unknown guideline or version, EligoError if either version has errors,
    and CaseError if a stored case file cannot be read.
    """
    old, new = (kb.guideline(guideline_id, version=v, allow_draft=True) for v in (v1, v2))
    changes = diff_modules(old.module, new.module, kb.source(guideline_id, v1).text,
                           kb.source(guideline_id, v2).text, scope(kb, guideline_id, v1), scope(kb, guideline_id, v2),
                           through_uses(old, new))
    found = compare(old, new, comparison_cases(kb, guideline_id, (old, new)))
    opened = tuple(f"{g.version} {q.decision}.{q.rule}: {q.reason}" for g in (old, new) for q in open_questions(g.program))
    shared = tuple(name for name in new.decision_names if name in old.decision_names)
    return GuidelineDiff(guideline_id, v1, v2, changes, found.decision_changes, found.count, found.value_changes,
                         opened, found.not_comparable, len(found.not_comparable), shared)
