"""A program's compiled evaluators: the fast one, the traced one, and one-decision classifiers on demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eligo import ir
from eligo.python import runtime
from eligo.python.codegen import CodeGenerator
from eligo.python.completion import CompletionCodeGenerator, NotCompletable
from eligo.python.traced import TracedCodeGenerator, TraceSite

Evaluator = Callable[..., Any]


@dataclass
class Generated:
    fast: Evaluator
    traced: Evaluator
    source: str
    traced_source: str
    sites: list[TraceSite] = field(default_factory=list)
    program: ir.Program | None = field(default=None, repr=False)
    name: str = ""

    def completion(self, decision_key: str) -> Evaluator | None:
        """The decision's completion evaluator `evaluate(c, o)` (eligo.python.completion), or None if the decision
        observes the data in a way completions cannot keep apart."""
        assert self.program is not None
        generator = CompletionCodeGenerator(self.program, decision_key)
        try:
            source = generator.write()
            return compile_source(source, generator.consts, self.name, "evaluate")
        except (NotCompletable, SyntaxError, RecursionError, MemoryError):
            return None  # then the three-valued answer stands (sound), marked inexact

    def classifier(self, decision_key: str) -> tuple[Evaluator, str]:
        """A function of a prepared case returning the decision's outcome when decided, else None; and its source."""
        assert self.program is not None
        generator = CodeGenerator(self.program, (decision_key,), classify=True)
        source = generator.write()
        return compile_source(source, generator.consts, self.name, "classify"), source


def generate(program: ir.Program, name: str) -> Generated:
    """Write, compile and return both evaluators of `program`: the fast one and the traced one."""
    fast = CodeGenerator(program)
    fast_source = fast.write()
    traced = TracedCodeGenerator(program)
    traced_source = traced.write()
    return Generated(compile_source(fast_source, fast.consts, name, "evaluate"),
                     compile_source(traced_source, traced.consts, name, "evaluate"),
                     fast_source, traced_source, traced.sites, program, name)


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
