"""One compiled guideline version as a self-contained ES module: the hand-written runtime, the generated `run`, and
the guideline as data (inputs, rules, the inputs each rule can read, and the value classes of each input from
eligo.ir.domains, computed here once for the exact refinement).

The module exports `evaluate(case, options)`, returning what `eligo eval --json` gives for decisions and values;
`guideline` (id, version, SHA-256, title, status); `inputs` (what a case may hold); `CaseError` and `NA`.
"""

from __future__ import annotations

import json
import re
import typing
from importlib import resources
from typing import TYPE_CHECKING, Any

from eligo import ir
from eligo.compiled.ranges import arithmetic_only, declared_ends
from eligo.ir import domains as ir_domains
from eligo.ir import lists, units
from eligo.ir.list_domains import ListDomain
from eligo.js.codegen import JsGenerator, ValueGenerator
from eligo.version import __version__

if TYPE_CHECKING:
    from eligo.compiled.guideline import Guideline


RUNTIME = ("kleene.mjs", "cases.mjs", "lists.mjs", "cuts.mjs", "exact.mjs")  # the hand-written runtime's parts, in order


def runtime_source() -> str:
    folder = resources.files("eligo.js").joinpath("runtime")
    return "\n".join(folder.joinpath(part).read_text(encoding="utf-8") for part in RUNTIME)


def input_metadata(info: ir.InputInfo) -> dict[str, Any]:
    """What the runtime needs to check a value of this input as eligo.cases does, and what a form shows."""
    typ = info.type
    example = f"\"18{info.unit}\"" if info.unit == "%" else f"\"18 {info.unit or 'months'}\""
    unit = units.lookup(info.unit) if info.unit else None
    return {
        "factor": unit.factor if unit and typ.kind == "quantity" else 1.0,
        "ends": declared_ends(info),
        "name": info.name,
        "kind": typ.kind,
        "integer": typ.integer,
        "dimension": typ.dimension,
        "values": list(typ.values) if typ.kind == "enum" else [],
        "unit": info.unit,
        "unitShown": unit.shown if unit else info.unit,
        "low": info.low,
        "high": info.high,
        "lowStr": str(info.low) if info.low is not None else None,
        "lowG": f"{info.low:g}" if info.low is not None else None,
        "highG": f"{info.high:g}" if info.high is not None else None,
        "optional": info.optional,
        "description": info.description,
        "spec": info.spec,
        "describe": typ.describe(),
        "expected": f"expected {typ.describe()} such as {example} or a number in {info.unit}",
        "fields": [input_metadata(f) for f in info.fields],  # a list's record
    }


def _rule(rule: ir.Rule) -> dict[str, Any]:
    return {"name": rule.name, "outcome": rule.outcome, "because": list(rule.because), "cites": list(rule.cites)}


def _site(site: ir_domains.Site, expressions: list[ir.Node]) -> dict[str, Any]:
    """A comparison that cuts a relative input (eligo.ir.domains.Site); expressions become indices into EXPRS."""
    def operand(value: object) -> object:
        if isinstance(value, typing.get_args(ir.Node)):
            expressions.append(value)
            return {"fn": len(expressions) - 1}
        if isinstance(value, tuple):  # the numbers an `if` or a table of constants can give
            return {"points": list(value)}
        return _plain(value)

    against = {"values": [_plain(v) for v in site.against]} if isinstance(site.against, tuple) else operand(site.against)
    return {"steps": [{"op": step.op, "operand": operand(step.operand), "left": step.left} for step in site.steps],
            "against": against,
            "pair": {"unit": site.pair.unit, "start": site.pair.start, "end": site.pair.end} if site.pair else None}


