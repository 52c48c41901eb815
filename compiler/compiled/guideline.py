"""A compiled guideline version: immutable, thread-safe, evaluating cases and its own examples."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from eligo import ir
from eligo.cases import CaseError, normalise
from eligo.collection import pausing
from eligo.compiled import diagram, exact
from eligo.compiled import result as results
from eligo.compiled.ranges import Ranges
from eligo.dsl import ast
from eligo.ir import lists, outcome, units
from eligo.ir.analysis import Facts
from eligo.ir.domains import Domains, domains
from eligo.ir.values import given_value, literal_value
from eligo.python.evaluator import Generated
from eligo.semantic.module import LoweredModule
from eligo.version import __version__ as compiler_version

if TYPE_CHECKING:
    import networkx as nx

_new = object.__new__
MEMO_OUTCOMES = 4096  # missing-input cones and Kleene possibles kept per guideline, by decision and outcome
DecisionResult, Result, no_trace = results.DecisionResult, results.Result, results.no_trace


@dataclass(frozen=True)
class ExampleRun:
    example: ast.Example
    passed: bool
    problems: tuple[str, ...]
    result: results.Result | None


@dataclass(frozen=True, eq=False)
class Guideline:
    """One guideline version, compiled once and evaluated many times."""

    id: str
    version: str
    module: ast.Module
    path: str
    sha256: str
    program: ir.Program
    code: Generated = field(repr=False)
    lowered: LoweredModule = field(repr=False)
    references: dict[str, str] = field(repr=False)
    compiler_version: str = compiler_version

    # kept by the compiled cache (eligo.kb.cache), computed before an entry is written: a command deciding a case
    # from the cache does not analyse the program or write a completion evaluator again
    CACHED_ACROSS_PROCESSES = ("rule_inputs", "_completions")

    @property
    def status(self) -> str:
        return self.module.header.status

    @property
    def effective(self) -> dt.date | None:
        return self.module.header.effective

    @property
    def title(self) -> str:
        return self.module.header.title or self.id

    @property
    def inputs(self) -> dict[str, ir.InputInfo]:
        return self.program.inputs

    @cached_property
    def decision_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self._own)

    @cached_property
    def _decisions(self) -> tuple[ir.Decision, ...]:
        return self.program.decisions

    @cached_property
    def _own(self) -> tuple[ir.Decision, ...]:
        own = set(self.program.own_decisions)
        return tuple(d for d in self._decisions if d.key in own)

    @cached_property
    def _own_indices(self) -> tuple[int, ...]:
        own = set(self.program.own_decisions)
        return tuple(i for i, d in enumerate(self._decisions) if d.key in own)

    @cached_property
    def facts(self) -> Facts:
        """What the program's structure implies (eligo.ir.analysis)."""
        return Facts(self.program)

    @cached_property
    def rule_inputs(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """For each decision key, per rule, the inputs its condition can read (through definitions)."""
        order = {name: i for i, name in enumerate(self.inputs)}
        return {d.key: tuple(tuple(sorted(self.facts.cone(r.condition), key=order.__getitem__)) for r in d.rules)
                for d in self._decisions}

    # ------------------------------------------------------------ evaluation
    def prepare(self, case: Mapping[str, Any], source: str = "case") -> dict[str, Any]:
        """Validate and normalise a case; raises CaseError listing every problem."""
        prepared = self.code.converting(case)  # the common forms, converted by generated code
        return prepared if prepared is not None else normalise(self.inputs, case, source)

    def evaluate(self, case: Mapping[str, Any], trace: bool = True, exact: bool = True) -> results.Result:
        """Validate `case` and decide every decision of this guideline. With `exact` (the default) an unknown
        decision is refined to what the data decides (eligo.compiled.exact); without it, the three-valued answer
        as `eligo sql` gives it. With `trace` (the default) the result has the definitions' values and the trace,
        computed when first read (the case is evaluated again, with a trace, then)."""
        validated, single, name, index, meta, replays = self._evaluation
        raw = validated(case)  # one generated function checks the values and decides (eligo.python.validated)
        if raw is None:  # a value to convert or to refuse, a field that is no input: the general path
            case = self.prepare(case)
            raw = validated(case)  # its values canonical now (but a list's): decided by the same function
            if raw is None:
                raw = (*self.code.fast(case), None)  # no values read: the prepared case is kept
        # what follows is _decode and results.deferred written out: the calls would cost a third of the evaluation
        if single and (found := raw[index]).__class__ is DecisionResult:  # one decision, decided by a rule
            decisions = {name: found}
        else:
            decisions = self._decode(raw, case, exact)
        result = _new(Result)
        result._meta = meta
        result._decisions = decisions
        if trace:  # the values read, in the inputs' order (eligo.python.validated), or else a copy of the case
            given = raw[-1]
            result._later, result._case = replays[exact], dict(case) if given is None else given
        else:
            result._later, result._case = no_trace, None
        return result

    def evaluate_prepared(self, prepared: Mapping[str, Any], trace: bool = False, exact: bool = True) -> results.Result:
        """Decide a prepared case (`prepare`); with `trace`, the trace is recorded now."""
        if trace:  # written out, as in `evaluate`: the calls would cost a fifth of the evaluation
            traced, single, name, index, shared, meta = self._tracing
            steps: list[results.Step] = []
            raw, values, unknown = traced(prepared, steps, True)
            if single and (found := shared(raw[index])) is not None:  # one decision, decided by a rule
                decisions = {name: found}
            else:
                decisions = self._decode(raw, prepared, exact, True)
            result = _new(Result)
            result._meta, result._decisions, result._values, result._trace = meta, decisions, values, tuple(steps)
            result._unknown_values = self._ranges(prepared, values) if unknown and exact else {}
            result._later = result._case = None
            return result
        return results.deferred(self._meta, self._decode(self.code.fast(prepared), prepared, exact, True), no_trace)

    @cached_property
    def _meta(self) -> tuple[str, str, str, dict[str, str]]:
        return self.id, self.version, self.sha256, self.references

    @cached_property
    def _replays(self) -> tuple[Callable[[Mapping[str, Any]], results.Result], ...]:
        """What fills in a deferred result's values and trace: three-valued, exact."""
        return self._replay_three_valued, self._replay_exact

    def _replay_three_valued(self, case: Mapping[str, Any] | tuple[Any, ...]) -> results.Result:
        return self.evaluate_prepared(self._known(case), True, False)

    def _replay_exact(self, case: Mapping[str, Any] | tuple[Any, ...]) -> results.Result:
        return self.evaluate_prepared(self._known(case), True, True)

    def _known(self, case: Mapping[str, Any] | tuple[Any, ...]) -> dict[str, Any]:
        """The known values of what `evaluate` kept: the values it read, in the inputs' order, or the case."""
        if isinstance(case, tuple):
            return {name: v for name, v in zip(self.inputs, case, strict=True) if v is not None}
        return {k: v for k, v in case.items() if v is not None}

    @cached_property
    def _plan(self) -> tuple[tuple[str, int, dict[outcome.Outcome, results.DecisionResult], ir.Decision], ...]:
        """Per own decision: its name, its index in the outcomes, its shared results by the outcome a rule gives
        (none for `collect`), and the node."""
        def by_outcome(d: ir.Decision) -> dict[outcome.Outcome, results.DecisionResult]:
            rules = {i: r for i, r in enumerate(d.rules)} | ({outcome.OTHERWISE: d.default} if d.default else {})
            return {outcome.settled(rules[i].outcome, i): shared for i, shared in self._decided[d.key].items()}
        return tuple((d.name, i, by_outcome(d) if d.policy != "collect" else {}, d)
                     for i, d in zip(self._own_indices, self._own, strict=True))

    @cached_property
    @pausing  # written and compiled on first use: a compile (eligo.collection)
    def _evaluation(self) -> tuple[Callable[[Mapping[str, Any]], Any], bool, str, int,
                                   tuple[str, str, str, dict[str, str]], tuple[Callable[[Any], Any], ...]]:
        """What `evaluate` reads, in one attribute: the validating evaluator (written on first use; it gives a
        decision decided by a rule as its shared result), whether the guideline has one decision of its own, its
        name and index, the result's metadata, the replays."""
        validated = self.code.validating({d.key: self._decided[d.key] for d in self._own if d.policy != "collect"})
        name, index, _, _ = self._plan[0] if self._plan else ("", 0, None, None)
        return validated, len(self._plan) == 1, name, index, self._meta, self._replays

    def _decode(self, raw: tuple[outcome.Outcome, ...], case: Mapping[str, Any], refine: bool,
                prepared_already: bool = False) -> dict[str, results.DecisionResult]:
        """The own decisions' results from the outcomes of a case whose values are canonical (None: missing), or
        `prepared_already` (as `prepare` gives it)."""
        decisions: dict[str, results.DecisionResult] = {}
        prepared: Mapping[str, Any] | None = case if prepared_already else None
        finders = self._finders
        for name, index, shared, decision in self._plan:
            out: Any = raw[index]  # an outcome, or the shared result of the validating evaluator
            found = out if out.__class__ is DecisionResult else shared.get(out)  # decided by a rule: shared
            if found is None and refine and out[1] == outcome.UNKNOWN:  # by its inputs' classes (compiled.diagram)
                found = (finders.get(decision.key) or diagram.finder(self, decision))(case)
            if found is not None:
                decisions[name] = found
                continue
            if prepared is None:
                prepared = {k: v for k, v in case.items() if v is not None}  # as eligo.cases.normalise gives it
            decisions[name] = self._decision_result(decision, out, prepared, refine, False)  # asked above
        return decisions

    @cached_property
    def _finders(self) -> diagram.Finders:
        """Per decision key, its compiled exact answer (eligo.compiled.diagram), once built."""
        return diagram.Finders()

    def compile_unknowns(self) -> dict[str, bool]:
        """Build now each own decision's compiled exact answer (eligo.compiled.diagram), which is otherwise built at
        its BUILD_AFTER-th unknown case, so that no later case pays for the build (a server calls it before it takes
        requests). Per decision name: True if compiled, False if the runtime refinement answers it."""
        finders, built = self._finders, {}
        for name, _, _, decision in self._plan:
            if decision.key not in finders:
                compiled = diagram.build(self, decision)
                finders[decision.key] = compiled.find if compiled is not None else diagram.runtime
            built[name] = finders[decision.key] is not diagram.runtime
        return built

    def evaluate_many(self, data: Any, *, exact: bool = True, ignore_unknown: bool = False) -> Any:
        """`evaluate` of every row of a list of dicts, a pyarrow Table, a pandas or Polars frame (compiled.batch):
        an Arrow table (or the same kind of frame) with, per decision D, the columns D, D_status, D_rule, D_possible
        and D_missing. Each text is of a closed set (the outcomes, the statuses, the rules' names, the inputs): a
        dictionary array over it in Arrow (the possible and missing lists, and a `collect` decision's value, lists of
        them), a Categorical column in pandas, an Enum column in Polars."""
        from eligo.compiled.batch import evaluate_many
        return evaluate_many(self, data, exact=exact, ignore_unknown=ignore_unknown)

    def classifier(self, decision: str | None = None) -> Callable[[Mapping[str, Any]], object]:
        """The fastest path, for one decision (default: the first): a function of a prepared case that returns the
        outcome when the decision is decided, else None (`evaluate_prepared` then says why)."""
        name = decision or self.decision_names[0]
        if name not in self._classifiers:
            node = next((d for d in self._own if d.name == name), None)
            if node is None:
                raise LookupError(f"{self.id} has no decision `{name}`; its decisions: {', '.join(self.decision_names)}")
            self._classifiers[name] = self.code.classifier(node.key)[0]
        return self._classifiers[name]

    @cached_property
    def _classifiers(self) -> dict[str, Callable[[Mapping[str, Any]], object]]:
        return {}

    def decide(self, prepared: Mapping[str, Any]) -> tuple[outcome.Outcome, ...]:
        """The raw decision tuples for a prepared case: the fastest path, for benchmarks and cohorts."""
        result: tuple[outcome.Outcome, ...] = self.code.fast(prepared)
        return result

    def _decision_result(self, decision: ir.Decision, raw: outcome.Outcome, prepared: Mapping[str, Any],
                         refine: bool = True, compiled: bool = True) -> results.DecisionResult:
        """Decode the back end's outcome tuple (eligo.ir.outcome) into a result; `compiled`: an unknown one from
        the decision's compiled diagram when it has one (eligo.compiled.diagram), else refined here."""
        value, status_index, rule_index, mask = raw
        if status_index in (outcome.DECIDED, outcome.OPEN) and decision.policy != "collect":  # by a rule: shared
            return self._decided[decision.key][rule_index]
        status = outcome.STATUSES[status_index]
        rule: ir.Rule | None = None
        if rule_index >= 0:
            rule = decision.rules[rule_index]
        elif rule_index == outcome.OTHERWISE:
            rule = decision.default
        if status == "unknown":
            missing = tuple(name for name in self._cone(decision.key, mask) if lists.unsettled(prepared.get(name)))
            possible = self._possible(decision, raw)
            if refine and compiled and (found := (self._finders.get(decision.key)
                                                  or diagram.finder(self, decision))(prepared)) is not None:
                return found
            if refine:  # the three-valued answer, refined to what the data decides
                return exact.decide(decision, raw, prepared, missing, possible, self.domains,
                                    self._completion(decision.key))
            return results.decision_result(decision.name, None, status, missing, None, (), (), (), possible, False)
        conflicting = tuple(r.name for i, r in enumerate(decision.rules) if mask >> i & 1) \
            if status == "conflict" else ()
        decided = status == "decided" and rule is not None
        plain = None if value is ir.NA else value
        return results.decision_result(
            decision.name,
            plain,  # type: ignore[arg-type]
            status,
            (),
            rule.name if decided and rule is not None else None,
            rule.because if decided and rule else (),
            rule.cites if decided and rule else (),
            conflicting,
            self._possible(decision, raw),
        )

    def _cone(self, decision_key: str, mask: int) -> tuple[str, ...]:
        """The inputs the rules in `mask` can read, in input order (computed once per decision and mask)."""
        cones = self._cones[decision_key]
        found = cones.get(mask)
        if found is None:
            wanted = {name for i, inputs in enumerate(self.rule_inputs[decision_key]) if mask >> i & 1
                      for name in inputs}
            found = tuple(name for name in self.inputs if name in wanted)
            if len(cones) < MEMO_OUTCOMES:  # a long decision has many masks: the memo stays bounded
                cones[mask] = found
        return found

    @cached_property
    def _cones(self) -> dict[str, dict[int, tuple[str, ...]]]:
        return {d.key: {} for d in self._decisions}

    def _possible(self, decision: ir.Decision, raw: outcome.Outcome) -> tuple[str, ...]:
        """exact.kleene_possible, computed once per decision and outcome."""
        key = (decision.key, raw)
        found = self._possibles.get(key)
        if found is None:
            found = exact.kleene_possible(decision, raw)
            if len(self._possibles) < MEMO_OUTCOMES:
                self._possibles[key] = found
        return found

    @cached_property
    def _possibles(self) -> dict[tuple[str, outcome.Outcome], tuple[str, ...]]:
        return {}

    @cached_property
    def domains(self) -> Domains:
        """The value classes of each input that this guideline tells apart (eligo.ir.domains)."""
        return domains(self.program)

    def _completion(self, decision_key: str) -> exact.Completion | None:
        """The completion evaluator of one decision, written and compiled on first need (None if there is none)."""
        if decision_key not in self._completions:
            self._completions[decision_key] = self.code.completion(decision_key)
        return self._completions[decision_key]

    @cached_property
    def _completions(self) -> dict[str, exact.Completion | None]:
        return {}

    @cached_property
    def _tracing(self) -> tuple[Callable[..., Any], bool, str, int, Callable[[Any], Any],
                                tuple[str, str, str, dict[str, str]]]:
        """What `evaluate_prepared` with a trace reads, in one attribute: the traced evaluator, whether the guideline
        has one decision of its own, its name and index, the get of its shared results by outcome, the metadata."""
        name, index, shared, _ = self._plan[0] if self._plan else ("", 0, {}, None)
        return self.code.traced, len(self._plan) == 1, name, index, shared.get, self._meta

    def _ranges(self, prepared: Mapping[str, Any], values: dict[str, object]) -> Ranges:
        """What the definitions unknown in `values` (by name) may still be, computed when read."""
        return Ranges(self, prepared, {name: self._keys[name] for name, value in values.items() if value is None})

    @cached_property
    def _keys(self) -> dict[str, str]:
        """The definitions' keys by the names a result gives their values."""
        return {name: key for key, name in self._names.items()}

    @cached_property
    def _names(self) -> dict[str, str]:
        return {n.key: self._value_name(n) for n in self.program.definitions}

    @cached_property
    def _decided(self) -> dict[str, dict[int, results.DecisionResult]]:
        """Per decision and deciding rule (-1: `otherwise`), its decided result: immutable, so shared."""
        out: dict[str, dict[int, results.DecisionResult]] = {}
        for d in self._decisions:
            rules = {i: r for i, r in enumerate(d.rules)} | ({outcome.OTHERWISE: d.default} if d.default else {})
            out[d.key] = {i: results.DecisionResult(d.name, None if r.is_open else r.outcome,
                                                    "open" if r.is_open else "decided", (), r.name, r.because,
                                                    r.cites, (), (r.outcome,)) for i, r in rules.items()}
        return out

    def _value_name(self, node: ir.Definition | ir.Decision) -> str:
        return self.program.value_name(node)

    def all_decisions(self, prepared: Mapping[str, Any]) -> dict[str, results.DecisionResult]:
        """Every decision of the program, this module's by name and used modules' as `module.name`."""
        raw = self.code.fast(prepared)
        return {self._value_name(d): self._decision_result(d, raw[i], prepared) for i, d in enumerate(self._decisions)}

    # ------------------------------------------------------------ examples
    def run_examples(self) -> list[ExampleRun]:
        return [self.run_example(example) for example in self.module.examples]

    def example_case(self, example: ast.Example) -> dict[str, Any]:
        return {given.name: given_value(given.value) for given in example.given}

    def run_example(self, example: ast.Example) -> ExampleRun:
        try:
            prepared = self.prepare(self.example_case(example), f"example {example.title!r}")
        except CaseError as exc:
            return ExampleRun(example, False, tuple(str(p) for p in exc.problems), None)
        result = self.evaluate_prepared(prepared, trace=True)
        decisions = {**self.all_decisions(prepared), **result.decisions}
        problems = [p for expect in example.expects if (p := self._check(expect, decisions, result))]
        return ExampleRun(example, not problems, tuple(problems), result)

    def _check(self, expect: ast.Expectation, decisions: dict[str, results.DecisionResult],
               result: results.Result) -> str | None:
        target = self._target(expect.target)
        where = f"line {expect.span.line}"
        if target in decisions:
            got = decisions[target]
            shown = f"{got.status}" + (f" {got.value}" if got.value is not None else "")
            if isinstance(expect, ast.ExpectUnknown):
                if got.status != "unknown":
                    return f"{where}: expected {target} to be unknown, got {shown} (rule {got.rule})"
                if expect.possible is not None and set(expect.possible) != set(got.possible):
                    return (f"{where}: expected {target} unknown between {', '.join(expect.possible)}; "
                            f"possible: {', '.join(got.possible) or 'not listed'}")
                if expect.missing is not None and set(expect.missing) != set(got.missing):
                    return (f"{where}: expected {target} unknown for want of {', '.join(expect.missing)}; "
                            f"missing: {', '.join(got.missing) or 'nothing'}")
                return None
            if isinstance(expect, ast.ExpectOpen):  # a declared open question, by the rule named if one is
                by = f" by rule {expect.by_rule}" if expect.by_rule else ""
                ok = got.status == "open" and expect.by_rule in (None, got.rule)
                return None if ok else f"{where}: expected {target} to be an open question{by}, got {shown} (rule {got.rule})"
            wanted = expect.value.name if isinstance(expect.value, ast.Ref) else None
            if got.status != "decided" or got.value != wanted:
                extra = f", missing {', '.join(got.missing)}" if got.missing else ""
                return f"{where}: expected {target} = {wanted}, got {shown}{extra}"
            if expect.by_rule is not None and got.rule != expect.by_rule:
                return f"{where}: expected {target} = {wanted} by rule {expect.by_rule}, but rule {got.rule} decided it"
            return None
        if target in result.values:
            value = result.values[target]
            if isinstance(expect, ast.ExpectUnknown):
                return None if value is None else f"{where}: expected {target} to be unknown, got {results.show(value)}"
            if isinstance(expect, ast.ExpectOpen):
                return f"{where}: `{expect.target}` is a definition: only a decision has open questions"
            wanted_value = literal_value(expect.value)
            if not _same(value, wanted_value):
                if isinstance(expect.value, ast.Quantity) and isinstance(value, (int, float)) \
                        and isinstance(wanted_value, (int, float)):  # both in the unit the author wrote
                    unit = expect.value.unit
                    return f"{where}: expected {target} = {units.show(wanted_value, unit)}, got {units.show(value, unit)}"
                return f"{where}: expected {target} = {results.show(wanted_value)}, got {results.show(value)}"
            return None
        return f"{where}: `{expect.target}` is neither a decision nor a definition of this guideline"

    def _target(self, name: str) -> str:
        if "." in name:
            alias, _, local = name.partition(".")
            used = self.lowered.uses.get(alias)
            if used is not None:
                return f"{used.id}.{local}"
        return name

    # ------------------------------------------------------------ graph
    @cached_property
    @pausing
    def graph(self) -> nx.DiGraph[str]:
        """The dependency graph (networkx): inputs, definitions, tables, rules and decisions."""
        from eligo.tools.graph import build_graph  # networkx is imported when a graph is first asked for

        return build_graph(self.program)


def _same(a: object, b: object) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b
