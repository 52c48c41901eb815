"""One guideline version verified: static analysis, generated cases, declared properties, coverage."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from eligo import ir
from eligo.cases import CaseError
from eligo.compiled import result as results
from eligo.compiled.guideline import Guideline
from eligo.dsl import ast, unparse
from eligo.dsl.diagnostics import Diagnostic, error, warning
from eligo.ir.types import Type
from eligo.verify import aims, boundaries, explore, tables
from eligo.verify import properties as p
from eligo.verify.coverage import coverage
from eligo.verify.harness import Evaluations, Harness, Target, lower_condition
from eligo.verify.report import Finding, PropertyResult, Status, VerifyReport, json_value, open_questions
from eligo.verify.strategies import Case, Space, cases, declared
from eligo.verify.sweep import Point


class Verifier:
    def __init__(self, g: Guideline, seed: int = 0, max_examples: int = 200) -> None:
        self.g, self.seed, self.max_examples = g, seed, max_examples
        self.findings: list[Finding] = []
        self.properties: list[PropertyResult] = []
        self.failed: set[str] = set()
        self.conditions: dict[int, ir.Node] = {}
        for prop in g.module.properties:
            if isinstance(prop.body, ast.Implies):
                node, diagnostics = lower_condition(g, prop.body.condition)
                if node is not None:
                    self.conditions[prop.span.line] = node
                else:
                    first = next(d for d in diagnostics if d.is_error)
                    self.add(None, f"property:{prop.span.line}", error(
                        "V214", f"property \"{prop.title}\" cannot be checked: its condition has an error: "
                        f"{first.message}", first.span, *first.hints))
        self.slots = {line: k for k, line in enumerate(self.conditions)}
        self.h = Harness(g, tuple(self.conditions.values()))
        self.decisions = self.h.decisions
        own_key = g.lowered.key
        self.definitions = tuple(d for d in g.program.definitions if d.module == own_key)
        roots = [d.expr for d in self.definitions] + [r.condition for d in self.decisions for r in d.rules]
        self.ruled = boundaries.collect(g.program, roots)  # the rules' thresholds, which examples can cover
        roots += list(self.conditions.values())
        self.thresholds = boundaries.collect(g.program, roots)
        wanted = self.h.inputs_of(*roots) | {n for prop in g.module.properties for n in _inputs_named(prop)}
        inputs = {name: info for name, info in g.inputs.items() if name in wanted}
        self.space = Space(inputs, boundaries.input_values(self.thresholds, inputs),
                           tuple(boundaries.relations(self.thresholds, inputs)), self._seeds(inputs),
                           aims.list_aims(g.program, roots, self.thresholds, inputs))
        self.ev = Evaluations(self.h)
        self.witnesses: dict[tuple[str, int], Case] = {}

    # ------------------------------------------------------------ findings
    def add(self, case: Case | None, prop: str, *diagnostics: Diagnostic, other: Case | None = None) -> None:
        for diagnostic in diagnostics:
            if diagnostic.is_error:
                self.failed.add(prop)
            self.findings.append(Finding(diagnostic, prop, self.json(case), self.json(other), self.explain(case, other)))

    def json(self, case: Case | None) -> dict[str, Any] | None:
        if case is None:
            return None
        return {name: json_value(info, case[name]) for name, info in self.g.inputs.items() if name in case}

    def explain(self, case: Case | None, other: Case | None) -> str:
        if case is None:
            return ""
        text = self.g.evaluate(case).explain()
        if other is not None:
            text += "\n\nand once changed:\n" + self.g.evaluate(other).explain()
        return text

    def prop(self, id_: str, title: str, status: Status, basis: str, line: int = 0) -> None:
        if id_ in self.failed and status != "failed":
            status, basis = "failed", "a counterexample was found (see the findings)"
        self.properties.append(PropertyResult(id_, title, status, basis, line))

    # ------------------------------------------------------------ the whole run
    def run(self) -> VerifyReport:
        start = time.perf_counter()
        exact = {d.key: self.static(d) for d in self.decisions}
        self.table_rows()
        stats = self.dynamic(exact)
        self.coverage_and_examples()
        report_coverage = coverage(self.g, self.decisions, self.ruled, self.runs)
        return VerifyReport(self.g.id, self.g.version, self.g.path, self.seed, self.max_examples,
                            tuple(self.properties), tuple(self.findings), report_coverage, stats.samples,
                            time.perf_counter() - start, open_questions(self.g.program, self.open_patients()),
                            self._inexact())

    def open_patients(self) -> dict[tuple[str, str], str]:
        """A patient each open question applies to: one the sweep or the search found, else one of the examples."""
        found = {}
        for d in self.decisions:
            for i, rule in enumerate(d.rules):
                if rule.is_open:
                    case = self.witnesses.get((d.key, i)) or next(
                        (seed for seed in self.space.seeds if self._decides(seed, d, rule.name)), None)
                    if case is not None:
                        found[(d.name, rule.name)] = _given(self.json(case))
        return found

    def _inexact(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The guideline's decisions that read a list the exact step cannot always complete (eligo.ir.list_domains:
        an operation or a field read otherwise than against constants, or a `sum`, exact only over a complete list
        whose summed field every element holds): a case that list leaves unknown may keep the three-valued answer,
        `exact: false`."""
        found = []
        for decision in self.g.program.own:
            read = sorted(n for n in self.g.facts.cone_of(decision.key) if self.g.inputs[n].type.kind == "list"
                          and ((domain := self.g.domains.lists.get((decision.key, n))) is None
                               or any(op == "sum" for op, _, _ in domain.ops)))
            if read:
                found.append((decision.name, tuple(read)))
        return tuple(found)

    def _seeds(self, inputs: dict[str, ir.InputInfo]) -> tuple[Case, ...]:
        seeds = []
        for example in self.g.module.examples:
            try:
                prepared = self.g.prepare(self.g.example_case(example))
            except Exception:  # an example the checker refuses is reported by `eligo check`
                continue
            seed = {k: declared(inputs[k], v) for k, v in prepared.items() if k in inputs}
            if seed and seed not in seeds:
                seeds.append(seed)
        return tuple(seeds)

    # ------------------------------------------------------------ static
    def static(self, d: ir.Decision) -> tables.DecisionAnalysis | None:
        """The exact analysis of one decision, its findings confirmed by evaluating their patients;
        None (generated cases take over) if it does not apply or a patient does not confirm it."""
        analysis = tables.analyse(self.g.program, d)
        if isinstance(analysis, str):
            return None
        found: list[tuple[Case | None, str, Diagnostic]] = []

        def confirmed(point: Point, what: Callable[[results.DecisionResult], bool]) -> Case | None:
            case = tables.realize(point, analysis.variables, self.g.inputs)
            try:
                return case if case is not None and what(self.h.decide(self.h.prepare(case))[d.name]) else None
            except CaseError:
                return None

        for i in analysis.dead:
            rule = d.rules[i]
            found.append((None, f"rules-apply:{d.name}", error(
                "V203", f"rule `{rule.name}` of `{d.name}` never applies: no patient satisfies "
                f"`{rule.condition.origin.text}`", rule.span, "correct the condition, or remove the rule")))
        for i, earlier, point in analysis.masked:
            rule, names = d.rules[i], {d.rules[j].name for j in earlier}
            case = confirmed(point, lambda r, names=names: r.rule in names)  # type: ignore[misc]
            if case is None:
                return None
            shown = ", ".join(f"`{d.rules[j].name}`" for j in earlier)
            found.append((case, f"rules-decide:{d.name}", error(
                "V204", f"rule `{rule.name}` of `{d.name}` never decides: whenever it applies, "
                f"{'rule' if len(earlier) == 1 else 'rules'} {shown} (listed before it) "
                f"{'applies' if len(earlier) == 1 else 'apply'} first", rule.span,
                "move it above them, narrow the earlier rules, or remove it")))
        for i, j, point in analysis.overlaps:
            case = confirmed(point, lambda r: r.status == "conflict")
            if case is None:
                return None
            found.append((case, f"unique:{d.name}", error(
                "V202", f"rules `{d.rules[i].name}` and `{d.rules[j].name}` of unique decision `{d.name}` both apply "
                "to this patient", d.rules[j].span,
                "make their conditions exclusive, or use `first match` if the order should decide")))
        if analysis.gap is not None:
            case = confirmed(analysis.gap, lambda r: r.status == "unmatched")
            if case is None:
                return None
            found.append((case, f"totality:{d.name}", error(
                "V201", f"decision `{d.name}` has a gap: no rule applies to this patient and there is no `otherwise`",
                d.span, "add a rule that covers this patient, or `otherwise OUTCOME` as the last line")))
        for case, prop, diagnostic in found:
            self.add(case, prop, diagnostic)
        if d.default is not None and analysis.otherwise is None and d.rules:
            self.findings.append(Finding(warning(
                "V215", f"the `otherwise` of `{d.name}` is never used: its rules cover every patient", d.default.span,
                "remove it, or keep it knowingly as a safety net"), f"totality:{d.name}"))
        for i, point in analysis.witnesses.items():
            case = confirmed(point, lambda r, name=d.rules[i].name: r.rule == name)  # type: ignore[misc]
            if case is not None:
                self.witnesses[(d.key, i)] = case
        return analysis

    def table_rows(self) -> None:
        for name, table in self.g.lowered.tables.items():
            key_types, _ = self.g.lowered.table_types[name]
            from eligo.semantic.tables import owner_rows

            rows, _ = owner_rows(self.g.lowered, table)
            dead = tables.dead_rows(name, rows, key_types)
            for row in dead:
                span = rows[row.row].span
                lines = " and ".join(str(rows[j].span.line) for j in row.earlier)
                written = [r for r in table.rows if not r.is_otherwise][row.row]  # its bands as the author wrote them
                keys = ", ".join(unparse.row_key(k) for k in written.keys)
                example = ", ".join(_key_text(k) for k in row.keys)
                self.add(None, f"table:{name}", error(
                    "V213", f"row `{keys}` of table `{name}` is never used: the "
                    f"row{'s' * (len(row.earlier) > 1)} on line{'s' * (len(row.earlier) > 1)} {lines} "
                    f"match{'es' * (len(row.earlier) == 1)} first for every key it covers"
                    + (f" (e.g. {example})" if example != keys else ""), span,
                    "remove the row, or move it above the rows that pre-empt it"))
            self.prop(f"table:{name}", f"every row of table `{name}` can be used", "proved",
                      f"all {len(rows)} rows enumerated over every key", table.span.line)

    # ------------------------------------------------------------ dynamic
    def dynamic(self, exact: dict[str, tables.DecisionAnalysis | None]) -> explore.Stats:
        g, ev = self.g, self.ev
        header = g.module.header.span
        checks: list[explore.Check] = [p.Observe(ev), p.NeverRaises(ev, header), p.Determinism(ev, header)]
        for d in self.decisions:
            for status in ("unmatched", "conflict", "unknown"):
                checks.append(p.Totality(ev, d, status))
            checks.append(p.Needed(ev, d, self.space, self.seed, exact.get(d.key)))
        varied: list[tuple[list[str], bool]] = []
        for prop in g.module.properties:
            check = self.author_check(prop, len(varied), varied)
            if check is not None:
                checks.append(check)
        strategy = explore.sample_strategy(self.space, list(self.space.inputs), varied)
        violations, stats = explore.explore(strategy, checks, self.max_examples,
                                            lambda: explore.seed_for(self.seed, g.id, g.version))
        props = {c.id: c.prop for c in checks}
        for v in violations:
            if props[v.check] in self.failed and v.code in ("V201", "V202"):
                continue  # the static analysis already showed it, with an exact patient
            self.add(v.case, props[v.check], error(v.code, v.message, v.span, *v.hints), other=v.other)
        tried = f"{stats.samples} generated cases"
        self.prop("never-raises", "evaluation never fails", "checked", tried)
        self.prop("determinism", "the same patient always gets the same result, whatever the order of the fields",
                  "checked", tried)
        for d in self.decisions:
            self.decision_properties(d, exact.get(d.key), stats)
        if self.definitions:
            known = sum(stats.applicable.get(f"filling:{x.name}", 0) for x in self.definitions)
            self.prop("information:definitions", "a known definition never changes when missing data arrives",
                      "checked", f"{known} definitions known despite missing data, filled in, among {tried}")
        for prop in g.module.properties:
            self.author_status(prop, stats)
        return stats

    def decision_properties(self, d: ir.Decision, analysis: tables.DecisionAnalysis | None,
                            stats: explore.Stats) -> None:
        n = stats.samples
        sweep = f"exact boundary sweep over {len(analysis.variables.domains)} variables" if analysis else ""
        both = f"{sweep}; {n} generated cases with missing data" if analysis else f"{n} generated cases"
        self.prop(f"totality:{d.name}", f"`{d.name}`: every patient gets an outcome, or is unknown for want of "
                  "named inputs", "proved" if analysis else "checked", both, d.span.line)
        if d.policy == "unique":
            self.prop(f"unique:{d.name}", f"`{d.name}`: no patient satisfies two rules", "proved" if analysis else
                      "checked", both, d.span.line)
        applies, decides = self.rule_witnesses(d, analysis, stats)
        self.prop(f"rules-apply:{d.name}", f"`{d.name}`: every rule applies to some patient",
                  "proved" if applies else "failed", sweep or f"a patient found for each rule among {n} cases",
                  d.span.line)
        if d.policy == "first":
            self.prop(f"rules-decide:{d.name}", f"`{d.name}`: no rule is pre-empted by earlier rules (first match)",
                      "proved" if decides else "failed", sweep or "a patient found that each rule decides",
                      d.span.line)
        filled = stats.applicable.get(f"filling:{d.name}", 0) + stats.applicable.get(f"needed:{d.name}", 0)
        self.prop(f"information:{d.name}", f"`{d.name}`: a decided outcome never changes when missing data arrives, "
                  "and an unknown one can still go more than one way", "checked",
                  f"{filled} of {n} generated cases had missing data", d.span.line)

    def rule_witnesses(self, d: ir.Decision, analysis: tables.DecisionAnalysis | None,
                       stats: explore.Stats) -> tuple[bool, bool]:
        """Whether every rule applies to, and decides for, some patient (searching where no sweep did)."""
        if analysis is not None:
            return not analysis.dead, not analysis.masked
        applies = decides = True
        for i, rule in enumerate(d.rules):
            rng = explore.seed_for(self.seed, self.g.id, d.name, rule.name)
            holds = functools.partial(self._holds, d=d, i=i)
            # the guideline's own examples are patients too: one the rule applies to is a witness already
            if not stats.seen.get(f"holds:{d.key}:{i}") and not any(holds(seed) for seed in self.space.seeds) \
                    and explore.witness(cases(self.space), holds, self.max_examples, rng) is None:
                applies = False
                self.add(None, f"rules-apply:{d.name}", error(
                    "V203", f"rule `{rule.name}` of `{d.name}` never applies: none of {self.max_examples} generated "
                    f"patients satisfies `{rule.condition.origin.text}`", rule.span,
                    "correct the condition, or remove the rule"))
                continue
            if d.policy != "first" or stats.seen.get(f"decides:{d.key}:{rule.name}"):
                continue
            decides_here = functools.partial(self._decides, d=d, name=rule.name)
            # the guideline's own examples are patients too: one decided by the rule is a witness already
            found = next((seed for seed in self.space.seeds if decides_here(seed)), None) or \
                explore.witness(cases(self.space), decides_here, self.max_examples, rng)
            if found is None:
                decides = False
                self.add(None, f"rules-decide:{d.name}", error(
                    "V204", f"rule `{rule.name}` of `{d.name}` never decides: among {self.max_examples} generated "
                    "patients it applies to, an earlier rule always applies first", rule.span,
                    "move it above them, narrow the earlier rules, or remove it"))
            else:
                self.witnesses[(d.key, i)] = found
        return applies, decides

    def _holds(self, case: Case, d: ir.Decision, i: int) -> bool:
        raw = self.ev.probes(case)
        return raw is not None and self.h.rule_holds(raw, d, i) is True

    def _decides(self, case: Case, d: ir.Decision, name: str) -> bool:
        results = self.ev.decisions(case)
        return results is not None and results[d.name].rule == name

    # ------------------------------------------------------------ declared properties
    def author_check(self, prop: ast.Property, slot: int, varied: list[tuple[list[str], bool]]) -> explore.Check | None:
        body, line = prop.body, prop.span.line
        target = self.h.target(body.target)
        if target is None:
            return None
        match body:
            case ast.Monotone(_, _, over, _):
                over_target = self.h.target(over)
                unordered = [(name, typ) for name, typ in ((body.target, _value_type(target)), (over, (
                    _value_type(over_target) if over_target else self.g.inputs[over].type if over in self.g.inputs
                    else None))) if typ is not None and typ.kind in ("enum", "text", "set")]
                if unordered:
                    name, typ = unordered[0]
                    self.add(None, f"property:{line}", error(
                        "V214", f"property \"{prop.title}\" cannot be checked: `{name}` is {typ.describe()}, which "
                        "has no order", body.span, "compare numbers, dates, durations or ordered outcomes"))
                    return None
                names = sorted(self.h.cone(over_target.node.key)) if over_target else [over]
                varied.append((names, False))
                return p.Monotone(self.ev, prop, body, target, over_target or over, names, slot)
            case ast.Added(_, _, _, over):
                info = self.g.inputs.get(over)
                if info is None or info.type.kind != "list" or (
                        isinstance(target.node, ir.Decision) and not target.node.ranked):
                    return None  # refused by `eligo check` (E133)
                varied.append(([over], False))  # another list: the elements added
                aimed = self.space.lists.get(over)
                return p.Added(self.ev, prop, body, target, slot,
                               aims.as_case(info, aimed.catalogue, True) if aimed is not None else ())
            case ast.Independent(_, of):
                varied.append((list(of), True))
                return p.Independent(self.ev, prop, target, of, slot)
            case ast.Implies():
                if line not in self.slots:
                    return None
                return p.Implies(self.ev, prop, body, target, self.slots[line])

    def author_status(self, prop: ast.Property, stats: explore.Stats) -> None:
        prop_id = f"property:{prop.span.line}"
        tried = stats.applicable.get(prop_id, 0)
        what = {ast.Monotone: "pairs of patients compared", ast.Independent: "pairs of patients compared",
                ast.Added: "patients compared with an element added",
                ast.Implies: "patients meeting the condition"}[type(prop.body)]
        if tried == 0 and prop_id not in self.failed:
            self.findings.append(Finding(warning(
                "V216", f"property \"{prop.title}\" was never put to the test: among {stats.samples} generated "
                f"cases there were no {what} with a known outcome", prop.span,
                "check that the property names what you mean; give the inputs it needs a declared range"), prop_id))
        self.prop(prop_id, prop.title, "checked", f"{tried} {what} among {stats.samples} generated cases",
                  prop.span.line)

    # ------------------------------------------------------------ examples
    def coverage_and_examples(self) -> None:
        self.runs = self.g.run_examples()
        hit: dict[str, set[str]] = {d.name: set() for d in self.decisions}
        for run in self.runs:
            if run.result is not None:
                for name, result in run.result.decisions.items():
                    if result.status in ("decided", "open") and result.rule and name in hit:
                        hit[name].add(result.rule)
        for d in self.decisions:
            missing = [(i, r) for i, r in enumerate(d.rules) if r.name not in hit[d.name]]
            unreachable = {f.diagnostic.span for f in self.findings if f.diagnostic.code in ("V203", "V204")}
            for i, rule in missing:
                if rule.span in unreachable:
                    continue  # no example can reach a rule that never applies or never decides
                example = self.witnesses.get((d.key, i))
                self.add(None, f"examples:{d.name}", error(
                    "V212", f"no example reaches rule `{rule.name}` of `{d.name}`", rule.span,
                    "add an `example` whose patient this rule decides"
                    + (f", e.g. given {_given(self.json(example))}" if example is not None else "")))
            covered = len(d.rules) - len(missing)
            self.prop(f"examples:{d.name}", f"`{d.name}`: the examples reach every rule", "proved" if not missing
                      else "failed", f"{covered} of {len(d.rules)} rules decided by an example", d.span.line)


def _inputs_named(prop: ast.Property) -> set[str]:
    match prop.body:
        case ast.Monotone(_, _, over, _):
            return {over}
        case ast.Added(_, _, _, over):
            return {over}
        case ast.Independent(_, of):
            return set(of)
    return set()


def _value_type(target: Target | None) -> Type | None:
    """The type of a definition's values (decisions are ordered by their outcomes, not by a type)."""
    return target.node.type if target is not None and isinstance(target.node, ir.Definition) else None


def _key_text(key: object) -> str:
    if isinstance(key, float) and key.is_integer():  # a value of a band column (in canonical units)
        return str(int(key))
    return "any" if key is None else "yes" if key is True else "no" if key is False else str(key)


def _given(case: dict[str, Any] | None) -> str:
    from eligo.verify.report import given_line

    return given_line(case or {})