def program_data(guideline: Guideline, expressions: list[ir.Node] | None = None) -> dict[str, Any]:
    """The guideline as the runtime reads it (PROGRAM); JSON, with dates as "YYYY-MM-DD". The expressions that
    relative inputs' cut points read are appended to `expressions` (written as the functions EXPRS)."""
    expressions = [] if expressions is None else expressions
    program = guideline.program
    facts = guideline.facts
    nodes: list[dict[str, Any] | None] = []
    for node in program.nodes:
        if not isinstance(node, ir.Decision):
            nodes.append(None)
            continue
        nodes.append({
            "name": node.name, "policy": node.policy, "outcomes": list(node.outcomes),
            "rules": [_rule(r) for r in node.rules], "default": _rule(node.default) if node.default else None,
            "cones": [list(inputs) for inputs in guideline.rule_inputs[node.key]],
            # as Python's: a decision whose completions cannot be kept apart from the data stays three-valued
            "completable": node.policy != "collect" and guideline.code.completion(node.key) is not None,
            "reads": [i for i, n in enumerate(program.nodes) if n.key in facts.closure({node.key})],
            "lists": {name: _list_domain(found) for (key, name), found in guideline.domains.lists.items()
                      if key == node.key and found is not None},  # eligo.ir.list_domains, for listCompletions
        })
    own = set(program.own_decisions)
    classes = guideline.domains.classes
    return {
        "id": guideline.id, "version": guideline.version, "sha256": guideline.sha256,
        "inputs": {name: input_metadata(info) for name, info in program.inputs.items()},
        "units": {spelling: {"name": u.name, "dimension": u.dimension, "factor": u.factor}
                  for spelling, u in units.UNITS.items()},
        "nodes": nodes,
        "own": [i for i, n in enumerate(program.nodes) if isinstance(n, ir.Decision) and n.key in own],
        "values": [[program.value_name(n), i] for i, n in enumerate(program.nodes) if isinstance(n, ir.Definition)],
        "definitions": {i: _definition(guideline, n) for i, n in enumerate(program.nodes) if isinstance(n, ir.Definition)},
        "domains": {name: None if values is None else [_plain(v) for v in values] for name, values in classes.items()},
        "joint": _joint(guideline),
        "relative": {name: {"cuts": [[_plain(cut), side] for cut, side in dict(guideline.domains.cuts.get(name, {})).items()],
                            "sites": [_site(site, expressions) for site in sites]}
                     for name, sites in guideline.domains.sites.items() if sites and classes.get(name) is None},
    }


def _list_domain(domain: ListDomain) -> dict[str, Any]:
    """A list's classes and effects as the runtime's listCompletions reads them (eligo.ir.list_domains)."""
    return {"fields": list(domain.fields), "reps": [list(r) for r in domain.reps],
            "cuts": [None if c is None else list(c) for c in domain.cuts], "ops": [list(o) for o in domain.ops],
            "classes": [list(c) for c in domain.classes], "effects": [list(e) for e in domain.effects],
            "names": list(domain.names), "groups": [list(g) for g in domain.groups],
            "points": [list(p) for p in domain.points]}


def _definition(guideline: Guideline, node: ir.Definition) -> dict[str, Any]:
    """What eligo.compiled.ranges reads of a definition to say what it may still be when unknown: the inputs it
    reads, whether it observes the data, and the chains of arithmetic its multilinearity is judged by."""
    aggregate = lists.bounded(node.expr, guideline.facts.nodes)
    chains_of = getattr(guideline.domains, "chains_of", None)
    found = chains_of(node.expr) if chains_of is not None else None
    chains = None if found is None else [
        [None if isinstance(subject, ir_domains.Pair) else subject, any(s.op == "/" and s.left for s in steps)]
        for subject, steps in found]
    return {"kind": node.type.kind, "values": list(node.type.values) if node.type.kind == "enum" else [],
            "bounded": aggregate is not None,  # its bounds in BOUNDS
            "everyElement": aggregate is not None and lists.every_element(aggregate, guideline.program.inputs),
            "cone": sorted(guideline.facts.cone_of(node.key)),
            "observes": _observes(guideline, node.expr), "chains": chains,
            "arithmetic": arithmetic_only(guideline, node.expr)}


