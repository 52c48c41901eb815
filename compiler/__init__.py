"""The Eligo compiler: load a knowledge base, check it, and compile guidelines into evaluators.

>>> import compiler
>>> kb = compiler.load("knowledge")                       # doctest: +SKIP
>>> guideline = kb.guideline("colorectal.liver_metastasectomy")  # doctest: +SKIP
>>> guideline.evaluate({"primary_site": "colorectal"}).explain()  # doctest: +SKIP
"""

__version__ = "0.1.0"

from eligo import ir
from eligo.cases import CaseError, CaseProblem, read_case
from eligo.compiled.guideline import ExampleRun, Guideline
from eligo.dsl.diagnostics import Diagnostic, EligoError
from eligo.kb.store import KnowledgeBase, load
from eligo.python.runtime import DecisionResult, Result, Step


def check_source(text: str, path: str = "<string>") -> list[Diagnostic]:
    """Every diagnostic of one guideline source checked on its own (its `use`s cannot resolve)."""
    from eligo.dsl.parser import parse_with_diagnostics
    from eligo.kb.store import SourceFile

    module, diagnostics = parse_with_diagnostics(text, path)
    kb = KnowledgeBase([SourceFile(path, text, module, diagnostics)])
    return kb.check()


__all__ = [
    "CaseError",
    "CaseProblem",
    "DecisionResult",
    "Diagnostic",
    "EligoError",
    "ExampleRun",
    "Guideline",
    "KnowledgeBase",
    "Result",
    "Step",
    "check_source",
    "ir",
    "load",
    "read_case",
]
