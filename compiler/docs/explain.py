"""How a result was reached, as prose: the rules that decided each outcome, with the patient's values.

The sentences come from the same generator as the rule summaries (`prose`), read against the trace
of one evaluation: a condition is described as it stood for this patient (never as a double
negative), a definition from a shared module is opened in place so its thresholds show where they
are used, values are in the author's units, and rules after the deciding one are left out.

`lines` builds the explanation once, as indented Markdown lines; `markdown`, `text` and `renderable`
write it for the site, a plain or coloured terminal, and Rich.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.text import Text

from eligo import dsl
from eligo.docs import links, prose
from eligo.dsl import ast
from eligo.ir import units

DEPTH = 6  # levels of conditions opened inside one another, at most
_OPS = {"<": "less than", "<=": "at most", ">": "more than", ">=": "at least", "=": "", "!=": "not"}
_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}
_MARKUP = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*|\[[^\]]+\]\([^)]+\))")
_ESCAPED = re.compile(r"\\(.)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_UNTRACED = object()  # a sub-condition whose value the trace does not record
_HEADS = {"all of these:": "as all of these do:", "because of all of these:": "because of all of these:"}


@dataclass(frozen=True, slots=True)
class Line:
    depth: int
    text: str  # Markdown: **bold**, *italic*, [links](…)


@lru_cache(maxsize=128)
def _parse(path: str, text: str) -> ast.Module:
    return dsl.parse(text, path)


class _Reader:
    """One result read against the modules its trace passed through."""

    def __init__(self, guideline: Any, result: Any, vocab: prose.Vocabulary | None,
                 facts: Mapping[str, object], on_page: bool) -> None:
        self.on_page = on_page  # Markdown for a guideline page: references link to its list
        self.guideline = guideline
        self.result = result
        self.facts = facts
        self.own: ast.Module = guideline.module
        self.vocab = vocab or prose.Vocabulary.of(self.own, inputs=(), kind_labels=None)
        self.inputs: Mapping[str, Any] = getattr(guideline, "inputs", {})
        self.steps: dict[tuple[str, int, int], Any] = {}
        self.rules: dict[tuple[str, str], Any] = {}
        self.modules: dict[str, ast.Module] = {self.own.header.name: self.own}
        for step in result.trace:
            span = step.span
            if step.kind == "rule":
                self.rules[(step.decision, step.rule)] = step.value
            elif step.kind in ("condition", "lookup") and span is not None:
                self.steps[(span.path, span.line, span.column)] = step
            if span is not None and span.path not in self.modules and Path(span.path).is_file():
                module = _parse(span.path, Path(span.path).read_text(encoding="utf-8"))
                self.modules[span.path] = module
                self.modules[module.header.name] = module

    # ------------------------------------------------------------ names and values
    def resolve(self, name: str, module: ast.Module) -> tuple[ast.Module, str]:
        """The module that declares `name` as read in `module`, and its bare name."""
        if "." in name:
            alias, bare = name.split(".", 1)
            for use in module.uses:
                if use.local_name == alias and use.module in self.modules:
                    return self.modules[use.module], bare
        return module, name

    def define(self, name: str, module: ast.Module) -> tuple[ast.Module, ast.Define] | None:
        home, bare = self.resolve(name, module)
        found = next((d for d in home.defines if d.name == bare), None)
        return (home, found) if found else None

    def value_of(self, name: str, module: ast.Module) -> object:
        home, bare = self.resolve(name, module)
        key = bare if home is self.own else f"{home.header.name}.{bare}"
        if key in self.result.values:
            return self.result.values[key]
        return self.facts.get(bare, _UNTRACED) if bare in self.inputs else _UNTRACED

    def plain(self, module: ast.Module) -> prose.Vocabulary:
        """The words of a used module, without links (its names are not on this page)."""
        words = prose.Vocabulary.of(module)
        return prose.Vocabulary(kind_labels=words.kind_labels, yes_no=words.yes_no, decisions=words.decisions,
                                uses=words.uses)

    def label(self, name: str, module: ast.Module) -> str:
        if module is self.own and name in self.vocab.links:
            return self.vocab.name(name)
        home, bare = self.resolve(name, module)
        return prose.labels_of(home).get(bare) or self.plain(home).kind_labels.get(bare) or prose.humanize(bare)

    def unit_of(self, expr: ast.Expr, module: ast.Module) -> str | None:
        """The unit an author wrote for this value: a literal's, a constant's, or an input's declared unit."""
        match expr:
            case ast.Quantity(_, unit):
                return unit
            case ast.Neg(inner):
                return self.unit_of(inner, module)
            case ast.Elapsed(unit):
                return unit
            case ast.Ref(name):
                found = self.define(name, module)
                if found:
                    return self.unit_of(found[1].expr, found[0])
                info = self.inputs.get(self.resolve(name, module)[1])
                return getattr(info, "unit", None)
        return None

    def shown(self, value: object, unit: str | None) -> str:
        if value is None:
            return "missing"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int | float):
            known = units.UNITS.get(unit or "")
            number = float(value) / known.factor if known else float(value)
            text = f"{number:.1f}".removesuffix(".0").replace("-", "−")
            return f"{text}%" if unit == "%" else f"{text} {unit}" if unit else text
        return self.vocab.kind_labels.get(str(value), prose.humanize(str(value)))

    def truth(self, expr: ast.Expr, module: ast.Module) -> object:
        """True, False or None (unknown) as this evaluation found it, or _UNTRACED."""
        match expr:
            case ast.Not(inner):
                value = self.truth(inner, module)
                return value if value is None or value is _UNTRACED else not value
            case ast.Ref(name):
                return self.value_of(name, module)
            case ast.Bool(b):
                return b
            case ast.IfThen(cond, then, otherwise):
                which = self.truth(cond, module)
                return self.truth(then if which else otherwise, module) if isinstance(which, bool) else _UNTRACED
            case ast.BoolOp(op, operands):
                values = [self.truth(o, module) for o in operands]
                decisive = op == "or"
                if decisive in values:
                    return decisive
                if _UNTRACED in values:
                    return _UNTRACED
                return None if None in values else not decisive
        step = self.steps.get((expr.span.path, expr.span.line, expr.span.column))
        return _UNTRACED if step is None else step.value

    # ------------------------------------------------------------ sentences
    def describe(self, expr: ast.Expr, module: ast.Module, holds: object, depth: int) -> list[Line]:
        """What stood for this patient: `expr` when it holds, its opposite when it does not."""
        match expr:
            case ast.Not(inner):
                flipped = holds if holds is None or holds is _UNTRACED else not holds
                return self.describe(inner, module, flipped, depth)
            case ast.BoolOp(op, operands):
                forced = holds if (holds is True and op == "and") or (holds is False and op == "or") else _UNTRACED
                parts = [(o, forced if forced is not _UNTRACED else self.truth(o, module)) for o in operands]
                if (holds is True and op == "or") or (holds is False and op == "and") or holds is None:
                    parts = [(o, v) for o, v in parts if v is holds] or parts
                    head = "because of all of these:"
                else:
                    head = "all of these:"
                if len(parts) == 1:
                    return self.describe(parts[0][0], module, parts[0][1], depth)
                out = [Line(depth, head)]
                for operand, value in parts:
                    out.extend(self.describe(operand, module, value, depth + 1))
                return out
            case ast.Ref(name):
                return self._ref(name, module, holds, depth)
            case ast.IfThen(cond, then, otherwise):
                which = self.truth(cond, module)
                if which is True or which is False:
                    because = self.describe(cond, module, which, depth)
                    branch = self.describe(then if which else otherwise, module, holds, depth)
                    if len(because) == 1 and len(branch) == 1:
                        return [Line(depth, f"as {because[0].text}, {branch[0].text}")]
                    return [*because, *branch]
            case ast.Compare(op, left, right):
                return [Line(depth, self._compare(expr, op, left, right, module, holds))]
        sentence = prose.condition(expr, self.vocab if module is self.own else self.plain(module))
        return [Line(depth, f"{sentence}: {self._verdict(holds)}")]

    def _ref(self, name: str, module: ast.Module, holds: object, depth: int) -> list[Line]:
        found = self.define(name, module)
        label = self.label(name, module)
        if found is None:  # a yes/no input
            value = holds if holds is not _UNTRACED else self.value_of(name, module)
            return [Line(depth, f"{label} is {self.shown(value, None) if value is not _UNTRACED else 'not known'}")]
        home, define = found
        state = _word(holds, "holds", "does not hold", "")
        lead = f"**{label}** {state}".rstrip()
        if depth >= DEPTH or not isinstance(define.expr, ast.Compare | ast.BoolOp | ast.Not | ast.Ref | ast.IfThen):
            return [Line(depth, lead)]
        inner = self.describe(define.expr, home, holds, depth + 1)
        if len(inner) == 1:
            return [Line(depth, f"{lead}: {inner[0].text}")]
        if inner[0].text in _HEADS:  # "X holds: all of these:" reads as "X holds, as all of these do:"
            return [Line(depth, f"{lead}, {_HEADS[inner[0].text]}"),
                    *(Line(line.depth - 1, line.text) for line in inner[1:])]
        return [Line(depth, lead + ":"), *inner]

    def _compare(self, node: ast.Compare, op: str, left: ast.Expr, right: ast.Expr, module: ast.Module,
                 holds: object) -> str:
        """`the disease-free interval is 17.4 months, more than 12 months` (or `not more than`)."""
        step = self.steps.get((node.span.path, node.span.line, node.span.column))
        operands = tuple(getattr(step, "operands", ()) or ())
        unit = self.unit_of(right, module) or self.unit_of(left, module)
        vocab = self.vocab if module is self.own else self.plain(module)
        if len(operands) != 2:
            return f"{prose.condition(node, vocab)}: {self._verdict(holds)}"
        subject, value = prose.phrase(left, vocab), self.shown(operands[0], unit)
        if operands[0] is None and isinstance(left, ast.ListOp):  # a list with unknown fields, or not complete
            if holds is None:
                return f"{subject} is not known yet: the list is incomplete, or a field of an element is missing"
            return f"{subject} is not known exactly, but whatever it is, {prose.condition(node, vocab)}: " \
                   f"{self._verdict(holds)}"
        if operands[0] is None:
            return f"{subject} is missing"
        target = self._constant(right, module, unit, operands[1])
        if holds is None:
            return f"{subject} is {value}; {target} is not known"
        if op in ("=", "!="):
            equal = (op == "=") == (holds is True)
            return f"{subject} is {value}" if equal else f"{subject} is {value}, not {target}"
        if not holds and op in ("<=", ">="):  # "not at most 3 months" reads better as "more than 3 months"
            return f"{subject} is {value}, {_OPS[_NEGATED[op]]} {target}"
        return f"{subject} is {value}, {'' if holds else 'not '}{_OPS[op]} {target}"

    def _constant(self, expr: ast.Expr, module: ast.Module, unit: str | None, value: object) -> str:
        """The other side of a comparison as the author wrote it: `12 months`, `−50%`, a kind's label."""
        match expr:
            case ast.Quantity() | ast.Number() | ast.Bool() | ast.DateLit():
                return prose.value(expr, self.vocab)
            case ast.Neg(ast.Number() | ast.Quantity() as lit):
                return "−" + prose.value(lit, self.vocab)
            case ast.Ref(name) if (found := self.define(name, module)) and isinstance(
                    found[1].expr, ast.Quantity | ast.Number | ast.Neg):
                return self._constant(found[1].expr, found[0], unit, value)
            case ast.Ref(name) if isinstance(value, str):
                return self.shown(value, unit)
            case ast.Ref(name):
                return f"{self.label(name, module)} ({self.shown(value, unit)})"
        return self.shown(value, unit)

    @staticmethod
    def _verdict(holds: object) -> str:
        return _word(holds, "yes", "no", "see above")

    # ------------------------------------------------------------ decisions
    def decision(self, decision: ast.Decision) -> list[Line]:
        outcome = self.result.decisions.get(decision.name)
        if outcome is None:
            return []
        topic = self.vocab.name(decision.name) if decision.name not in self.vocab.links else \
            prose.humanize(decision.name)
        value = getattr(outcome, "value", None)
        status = getattr(outcome, "status", "decided")
        if status == "unknown":
            missing = [self.vocab.name(m) for m in getattr(outcome, "missing", ()) or ()]
            possible = [prose.humanize(str(p)) for p in getattr(outcome, "possible", ()) or ()]
            head = f"**{prose.first_upper(topic)}: unknown.** It cannot be decided yet" + (
                f": it needs {prose._join(missing, 'and')}" if missing else "") + "."
            if possible:
                head += f" Still possible: {prose._join(possible, 'or')}."
        elif status == "open":
            rule = getattr(outcome, "rule", None)
            head = (f"**{prose.first_upper(topic)}: an open question**" + (
                f" (rule *{_rule_label(decision, rule)}*)" if rule and rule != "otherwise" else "")
                + ". The guideline deliberately does not settle this case; the committee's reason follows.")
        else:
            shown = ", ".join(prose.humanize(str(v)) for v in value) if isinstance(value, tuple | list | frozenset) \
                else prose.humanize(str(value))
            rule = getattr(outcome, "rule", None)
            how = "no rule applies, so the default outcome holds" if rule == "otherwise" else \
                f"by rule *{_rule_label(decision, rule)}*" if rule else ""
            head = f"**{prose.first_upper(topic)}: {shown}**" + (f" ({how})." if how else ".")
        out = [Line(0, head)]
        out.extend(Line(1, f"*Because* {links.text(text)}") for text in getattr(outcome, "because", ()) or ())
        cites = getattr(outcome, "cites", ()) or ()
        if cites:
            citations = getattr(self.result, "references", {}) or {}
            out.append(Line(1, "*Sources:* " + "; ".join(
                f"[{key}](#{prose.anchor('ref', key)})" if self.on_page else
                f"{key}: {links.text(citations[key])}" if key in citations else key for key in cites)))
        deciding = getattr(outcome, "rule", None)
        for number, rule in enumerate(decision.rules, start=1):
            applied = self.rules.get((decision.name, rule.name), _UNTRACED)
            if applied is _UNTRACED:
                continue
            if (decision.policy == "first" and applied is False and deciding not in (None, rule.name)) or \
                    applied is not False:
                verdict = _word(applied, "applies", "does not apply", "")
                name = getattr(rule.notes, "label", None) or prose.humanize(rule.name)
                lead = f"Rule {number}, *{name}* ({prose.humanize(rule.outcome)}), {verdict}"
                inner = self.describe(rule.condition, self.own, applied, 2)
                if len(inner) == 1:
                    out.append(Line(1, f"{lead}: {inner[0].text}."))
                else:
                    out.append(Line(1, lead + ":"))
                    out.extend(inner)
            if decision.policy == "first" and (rule.name == deciding or applied is None):
                break
        return out


