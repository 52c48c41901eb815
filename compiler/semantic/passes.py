"""Checks over whole lowered modules, as a declared sequence of passes (PASSES, each a function of a module
returning its diagnostics), then unused declarations, which need every module of the knowledge base."""

from __future__ import annotations

from collections.abc import Callable

from eligo import ir
from eligo.cases import CaseError, normalise
from eligo.dsl import ast
from eligo.dsl.diagnostics import Diagnostic, did_you_mean, error, warning
from eligo.ir import units
from eligo.ir.outcome import NO_OUTCOME, OPEN_OUTCOME
from eligo.ir.values import given_value
from eligo.semantic.module import LoweredModule
from eligo.semantic.quantities import spelling


def check_modules(lowered: list[LoweredModule]) -> list[Diagnostic]:
    """The lowering diagnostics of every module, then each of PASSES over it, then unused declarations (an input
    is used if its module, or a module using it, reads it or declares in a property that it does not depend on it)."""
    diagnostics: list[Diagnostic] = []
    read_keys = {name for module in lowered for name in module.referenced}
    for module in lowered:
        diagnostics.extend(module.diagnostics)
        for check in PASSES:
            diagnostics.extend(check(module))
        for prop in module.module.properties:
            read_keys |= _property_names(module, prop)
    read_inputs = inputs_read(lowered)
    for module in lowered:
        diagnostics.extend(check_unused(module, read_inputs.get(module.key, set()), read_keys))
    return diagnostics


def inputs_read(lowered: list[LoweredModule]) -> dict[str, set[str]]:
    """By module key, the inputs declared there that the module itself or a module using it (at any depth) reads,
    or names in a `does not depend on` property (kept on purpose). Another module declaring an input of the same
    name does not count.

    >>> from eligo.dsl import ast
    >>> a = LoweredModule("a", "1.0.0", ast.Module(ast.Header("a", "1.0.0"), ()), referenced={"x"})
    >>> b = LoweredModule("b", "1.0.0", ast.Module(ast.Header("b", "1.0.0"), ()), uses={"a": a})
    >>> sorted(inputs_read([a, b])["a@1.0.0"])
    ['x']
    """
    out: dict[str, set[str]] = {}
    for module in lowered:
        names = module.referenced | {name for prop in module.module.properties
                                     if isinstance(prop.body, ast.Independent) for name in prop.body.of}
        for reached in _reach(module):
            out.setdefault(reached.key, set()).update(names)
    return out


def _reach(module: LoweredModule) -> list[LoweredModule]:
    """The module and every module it uses, directly or through others."""
    seen: dict[str, LoweredModule] = {}
    stack = [module]
    while stack:
        current = stack.pop()
        if current.key not in seen:
            seen[current.key] = current
            stack.extend(current.uses.values())
    return list(seen.values())


def unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics without repeats (a module used by several reports its problems once)."""
    seen: set[tuple[str, str, int, int, str]] = set()
    out = []
    for d in diagnostics:
        key = (d.code, d.span.path, d.span.line, d.span.column, d.message)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def check_metadata(module: LoweredModule) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    header = module.module.header
    if header.status == "approved" and header.effective is None:
        out.append(error("E118", f"{header.name} {header.version} is approved but has no `effective` date",
                         header.span, "add `  effective YYYY-MM-DD` to the header"))
    keys = {r.key for r in module.module.references}
    for used in module.uses.values():
        keys |= {r.key for r in used.module.references}
    cited: set[str] = set()
    for item, notes in _annotated(module.module):
        for key in notes.cites:
            cited.add(key)
            if key not in keys:
                out.append(error("E119", f"`{key}` is not a declared reference", notes.span if notes.span.line else item,
                                 did_you_mean(key, keys) or f"declare it: `reference {key} \"Author, Journal Year\"`"))
    for reference in module.module.references:
        if reference.key not in cited:
            out.append(warning("W153", f"reference `{reference.key}` is never cited", reference.span,
                               "cite it from the rule or definition it supports, or remove it"))
    return out


def _annotated(module: ast.Module) -> list[tuple[ast.Span, ast.Annotations]]:
    out: list[tuple[ast.Span, ast.Annotations]] = []
    for item in module.items:
        match item:
            case ast.Define(notes=notes):
                out.append((item.span, notes))
            case ast.Table(rows=rows):
                out.extend((row.span, row.notes) for row in rows)
            case ast.Decision(rules=rules, default=default):
                out.extend((rule.span, rule.notes) for rule in rules)
                if default is not None:
                    out.append((default.span, default.notes))
    return out


def _node(module: LoweredModule, name: str) -> ir.Definition | ir.Decision | None:
    """The definition or decision `name` (or `alias.name`) as this module sees it."""
    if "." in name:
        alias, _, local = name.partition(".")
        used = module.uses.get(alias)
        return used.nodes.get(local) if used else None
    return module.nodes.get(name)


def _decision(module: LoweredModule, name: str) -> ir.Decision | None:
    node = _node(module, name)
    return node if isinstance(node, ir.Decision) else None


def _definition(module: LoweredModule, name: str) -> ir.Definition | None:
    node = _node(module, name)
    return node if isinstance(node, ir.Definition) else None


def check_examples(module: LoweredModule) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    inputs = module.visible_inputs
    for example in module.module.examples:
        for given in example.given:
            if given.name not in inputs:
                out.append(error("E115", f"example {example.title!r} gives `{given.name}`, which is not an input",
                                 given.span, did_you_mean(given.name, inputs)))
                continue
            if isinstance(given.value, ast.Quantity) and (unit := units.lookup(given.value.unit)) is not None:
                at = ast.Span(given.span.path, given.span.end_line, given.span.end_column - len(given.value.unit),
                              given.span.end_line, given.span.end_column)
                out += [w for w in [spelling(given.value.unit, unit, at, f"{given.name} {given.value.value} ")] if w]
            try:
                normalise({given.name: inputs[given.name]}, {given.name: given_value(given.value)})
            except CaseError as exc:
                problem = exc.problems[0]
                out.append(error("E116", f"example {example.title!r}: `{given.name}` {problem.message}", given.span,
                                 problem.hint))
        for expect in example.expects:
            out.extend(_check_expect(module, example, expect))
    return out


def _check_expect(module: LoweredModule, example: ast.Example, expect: ast.Expectation) -> list[Diagnostic]:
    decision = _decision(module, expect.target)
    if decision is None:
        if _definition(module, expect.target) is not None:
            return []
        names = [*module.nodes, *(f"{a}.{n}" for a, u in module.uses.items() for n in u.nodes)]
        return [error("E117", f"example {example.title!r} expects `{expect.target}`, which is neither a decision "
                      "nor a definition", expect.span, did_you_mean(expect.target, names))]
    out = []
    if isinstance(expect, ast.ExpectValue):
        value = expect.value.name if isinstance(expect.value, ast.Ref) else None
        if value not in decision.outcomes:
            out.append(error("E117", f"`{value if value else 'this value'}` is not an outcome of `{expect.target}`",
                             expect.span, did_you_mean(value or "", decision.outcomes)
                             or f"its outcomes are: {', '.join(decision.outcomes)}"))
        rules = [r.name for r in decision.rules] + (["otherwise"] if decision.default else [])
        if expect.by_rule is not None and expect.by_rule not in rules:
            out.append(error("E117", f"`{expect.target}` has no rule `{expect.by_rule}`", expect.span,
                             did_you_mean(expect.by_rule, rules)))
    elif isinstance(expect, ast.ExpectOpen):
        open_rules = [r.name for r in decision.rules if r.is_open] + \
            (["otherwise"] if decision.default is not None and decision.default.is_open else [])
        if not open_rules:
            out.append(error("E117", f"`{expect.target}` declares no open question", expect.span,
                             "an open question is a rule `when … then open because \"…\"`"))
        elif expect.by_rule is not None and expect.by_rule not in open_rules:
            out.append(error("E117", f"`{expect.target}` has no open question `{expect.by_rule}`", expect.span,
                             did_you_mean(expect.by_rule, open_rules) or f"its open questions: {', '.join(open_rules)}"))
    else:
        for name in expect.missing or ():
            if name not in module.visible_inputs:
                out.append(error("E115", f"`{name}` in the missing list is not an input", expect.span,
                                 did_you_mean(name, module.visible_inputs)))
        for name in expect.possible or ():
            if name not in (*decision.outcomes, NO_OUTCOME, OPEN_OUTCOME):
                out.append(error("E117", f"`{name}` in the possible set is not an outcome of `{expect.target}`",
                                 expect.span, did_you_mean(name, decision.outcomes)
                                 or f"its outcomes are: {', '.join(decision.outcomes)} (and `none`: no rule applies)"))
    return out


def _property_names(module: LoweredModule, prop: ast.Property) -> set[str]:
    names: set[str] = set()
    match prop.body:
        case ast.Monotone(target, _, over, _):
            names = {target, over}
        case ast.Added(target, _, _, over):
            names = {target, over}
        case ast.Independent(target, of):
            names = {target, *of}
        case ast.Implies(condition, target, _):
            names = {target} | {n.name for n in ast.walk(condition) if isinstance(n, ast.Ref)}
    keys = set()
    for name in names:
        node = _decision(module, name) or _definition(module, name)
        keys.add(node.key if node else name)
    return keys


def check_properties(module: LoweredModule) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for prop in module.module.properties:
        body = prop.body
        match body:
            case ast.Monotone(target, _, over, _):
                decision = _decision(module, target)
                definition = _definition(module, target)
                if decision is None and definition is None:
                    out.append(_unknown_target(module, target, body.span))
                elif decision is not None and not decision.ordered:
                    out.append(error("E131", f"decision `{target}` has unordered outcomes, so it cannot increase or "
                                     "decrease", body.span, "order its outcomes best first: `a > b > c`"))
                if over not in module.visible_inputs and _definition(module, over) is None:
                    out.append(error("E131", f"`{over}` is neither an input nor a definition", body.span,
                                     did_you_mean(over, [*module.visible_inputs, *module.nodes])))
            case ast.Added():
                out.extend(_check_added(module, body))
            case ast.Independent(target, of):
                if _decision(module, target) is None and _definition(module, target) is None:
                    out.append(_unknown_target(module, target, body.span))
                for name in of:
                    if name not in module.visible_inputs:
                        out.append(error("E131", f"`{name}` is not an input", body.span,
                                         did_you_mean(name, module.visible_inputs)))
            case ast.Implies(_, target, outcome):
                decision = _decision(module, target)
                if decision is None:
                    out.append(_unknown_target(module, target, body.span))
                elif outcome not in decision.outcomes:
                    out.append(error("E131", f"`{outcome}` is not an outcome of `{target}`", body.span,
                                     did_you_mean(outcome, decision.outcomes)))
    return out


def _check_added(module: LoweredModule, body: ast.Added) -> list[Diagnostic]:
    """`D never increases as a lesion is added to lesions`: D has an order, `lesions` is a list input, and the
    noun names its record (or is `element`)."""
    out: list[Diagnostic] = []
    decision, definition = _decision(module, body.target), _definition(module, body.target)
    if decision is None and definition is None:
        out.append(_unknown_target(module, body.target, body.span))
    elif decision is not None and not decision.ranked:
        out.append(error("E133", f"decision `{body.target}` has no ordered outcomes, so adding an element cannot "
                         "raise or lower it", body.span, "order its outcomes best first: `a > b > c`"))
    elif definition is not None and definition.type.kind not in ("bool", "number", "quantity"):
        out.append(error("E133", f"`{body.target}` is {definition.type.describe()}, which has no order", body.span,
                         "name a decision with ordered outcomes, or a yes/no or numeric definition"))
    info = module.visible_inputs.get(body.over)
    if info is None or info.type.kind != "list":
        lists = [n for n, i in module.visible_inputs.items() if i.type.kind == "list"]
        what = "an input" if info is not None else "neither an input nor visible here"
        out.append(error("E133", f"`{body.over}` is {what}, not a list of records: an element can only be added "
                         "to a list", body.span, did_you_mean(body.over, lists)
                         or (f"the list inputs are: {', '.join(lists)}" if lists else
                             "use `… never increases as X increases` for a number")))
        return out
    record = (info.type.name or "").split(":")[-1]
    if body.element not in ("element", record):
        out.append(error("E133", f"`{body.over}` is a list of `{record}`, not of `{body.element}`", body.span,
                         f"write `as a{'n' if record[:1] in 'aeiou' else ''} {record} is added to {body.over}` "
                         f"(or `as an element is added to {body.over}`)"))
    return out


def _unknown_target(module: LoweredModule, target: str, span: ast.Span) -> Diagnostic:
    return error("E131", f"the property is about `{target}`, which is neither a decision nor a definition", span,
                 did_you_mean(target, module.nodes))


def check_unused(module: LoweredModule, read_inputs: set[str], read_keys: set[str]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for name, info in module.inputs.items():
        if name not in read_inputs:
            out.append(warning("W150", f"input `{name}` is never used", info.span,
                               "use it in a definition or rule, or remove it; if it is recorded on purpose, say so "
                               f"with a property: `DECISION does not depend on {name}`"))
    expected = {e.target for ex in module.module.examples for e in ex.expects}
    for name, node in module.nodes.items():
        if isinstance(node, ir.Definition) and node.key not in read_keys and name not in expected:
            out.append(warning("W151", f"definition `{name}` is never used", node.span,
                               "use it in a rule, or remove it"))
    for name, table in module.tables.items():
        if module.global_key(name) not in read_keys:
            out.append(warning("W151", f"table `{name}` is never used", table.span,
                               f"look it up with `{name}[{', '.join(table.by)}]`, or remove it"))
    return out


PASSES: tuple[Callable[[LoweredModule], list[Diagnostic]], ...] = (check_metadata, check_examples, check_properties)
