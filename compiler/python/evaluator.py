"""A program's compiled evaluators: the fast one, the traced one, and one-decision classifiers on demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from eligo import ir
from eligo.python import runtime
from eligo.python.codegen import CodeGenerator
from eligo.python.completion import CompletionCodeGenerator, NotCompletable
from eligo.python.traced import TracedCodeGenerator, TraceSite

Evaluator = Callable[..., Any]


@dataclass
class Generated:
    """A program's evaluators. The fast one is written and compiled at once; the traced one on first use (most
    evaluation never records a trace, and writing it is half the cost of compiling a large guideline)."""

    fast: Evaluator
    source: str
    program: ir.Program = field(repr=False)
    name: str = ""

    @cached_property
    def _traced(self) -> tuple[Evaluator, str, list[TraceSite]]:
        generator = TracedCodeGenerator(self.program)
        source = generator.write()
        return compile_source(source, generator.consts, self.name, "evaluate"), source, generator.sites

    @property
    def traced(self) -> Evaluator:
        """`evaluate(c, _t)`: the outcomes and every definition's value, each condition recorded into `_t`."""
        return self._traced[0]

    @property
    def traced_source(self) -> str:
        return self._traced[1]

    @property
    def sites(self) -> list[TraceSite]:
        """Where each trace site is, by the index the traced evaluator records."""
        return self._traced[2]

    def completion(self, decision_key: str) -> Evaluator | None:
        """The decision's completion evaluator `evaluate(c, o)` (eligo.python.completion), or None if the decision
        observes the data in a way completions cannot keep apart."""
        generator = CompletionCodeGenerator(self.program, decision_key)
        try:
            source = generator.write()
            return compile_source(source, generator.consts, self.name, "evaluate")
        except (NotCompletable, SyntaxError, RecursionError, MemoryError):
            return None  # then the three-valued answer stands (sound), marked inexact

    def classifier(self, decision_key: str) -> tuple[Evaluator, str]:
        """A function of a prepared case returning the decision's outcome when decided, else None; and its source."""
        generator = CodeGenerator(self.program, (decision_key,), classify=True)
        source = generator.write()
        return compile_source(source, generator.consts, self.name, "classify"), source


def generate(program: ir.Program, name: str) -> Generated:
    """Write and compile the fast evaluator of `program` (the traced one is written when first asked for)."""
    fast = CodeGenerator(program)
    source = fast.write()
    return Generated(compile_source(source, fast.consts, name, "evaluate"), source, program, name)


def namespace(consts: dict[str, object]) -> dict[str, object]:
    """What generated code may name: the runtime helpers and its own constants, and no builtins."""
    return {
        "NA": ir.NA,
        "UNSET": runtime.UNSET,
        "date": dt.date,
        **{name: getattr(runtime, name) for name in runtime.HELPERS},
        "__builtins__": {},
        **consts,
    }


def compile_source(source: str, consts: dict[str, object], name: str, function: str) -> Evaluator:
    scope = namespace(consts)
    exec(compile(source, f"<eligo {name}>", "exec"), scope)  # our own generated code, compiled once
    evaluator: Evaluator = scope[function]  # type: ignore[assignment]
    return evaluator