def _rule_label(decision: ast.Decision, name: str) -> str:
    """The author's label of rule `name`, or its name in words."""
    rule = next((r for r in decision.rules if r.name == name), None)
    return (getattr(rule.notes, "label", None) if rule is not None else None) or prose.humanize(name)


def _word(holds: object, true: str, false: str, untraced: str) -> str:
    """The word for a three-valued truth: `true`, `false`, "cannot be decided yet", or `untraced`."""
    if holds is None:
        return "cannot be decided yet"
    return true if holds is True else false if holds is False else untraced


def lines(guideline: Any, result: Any, vocab: prose.Vocabulary | None = None,
          case: Mapping[str, Any] | None = None, on_page: bool = False) -> list[Line]:
    """The explanation of every decision of `guideline` in `result`, as indented Markdown lines.

    `case` (the patient's facts as given) lets yes/no inputs inside a condition show their values.
    """
    facts: Mapping[str, object] = {}
    if case is not None:
        try:
            facts = guideline.prepare(case)
        except Exception:  # a case the evaluator refused has no values to show
            facts = {}
    reader = _Reader(guideline, result, vocab, facts, on_page)
    out: list[Line] = []
    for decision in reader.own.decisions:
        out.extend(reader.decision(decision))
    return out


def markdown(guideline: Any, result: Any, vocab: prose.Vocabulary | None = None,
             case: Mapping[str, Any] | None = None) -> str:
    """The explanation as a Markdown list (nested for the conditions a rule depends on)."""
    out = []
    for line in lines(guideline, result, vocab, case, on_page=True):
        out.append("    " * (line.depth - 1) + "- " + line.text if line.depth else "\n" + line.text + "\n")
    return "\n".join(out).strip() + "\n"


