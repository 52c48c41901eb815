"""A program's compiled evaluators: the fast one, the traced one, and one-decision classifiers on demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from eligo import ir
from eligo.collection import pausing
from eligo.python import runtime

if TYPE_CHECKING:
    from eligo.python.codegen import CodeGenerator
    from eligo.python.traced import TraceSite

# The generators are imported where they write: a guideline read from the compiled cache (eligo eval) holds the
# code it runs already, and a command that only decides never imports them.

Evaluator = Callable[..., Any]


@dataclass
class Generated:
    """A program's evaluators. The three-valued one (`source`) is written at once (so that a program the generator
    cannot write fails to compile) and compiled by Python when first run (a guideline only checked, drawn or
    compiled to SQL never runs it; that compile is most of a large guideline's code generation). The fast one,
    two-valued (`known_source`), hands a case to it as soon as it reads an unknown value; it and the traced one
    are written on first use (a guideline checked, drawn or compiled to SQL never runs them, and each is as
    costly to write and compile as the three-valued one). The compiled cache keeps the fast one
    (`CACHED_ACROSS_PROCESSES`), so a command deciding from the cache never writes it."""

    source: str
    program: ir.Program = field(repr=False)
    consts: dict[str, object] = field(repr=False)  # the constants `source` names
    name: str = ""

    CACHED_ACROSS_PROCESSES = ("three_valued", "_deferred", "_fast")

    @cached_property
    def three_valued(self) -> Evaluator:
        """`evaluate(c)` in three values: the outcomes and every definition's value, None where unknown."""
        return self._deferred.function()

    @cached_property
    def _deferred(self) -> Deferred:
        return Deferred(self.source, self.consts, self.name)

    @cached_property
    def _fast(self) -> tuple[Evaluator, str]:
        from eligo.python.twovalued import TwoValuedCodeGenerator

        fast, source = two_valued(TwoValuedCodeGenerator(self.program), self._deferred, self.name, "evaluate")
        return self._deferred.handed_by(fast), source

    @property
    def fast(self) -> Evaluator:
        """`evaluate(c)`: the outcomes and every definition's value, two-valued while every value read is known."""
        return self._fast[0]

    @property
    def known_source(self) -> str:
        return self._fast[1]

    @cached_property
    def _traced(self) -> tuple[Evaluator, str, list[TraceSite]]:
        from eligo.python.traced import TracedCodeGenerator

        generator = TracedCodeGenerator(self.program)
        source = generator.write()
        return compile_source(source, generator.consts, self.name, "evaluate"), source, generator.sites

    @cached_property
    def converting(self) -> Evaluator:
        """`convert(c)`: a case written as JSON writes one, as `eligo.cases.normalise` prepares it, or None for the
        general path to convert or refuse it (eligo.python.converting)."""
        from eligo.python.converting import write

        source, consts = write(self.program.inputs)
        return compile_source(source, consts, self.name, "convert")

    def validating(self, shared: Mapping[str, Mapping[int, object]]) -> Evaluator:
        """`evaluate(c)`: checks a case's values and decides it, or None when the case needs converting or refusing
        (eligo.python.validated); a decision no other reads, decided by a rule, gives `shared[key][rule]`."""
        from eligo.python.validated import ValidatingCodeGenerator

        generator = ValidatingCodeGenerator(self.program, shared)
        source = generator.write()
        return self._deferred.handed_by(
            compile_source(source, {**generator.consts, "fallback": self._deferred}, self.name, "evaluate"))

    @property
    def traced(self) -> Evaluator:
        """`evaluate(c, _t, named=False)`: the outcomes and every definition's value by key, each condition's trace
        Step appended to `_t`; `named`: the values by the names a result gives them, and whether one is unknown."""
        return self._traced[0]

    @property
    def traced_source(self) -> str:
        return self._traced[1]

    @property
    def sites(self) -> list[TraceSite]:
        """The traced evaluator's trace sites, in the order it was written (what its Steps show, and their memos)."""
        return self._traced[2]

    def completion(self, decision_key: str) -> Evaluator | None:
        """The decision's completion evaluator `evaluate(c, o)` (eligo.python.completion), or None if the decision
        observes the data in a way completions cannot keep apart."""
        from eligo.python.completion import CompletionCodeGenerator, NotCompletable

        generator = CompletionCodeGenerator(self.program, decision_key)
        try:
            source = generator.write()
            return compile_source(source, generator.consts, self.name, "evaluate")
        except (NotCompletable, SyntaxError, RecursionError, MemoryError):
            return None  # then the three-valued answer stands (sound), marked inexact

    def bounds(self, key: str) -> Evaluator:
        """`bounds(c)`: the (low, high) bounds of a definition that is a count, sum or distinct of a list
        (eligo.ir.lists), written and compiled on first need."""
        if key not in self._bounds:
            from eligo.ir import lists
            from eligo.python.codegen import CodeGenerator

            generator = CodeGenerator(self.program, ())
            definition = self.program.by_key[key]
            node = lists.bounded(definition.expr, generator.nodes) if isinstance(definition, ir.Definition) else None
            assert node is not None, key
            generator.emit(f"return {generator.list_bounds(node)}")
            source = "\n".join(["def bounds(c):", *generator.lines]) + "\n"
            self._bounds[key] = compile_source(source, generator.consts, self.name, "bounds")
        return self._bounds[key]

    @cached_property
    def _bounds(self) -> dict[str, Evaluator]:
        return {}

    def classifier(self, decision_key: str) -> tuple[Evaluator, str]:
        """A function of a prepared case returning the decision's outcome when decided, else None; and its source
        (the two-valued function, which hands a case with an unknown value read to the three-valued one)."""
        from eligo.python.codegen import CodeGenerator
        from eligo.python.twovalued import TwoValuedCodeGenerator

        generator = CodeGenerator(self.program, (decision_key,), classify=True)
        three_valued = compile_source(generator.write(), generator.consts, self.name, "classify")
        return two_valued(TwoValuedCodeGenerator(self.program, (decision_key,), classify=True), three_valued,
                          self.name, "classify")


class Deferred:
    """The three-valued evaluator until it is first called: compiled then (Python's compile of a large guideline's
    evaluator is most of its code generation), and put in its own place as the `fallback` of the evaluators that
    hand it a case with an unknown value (the two-valued and validating ones), which a case whose every value read
    is known never does. Pickled without those evaluators' namespaces (eligo.kb.cache)."""

    __slots__ = ("compiled", "consts", "name", "scopes", "source")

    def __init__(self, source: str, consts: dict[str, object], name: str,
                 compiled: Evaluator | None = None) -> None:
        self.source, self.consts, self.name, self.compiled = source, consts, name, compiled
        self.scopes: list[dict[str, Any]] = []  # the namespaces whose `fallback` is this object

    def function(self) -> Evaluator:
        if self.compiled is None:
            self.compiled = compile_source(self.source, self.consts, self.name, "evaluate")
            for scope in self.scopes:
                scope["fallback"] = self.compiled
            self.scopes.clear()
        return self.compiled

    def handed_by(self, evaluator: Evaluator) -> Evaluator:
        """`evaluator`, whose `fallback` this is, to call the compiled function directly once there is one."""
        scope = getattr(evaluator, "__globals__", {})
        if scope.get("fallback") is self:
            if self.compiled is None:
                self.scopes.append(scope)
            else:
                scope["fallback"] = self.compiled
        return evaluator

    def __call__(self, *args: Any) -> Any:
        return self.function()(*args)

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return Deferred, (self.source, self.consts, self.name, self.compiled)


def two_valued(generator: CodeGenerator, fallback: Evaluator, name: str, function: str) -> tuple[Evaluator, str]:
    """The two-valued variant of a generator's function, answering through `fallback` when it meets an unknown."""
    source = generator.write()
    return compile_source(source, {**generator.consts, "fallback": fallback}, name, function), source


def generate(program: ir.Program, name: str) -> Generated:
    """Write the three-valued evaluator of `program` (compiled when first run; the others are written when first
    asked for)."""
    from eligo.python.codegen import CodeGenerator

    generator = CodeGenerator(program)
    source = generator.write()
    return Generated(source, program, generator.consts, name)


def namespace(consts: dict[str, object]) -> dict[str, object]:
    """What generated code may name: the runtime helpers and its own constants, and no builtins."""
    return {
        "NA": ir.NA,
        "UNSET": runtime.UNSET,
        "Unknown": runtime.Unknown,
        "KeyError": KeyError,
        "TypeError": TypeError,
        "date": dt.date,
        **{name: getattr(runtime, name) for name in runtime.HELPERS},
        "__builtins__": {},
        **consts,
    }


@pausing
def compile_source(source: str, consts: dict[str, object], name: str, function: str) -> Evaluator:
    scope = namespace(consts)
    exec(compile(source, f"<eligo {name}>", "exec"), scope)  # our own generated code, compiled once
    evaluator: Evaluator = scope[function]  # type: ignore[assignment]
    return evaluator