def _observes(guideline: Guideline, node: ir.Node) -> bool:
    """Whether `node` reads whether the data holds a value (`is missing`, `is known`, `first known of`), directly
    or through the definitions it reads."""
    seen: set[str] = set()
    stack = [node]
    while stack:
        for sub in ir.walk(stack.pop()):
            if isinstance(sub, ir.FirstKnown) or (isinstance(sub, ir.Test) and sub.test != "none"):
                return True
            target = guideline.facts.nodes.get(sub.key) if isinstance(sub, ir.DefRef) else None
            if isinstance(target, ir.Definition) and target.key not in seen:
                seen.add(target.key)
                stack.append(target.expr)
    return False


def _joint(guideline: Guideline) -> list[dict[str, Any]]:
    """The pairs of dates read only as the time between them, with the completions of both missing at once (one
    (start, end) per class of that time, from eligo.compiled.cuts), in the order eligo.compiled.exact tries them."""
    from eligo.compiled import cuts  # the exact step's cut points, computed once here

    pairs = getattr(guideline.domains, "joint", {})
    completions = getattr(cuts, "joint", None)
    if not pairs or completions is None:
        return []
    return [{"start": pair.start, "end": pair.end,
             "completions": [[_plain(a), _plain(b)] for a, b in completions(guideline.domains, pair)]}
            for pair in pairs]


def _plain(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


def to_js(guideline: Guideline) -> str:
    """The guideline version as an ES module (see the module docstring)."""
    expressions: list[ir.Node] = []
    program = program_data(guideline, expressions)
    values = ValueGenerator(guideline.program)
    exprs = ",\n  ".join(f"(c) => {values.expr(node)}" for node in expressions)
    writer = JsGenerator(guideline.program)  # a count, sum or distinct of a list: its bounds, for unknown_values
    bounds = ",\n  ".join(f"{i}: (c) => {writer.list_bounds(found)}" for i, n in enumerate(guideline.program.nodes)
                          if isinstance(n, ir.Definition) and (found := lists.bounded(n.expr, guideline.facts.nodes)))
    about = {"id": guideline.id, "version": guideline.version, "sha256": guideline.sha256,
             "title": guideline.title, "status": guideline.status,
             "effective": guideline.effective.isoformat() if guideline.effective else None,
             "compiler": __version__}
    inputs = list(program["inputs"].values())
    return "\n".join([
        f"// {guideline.id} {guideline.version}, generated by eligo {__version__} (`eligo js`); do not edit.",
        f"// sha256 of the source: {guideline.sha256}",
        runtime_source(),
        "// ------------------------------------------------------------------ this guideline",
        JsGenerator(guideline.program).write(),
        f"const PROGRAM = {json.dumps(program, indent=None)};",
        f"const EXPRS = [\n  {exprs}\n];",
        f"const BOUNDS = {{\n  {bounds}\n}};",
        f"export const guideline = Object.freeze({json.dumps(about)});",
        f"export const inputs = Object.freeze({json.dumps(inputs)});",
        "export const decisions = Object.freeze(PROGRAM.own.map((i) => PROGRAM.nodes[i].name));",
        "/** Validate `input` and decide every decision of this guideline, as `eligo eval --json` does (without its",
        " * trace). Throws CaseError (with `problems`: field, message, hint) for a case Eligo refuses. */",
        "export function evaluate(input, options = {}) { return evaluateWith(PROGRAM, run, EXPRS, input, options); }",
        "",
    ])


def to_script(guideline: Guideline) -> str:
    """The same module as a classic script, for pages opened from disk (browsers load ES modules only over http):
    it registers itself as `globalThis.eligoGuidelines["id@version"]`."""
    body = re.sub(r"^export (?=const |function |class )", "", to_js(guideline), flags=re.MULTILINE)
    key = json.dumps(f"{guideline.id}@{guideline.version}")
    return (f"(function () {{\n\"use strict\";\n{body}\n(globalThis.eligoGuidelines ??= {{}})[{key}] = "
            "Object.freeze({ evaluate, guideline, inputs, decisions, CaseError, NA });\n})();\n")