def renderable(guideline: Any, result: Any, case: Mapping[str, Any] | None = None) -> Group:
    """The explanation as Rich renderables: outcomes in colour, names in bold, conditions indented."""
    parts: list[Any] = [Text(f"{guideline.title} {guideline.version}", style="bold")]
    for line in lines(guideline, result, case=case):
        text = Text()
        if line.depth == 0:
            parts.append(Text())
            _inline(text, line.text, "yellow" if ": unknown." in line.text else "green")
            parts.append(text)
            continue
        text.append("• ")
        _inline(text, line.text, "")
        parts.append(Padding(text, (0, 0, 0, 2 * (line.depth - 1)), expand=False))
    return Group(*parts)


def _inline(text: Text, markup: str, colour: str) -> None:
    """Append Markdown-lite `markup` (**bold**, *italic*, [text](link)) to Rich `text`."""
    for piece in _MARKUP.split(markup):
        if piece.startswith("**"):
            text.append(_plain_text(_LINK.sub(r"\1", piece[2:-2])), style=f"bold {colour}".strip())
        elif piece.startswith("*") and len(piece) > 1:
            text.append(_plain_text(piece[1:-1]), style="italic")
        elif piece.startswith("["):
            text.append(_plain_text(piece[1:piece.index("]")]))
        else:
            text.append(_plain_text(piece))


def _plain_text(markdown_text: str) -> str:
    """Markdown-escaped text (`links.text`) as the author wrote it."""
    return html.unescape(_ESCAPED.sub(r"\1", markdown_text))


def explain(guideline: Any, result: Any, *, case: Mapping[str, Any] | None = None, colour: bool = False,
            width: int = 100) -> str:
    """The explanation as terminal text, coloured with ANSI codes when `colour` is set."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=colour, color_system="standard" if colour else None,
                      width=width, highlight=False)
    console.print(renderable(guideline, result, case))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
