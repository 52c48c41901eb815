"""The Eligo compiler: load a knowledge base, check it, and compile guidelines into evaluators.

>>> import compiler
>>> kb = compiler.load("knowledge")                       # doctest: +SKIP
>>> guideline = kb.guideline("colorectal.liver_metastasectomy")  # doctest: +SKIP
>>> guideline.evaluate({"primary_site": "colorectal"}).explain()  # doctest: +SKIP
"""

__version__ = "0.1.0"

from compiler import ir
from compiler.cases import CaseError, CaseProblem, read_case
from compiler.guideline import ExampleRun, Guideline
from compiler.loader import KnowledgeBase, load
from compiler.runtime import DecisionResult, Result, Step
from dsl.diagnostics import Diagnostic, EligoError


def check_source(text: str, path: str = "<string>") -> list[Diagnostic]:
    """Every diagnostic of one guideline source checked on its own (its `use`s cannot resolve)."""
    from compiler.loader import SourceFile
    from dsl.parser import parse_with_diagnostics

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
